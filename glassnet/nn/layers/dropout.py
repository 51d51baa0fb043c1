"""``Dropout``: inverted dropout that is active in training mode only."""

from __future__ import annotations

from ...ops.dropout import dropout
from ...ops.dropout_variants import _check_p
from ...tensor import Tensor
from ..module import Module
from ._checks import as_given

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode and scale the rest by ``1/(1-p)``.

    In evaluation mode (``model.eval()``) it returns its input unchanged, so
    the expected activation is the same in both modes. The seed's TensorFlow
    ``keep_prob`` is ``1 - p``. Masks come from glassnet's global generator
    (``gn.manual_seed`` makes them reproducible).

    Parameters
    ----------
    p : float in [0, 1], default 0.5
        Probability of zeroing an element (1 zeroes everything in training mode).
    inplace : bool, default False
        Accepted for PyTorch; the result is computed out of place (the input is left unchanged).

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p("Dropout", p)
        self.p = as_given(p)  # an int stays one, as torch shows it
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
