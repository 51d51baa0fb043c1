"""``glassnet.functional`` is :mod:`glassnet.nn.functional`: one module under two names.

``import glassnet.functional as F`` and ``import glassnet.nn.functional as F``
give the same module object (the home of the functional ops, as
``torch.nn.functional``).
"""

import sys

from .nn import functional as _functional

sys.modules[__name__] = _functional
