"""Tensor properties torch code tests before acting: where a tensor lives (``is_cpu``,
``get_device()``), its layout and kind (``layout``, ``is_sparse``, ``is_quantized``,
``is_meta``, ``is_nested``, ``is_inference()``), and whether it is shared between
processes (``is_shared()``, ``share_memory_()``).

glassnet's tensors are dense, strided, unquantised arrays of one process, so these give
torch's answers for such a tensor. :class:`FlagMethods` is attached to ``Tensor``;
:data:`strided` is ``torch.strided``.
"""

from __future__ import annotations

from .tensor import Tensor

__all__ = ["layout", "strided", "FlagMethods"]


class layout:  # noqa: N801 - torch's name
    """``torch.layout``: how a tensor's entries are laid out (glassnet has one, strided)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


strided = layout("strided")


class FlagMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    def get_device(self) -> int:
        """-1 on the CPU, else the GPU's index (torch's convention)."""
        return -1 if self.device.type == "cpu" else int(self.device.index or 0)

    @property
    def layout(self) -> layout:
        return strided

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def is_nested(self) -> bool:
        return False

    def is_inference(self) -> bool:
        """False: glassnet's ``inference_mode`` is ``no_grad``, whose tensors are ordinary."""
        return False

    def is_shared(self) -> bool:
        return False

    def share_memory_(self) -> Tensor:
        """``self``: glassnet runs in one process (``torch.multiprocessing`` is refused by
        name), so there is no other process to share with."""
        return self

    def is_same_size(self, other: Tensor) -> bool:
        return tuple(self.shape) == tuple(other.shape)

    @property
    def retains_grad(self) -> bool:
        """True after :meth:`retain_grad` on a non-leaf tensor."""
        ctx = self._ctx
        kept = None if ctx is None else ctx.__dict__.get("retained", {}).get(self._index)
        return kept is not None and kept() is self

    @property
    def output_nr(self) -> int:
        """Which output of the op that made this tensor it is (0 for a leaf)."""
        return 0 if self._ctx is None else int(self._index)
