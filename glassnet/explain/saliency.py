"""Gradient maps: ``Saliency`` (the gradient itself) and ``InputXGradient``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .base import Attribution, Target
from .inputs import ForwardArgs

__all__ = ["Saliency", "InputXGradient"]


class Saliency(Attribution):
    """The gradient of the explained output w.r.t. the input (Simonyan et al., 2013).

    Parameters
    ----------
    model : Module or callable
    abs : bool, default True
        Return ``|gradient|`` (how sensitive the output is to each feature) or,
        when False, the signed gradient. ``attribute(abs=...)`` overrides it
        for one call (where Captum takes it).

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

    def attribute(
        self,
        inputs: Any,
        target: Target = None,
        abs: bool | None = None,  # noqa: A002
        additional_forward_args: Any = None,
    ) -> Any:
        """Gradient map of each row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        target : int or sequence of int
            Class explained per row (not needed for one-output models).
        abs : bool, optional
            Overrides the constructor's ``abs`` for this call (Captum's place
            for it).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        use_abs = self.abs if abs is None else bool(abs)
        xs, as_tuple = self.prepare_all(inputs)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            gs, _ = self.gradients(xs, self.targets_for(target, xs, extra), extra)
        return self.pack([np.abs(g) if use_abs else g for g in gs], as_tuple)


class InputXGradient(Attribution):
    """``input * gradient``: a first-order estimate of each feature's contribution.

    For a linear model ``y = w @ x + b`` it is exactly ``w * x``.

    Parameters
    ----------
    model : Module or callable
    """

    def attribute(
        self, inputs: Any, target: Target = None, additional_forward_args: Any = None
    ) -> Any:
        """``x * dF_target/dx`` per row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        target : int or sequence of int
        additional_forward_args : any or tuple, optional

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        xs, as_tuple = self.prepare_all(inputs)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            gs, _ = self.gradients(xs, self.targets_for(target, xs, extra), extra)
        return self.pack([x * g for x, g in zip(xs, gs)], as_tuple)
