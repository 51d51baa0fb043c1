"""glassnet: deep learning on NumPy with its own reverse-mode autograd.

The public API::

    import glassnet as gn
    x = gn.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()            # x.grad == [[2., 4.]]
"""

from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import Device, cuda_available, default_dtype, device, set_default_dtype
from .tensor import Tensor, arange, as_tensor, full, ones, rand, randn, tensor, zeros

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "as_tensor", "zeros", "ones", "full", "rand", "randn", "arange",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "Device", "device", "cuda_available", "default_dtype", "set_default_dtype",
    "manual_seed",
]  # fmt: skip


def manual_seed(seed: int) -> None:
    """Seed glassnet's global random generator (initialisation, dropout, shuffling)."""
    from . import random as _random

    _random.manual_seed(seed)
