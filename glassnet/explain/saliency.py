"""Gradient maps: ``Saliency`` (the gradient itself) and ``InputXGradient``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .base import Attribution, Target

__all__ = ["Saliency", "InputXGradient"]


class Saliency(Attribution):
    """The gradient of the explained output w.r.t. the input (Simonyan et al., 2013).

    Parameters
    ----------
    model : Module or callable
    abs : bool, default True
        Return ``|gradient|`` (how sensitive the output is to each feature) or,
        when False, the signed gradient.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import Saliency
    >>> model = gn.nn.Linear(3, 2)
    >>> Saliency(model).attribute(gn.randn(4, 3), target=1).shape
    (4, 3)
    """

    def __init__(self, model: Module | Callable[[Tensor], Any], *, abs: bool = True) -> None:  # noqa: A002
        super().__init__(model)
        self.abs = bool(abs)

    def __repr__(self) -> str:
        return f"Saliency(model={type(self.model).__name__}, abs={self.abs})"

    def attribute(self, inputs: Any, *, target: Target = None) -> np.ndarray:
        """Gradient map of each row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
        target : int, sequence of int or None
            Class explained per row; None: the predicted class.

        Returns
        -------
        ndarray, shape (N, *)
        """
        x = self.prepare_inputs(inputs)
        with self.evaluating():
            g, _ = self.gradients(x, self.targets_for(target, x))
        return np.abs(g) if self.abs else g


class InputXGradient(Attribution):
    """``input * gradient``: a first-order estimate of each feature's contribution.

    For a linear model ``y = w @ x + b`` it is exactly ``w * x``.

    Parameters
    ----------
    model : Module or callable
    """

    def attribute(self, inputs: Any, *, target: Target = None) -> np.ndarray:
        """``x * dF_target/dx`` per row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
        target : int, sequence of int or None

        Returns
        -------
        ndarray, shape (N, *)
        """
        x = self.prepare_inputs(inputs)
        with self.evaluating():
            g, _ = self.gradients(x, self.targets_for(target, x))
        return x * g
