"""Local response normalisation across channels, composed from padding and average pooling.

``y = x / (k + alpha * mean_window(x^2))^beta``, the mean taken over ``size``
neighbouring channels with zeros beyond the edges (always divided by
``size``), as PyTorch's ``F.local_response_norm``. Gradients and ONNX export
come from the ops it is built of.
"""

from __future__ import annotations

from .._validate import positive_int
from ..tensor import Tensor
from . import pool as P
from .arithmetic import add, div, mul, pow
from .resize import pad
from .shape import reshape

__all__ = ["local_response_norm"]


def local_response_norm(
    input: Tensor,  # noqa: A002
    size: int,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 1.0,
) -> Tensor:
    """Normalise each entry by the energy of its ``size`` neighbouring channels.

    ``y[n, c] = x[n, c] / (k + alpha / size * sum_{c'} x[n, c']^2)^beta`` with
    ``c'`` running over ``c - size//2 .. c + (size-1)//2`` (missing channels are 0).

    Parameters
    ----------
    input : Tensor, shape (N, C, *)
        At least 3 dims.
    size : int
        Channels in the window.
    alpha : float, default 1e-4
    beta : float, default 0.75
    k : float, default 1.0

    Returns
    -------
    Tensor, shape (N, C, *)
    """
    who = "local_response_norm"
    size = positive_int(who, "size", size)
    if input.ndim < 3:
        raise ValueError(
            f"{who}: expected input of shape (N, C, *) with at least 3 dims, got {input.shape}"
        )
    if input.numel() == 0:
        return mul(input, 1.0)
    n, c = input.shape[:2]
    sq = reshape(mul(input, input), (n, 1, c, -1))
    sq = pad(sq, (0, 0, size // 2, (size - 1) // 2))
    mean = reshape(P.avg_pool2d(sq, (size, 1), 1), input.shape)
    return div(input, pow(add(mul(mean, float(alpha)), float(k)), float(beta)))
