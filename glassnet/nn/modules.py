"""``torch.nn.modules`` and its submodules, as one module: the layers and their base classes.

PyTorch keeps its layers in ``torch.nn.modules.<family>`` (``loss``, ``batchnorm``,
``conv``, ``utils``, ...) and code written against it imports from there: a custom loss
subclasses ``torch.nn.modules.loss._Loss``, weight-initialisation code asks
``isinstance(m, nn.modules.batchnorm._BatchNorm)``, a custom convolution reads its
arguments with ``torch.nn.modules.utils._pair``, and a checkpoint saved from
``DataParallel`` is loaded after ``consume_prefix_in_state_dict_if_present``. Under
``glassnet run`` every one of those submodules (and ``torch.nn.common_types``) is this
module, as every submodule of ``torch.utils.data`` is ``glassnet.utils.data``.

It holds every layer class of :mod:`glassnet.nn` and the base classes under torch's
names. Where glassnet's layers share a real base class, torch's name is that class
(``_BatchNorm``, ``_InstanceNorm``, ``_ConvTransposeNd``, ``RNNBase``, ``RNNCellBase``,
``_Loss``, ``_WeightedLoss``), so subclassing it works as in PyTorch. The other base
classes (``_ConvNd``, ``_NormBase``, ``_DropoutNd``, ``_MaxPoolNd``, ``_AvgPoolNd``,
``_AdaptiveAvgPoolNd``, ``_AdaptiveMaxPoolNd``) are abstract: glassnet's layers of that
family are registered with them, so ``isinstance`` answers as in PyTorch, and a class
deriving from one is a plain :class:`~glassnet.nn.Module` (``_DropoutNd`` and
``_MaxPoolNd`` also take torch's constructor arguments).
"""

from __future__ import annotations

import collections.abc
import inspect
import sys
from abc import ABCMeta
from collections.abc import Mapping
from itertools import repeat
from typing import Any

from .layers.conv import _ConvBase
from .layers.conv_transpose import _ConvTransposeNd
from .layers.dropout import Dropout
from .layers.dropout_more import _DropoutBase
from .layers.lazy import _LazyModule
from .layers.norm import _BatchNorm
from .layers.norm_more import _InstanceNorm
from .layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .layers.pooling3d import AdaptiveMaxPool3d, AvgPool3d, MaxPool3d
from .layers.pooling_more import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    MaxPool1d,
)
from .layers.rnn import _RNNBase
from .layers.rnn_cells import _CellBase
from .loss import _Loss, _WeightedLoss  # noqa: F401  (torch's names, served from here)
from .module import Module

__path__: list[str] = []  # a package to the import system: torch.nn.modules.loss is this module

#: torch's names for glassnet's shared base classes.
RNNBase = _RNNBase
RNNCellBase = _CellBase
LazyModuleMixin = _LazyModule

# torch.nn.common_types: the size arguments' type aliases
_scalar_or_tuple_any_t = Any | tuple
_size_any_t = int | tuple[int, ...]
_size_1_t = int | tuple[int]
_size_2_t = int | tuple[int, int]
_size_3_t = int | tuple[int, int, int]
_size_4_t = int | tuple[int, int, int, int]
_size_5_t = int | tuple[int, int, int, int, int]
_size_6_t = int | tuple[int, int, int, int, int, int]
_ratio_2_t = float | tuple[float, float]
_ratio_3_t = float | tuple[float, float, float]
_ratio_any_t = float | tuple[float, ...]

# torch's submodule names, so that attribute chains such as
# ``nn.modules.batchnorm._BatchNorm`` resolve without an import
_SUBMODULES = (
    "activation", "adaptive", "batchnorm", "channelshuffle", "container", "conv", "distance",
    "dropout", "flatten", "fold", "instancenorm", "lazy", "linear", "loss", "module",
    "normalization", "padding", "pixelshuffle", "pooling", "rnn", "sparse", "transformer",
    "upsampling", "utils", "common_types",
)  # fmt: skip
globals().update(dict.fromkeys(_SUBMODULES, sys.modules[__name__]))


def adopt(namespace: Mapping[str, Any]) -> None:
    """Take in the Module classes of ``namespace`` (``glassnet.nn`` calls this with its own
    names once its layers are imported).

    Parameters
    ----------
    namespace : mapping
        Names to objects; the public ones that are Module subclasses are kept.
    """
    globals().update({name: obj for name, obj in namespace.items()
                      if not name.startswith("_") and inspect.isclass(obj)
                      and issubclass(obj, Module)})  # fmt: skip


# ------------------------------------------------------------ abstract families
class _ConvNd(Module, metaclass=ABCMeta):
    """torch's base of every convolution, transposed ones included (``isinstance`` checks)."""


class _NormBase(Module, metaclass=ABCMeta):
    """torch's common base of the batch and instance norms (``isinstance`` checks)."""


class _DropoutNd(Module, metaclass=ABCMeta):
    """torch's base of the dropout layers: ``p`` and ``inplace``, checked."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p must be a probability in [0, 1], got {p!r}")
        self.p, self.inplace = float(p), bool(inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _MaxPoolNd(Module, metaclass=ABCMeta):
    """torch's base of the max pools: the window arguments, stored as given."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")  # fmt: skip


class _AvgPoolNd(Module, metaclass=ABCMeta):
    """torch's base of the average pools (``isinstance`` checks)."""


class _AdaptiveAvgPoolNd(Module, metaclass=ABCMeta):
    """torch's base of the adaptive average pools (``isinstance`` checks)."""


class _AdaptiveMaxPoolNd(Module, metaclass=ABCMeta):
    """torch's base of the adaptive max pools (``isinstance`` checks)."""


for _family, _members in (
    (_ConvNd, (_ConvBase, _ConvTransposeNd)),
    (_NormBase, (_BatchNorm, _InstanceNorm)),
    (_DropoutNd, (Dropout, _DropoutBase)),
    (_MaxPoolNd, (MaxPool1d, MaxPool2d, MaxPool3d)),
    (_AvgPoolNd, (AvgPool1d, AvgPool2d, AvgPool3d)),
    (_AdaptiveAvgPoolNd, (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d)),
    (_AdaptiveMaxPoolNd, (AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d)),
):
    for _member in _members:
        _family.register(_member)


# ------------------------------------------------------- torch.nn.modules.utils
def _ntuple(n: int, name: str = "parse") -> Any:
    """A function that repeats a single value ``n`` times and turns an iterable into a tuple."""

    def parse(x: Any) -> tuple:
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t: Any, n: int) -> tuple:
    """Each element of ``t`` in reverse order, repeated ``n`` times: ``F.pad``'s order of a
    convolution's ``padding``."""
    return tuple(x for x in reversed(t) for _ in range(n))


def consume_prefix_in_state_dict_if_present(state_dict: dict, prefix: str) -> None:
    """Strip ``prefix`` from the keys that start with it, in place (also in the metadata).

    Parameters
    ----------
    state_dict : dict (an OrderedDict keeps its order)
        Typically from a model wrapped in ``DataParallel``, keys ``module.<name>``.
    prefix : str
        For example ``"module."``.
    """
    for key in [k for k in state_dict if k.startswith(prefix)]:
        state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if isinstance(metadata, dict):
        for key in [k for k in metadata if k == prefix[:-1] or k.startswith(prefix)]:
            new = "" if key == prefix[:-1] else key[len(prefix):]
            metadata[new] = metadata.pop(key)
