"""Layer, group and instance normalisation layers (PyTorch's names, arguments and state dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._errors import ShapeError
from ...backend import default_dtype
from ...ops import norm_composed as N
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import as_given, positive_int

__all__ = ["LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


def _eps(who: str, eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise ValueError(f"{who}: eps must be a positive float, got {eps!r}")
    return as_given(eps)


def _dtype(dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else default_dtype()


class LayerNorm(Module):
    """Normalise each sample over its last dimensions (Ba et al., 2016), as ``torch.nn.LayerNorm``.

    Parameters
    ----------
    normalized_shape : int or sequence of int
        The trailing shape to normalise over.
    eps : float, default 1e-5
    elementwise_affine : bool, default True
        Learn ``weight`` (ones) and ``bias`` (zeros) of shape ``normalized_shape``.
    bias : bool, default True
    device, dtype : optional

    Shape
    -----
    - Input: ``(*, *normalized_shape)``; Output: the same
    """

    def __init__(
        self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
        elementwise_affine: bool = True, bias: bool = True, device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not shape:
            raise ValueError("LayerNorm: normalized_shape must not be empty")
        for s in shape:
            positive_int("LayerNorm", "normalized_shape", s)
        self.normalized_shape = shape
        self.eps = _eps("LayerNorm", eps)
        self.elementwise_affine = bool(elementwise_affine)
        dt = _dtype(dtype)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[x.ndim - k :]) != self.normalized_shape:
            raise ShapeError(
                f"{self!r}: expected input of shape (*, {', '.join(map(str, self.normalized_shape))}), "
                f"got {x.shape}"
            )
        return N.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalise groups of channels of each sample (Wu & He, 2018), as ``torch.nn.GroupNorm``.

    Parameters
    ----------
    num_groups : int
        Must divide ``num_channels``.
    num_channels : int
    eps : float, default 1e-5
    affine : bool, default True
        Learn per-channel ``weight`` and ``bias``.
    device, dtype : optional
    bias : bool, default True
        Keyword-only, as in PyTorch: ``False`` learns ``weight`` only.

    Shape
    -----
    - Input: ``(N, C, *)``; Output: the same
    """

    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
        device: Any = None, dtype: Any = None, *, bias: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        self.num_groups = positive_int("GroupNorm", "num_groups", num_groups)
        self.num_channels = positive_int("GroupNorm", "num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                f"num_groups ({num_groups})"
            )
        self.eps = _eps("GroupNorm", eps)
        self.affine = bool(affine)
        dt = _dtype(dtype)
        if self.affine:
            self.weight = Parameter(np.ones(num_channels, dtype=dt))
        else:
            self.register_parameter("weight", None)
        if self.affine and bias:
            self.bias = Parameter(np.zeros(num_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        if device is not None:
            self.to(device)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(
                f"{self!r}: expected input of shape (N, {self.num_channels}, *), got {x.shape}"
            )
        return N.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _InstanceNorm(Module):
    _rank = 3

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
        bias: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        who = type(self).__name__
        self.num_features = positive_int(who, "num_features", num_features)
        self.eps = _eps(who, eps)
        if momentum is not None and (
            isinstance(momentum, bool) or not isinstance(momentum, (int, float))
            or not 0 <= momentum <= 1
        ):  # fmt: skip
            raise ValueError(f"{who}: momentum must be a float in [0, 1] or None, got {momentum!r}")
        # None: PyTorch's instance norm then passes momentum 0 (the running stats stay put)
        self.momentum = None if momentum is None else as_given(momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dt = _dtype(dtype)
        if self.affine:
            self.weight = Parameter(np.ones(num_features, dtype=dt))
        else:
            self.register_parameter("weight", None)
        if self.affine and bias:
            self.bias = Parameter(np.zeros(num_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dt))
            self.register_buffer("running_var", np.ones(num_features, dtype=dt))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        if device is not None:
            self.to(device)

    def forward(self, x: Tensor) -> Tensor:
        r = self._rank
        if x.ndim not in (r - 1, r):
            raise ShapeError(f"{self!r}: expected a {r - 1}-D or {r}-D input, got shape {x.shape}")
        batched = x if x.ndim == r else x.unsqueeze(0)
        if batched.shape[1] != self.num_features:
            raise ShapeError(
                f"{self!r}: expected {self.num_features} channels, got input of shape {x.shape}"
            )
        use_input = self.training or not self.track_running_stats
        update = self.training and self.track_running_stats
        # PyTorch keeps num_batches_tracked (for state-dict compatibility) but never counts it here
        out = N.instance_norm(
            batched, self.running_mean if update or not use_input else None,
            self.running_var if update or not use_input else None, self.weight, self.bias,
            use_input, 0.0 if self.momentum is None else self.momentum, self.eps,
        )  # fmt: skip
        return out if x.ndim == r else out.squeeze(0)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    """Normalise each channel of each sample over its length (Ulyanov et al., 2016).

    Parameters
    ----------
    num_features : int
    eps : float, default 1e-5
    momentum : float or None, default 0.1
        ``None`` leaves the running statistics unchanged (PyTorch passes momentum 0).
    affine : bool, default False
    track_running_stats : bool, default False
    device, dtype : optional
    bias : bool, default True
        Keyword-only: with ``affine``, also learn ``bias``.

    Shape
    -----
    - Input: ``(N, C, L)`` or ``(C, L)``; Output: the same
    """

    _rank = 3


class InstanceNorm2d(_InstanceNorm):
    """Normalise each channel of each image over its height and width.

    Parameters
    ----------
    num_features : int
    eps : float, default 1e-5
    momentum : float or None, default 0.1
        ``None`` leaves the running statistics unchanged (PyTorch passes momentum 0).
    affine : bool, default False
    track_running_stats : bool, default False
    device, dtype : optional
    bias : bool, default True
        Keyword-only: with ``affine``, also learn ``bias``.

    Shape
    -----
    - Input: ``(N, C, H, W)`` or ``(C, H, W)``; Output: the same
    """

    _rank = 4


class InstanceNorm3d(_InstanceNorm):
    """Normalise each channel of each volume over its depth, height and width.

    Parameters
    ----------
    num_features : int
    eps : float, default 1e-5
    momentum : float or None, default 0.1
        ``None`` leaves the running statistics unchanged (PyTorch passes momentum 0).
    affine : bool, default False
    track_running_stats : bool, default False
    device, dtype : optional
    bias : bool, default True
        Keyword-only: with ``affine``, also learn ``bias``.

    Shape
    -----
    - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``; Output: the same
    """

    _rank = 5
