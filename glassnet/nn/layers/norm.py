"""Batch normalisation layers: ``BatchNorm1d`` and ``BatchNorm2d``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._errors import ShapeError
from ..._validate import is_number
from ...backend import default_dtype
from ...ops.norm import batch_norm
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import as_given, positive_int


class _BatchNorm(Module):
    """Shared parameters, running statistics and forward of the batch-norm layers."""

    _ranks: tuple[int, ...] = ()
    _shape_text = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        self.num_features = positive_int(who, "num_features", num_features)
        if not is_number(eps) or not eps > 0:
            raise ValueError(f"{who}: eps must be a positive float, got {eps!r}")
        if momentum is not None and (not is_number(momentum) or not 0.0 <= momentum <= 1.0):
            raise ValueError(f"{who}: momentum must be a float in [0, 1] or None, got {momentum!r}")
        self.eps = as_given(eps)
        self.momentum = None if momentum is None else as_given(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
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
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        if device is not None:
            self.to(device)

    def adapt_state_dict(self, state: Any, prefix: str) -> Any:
        """A state dict without ``num_batches_tracked`` (saved before torch tracked it, or
        written by hand) keeps this layer's count, as torch does for a dict with no version
        ``_metadata`` of 2 or more. ``Module.load_state_dict`` calls this first; the dict
        passed in is not modified."""
        key = prefix + "num_batches_tracked"
        if self.num_batches_tracked is None or key in state:
            return state
        meta = getattr(state, "_metadata", None) or {}
        version = meta.get(prefix[:-1], {}).get("version")
        if version is not None and version >= 2:
            return state
        filled = dict(state)
        filled[key] = self.num_batches_tracked.array.copy()
        return filled

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, ``weight`` to 1 and ``bias`` to 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, x: Tensor) -> None:
        """Refuse an input of the wrong rank; torch's hook, which a subclass may replace."""
        if not self._ranks:
            raise NotImplementedError(
                f"{type(self).__name__}: a subclass of _BatchNorm defines _check_input_dim"
            )
        if x.ndim not in self._ranks:
            raise ShapeError(
                f"{self!r}: expected input of shape {self._shape_text}, got {tuple(x.shape)}"
            )

    def forward(self, x: Tensor) -> Tensor:
        self._check_input_dim(x)
        shape = tuple(x.shape)
        if len(shape) > 1 and shape[1] != self.num_features:
            raise ShapeError(
                f"{self!r}: expected input of shape {self._shape_text} with "
                f"C={self.num_features}, got {shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array[...] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.array)
        use_batch_stats = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over ``(N, C)`` features or ``(N, C, L)`` sequences.

    In training each channel is normalised with the batch's mean and (biased)
    variance, then scaled by ``weight`` and shifted by ``bias``; the running
    statistics are updated as ``r = (1 - momentum) * r + momentum * batch_stat``
    (unbiased variance). In evaluation the running statistics are used.

    Parameters
    ----------
    num_features : int
        ``C``.
    eps : float, default 1e-5
    momentum : float or None, default 0.1
        ``None`` keeps a cumulative (equal-weight) average of all batches.
    affine : bool, default True
        Learn ``weight`` (init 1) and ``bias`` (init 0).
    track_running_stats : bool, default True
        Keep ``running_mean``/``running_var``/``num_batches_tracked`` buffers
        (PyTorch's names, so state dicts interchange); without them batch
        statistics are used in evaluation too.
    device, dtype : optional
        Where the parameters and buffers live and their dtype.
    bias : bool, default True
        Keyword-only: with ``affine``, also learn the shift ``bias`` (PyTorch 2.13's argument).

    Arguments are PyTorch's, in PyTorch's order: ``BatchNorm2d(64, 1e-3, 0.01)``.

    Shape
    -----
    - Input: ``(N, C)`` or ``(N, C, L)``
    - Output: same as the input
    """

    _ranks = (2, 3)
    _shape_text = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images, per channel over ``(N, H, W)``.

    Parameters
    ----------
    num_features : int
        ``C``.
    eps : float, default 1e-5
    momentum : float or None, default 0.1
        ``None`` keeps a cumulative (equal-weight) average of all batches.
    affine : bool, default True
    track_running_stats : bool, default True
    device, dtype : optional
    bias : bool, default True
        Keyword-only, as in PyTorch.

    Shape
    -----
    - Input: ``(N, C, H, W)``
    - Output: ``(N, C, H, W)``
    """

    _ranks = (4,)
    _shape_text = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of volumes, per channel over ``(N, D, H, W)``.

    Parameters
    ----------
    num_features : int
        ``C``.
    eps : float, default 1e-5
    momentum : float or None, default 0.1
        ``None`` keeps a cumulative (equal-weight) average of all batches.
    affine : bool, default True
    track_running_stats : bool, default True
    device, dtype : optional
    bias : bool, default True
        Keyword-only, as in PyTorch.

    Shape
    -----
    - Input: ``(N, C, D, H, W)``
    - Output: ``(N, C, D, H, W)``
    """

    _ranks = (5,)
    _shape_text = "(N, C, D, H, W)"


__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]
