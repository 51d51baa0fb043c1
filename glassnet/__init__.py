"""glassnet: deep learning on NumPy with its own reverse-mode autograd.

The public API::

    import glassnet as gn
    x = gn.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()            # x.grad == [[2., 4.]]
"""

from . import (
    _tensor_methods,  # noqa: F401  (attaches Tensor's operators and methods)
    functional,
    nn,
    optim,
)
from . import random as _random
from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import Device, cuda_available, default_dtype, device, set_default_dtype
from .ops._parallel import num_threads as get_num_threads
from .ops._parallel import set_num_threads
from .tensor import Size, Tensor, arange, as_tensor, full, ones, rand, randn, tensor, zeros

__version__ = "0.1.0"

# Heavier parts load on first use: gn.data, gn.train, gn.explain, gn.io, gn.models, ...
_LAZY = ("data", "train", "explain", "io", "models", "distributed", "testing", "random")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


__all__ = [
    "Size", "Tensor", "tensor", "as_tensor", "zeros", "ones", "full", "rand", "randn", "arange",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "Device", "device", "cuda_available", "default_dtype", "set_default_dtype",
    "get_num_threads", "set_num_threads", "manual_seed", "functional", "nn", "optim", *_LAZY,
]  # fmt: skip


def manual_seed(seed: int) -> None:
    """Seed glassnet's global random generator (initialisation, dropout, shuffling)."""
    _random.manual_seed(seed)
