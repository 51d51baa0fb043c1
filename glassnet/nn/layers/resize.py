"""Resizing and padding layers: ``Upsample`` and the ``*Pad*d`` family (PyTorch's names)."""

from __future__ import annotations

from typing import Any

from ..._validate import is_int
from ...ops import resize as Z
from ...tensor import Tensor
from ..module import Module
from ._checks import as_given

__all__ = [
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
    "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d",
    "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d",
    "ZeroPad3d", "ConstantPad3d", "ReflectionPad3d", "ReplicationPad3d", "CircularPad3d",
]  # fmt: skip


class Upsample(Module):
    """Resize the spatial axes by ``size`` or ``scale_factor`` (see :func:`glassnet.ops.resize.interpolate`).

    Parameters
    ----------
    size : int or tuple of int, optional
    scale_factor : float or tuple of float, optional
    mode : {'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear'}, default 'nearest'
    align_corners : bool, optional
    recompute_scale_factor : bool, optional

    Shape
    -----
    - Input: ``(N, C, *spatial)``; Output: ``(N, C, *resized)``
    """

    def __init__(
        self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
        align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError(f"{type(self).__name__}: give exactly one of size and scale_factor")
        if isinstance(scale_factor, (tuple, list)):  # PyTorch keeps the factors as floats
            scale_factor = tuple(float(f) for f in scale_factor)
        elif scale_factor is not None:
            scale_factor = float(scale_factor)
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return Z.interpolate(
            x, self.size, self.scale_factor, self.mode, self.align_corners,
            self.recompute_scale_factor,
        )  # fmt: skip

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(..., mode='nearest')`` for ``(N, C, H, W)``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(..., mode='bilinear', align_corners=True)`` for ``(N, C, H, W)``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, "bilinear", align_corners=True)


class _Pad(Module):
    _mode = "constant"
    _axes = 1

    def __init__(self, padding: int | tuple[int, ...], value: float = 0.0) -> None:
        super().__init__()
        n = 2 * self._axes
        pad = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(pad) != n or any(not is_int(p) for p in pad):
            raise ValueError(f"{type(self).__name__}: padding must be an int or {n} ints, got {padding!r}")
        self.padding, self.value = pad, as_given(value)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (self._axes + 1, self._axes + 2):
            raise ValueError(
                f"{self!r}: expected a {self._axes + 1}-D or {self._axes + 2}-D input, got {x.shape}"
            )
        value = self.value if self._mode == "constant" else None
        try:
            return Z.pad(x, self.padding, self._mode, value)
        except ValueError as err:  # name the layer: its padding does not fit this input
            raise ValueError(f"{type(self).__name__}: {err}") from err

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    """A padding with ``value``, shown as PyTorch shows it."""

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last axis with ``value``: ``padding`` is ``int`` or ``(left, right)``."""

    def __init__(self, padding: int | tuple[int, int], value: float) -> None:
        super().__init__(padding, value)


class ConstantPad2d(_ConstantPad):
    """Pad the last two axes with ``value``: ``(left, right, top, bottom)``."""

    _axes = 2

    def __init__(self, padding: int | tuple[int, int, int, int], value: float) -> None:
        super().__init__(padding, value)


class ZeroPad1d(_Pad):
    """Pad the last axis with zeros."""

    def __init__(self, padding: int | tuple[int, int]) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(_Pad):
    """Pad the last two axes with zeros: ``(left, right, top, bottom)``."""

    _axes = 2

    def __init__(self, padding: int | tuple[int, int, int, int]) -> None:
        super().__init__(padding, 0.0)


class _EdgePad(_Pad):
    """A padding that copies values from the input (no ``value``), as PyTorch's take ``padding`` only."""

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding, 0.0)


class ReflectionPad1d(_EdgePad):
    """Mirror the last axis about its edges (edges not repeated)."""

    _mode = "reflect"


class ReflectionPad2d(_EdgePad):
    """Mirror the last two axes about their edges."""

    _mode, _axes = "reflect", 2


class ReplicationPad1d(_EdgePad):
    """Repeat the edge values of the last axis."""

    _mode = "replicate"


class ReplicationPad2d(_EdgePad):
    """Repeat the edge values of the last two axes."""

    _mode, _axes = "replicate", 2


class CircularPad1d(_EdgePad):
    """Wrap the last axis around."""

    _mode = "circular"


class CircularPad2d(_EdgePad):
    """Wrap the last two axes around."""

    _mode, _axes = "circular", 2


class ConstantPad3d(_ConstantPad):
    """Pad the last three axes with ``value``: ``(left, right, top, bottom, front, back)``."""

    _axes = 3

    def __init__(self, padding: int | tuple[int, ...], value: float) -> None:
        super().__init__(padding, value)


class ZeroPad3d(_Pad):
    """Pad the last three axes with zeros: ``(left, right, top, bottom, front, back)``."""

    _axes = 3

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding, 0.0)


class ReflectionPad3d(_EdgePad):
    """Mirror the last three axes about their edges."""

    _mode, _axes = "reflect", 3


class ReplicationPad3d(_EdgePad):
    """Repeat the edge values of the last three axes."""

    _mode, _axes = "replicate", 3


class CircularPad3d(_EdgePad):
    """Wrap the last three axes around."""

    _mode, _axes = "circular", 3
