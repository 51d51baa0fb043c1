"""Bicubic resizing (``F.interpolate(mode="bicubic")``): the ``ResizeCubic`` op.

PyTorch's bicubic interpolation is separable: each output row mixes four
input rows with the cubic-convolution weights of its source position
(``A = -0.75``, taps outside the image clamped to the edge), then likewise
along the width. The op holds those weights as two small matrices,
``out = W_h @ x @ W_w.T``, so its backward is ``W_h.T @ g @ W_w`` and it
exports as one ONNX ``Resize`` (``mode="cubic"``, ``cubic_coeff_a=-0.75``,
``half_pixel`` or ``align_corners`` coordinates), which gives PyTorch's values
in onnxruntime.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["ResizeCubic", "resize_cubic", "cubic_matrix"]

_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution coefficient


def _cubic_weights(t: np.ndarray) -> np.ndarray:
    """The 4 cubic-convolution weights of the taps at offsets -1, 0, 1, 2 from ``floor(src)``."""
    a = _CUBIC_A

    def near(d: np.ndarray) -> np.ndarray:  # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d: np.ndarray) -> np.ndarray:  # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=-1)


def cubic_matrix(n_in: int, n_out: int, scale: float, align_corners: bool) -> np.ndarray:
    """``(n_out, n_in)`` bicubic weights: PyTorch's source positions (not clamped at 0)
    and its clamped taps (the edge values repeat).

    Parameters
    ----------
    n_in, n_out : int
        Input and output lengths of the axis.
    scale : float
        Source pixels per output pixel (``1 / scale_factor``, or ``n_in / n_out``);
        unused with ``align_corners``.
    align_corners : bool
    """
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = (dst + 0.5) * scale - 0.5
    base = np.floor(src)
    weights = _cubic_weights(src - base)
    mat = np.zeros((n_out, n_in))
    rows = np.repeat(np.arange(n_out), 4)
    taps = np.clip(base[:, None].astype(np.int64) + np.arange(-1, 3), 0, n_in - 1)
    np.add.at(mat, (rows, taps.ravel()), weights.ravel())
    return mat


class ResizeCubic(Function):
    """Bicubic resize of the last two axes of ``(N, C, H, W)`` to ``sizes``.

    Attributes (keyword): ``sizes`` (H_out, W_out); ``scale_factors``, the caller's
    ``(s_h, s_w)`` that position the samples (``1 / s``), or None when the positions come
    from the sizes (``H / H_out``); ``align_corners``.
    """

    def forward(
        self, x: Any, *, sizes: tuple[int, int], scale_factors: tuple[float, float] | None,
        align_corners: bool,
    ) -> Any:  # fmt: skip
        xp = get_array_module(x)
        self.sizes, self.scale_factors, self.align_corners = sizes, scale_factors, align_corners
        mats = []
        for k, (n_in, n_out) in enumerate(zip(x.shape[-2:], sizes)):
            scale = n_in / n_out if scale_factors is None else 1.0 / scale_factors[k]
            mats.append(xp.asarray(cubic_matrix(n_in, n_out, scale, align_corners).astype(x.dtype)))
        wh, ww = mats
        if self.requires_grad:
            self.wh, self.ww = wh, ww
        return xp.matmul(xp.matmul(wh, x), ww.T)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return xp.matmul(xp.matmul(self.wh.T, g), self.ww)


def resize_cubic(
    x: Tensor, sizes: tuple[int, int], scale_factors: tuple[float, float] | None,
    align_corners: bool,
) -> Tensor:  # fmt: skip
    """Bicubic resize of ``(N, C, H, W)`` to ``(N, C, *sizes)``, as PyTorch's.

    Parameters
    ----------
    x : Tensor, shape (N, C, H, W)
    sizes : (int, int)
        The output's height and width.
    scale_factors : (float, float) or None
        The scale factors the caller gave (sample positions ``(i + 0.5) / s - 0.5``), or
        None to position by the sizes (PyTorch's rule with ``size=`` or
        ``recompute_scale_factor=True``).
    align_corners : bool

    Returns
    -------
    Tensor, shape (N, C, sizes[0], sizes[1])
    """
    factors = None if scale_factors is None else tuple(float(s) for s in scale_factors)
    return ResizeCubic.apply(
        x, sizes=tuple(int(n) for n in sizes), scale_factors=factors,
        align_corners=bool(align_corners),
    )  # fmt: skip
