"""What every attribution method shares: inputs, targets, baselines, eval mode, gradients.

An attribution method wraps a model (a :class:`~glassnet.nn.Module`, or any
callable mapping a tensor to a tensor) and explains one output per example:

- ``target=None`` explains the predicted class (the arg-max of the output on
  the inputs themselves), an ``int`` the same class for every row, a sequence
  one class per row. Models whose output has shape ``(N,)`` or ``(N, 1)``
  (regression, one logit) need no target.
- Attributions come back as NumPy arrays with the input's shape.
- While a method runs, a module is in eval mode (dropout off, batch norm on its
  running statistics), so every row is explained on its own; its previous
  modes are restored afterwards. Gradients come from
  :func:`glassnet.autograd.grad`, which touches no ``.grad``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import backend
from .._validate import int_at_least, is_int, is_number, one_of, positive_int
from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.module import Module
from ..tensor import Tensor

__all__ = [
    "Attribution", "Target", "Baselines", "as_array", "choice_arg", "float_arg", "group_ids",
    "positive_int_arg", "row_seed",
]  # fmt: skip

Target = int | Sequence[int] | np.ndarray | None
Baselines = float | np.ndarray | Tensor | None


def as_array(x: Any) -> np.ndarray:
    """A host NumPy copy of a tensor, a NumPy/CuPy array or array-like (for plotting and comparisons)."""
    if isinstance(x, Tensor) or backend.is_cupy_array(x):
        return np.array(backend.to_host(x))
    return np.array(x)


def positive_int_arg(who: str, name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, or a ``ValueError`` naming ``who`` and ``name``."""
    if minimum == 1:
        return positive_int(who, name, value)
    return int_at_least(who, name, value, minimum)


def float_arg(who: str, name: str, value: Any, *, positive: bool) -> float:
    """``value`` as a float > 0 (``positive``) or >= 0, or a ``ValueError`` naming ``who`` and ``name``."""
    if not is_number(value) or (value <= 0 if positive else value < 0):
        need = "a positive float" if positive else "a float >= 0"
        raise ValueError(f"{who}: {name} must be {need}, got {value!r}")
    return float(value)


def choice_arg(who: str, name: str, value: Any, options: Sequence[str]) -> str:
    """``value`` if it is one of ``options``, or a ``ValueError`` listing them."""
    return one_of(who, name, value, options)


def group_ids(who: str, feature_mask: Any) -> np.ndarray:
    """``feature_mask`` as a host array of integer group ids, or a ``ValueError`` naming ``who``."""
    mask = as_array(feature_mask)
    if mask.dtype.kind not in "iu":
        raise ValueError(f"{who}: feature_mask must hold integer group ids, got dtype {mask.dtype}")
    return mask


def row_seed(who: str, seed: int | np.random.Generator | None) -> int:
    """One integer seed from ``seed``, used for every row so that a row's random
    perturbations do not depend on the other rows of the batch."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if seed is None:
        return int(np.random.SeedSequence().entropy % 2**63)
    if not is_int(seed) or seed < 0:
        raise ValueError(
            f"{who}: seed must be None, a non-negative int or a numpy Generator, got {seed!r}"
        )
    return int(seed)


class Attribution:
    """Base class of the attribution methods.

    Parameters
    ----------
    model : Module or callable
        Maps a tensor of shape ``(N, *)`` to outputs of shape ``(N, C)``,
        ``(N, 1)`` or ``(N,)``. A model returning a tuple is explained through
        its first element.
    """

    def __init__(self, model: Module | Callable[[Tensor], Any]) -> None:
        if not callable(model):
            raise TypeError(
                f"{type(self).__name__}: model must be a glassnet Module or a callable, "
                f"got {type(model).__name__}"
            )
        self.model = model

    # ---------------------------------------------------------------- naming
    @property
    def _who(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{self._who}(model={type(self.model).__name__})"

    # ----------------------------------------------------------------- modes
    @contextlib.contextmanager
    def evaluating(self) -> Iterator[None]:
        """Eval mode inside the block; every submodule's previous mode restored after."""
        if not isinstance(self.model, Module):
            yield
            return
        modes = [(m, m.training) for m in self.model.modules()]
        self.model.eval()
        try:
            yield
        finally:
            for m, was_training in modes:
                m.training = was_training

    # ---------------------------------------------------------------- inputs
    def _model_dtype(self) -> np.dtype | None:
        if isinstance(self.model, Module):
            for p in self.model.parameters():
                if p.dtype.kind == "f":
                    return p.dtype
        return None

    def _device(self) -> Any:
        return self.model.device if isinstance(self.model, Module) else backend.Device("cpu")

    def prepare_inputs(self, inputs: Any) -> np.ndarray:
        """The inputs as a floating NumPy array (the model's parameter dtype) with a batch axis."""
        x = as_array(inputs)
        if x.ndim == 0:
            raise ValueError(
                f"{self._who}: inputs must have a batch axis, shape (N, *), got a scalar"
            )
        dt = self._model_dtype()
        if dt is not None:
            x = x.astype(dt, copy=False)
        elif x.dtype.kind != "f":
            x = x.astype(backend.default_dtype())
        if x.shape[0] == 0:
            raise ValueError(f"{self._who}: inputs have no rows (shape {x.shape})")
        return x

    def prepare_baselines(self, baselines: Baselines, x: np.ndarray) -> np.ndarray:
        """Baselines broadcast to ``x``'s shape: None (zeros), a scalar, ``(*)`` or ``(N, *)``."""
        if baselines is None:
            return np.zeros_like(x)
        b = as_array(baselines).astype(x.dtype, copy=False)
        try:
            return np.ascontiguousarray(np.broadcast_to(b, x.shape))
        except ValueError:
            raise ValueError(
                f"{self._who}: baselines of shape {b.shape} do not match inputs of shape "
                f"{x.shape}; expected a scalar, shape {x.shape[1:]} or {x.shape}"
            ) from None

    # --------------------------------------------------------------- forward
    def _to_model(self, x: np.ndarray, requires_grad: bool = False) -> Tensor:
        data = backend.to_device(x, self._device())
        return Tensor(data, requires_grad=requires_grad)

    def _call(self, t: Tensor) -> Tensor:
        out = self.model(t)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{self._who}: the model must return a Tensor (or a tuple starting with one), "
                f"got {type(out).__name__}"
            )
        if out.ndim not in (1, 2) or out.shape[0] != t.shape[0]:
            raise ValueError(
                f"{self._who}: expected model outputs of shape (N,) or (N, C) for {t.shape[0]} "
                f"input rows, got {out.shape}"
            )
        return out

    def forward(self, x: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """Model outputs for ``x`` without recording a graph, in chunks of ``batch_size`` rows."""
        n = x.shape[0]
        step = n if batch_size is None else batch_size
        outs = []
        with no_grad():
            for start in range(0, n, step):
                outs.append(self._call(self._to_model(x[start : start + step])).numpy())
        return np.concatenate(outs, axis=0)

    # --------------------------------------------------------------- targets
    def resolve_target(self, target: Target, out: np.ndarray) -> np.ndarray | None:
        """Per-row class indices ``(N,)`` for outputs ``out``; None for one-output models."""
        n = out.shape[0]
        n_out = 1 if out.ndim == 1 else out.shape[1]
        if out.ndim == 1 or n_out == 1:
            t = np.asarray(target) if target is not None else None
            if t is None or (t.dtype.kind in "iu" and t.ndim <= 1 and not np.any(t != 0)):
                return None
            raise ValueError(
                f"{self._who}: the model has one output per row (shape {out.shape}); "
                f"target must be None or 0, got {target!r}"
            )
        if target is None:
            return np.argmax(out, axis=1)
        t = np.asarray(target)
        if t.dtype.kind not in "iu" or t.ndim > 1:
            raise ValueError(
                f"{self._who}: target must be None, an int or a sequence of ints (one per row), "
                f"got {target!r}"
            )
        if t.ndim == 1 and t.shape[0] != n:
            raise ValueError(
                f"{self._who}: target has {t.shape[0]} entries, expected one per input row ({n})"
            )
        bad = (t < 0) | (t >= n_out)
        if np.any(bad):
            raise ValueError(
                f"{self._who}: target {t[bad].ravel()[0]} is out of range for a model with "
                f"{n_out} outputs (expected 0..{n_out - 1})"
            )
        return np.broadcast_to(t, (n,)).astype(np.int64)

    def targets_for(self, target: Target, x: np.ndarray) -> np.ndarray | None:
        """Resolve ``target`` for inputs ``x``: the predicted class when None (one forward of
        ``x``), else validated against the output width seen on the first row."""
        if target is None:
            return self.resolve_target(None, self.forward(x))
        out1 = self.forward(x[:1])
        return self.resolve_target(target, np.broadcast_to(out1, (x.shape[0],) + out1.shape[1:]))

    @staticmethod
    def select(out: np.ndarray, targets: np.ndarray | None) -> np.ndarray:
        """The explained output of each row: ``out[n, targets[n]]`` (or the single output)."""
        if targets is None:
            return out.reshape(out.shape[0])
        return out[np.arange(out.shape[0]), targets]

    # ------------------------------------------------------------- gradients
    def gradients(self, x: np.ndarray, targets: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of each row's explained output w.r.t. that row, and the outputs.

        Returns
        -------
        grads : ndarray, shape like ``x``
        values : ndarray, shape (N,)
        """
        with enable_grad():
            xt = self._to_model(x, requires_grad=True)
            out = self._call(xt)
            seed = self._seed(out, targets)
            (g,) = _autograd_grad(out, xt, grad_outputs=seed, allow_unused=True)
        values = self.select(out.numpy(), targets)
        if g is None:
            return np.zeros_like(x), values
        return np.asarray(g.numpy(), dtype=x.dtype).reshape(x.shape), values

    @staticmethod
    def _seed(out: Tensor, targets: np.ndarray | None) -> Any:
        """The gradient w.r.t. the outputs that picks each row's explained output."""
        xp = out.xp
        if targets is None:
            return xp.ones(out.shape, dtype=out.dtype)
        seed = np.zeros(out.shape, dtype=out.dtype)
        seed[np.arange(out.shape[0]), targets] = 1
        return backend.to_device(seed, out.device)
