"""Captum's ``TokenReferenceBase``: a reference (baseline) sequence of one token id."""

from __future__ import annotations

from typing import Any

from .._validate import is_int
from ..tensor import Tensor, tensor

__all__ = ["TokenReferenceBase"]


class TokenReferenceBase:
    """Reference sequences of one token (a padding id), as Captum's ``TokenReferenceBase``.

    Parameters
    ----------
    reference_token_idx : int, default 0
        The token id the reference is made of (usually the padding id).

    Examples
    --------
    >>> from glassnet.explain import TokenReferenceBase
    >>> TokenReferenceBase(1).generate_reference(4, device="cpu")
    tensor([1, 1, 1, 1])
    """

    def __init__(self, reference_token_idx: int = 0) -> None:
        if not is_int(reference_token_idx):
            raise TypeError(
                f"TokenReferenceBase: reference_token_idx must be an int (a token id), got "
                f"{reference_token_idx!r}"
            )
        self.reference_token_idx = int(reference_token_idx)

    def __repr__(self) -> str:
        return f"TokenReferenceBase(reference_token_idx={self.reference_token_idx})"

    def generate_reference(self, sequence_length: int, device: Any = None) -> Tensor:
        """The reference sequence, ``[reference_token_idx] * sequence_length``.

        Parameters
        ----------
        sequence_length : int
        device : str or device, optional
            Where the tensor lives (Captum's argument; None: the default device).

        Returns
        -------
        Tensor, shape (sequence_length,), int64 (float32 when empty, as in torch)
        """
        if not is_int(sequence_length) or sequence_length < 0:
            raise ValueError(
                f"TokenReferenceBase.generate_reference: sequence_length must be an int >= 0, "
                f"got {sequence_length!r}"
            )
        return tensor([self.reference_token_idx] * int(sequence_length), device=device)
