"""``LocalResponseNorm``: normalise each entry by the energy of its neighbouring channels."""

from __future__ import annotations

from ..._validate import is_number
from ...ops.local_response_norm import local_response_norm
from ...tensor import Tensor
from ..module import Module
from ._checks import as_given, positive_int

__all__ = ["LocalResponseNorm"]


def _number(name: str, value: float) -> float:
    if not is_number(value):
        raise ValueError(f"LocalResponseNorm: {name} must be a number, got {value!r}")
    return as_given(value)


class LocalResponseNorm(Module):
    """``y = x / (k + alpha * mean_window(x^2))^beta`` over ``size`` neighbouring channels.

    The mean is taken over channels ``c - size//2 .. c + (size-1)//2`` with zeros
    beyond the edges, always divided by ``size`` (PyTorch's formula).

    Parameters
    ----------
    size : int
        Channels in the window.
    alpha : float, default 1e-4
    beta : float, default 0.75
    k : float, default 1.0

    Shape
    -----
    - Input: ``(N, C, *)``, at least 3 dims
    - Output: ``(N, C, *)``
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = positive_int("LocalResponseNorm", "size", size)
        self.alpha, self.beta, self.k = (
            _number("alpha", alpha),
            _number("beta", beta),
            _number("k", k),
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
