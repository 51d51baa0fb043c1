"""``python -m glassnet ...`` runs the ``glassnet`` command line."""

import sys

from .cli.main import main

sys.exit(main())
