"""Weight penalties: L1 and L2 terms to add to a loss, and the ``L1L2`` regulariser object.

Conventions (stated once, used everywhere):

- ``l1_penalty(params, coeff) = coeff * sum(|w|)``
- ``l2_penalty(params, coeff) = coeff / 2 * sum(w ** 2)``, so its gradient is
  ``coeff * w``: adding it to the loss equals SGD weight decay ``coeff``.
  (Keras' ``l2(c)`` is ``c * sum(w ** 2)`` without the half: use ``2 * c`` here.)

By default only weights are penalised: parameters with ``ndim >= 2``
(``Linear``/conv weights), not biases or normalisation scales.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._validate import is_number
from ..ops import arithmetic as _ar
from ..ops import reduce as _red
from ..tensor import Tensor
from .module import Module, Parameter

__all__ = ["l1_penalty", "l2_penalty", "L1L2", "penalized_parameters"]


def _coeff(who: str, name: str, value: Any) -> float:
    if not is_number(value) or value < 0:
        raise ValueError(f"{who}: {name} must be a non-negative number, got {value!r}")
    return float(value)


def penalized_parameters(
    params_or_module: Module | Iterable[Tensor], *, weights_only: bool = True, who: str = "penalty"
) -> list[Tensor]:
    """The tensors a penalty applies to.

    Parameters
    ----------
    params_or_module : Module or iterable of Tensor
        A module (its parameters that require grad) or the tensors themselves.
    weights_only : bool, default True
        Keep only tensors with ``ndim >= 2`` (weights, not biases).
    who : str
        The caller's name for error messages.
    """
    if isinstance(params_or_module, Module):
        params = [p for p in params_or_module.parameters() if p.requires_grad]
    elif isinstance(params_or_module, Tensor):
        params = [params_or_module]
    elif isinstance(params_or_module, (str, bytes)):
        raise TypeError(f"{who}: expected a Module or an iterable of tensors, got str")
    else:
        try:
            params = list(params_or_module)
        except TypeError:
            raise TypeError(
                f"{who}: expected a Module or an iterable of tensors, "
                f"got {type(params_or_module).__name__}"
            ) from None
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{who}: item {i} is {type(p).__name__}, expected a Tensor")
    if weights_only:
        params = [p for p in params if p.ndim >= 2]
    return params


def _sum(terms: Iterable[Tensor]) -> Tensor:
    """The sum of ``terms``; a zero scalar when there are none (adding it changes nothing)."""
    total = None
    for t in terms:
        total = t if total is None else total + t
    return Tensor(0.0) if total is None else total


def l1_penalty(
    params_or_module: Module | Iterable[Tensor], coeff: float, *, weights_only: bool = True
) -> Tensor:
    """``coeff * sum(|w|)`` over the weights: a differentiable scalar to add to the loss.

    Parameters
    ----------
    params_or_module : Module or iterable of Tensor
    coeff : float >= 0
    weights_only : bool, default True
        Penalise only tensors with ``ndim >= 2`` (not biases).

    Returns
    -------
    Tensor, shape ()
        Its gradient w.r.t. each weight is ``coeff * sign(w)``.
    """
    c = _coeff("l1_penalty", "coeff", coeff)
    params = penalized_parameters(params_or_module, weights_only=weights_only, who="l1_penalty")
    return _sum(_red.sum(_ar.abs(p)) for p in params) * c


def l2_penalty(
    params_or_module: Module | Iterable[Tensor], coeff: float, *, weights_only: bool = True
) -> Tensor:
    """``coeff / 2 * sum(w ** 2)`` over the weights: a differentiable scalar to add to the loss.

    Parameters
    ----------
    params_or_module : Module or iterable of Tensor
    coeff : float >= 0
    weights_only : bool, default True
        Penalise only tensors with ``ndim >= 2`` (not biases).

    Returns
    -------
    Tensor, shape ()
        Its gradient w.r.t. each weight is ``coeff * w`` (weight decay).
    """
    c = _coeff("l2_penalty", "coeff", coeff)
    params = penalized_parameters(params_or_module, weights_only=weights_only, who="l2_penalty")
    return _sum(_red.sum(p * p) for p in params) * (c / 2)


class L1L2:
    """A regulariser ``reg(model) = l1 * sum|w| + l2 / 2 * sum w^2`` over the model's weights.

    Pass it to the trainer (``fit(..., regularizer=L1L2(l2=1e-4))``) or add
    ``reg(model)`` to a loss by hand.

    Parameters
    ----------
    l1 : float >= 0, default 0.0
    l2 : float >= 0, default 0.0
    weights_only : bool, default True
        Penalise only parameters with ``ndim >= 2`` (not biases).

    Examples
    --------
    >>> import glassnet as gn
    >>> reg = gn.nn.L1L2(l2=0.01)
    >>> model = gn.nn.Linear(3, 2)
    >>> penalty = reg(model)          # scalar Tensor; add it to the loss
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, *, weights_only: bool = True) -> None:
        self.l1 = _coeff("L1L2", "l1", l1)
        self.l2 = _coeff("L1L2", "l2", l2)
        self.weights_only = bool(weights_only)

    def __call__(self, params_or_module: Module | Iterable[Parameter]) -> Tensor:
        params = penalized_parameters(params_or_module, weights_only=self.weights_only, who="L1L2")
        terms = []
        if self.l1:
            terms.append(l1_penalty(params, self.l1, weights_only=False))
        if self.l2:
            terms.append(l2_penalty(params, self.l2, weights_only=False))
        return _sum(terms)

    def __repr__(self) -> str:
        return f"L1L2(l1={self.l1}, l2={self.l2})"
