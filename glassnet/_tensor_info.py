"""Tensor methods that describe a tensor or stand in for complex-number and memory features:
``stride``, ``storage_offset``, ``data_ptr``, ``is_signed``, ``is_complex``, ``conj``,
``real``/``imag``, ``mH``/``H``/``adjoint``, ``pin_memory``/``is_pinned``,
``is_nonzero``, ``positive``, ``fix`` and ``sum_to_size``.

glassnet has no complex dtype, so the complex ones answer as torch does for a real
tensor (``conj()`` and ``real`` are the tensor itself, ``imag`` raises). :class:`InfoMethods`
is attached to ``Tensor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backend import cuda_available
from .tensor import Tensor

__all__ = ["InfoMethods"]


class InfoMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    def is_nonzero(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(
                f"is_nonzero: expected a tensor with one element, got {self.numel()} "
                "(Boolean value of Tensor with more than one value is ambiguous)"
            )
        return bool(self.array.reshape(()))

    def is_signed(self) -> bool:
        return self.dtype.kind in "if"

    def is_complex(self) -> bool:
        return False

    def conj(self) -> Tensor:
        """``self``: a real tensor is its own conjugate (as torch returns it)."""
        return self

    def resolve_conj(self) -> Tensor:
        return self

    def resolve_neg(self) -> Tensor:
        return self

    def positive(self) -> Tensor:
        return self

    def fix(self) -> Tensor:
        return self.trunc()

    def stride(self, dim: int | None = None) -> Any:
        """Strides in elements (not bytes), as torch's."""
        steps = tuple(s // self.array.itemsize for s in self.array.strides)
        return steps if dim is None else steps[dim]

    def storage_offset(self) -> int:
        """Elements between the start of the base's memory and this tensor's first entry."""
        base = self.array
        while isinstance(base.base, np.ndarray):
            base = base.base
        start = self.array.__array_interface__["data"][0] if self.array.size else 0
        origin = base.__array_interface__["data"][0] if base.size else start
        return (start - origin) // self.array.itemsize

    def data_ptr(self) -> int:
        """The address of the first entry (as torch's, for telling shared memory apart)."""
        iface = getattr(self.array, "__array_interface__", None)
        if iface is None:
            return int(self.array.data.ptr)  # a CuPy array
        return int(iface["data"][0])

    @property
    def mH(self) -> Tensor:  # noqa: N802 - torch's name
        """The transpose of the last two axes (real tensors: ``mT``)."""
        return self.transpose(-2, -1)

    @property
    def H(self) -> Tensor:  # noqa: N802 - torch's name
        if self.ndim > 2:
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D), got {self.ndim}-D")
        return self.transpose(0, 1) if self.ndim == 2 else self

    def adjoint(self) -> Tensor:
        return self.transpose(-2, -1)

    @property
    def real(self) -> Tensor:
        return self

    @property
    def imag(self) -> Tensor:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")

    def pin_memory(self, device: Any = None) -> Tensor:
        """As torch's without a GPU: an error (page-locked memory is for copies to a GPU).
        With one, ``self`` (CuPy copies from ordinary memory)."""
        if not cuda_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self

    def is_pinned(self, device: Any = None) -> bool:
        return False

    def sum_to_size(self, *size: Any) -> Tensor:
        """``self`` summed down to ``size`` (which it must broadcast from)."""
        shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
        lead = self.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and self.shape[lead + i] != 1
        )
        out = self.sum(axes, keepdim=True) if axes else self
        return out.reshape(*shape)
