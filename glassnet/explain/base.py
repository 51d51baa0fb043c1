"""What every attribution method shares: inputs, targets, baselines, eval mode, gradients.

An attribution method wraps a model (a :class:`~glassnet.nn.Module`, or any
callable mapping a tensor to a tensor) and explains one output per example:

- ``target`` is an ``int`` (the same class for every row) or a sequence (one
  class per row). Models whose output has shape ``(N,)`` or ``(N, 1)``
  (regression, one logit) need no target; for any other model
  ``target=None`` is refused, as in Captum (pass ``target=out.argmax(1)`` to
  explain the predicted classes).
- ``inputs`` is one array ``(N, *)`` or a tuple of arrays sharing ``N`` (the
  model is called ``model(x1, x2, ..., *additional_forward_args)``, see
  :mod:`glassnet.explain.inputs`); attributions come back as NumPy arrays
  with the inputs' shapes, a tuple for a tuple.
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
from .inputs import ForwardArgs, as_array, format_inputs, pack, per_input

__all__ = [
    "Attribution", "Target", "Baselines", "as_array", "choice_arg", "float_arg", "group_ids",
    "positive_int_arg", "row_seed",
]  # fmt: skip

Target = int | Sequence[int] | np.ndarray | None
Baselines = float | np.ndarray | Tensor | None


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


def _fits_integer(values: np.ndarray, dtype: np.dtype) -> bool:
    """Whether ``values`` are whole numbers that ``dtype`` (an integer type) holds exactly."""
    v = np.asarray(values)
    if v.dtype.kind not in "iuf" or (v.dtype.kind == "f" and not np.all(np.isfinite(v))):
        return False
    info = np.iinfo(dtype)
    return bool(np.all(v == np.round(v)) and np.all(v >= info.min) and np.all(v <= info.max))


def _tuple_per_row(target: Any) -> bool:
    """Whether ``target`` is a list of index tuples, one per row (Captum's form)."""
    return isinstance(target, list) and bool(target) and all(isinstance(v, tuple) for v in target)


Inputs = tuple[np.ndarray, ...]


class Attribution:
    """Base class of the attribution methods.

    Parameters
    ----------
    model : Module or callable
        Maps tensors ``(N, *)`` (one per input, then the additional forward
        arguments) to outputs of shape ``(N, C)``, ``(N, 1)`` or ``(N,)``. A
        model returning a tuple is explained through its first element.
    """

    #: Whether integer inputs (token ids, category codes) are explained as they are; the
    #: perturbation methods do so, as in Captum; gradient methods cast them to floats.
    keeps_integer_inputs: bool = False

    def __init__(self, model: Module | Callable[..., Any]) -> None:
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

    def result_dtype(self, x: np.ndarray) -> np.dtype:
        """The dtype of attributions of input ``x``: its own when floating, else the model's
        parameter dtype (or the default float dtype) for integer inputs."""
        if x.dtype.kind == "f":
            return x.dtype
        return self._model_dtype() or np.dtype(backend.default_dtype())

    def _device(self) -> Any:
        return self.model.device if isinstance(self.model, Module) else backend.Device("cpu")

    def _one_input(self, inputs: Any, name: str = "inputs") -> np.ndarray:
        x = as_array(inputs)
        if x.ndim == 0:
            raise ValueError(
                f"{self._who}: {name} must have a batch axis, shape (N, *), got a scalar"
            )
        keep = x.dtype.kind in "iu" and self.keeps_integer_inputs  # token ids, as in Captum
        dt = None if keep else self._model_dtype()
        if dt is not None:
            x = x.astype(dt, copy=False)
        elif not keep and x.dtype.kind != "f":
            x = x.astype(backend.default_dtype())
        if x.shape[0] == 0:
            raise ValueError(f"{self._who}: {name} have no rows (shape {x.shape})")
        return x

    def prepare_inputs(self, inputs: Any) -> np.ndarray:
        """One input as a floating NumPy array (the model's parameter dtype) with a batch axis;
        a tuple of inputs is refused (use :meth:`prepare_all`)."""
        if isinstance(inputs, tuple):
            raise TypeError(
                f"{self._who}: explains one input array (N, *), got a tuple of {len(inputs)}"
            )
        return self._one_input(inputs)

    def prepare_all(self, inputs: Any) -> tuple[Inputs, bool]:
        """``(inputs as a tuple of floating arrays sharing N, whether they came as a tuple)``."""
        raw, as_tuple = format_inputs(self._who, inputs)
        if not as_tuple:
            return (self._one_input(raw[0]),), False
        xs = tuple(self._one_input(r, f"inputs[{i}]") for i, r in enumerate(raw))
        sizes = [x.shape[0] for x in xs]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"{self._who}: the inputs must share their first (batch) axis, got sizes {sizes}"
            )
        return xs, True

    def prepare_baselines(
        self, baselines: Baselines, x: np.ndarray, name: str = "baselines"
    ) -> np.ndarray:
        """Baselines broadcast to ``x``'s shape: None (zeros), a scalar, ``(*)`` or ``(N, *)``."""
        if baselines is None:
            return np.zeros_like(x)
        b = as_array(baselines)
        if x.dtype.kind in "iu" and not _fits_integer(b, x.dtype):
            info = np.iinfo(x.dtype)
            raise ValueError(
                f"{self._who}: {name} must be whole numbers in {info.min}..{info.max} for inputs "
                f"of integer dtype {x.dtype} (e.g. token ids: the id of a padding token), got "
                f"{baselines!r}; or pass the inputs as floats"
            )
        b = b.astype(x.dtype, copy=False)
        try:
            return np.ascontiguousarray(np.broadcast_to(b, x.shape))
        except ValueError:
            raise ValueError(
                f"{self._who}: {name} of shape {b.shape} do not match inputs of shape "
                f"{x.shape}; expected a scalar, shape {x.shape[1:]} or {x.shape}"
            ) from None

    def prepare_all_baselines(self, baselines: Any, xs: Inputs, as_tuple: bool) -> Inputs:
        """One baseline array per input (see :meth:`prepare_baselines`); with tuple inputs
        ``baselines`` is a tuple (or one scalar / None for all)."""
        each = per_input(self._who, "baselines", baselines, len(xs), as_tuple)
        names = [f"baselines[{i}]" if as_tuple else "baselines" for i in range(len(xs))]
        return tuple(self.prepare_baselines(b, x, n) for b, x, n in zip(each, xs, names))

    @staticmethod
    def pack(values: Sequence[Any], as_tuple: bool) -> Any:
        """Attributions per input, returned as the inputs came (a tuple, or one array)."""
        return pack(values, as_tuple)

    # --------------------------------------------------------------- forward
    def _to_model(self, x: np.ndarray, requires_grad: bool = False) -> Tensor:
        data = backend.to_device(x, self._device())
        return Tensor(data, requires_grad=requires_grad)

    def _call(self, ts: Sequence[Tensor] | Tensor, extra: tuple[Any, ...] = ()) -> Tensor:
        ts = (ts,) if isinstance(ts, Tensor) else tuple(ts)
        out = self.model(*ts, *extra)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{self._who}: the model must return a Tensor (or a tuple starting with one), "
                f"got {type(out).__name__}"
            )
        n = ts[0].shape[0]
        if out.ndim == 0 and n == 1:
            out = out.reshape(1)  # a model that squeezes its (N, 1) outputs, on one row
        elif out.ndim == 0:
            raise ValueError(
                f"{self._who}: expected model outputs of shape (N,), (N, C) or (N, d1, d2, ...) "
                f"for {n} input rows, got one value for the whole batch, shape (); a whole-batch "
                "score such as a summed loss cannot be attributed row by row"
            )
        if out.shape[0] != n:
            raise ValueError(
                f"{self._who}: expected model outputs of shape (N,), (N, C) or (N, d1, d2, ...) "
                f"for {n} input rows, got {out.shape}"
            )
        return out

    @staticmethod
    def _as_inputs(x: np.ndarray | Inputs) -> Inputs:
        return tuple(x) if isinstance(x, (tuple, list)) else (x,)

    def forward(
        self,
        x: np.ndarray | Inputs,
        batch_size: int | None = None,
        extra: ForwardArgs | None = None,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Model outputs without recording a graph, in chunks of ``batch_size`` rows.

        Parameters
        ----------
        x : ndarray (N, *) or tuple of them
        batch_size : int, optional
        extra : ForwardArgs, optional
            The additional forward arguments of the examples.
        rows : ndarray of int, shape (N,), optional
            Row ``k`` of ``x`` is a copy of example ``rows[k]`` (picks the
            per-example additional arguments); default: the examples in order.
        """
        xs = self._as_inputs(x)
        n = xs[0].shape[0]
        step = n if batch_size is None else batch_size
        if extra is not None and rows is None:
            rows = np.arange(n)
        outs = []
        with no_grad():
            for start in range(0, n, step):
                part = slice(start, start + step)
                args = () if extra is None else extra.at(rows[part])
                ts = [self._to_model(v[part]) for v in xs]
                outs.append(self._call(ts, args).numpy())
        return np.concatenate(outs, axis=0)

    # --------------------------------------------------------------- targets
    def resolve_target(self, target: Target, out: np.ndarray) -> np.ndarray | None:
        """Per-row indices ``(N,)`` into each row's flattened outputs ``out[n].ravel()``;
        None for one-output models.

        Outputs ``(N, C)`` take an int or one int per row; outputs
        ``(N, d1, ..., dk)`` take, as in Captum, a tuple of ``k`` ints (the
        same output for every row) or one such tuple per row.
        """
        n = out.shape[0]
        tensor = isinstance(target, (Tensor, np.ndarray)) or hasattr(target, "detach")
        if isinstance(target, Tensor) or hasattr(target, "detach") or backend.is_cupy_array(target):
            target = as_array(target)  # a glassnet, torch or CuPy tensor of class indices
            tensor = True
        if int(np.prod(out.shape[1:])) == 1:
            t = np.asarray(target) if target is not None else None
            if t is None or (t.dtype.kind in "iu" and t.ndim <= 1 and not np.any(t != 0)):
                return None
            raise ValueError(
                f"{self._who}: the model has one output per row (shape {out.shape}); "
                f"target must be None or 0, got {target!r}"
            )
        if target is None:
            raise ValueError(self._target_needed(out))
        if out.ndim > 2 or _tuple_per_row(target):
            return self._multi_index_target(target, out)  # [(c,), ...] too, as in Captum
        if isinstance(target, tuple) and len(target) == 1 and is_int(target[0]):
            target = target[0]  # Captum's tuple index into the output's one class axis
        t = np.asarray(target)
        if tensor and t.size == 1 and t.ndim == 1:
            t = t.reshape(())  # Captum: a one-element tensor is the class of every row
        if t.dtype.kind not in "iu" or t.ndim > 1:
            raise ValueError(
                f"{self._who}: target must be None, an int or a sequence of ints (one per row), "
                f"got {target!r}"
            )
        self._check_rows(t, n)
        n_out = out.shape[1]
        bad = (t < 0) | (t >= n_out)
        if np.any(bad):
            raise ValueError(
                f"{self._who}: target {t[bad].ravel()[0]} is out of range for a model with "
                f"{n_out} outputs (expected 0..{n_out - 1})"
            )
        return np.broadcast_to(t, (n,)).astype(np.int64)

    def _target_needed(self, out: np.ndarray) -> str:
        if out.ndim == 2:
            return (
                f"{self._who}: the model has {out.shape[1]} outputs per row; pass target= the "
                "class to explain (an int, or one per row), e.g. target=outputs.argmax(1) for "
                "the predicted classes"
            )
        return (
            f"{self._who}: the model's outputs have shape {out.shape}; pass target= the output "
            f"to explain: a tuple of {out.ndim - 1} ints (the same for every row) or one such "
            "tuple per row"
        )

    def _check_rows(self, t: np.ndarray, n: int) -> None:
        if t.ndim >= 1 and t.shape[0] != n:
            raise ValueError(
                f"{self._who}: target has {t.shape[0]} entries, expected one per input row ({n})"
            )

    def _multi_index_target(self, target: Any, out: np.ndarray) -> np.ndarray:
        """Flat indices ``(N,)`` for a tuple target (or one tuple per row) on ``(N, d1, ..., dk)``."""
        n, dims = out.shape[0], out.shape[1:]
        t = np.asarray(target)
        per_row = not isinstance(target, tuple) and t.ndim == 2
        if t.dtype.kind not in "iu" or t.shape[-1:] != (len(dims),) or t.ndim != 1 + per_row:
            raise ValueError(
                f"{self._who}: the model's outputs have shape {out.shape}; target must be a tuple "
                f"of {len(dims)} ints (one output of every row) or a list of such tuples (one per "
                f"row), got {target!r}"
            )
        if per_row:
            self._check_rows(t, n)
        bad = np.any((t < 0) | (t >= np.array(dims)), axis=-1)
        if np.any(bad):
            raise ValueError(
                f"{self._who}: target {tuple(int(v) for v in t.reshape(-1, len(dims))[0])} is "
                f"out of range for outputs of shape {dims} per row"
            )
        flat = np.ravel_multi_index(tuple(t.T), dims)
        return np.broadcast_to(flat, (n,)).astype(np.int64)

    @staticmethod
    def target_arg(targets: np.ndarray | None, out_shape: tuple[int, ...]) -> Any:
        """Resolved ``targets`` in a form :meth:`resolve_target` takes again for outputs of
        ``out_shape`` (one int, or one index tuple, per row)."""
        if targets is None or len(out_shape) <= 2:
            return targets
        return np.stack(np.unravel_index(targets, out_shape[1:]), axis=1)

    def first_output(self, x: np.ndarray | Inputs, extra: ForwardArgs | None = None) -> np.ndarray:
        """The model's output for the first row of ``x`` (one forward pass), shape ``(1, ...)``."""
        xs = self._as_inputs(x)
        first = None if extra is None else np.zeros(1, dtype=np.int64)
        return self.forward(tuple(v[:1] for v in xs), extra=extra, rows=first)

    def targets_for(
        self, target: Target, x: np.ndarray | Inputs, extra: ForwardArgs | None = None
    ) -> np.ndarray | None:
        """Resolve ``target`` for inputs ``x``, validated against the output shape seen on
        the first row (one forward pass of that row)."""
        out1 = self.first_output(x, extra)
        n = self._as_inputs(x)[0].shape[0]
        return self.resolve_target(target, np.broadcast_to(out1, (n,) + out1.shape[1:]))

    @staticmethod
    def select(out: np.ndarray, targets: np.ndarray | None) -> np.ndarray:
        """The explained output of each row: ``out[n].ravel()[targets[n]]`` (or the single output)."""
        flat = out.reshape(out.shape[0], -1)
        if targets is None:
            return flat[:, 0]
        return flat[np.arange(out.shape[0]), targets]

    # ------------------------------------------------------------- gradients
    def gradients(
        self,
        x: np.ndarray | Inputs,
        targets: np.ndarray | None,
        extra: ForwardArgs | None = None,
        rows: np.ndarray | None = None,
    ) -> tuple[Any, np.ndarray]:
        """Gradient of each row's explained output w.r.t. that row, and the outputs.

        Parameters
        ----------
        x : ndarray (N, *) or tuple of them
        targets : ndarray of int, shape (N,), or None
        extra, rows
            As in :meth:`forward`.

        Returns
        -------
        grads : ndarray shaped like ``x`` (a tuple of them for a tuple)
        values : ndarray, shape (N,)
        """
        xs = self._as_inputs(x)
        args = (
            () if extra is None else extra.at(np.arange(xs[0].shape[0]) if rows is None else rows)
        )
        with enable_grad():
            ts = [self._to_model(v, requires_grad=True) for v in xs]
            out = self._call(ts, args)
            seed = self._seed(out, targets)
            gs = _autograd_grad(out, ts, grad_outputs=seed, allow_unused=True)
        values = self.select(out.numpy(), targets)
        grads = tuple(
            np.zeros_like(v) if g is None else np.asarray(g.numpy(), dtype=v.dtype).reshape(v.shape)
            for v, g in zip(xs, gs)
        )
        return (grads if isinstance(x, (tuple, list)) else grads[0]), values

    @staticmethod
    def _seed(out: Tensor, targets: np.ndarray | None) -> Any:
        """The gradient w.r.t. the outputs that picks each row's explained output."""
        xp = out.xp
        if targets is None:
            return xp.ones(out.shape, dtype=out.dtype)
        seed = np.zeros((out.shape[0], int(np.prod(out.shape[1:]))), dtype=out.dtype)
        seed[np.arange(out.shape[0]), targets] = 1
        return backend.to_device(seed.reshape(out.shape), out.device)
