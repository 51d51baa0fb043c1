"""Channel and alpha dropout layers, active in training mode only (PyTorch's names)."""

from __future__ import annotations

from ...ops import dropout_variants as D
from ...tensor import Tensor
from ..module import Module
from ._checks import as_given

__all__ = ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutBase(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        D._check_p(type(self).__name__, p)
        self.p = as_given(p)  # an int stays one, as torch shows it
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutBase):
    """Zero whole channels with probability ``p`` (scaling the rest by ``1/(1-p)``).

    Parameters
    ----------
    p : float in [0, 1], default 0.5
    inplace : bool, default False
        Accepted; no effect.

    Shape
    -----
    - Input: ``(N, C, L)`` or ``(C, L)``; Output: the same
    """

    def forward(self, x: Tensor) -> Tensor:
        return D.dropout1d(x, self.p, self.training)


class Dropout2d(_DropoutBase):
    """Zero whole feature maps with probability ``p``. Shape ``(N, C, H, W)`` or ``(C, H, W)``."""

    def forward(self, x: Tensor) -> Tensor:
        return D.dropout2d(x, self.p, self.training)


class Dropout3d(_DropoutBase):
    """Zero whole volumes with probability ``p``. Shape ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""

    def forward(self, x: Tensor) -> Tensor:
        return D.dropout3d(x, self.p, self.training)


class AlphaDropout(_DropoutBase):
    """Dropout that keeps SELU activations' mean and variance (self-normalising networks).

    Shape ``(*)`` to ``(*)``.
    """

    def forward(self, x: Tensor) -> Tensor:
        return D.alpha_dropout(x, self.p, self.training)


class FeatureAlphaDropout(_DropoutBase):
    """Alpha dropout of whole channels. Shape ``(N, C, *)``."""

    def forward(self, x: Tensor) -> Tensor:
        return D.feature_alpha_dropout(x, self.p, self.training)
