"""glassnet: deep learning on NumPy with its own reverse-mode autograd.

The public API::

    import glassnet as gn
    x = gn.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()            # x.grad == [[2., 4.]]
"""

import builtins as _builtins

from . import (
    _creation,
    _dtypes,
    _tensor_methods,  # noqa: F401  (attaches Tensor's operators and methods)
    _torch_config,
    _torch_elementwise,
    _torch_functions,
    _torch_math,
    _torch_more,
    _torch_nn_top,
    _torch_scatter_views,
    _torch_shapes,
    amp,
    distributions,
    functional,
    jit,
    linalg,
    nn,
    optim,
    return_types,
    special,
)
from . import random as _random
from ._creation import *  # noqa: F403  (torch's creation functions: zeros_like, eye, randint, ...)
from ._creation import as_tensor, full
from ._dtypes import *  # noqa: F403  (dtype objects: glassnet.float32, glassnet.long, ...)
from ._dtypes import BUILTIN_NAMES as _BUILTIN_NAMES
from ._memory_format import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from ._tensor_flags import layout, strided
from ._torch_config import *  # noqa: F403  (set_float32_matmul_precision, seed, compile, ...)
from ._torch_elementwise import *  # noqa: F403  (asinh, fmax, bitwise_and, ...)
from ._torch_foreach import *  # noqa: F403  (torch._foreach_add_, _foreach_lerp_, ...)
from ._torch_functions import *  # noqa: F403  (torch's top-level functions: cat, max, where, ...)
from ._torch_math import *  # noqa: F403  (addcmul, cross, kron, cov, broadcast_tensors, ...)
from ._torch_more import *  # noqa: F403  (tensordot, diagonal, quantile, searchsorted, ...)
from ._torch_nn_top import *  # noqa: F403  (torch.conv2d, torch.dropout, torch.layer_norm, ...)
from ._torch_random import manual_seed
from ._torch_scatter_views import *  # noqa: F403  (select_scatter, slice_scatter, ...)
from ._torch_shapes import *  # noqa: F403  (broadcast_tensors, atleast_2d, cov, histc, ...)
from ._torch_version import __version__
from .amp import autocast
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import Device, cuda_available, default_dtype, device, set_default_dtype
from .func import vmap
from .ops._parallel import num_threads as get_num_threads
from .ops._parallel import set_num_threads
from .ops.matrix_exp import matrix_exp
from .random import Generator
from .special import digamma, exp2, i0, lgamma, mvlgamma, polygamma, sinc
from .tensor import Size, Tensor, arange, ones, rand, randn, tensor, zeros

# Heavier parts load on first use: gn.data, gn.train, gn.explain, gn.io, gn.models, ...
_LAZY = (
    "data", "train", "explain", "io", "models", "distributed", "testing", "random",
    "utils", "vision", "cuda", "accelerator", "backends", "onnx", "hub",
    "profiler",
)  # fmt: skip
# torch.save / torch.load's names, found in glassnet.io.serialization on first use
_LAZY_FUNCTIONS = {"save": "io.serialization", "load": "io.serialization"}


def __getattr__(name: str):
    if name in _LAZY or name in _LAZY_FUNCTIONS:
        import importlib

        if name in _LAZY:
            return importlib.import_module(f".{name}", __name__)
        return getattr(importlib.import_module(f".{_LAZY_FUNCTIONS[name]}", __name__), name)
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


__all__ = [
    "Size", "Tensor", "tensor", "as_tensor", "zeros", "ones", "full", "rand", "randn", "arange",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "is_inference_mode_enabled",
    "vmap",
    "Device", "device", "cuda_available", "default_dtype", "set_default_dtype",
    "get_num_threads", "set_num_threads", "manual_seed", "functional", "linalg", "nn", "optim",
    "amp", "autocast", "distributions", "special",
    "lgamma", "digamma", "polygamma", "mvlgamma", "sinc", "exp2", "matrix_exp", "i0",
    *_LAZY,
    "return_types", "inference_mode", "Generator",
    *_creation.__all__, *_dtypes.__all__,
    # ``from glassnet import *`` must not shadow Python's max, sum, abs, round, ...
    *(name for name in _torch_functions.__all__ if not hasattr(_builtins, name)),
    *_torch_more.__all__,
    *(name for name in _torch_config.__all__ if not hasattr(_builtins, name)),
    *(name for name in _torch_math.__all__ if name != "MathMethods"),
    *_torch_nn_top.__all__,
    *(name for name in _torch_shapes.__all__ if name != "ShapeMethods"),
    *(name for name in _torch_elementwise.__all__ if name != "ElementwiseMethods"),
    *(name for name in _torch_scatter_views.__all__ if name != "ScatterViewMethods"),
    "layout", "strided", "memory_format", "contiguous_format", "channels_last",
    "channels_last_3d", "preserve_format",
    *_LAZY_FUNCTIONS,
]  # fmt: skip


#: ``glassnet.float``/``int``/``bool``: float32, int32, bool as in PyTorch (set last: this
#: module's own code above still sees Python's builtins).
globals().update(_BUILTIN_NAMES)
