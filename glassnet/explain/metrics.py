"""Quality metrics of attributions: Captum's ``infidelity`` and ``sensitivity_max``.

Both take Captum's arguments in Captum's order and give one value per example, a NumPy
array of shape ``(N,)``:

* :func:`infidelity` (Yeh et al., 2019): the mean squared error between the attributions'
  dot product with input perturbations ``I`` and the change of the explained output,
  ``E[(sum(attr * I) - (F(x) - F(x - I)))**2]`` over ``n_perturb_samples`` perturbations.
* :func:`sensitivity_max`: the largest relative change of an explanation under small input
  perturbations, ``max ||expl(x) - expl(x + d)|| / ||expl(x)||``.

Perturbation functions work on NumPy arrays (tensors are accepted in what they return);
the inputs they get are the examples repeated ``k`` times each (``np.repeat`` along the
batch axis), as Captum's ``repeat_interleave``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .base import Attribution, positive_int_arg
from .inputs import ForwardArgs, as_array, format_inputs

__all__ = [
    "infidelity", "infidelity_perturb_func_decorator", "sensitivity_max", "default_perturb_func",
]  # fmt: skip


def _safe_div(num: np.ndarray, denom: Any, default: float = 1.0) -> np.ndarray:
    """``num / denom`` with ``default`` where ``denom`` is 0 (Captum's ``safe_div``)."""
    denom = np.asarray(denom)
    return num / np.where(denom != 0, denom, default)


def _arrays(who: str, name: str, value: Any, n_inputs: int) -> tuple[np.ndarray, ...]:
    """A tensor / array or a tuple of them as a tuple of ``n_inputs`` arrays."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    if len(items) != n_inputs:
        raise ValueError(f"{who}: expected {n_inputs} {name} (one per input), got {len(items)}")
    return tuple(as_array(v) for v in items)


def _one_or_tuple(values: tuple[Any, ...]) -> Any:
    return values[0] if len(values) == 1 else values


def _repeat(values: Any, k: int) -> Any:
    """Each row repeated ``k`` times in place (Captum's ``repeat_interleave``)."""
    return np.repeat(values, k, axis=0)


def _chunks(who: str, n: int, n_samples: int, max_examples_per_batch: int | None) -> list[int]:
    """Samples per example in each pass, as Captum's ``_divide_and_aggregate_metrics``."""
    n_samples = positive_int_arg(who, "n_perturb_samples", n_samples)
    if max_examples_per_batch is None:
        return [n_samples]
    per = positive_int_arg(who, "max_examples_per_batch", max_examples_per_batch)
    step = min(max(per // n, 1), n_samples)
    return [min(step, n_samples - s) for s in range(0, n_samples, step)]


class _Model(Attribution):
    """The forward pass and target rules of the attribution methods, for the metrics."""

    def __init__(self, model: Any, who: str) -> None:
        super().__init__(model)
        self._name = who

    @property
    def _who(self) -> str:
        return self._name


# ------------------------------------------------------------------ infidelity
def infidelity_perturb_func_decorator(
    multiply_by_inputs: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., tuple[tuple[np.ndarray, ...], ...]]]:
    """Turn a function returning perturbed inputs into one returning ``(perturbations,
    perturbed inputs)`` for :func:`infidelity`, as Captum's decorator does.

    Parameters
    ----------
    multiply_by_inputs : bool, default True
        The perturbation is ``(x - x_perturbed) / (x - baseline)`` (``/ x`` without baselines;
        a zero denominator counts as 1) when True, ``x - x_perturbed`` when False.
    """

    def decorate(perturb_func: Callable[..., Any]) -> Callable[..., Any]:
        def perturb(inputs: Any, baselines: Any = None) -> tuple[tuple[np.ndarray, ...], ...]:
            moved = perturb_func(inputs) if baselines is None else perturb_func(inputs, baselines)
            xs = inputs if isinstance(inputs, tuple) else (inputs,)
            moved = tuple(as_array(m) for m in (moved if isinstance(moved, tuple) else (moved,)))
            bs = (None,) * len(xs) if baselines is None else (
                baselines if isinstance(baselines, tuple) else (baselines,)
            )  # fmt: skip
            if not multiply_by_inputs:
                return tuple(x - m for x, m in zip(xs, moved)), moved
            return tuple(
                _safe_div(x - m, x if b is None else x - as_array(b)) for x, m, b in zip(xs, moved, bs)
            ), moved  # fmt: skip

        return perturb

    return decorate


def infidelity(
    model: Any,
    perturb_func: Callable[..., Any],
    inputs: Any,
    attributions: Any,
    baselines: Any = None,
    additional_forward_args: Any = None,
    target: Any = None,
    n_perturb_samples: int = 10,
    max_examples_per_batch: int | None = None,
    normalize: bool = False,
) -> np.ndarray:
    """Captum's explanation infidelity of ``attributions`` for ``model`` at ``inputs``.

    Parameters
    ----------
    model : Module or callable
        Captum's ``forward_func``: inputs (and the additional arguments) to outputs.
    perturb_func : callable
        ``perturb_func(inputs)`` (or ``perturb_func(inputs, baselines)`` when baselines are
        given) returns ``(perturbations, perturbed_inputs)``, each an array or a tuple of them
        like the inputs; it gets every example repeated ``k`` times, shape ``(N * k, *)``.
        See :func:`infidelity_perturb_func_decorator` for one returning the perturbed inputs.
    inputs : ndarray or Tensor (N, *), or a tuple of them
    attributions : ndarray or Tensor, or a tuple of them
        One per input, with its shape.
    baselines : scalar, array or tuple, optional
        Handed to ``perturb_func``, broadcast to the inputs and repeated like them.
    additional_forward_args : any or tuple, optional
    target : int, sequence, tensor or tuple, optional
        The explained output, as for the attribution methods.
    n_perturb_samples : int, default 10
    max_examples_per_batch : int, optional
        Rows per forward pass (at least ``N``): the samples go in chunks of
        ``max_examples_per_batch // N`` per example.
    normalize : bool, default False
        Scale the attributions' dot products by the least-squares factor ``beta`` first.

    Returns
    -------
    ndarray, shape (N,)
    """
    who = "infidelity"
    net = _Model(model, who)
    xs, as_tuple = net.prepare_all(inputs)
    attrs = _arrays(who, "attributions", attributions, len(xs))
    for i, (a, x) in enumerate(zip(attrs, xs)):
        if a.shape != x.shape:
            raise ValueError(
                f"{who}: attributions[{i}] of shape {a.shape} do not match inputs of shape "
                f"{x.shape}"
            )
    bases = None if baselines is None else net.prepare_all_baselines(baselines, xs, as_tuple)
    n = xs[0].shape[0]
    extra = ForwardArgs(additional_forward_args, n)
    with net.evaluating():
        out = net.forward(xs, extra=extra)
        targets = net.resolve_target(target, out)
        f_x = net.select(out, targets)
        sums = None
        for k in _chunks(who, n, n_perturb_samples, max_examples_per_batch):
            parts = _infidelity_terms(net, perturb_func, xs, bases, attrs, extra, targets, f_x, k)
            sums = parts if sums is None else tuple(s + p for s, p in zip(sums, parts))
    sq, a2, ab, b2 = sums
    if normalize:
        beta = _safe_div(ab, a2)
        sq = beta * beta * a2 - 2 * beta * ab + b2
    return sq / n_perturb_samples


def _infidelity_terms(
    net: _Model,
    perturb_func: Callable[..., Any],
    xs: tuple[np.ndarray, ...],
    bases: tuple[np.ndarray, ...] | None,
    attrs: tuple[np.ndarray, ...],
    extra: ForwardArgs,
    targets: np.ndarray | None,
    f_x: np.ndarray,
    k: int,
) -> tuple[np.ndarray, ...]:
    """Sums over ``k`` perturbations per example of ``(a - b)**2``, ``a**2``, ``a*b`` and
    ``b**2``, where ``a``
    is the attributions' dot product with a perturbation and ``b`` the output's change."""
    who, n = "infidelity", xs[0].shape[0]
    big = _one_or_tuple(tuple(_repeat(x, k) for x in xs))
    if bases is None:
        got = perturb_func(big)
    else:
        got = perturb_func(big, _one_or_tuple(tuple(_repeat(b, k) for b in bases)))
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise TypeError(
            f"{who}: perturb_func must return (perturbations, perturbed_inputs), got "
            f"{type(got).__name__}; decorate a function returning perturbed inputs with "
            "infidelity_perturb_func_decorator()"
        )
    perts = _arrays(who, "perturbations", got[0], len(xs))
    moved = _arrays(who, "perturbed inputs", got[1], len(xs))
    for p, m, x in zip(perts, moved, xs):
        if p.shape[1:] != x.shape[1:] or m.shape != (n * k,) + x.shape[1:]:
            raise ValueError(
                f"{who}: perturb_func returned perturbations {p.shape} and perturbed inputs "
                f"{m.shape}; expected {(n * k,) + x.shape[1:]} for inputs {x.shape} repeated {k} "
                "times"
            )
    rows = np.repeat(np.arange(n), k)
    moved = tuple(m.astype(x.dtype, copy=False) for m, x in zip(moved, xs))
    f_moved = net.select(net.forward(moved, extra=extra, rows=rows),
                         None if targets is None else targets[rows])  # fmt: skip
    b = (f_x[rows] - f_moved).reshape(n, k)
    a = sum(
        (_repeat(at, k) * p).reshape(n * k, -1).sum(axis=1) for at, p in zip(attrs, perts)
    ).reshape(n, k)
    return ((a - b) ** 2).sum(-1), (a * a).sum(-1), (a * b).sum(-1), (b * b).sum(-1)


# ------------------------------------------------------------- sensitivity_max
def default_perturb_func(
    inputs: Any, perturb_radius: float = 0.02, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, ...]:
    """Inputs plus noise drawn uniformly from ``[-perturb_radius, perturb_radius]`` (the
    L-infinity ball, Captum's default); ``rng`` default: a fresh generator."""
    rng = np.random.default_rng() if rng is None else rng
    xs = inputs if isinstance(inputs, tuple) else (inputs,)
    return tuple(
        as_array(x) + rng.uniform(-perturb_radius, perturb_radius, as_array(x).shape) for x in xs
    )


def _norm(who: str, rows: np.ndarray, norm_ord: Any) -> np.ndarray:
    if isinstance(norm_ord, str) and norm_ord != "fro":
        raise ValueError(f"{who}: norm_ord must be 'fro' or a number, got {norm_ord!r}")
    return np.linalg.norm(rows, ord=2 if norm_ord == "fro" else norm_ord, axis=1)


def _expanded_kwargs(kwargs: dict, xs: tuple[np.ndarray, ...], k: int) -> dict:
    """The explanation's keyword arguments for the examples repeated ``k`` times each: as in
    Captum, tensors among ``additional_forward_args``, per-row targets and per-row baselines
    are repeated."""
    out = dict(kwargs)
    n = xs[0].shape[0]
    if out.get("additional_forward_args") is not None:
        args = out["additional_forward_args"]
        items = tuple(
            _repeat(as_array(a), k) if np.ndim(as_array(a)) >= 1 and not isinstance(a, (str, list))
            else a
            for a in (args if isinstance(args, tuple) else (args,))
        )  # fmt: skip
        out["additional_forward_args"] = items
    t = out.get("target")
    if isinstance(t, list):
        out["target"] = [v for v in t for _ in range(k)]
    elif t is not None and not isinstance(t, (int, tuple)) and np.size(as_array(t)) > 1:
        out["target"] = _repeat(as_array(t), k)
    b = out.get("baselines")
    if b is not None and not callable(b):
        items = b if isinstance(b, tuple) else (b,)
        per_row = [np.ndim(v) >= 1 and np.shape(v)[0] == n > 1 for v in items]
        if np.shape(items[0]) == xs[0].shape:
            items = tuple(_repeat(as_array(v), k) if p else v for v, p in zip(items, per_row))
            out["baselines"] = items if isinstance(b, tuple) else items[0]
    return out


def sensitivity_max(
    explanation_func: Callable[..., Any],
    inputs: Any,
    perturb_func: Callable[..., Any] = default_perturb_func,
    perturb_radius: float = 0.02,
    n_perturb_samples: int = 10,
    norm_ord: str | float = "fro",
    max_examples_per_batch: int | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """Captum's maximum sensitivity of an explanation to small input perturbations.

    Parameters
    ----------
    explanation_func : callable
        E.g. ``Saliency(model).attribute``; called with the inputs (a tuple) and ``kwargs``.
    inputs : ndarray or Tensor (N, *), or a tuple of them
    perturb_func : callable, default :func:`default_perturb_func`
        ``perturb_func(inputs, perturb_radius)`` (or ``perturb_func(inputs)`` when it takes
        one argument) returns the perturbed inputs; it gets every example repeated ``k`` times.
        The default draws from ``np.random.default_rng(0)`` (Captum's: ``torch``, unseeded).
    perturb_radius : float, default 0.02
    n_perturb_samples : int, default 10
    norm_ord : 'fro' or number, default 'fro'
        The vector norm of the flattened explanations ('fro': Euclidean).
    max_examples_per_batch : int, optional
    **kwargs
        Passed to ``explanation_func``; ``additional_forward_args``, a per-row ``target`` and
        per-row ``baselines`` are repeated along with the inputs.

    Returns
    -------
    ndarray, shape (N,)
    """
    who = "sensitivity_max"
    if not callable(explanation_func):
        raise TypeError(f"{who}: explanation_func must be callable, got {explanation_func!r}")
    raw, _ = format_inputs(who, inputs)
    xs = tuple(as_array(r) for r in raw)
    n = xs[0].shape[0]
    if perturb_func is default_perturb_func:
        rng = np.random.default_rng(0)

        def perturb_func(inputs: Any, radius: float) -> tuple[np.ndarray, ...]:
            return default_perturb_func(inputs, radius, rng)

    takes_radius = len(inspect.signature(perturb_func).parameters) > 1
    base = _arrays(who, "explanations", explanation_func(xs, **kwargs), len(xs))
    denom = _norm(who, np.concatenate([e.reshape(n, -1) for e in base], axis=1), norm_ord)
    denom = np.where(denom == 0.0, 1.0, denom)
    best = None
    for k in _chunks(who, n, n_perturb_samples, max_examples_per_batch):
        big = _one_or_tuple(tuple(_repeat(x, k) for x in xs))
        moved = perturb_func(big, perturb_radius) if takes_radius else perturb_func(big)
        expl = _arrays(who, "explanations", explanation_func(moved, **_expanded_kwargs(kwargs, xs, k)),
                       len(xs))  # fmt: skip
        diff = np.concatenate(
            [(_repeat(e0, k) - e).reshape(n * k, -1) for e0, e in zip(base, expl)], axis=1
        )
        value = (_norm(who, diff, norm_ord) / _repeat(denom, k)).reshape(n, k).max(axis=1)
        best = value if best is None else np.maximum(best, value)
    return best
