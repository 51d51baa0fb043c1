"""``torch.serialization``: ``save``/``load`` (glassnet's) and the safe-globals registry.

``torch.serialization.add_safe_globals([...])`` (and the ``safe_globals`` block) is what
torch 2.6+ scripts call so that ``torch.load(weights_only=True)`` accepts objects of their
own classes. glassnet records the list, so that a script that calls it runs on, but never
rebuilds such objects from a file (that would run their code): a file that holds one is
refused, and the message says the class was registered. Files of tensors, Parameters and
plain containers load as they do without it.
"""

from __future__ import annotations

from .io.serialization import load, save
from .io.torch_file import (
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)

__all__ = [
    "load", "save", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
    "DEFAULT_PROTOCOL",
]  # fmt: skip

#: torch's default pickle protocol number (glassnet writes safetensors files instead).
DEFAULT_PROTOCOL = 2
