"""The learning-rate range test (fastai's ``lr_find``, after Leslie Smith's LR range test).

A copy of the model trains for up to ``num_steps`` mini-batches while the
learning rate grows exponentially from ``start_lr`` to ``end_lr``. The loss is
smoothed with a bias-corrected exponential moving average; the sweep stops
early once the smoothed loss exceeds ``diverge`` times its minimum (or becomes
non-finite). The model, the optimizer you pass and glassnet's random state are
left as they were.

Suggestion rules
----------------
``suggestion`` follows ``rule`` (default ``"min/10"``); the rates of all three
rules are in ``suggestions``:

``"valley"``
    fastai's rule: the longest stretch over which the smoothed loss keeps
    falling (the longest decreasing subsequence of the recorded points), and
    the rate half way along it (in steps, so the geometric middle in rate).
``"min/10"``
    One tenth of the rate at the minimum smoothed loss (also ``min_lr_div10``).
``"steepest"``
    The most negative slope ``d(smoothed loss) / d(log10 lr)``, looked for
    between the first 10% of the recorded steps (the average is still warming
    up) and the step of the minimum.

``benchmarks/lr_find_check.py`` trains the seed CNN and the MLP with each
rule's rate and with the default; ``docs/training.md`` has the table that
chose ``"min/10"``.
"""

from __future__ import annotations

import copy
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import random as gn_random
from .._fileio import atomic_write
from .._validate import int_at_least
from .loop import (
    batch_device,
    check_positive,
    make_loader,
    model_parameters,
    on_device,
    resolve_loss,
    resolve_optimizer,
    split_batch,
)
from .report import _png, _pyplot

__all__ = [
    "LRFindResult", "LRFindWarning", "lr_find", "suggest_lr", "sweep_problem", "RULES",
    "DEFAULT_RULE",
]  # fmt: skip

#: The suggestion rules, in words (see the module docstring).
RULES = {
    "valley": "the middle of the longest stretch over which the smoothed loss keeps falling",
    "min/10": "a tenth of the rate at the minimum smoothed loss",
    "steepest": (
        "steepest descent of the smoothed loss against log10(lr), between the first 10% of "
        "the steps and the minimum"
    ),
}
DEFAULT_RULE = "min/10"
#: A sweep whose smoothed loss moved by less than this fraction of its size is flat.
FLAT = 1e-3


class LRFindWarning(RuntimeWarning):
    """A sweep whose suggestion should not be trusted: too short, flat, or without a minimum."""


@dataclass
class LRFindResult:
    """What :func:`lr_find` recorded.

    Attributes
    ----------
    lrs, losses, smoothed : list of float
        One entry per step: the learning rate, the batch loss and the smoothed loss.
    suggestion : float
        The suggested learning rate: the rate of ``rule`` (module docstring).
    min_lr_div10 : float
        One tenth of the learning rate at the minimum smoothed loss.
    stopped_early : bool
        True when the smoothed loss diverged before ``num_steps``.
    rule : str
        The rule behind ``suggestion``: a key of :data:`RULES`.
    suggestions : dict of str to float
        The rate every rule of :data:`RULES` gives.
    """
    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    suggestion: float = math.nan
    min_lr_div10: float = math.nan
    stopped_early: bool = False
    rule: str = DEFAULT_RULE
    suggestions: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "suggestion": self.suggestion,
            "min_lr_div10": self.min_lr_div10,
            "rule": self.rule,
            "rule_text": RULES[self.rule],
            "suggestions": self.suggestions,
            "stopped_early": self.stopped_early,
            "steps": len(self.lrs),
            "lrs": self.lrs,
            "losses": self.losses,
            "smoothed": self.smoothed,
        }

    def csv_text(self) -> str:
        """``step,lr,loss,smoothed_loss`` rows."""
        rows = ["step,lr,loss,smoothed_loss"]
        rows += [
            f"{i},{lr:.6g},{loss:.6g},{s:.6g}"
            for i, (lr, loss, s) in enumerate(zip(self.lrs, self.losses, self.smoothed))
        ]
        return "\n".join(rows) + "\n"

    def plot(self, path: str | os.PathLike) -> str:
        """Write the smoothed loss against the learning rate (log axis) as a PNG, atomically.

        Raises
        ------
        ImportError
            Without matplotlib (the ``plot`` extra).
        """

        path = os.fspath(path)
        if not path.lower().endswith(".png"):
            raise ValueError(f"lr_find: the plot is a PNG; path must end in .png, got {path!r}")
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self.lrs, self.losses, color="0.8", lw=0.8, label="batch loss")
        ax.plot(self.lrs, self.smoothed, color="C0", label="smoothed loss")
        if math.isfinite(self.suggestion):
            ax.axvline(
                self.suggestion, color="C3", ls="--", label=f"suggestion {self.suggestion:.2g}"
            )
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        finite = [s for s in self.smoothed if math.isfinite(s)]
        if finite:
            ax.set_ylim(min(finite) - 0.05 * abs(min(finite)), 1.5 * finite[0] + 1e-12)
        ax.legend()
        ax.set_title("learning-rate range test")
        data = _png(fig)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with atomic_write(path, "wb") as f:
            f.write(data)
        return path


def _finite(lrs: list[float], smoothed: list[float]) -> tuple[np.ndarray, np.ndarray]:
    lr = np.asarray(lrs, dtype=np.float64)
    sm = np.asarray(smoothed, dtype=np.float64)
    finite = np.isfinite(sm)
    return lr[finite], sm[finite]


def _steepest(lr: np.ndarray, sm: np.ndarray) -> float:
    stop = int(np.argmin(sm))
    start = min(len(sm) // 10, max(stop - 2, 0))
    if stop - start < 2:
        return float(lr[stop])
    slope = np.gradient(sm[start : stop + 1], np.log10(lr[start : stop + 1]))
    return float(lr[start + int(np.argmin(slope))])


def longest_descent(values: np.ndarray) -> tuple[int, int]:
    """``(first, last)`` indices of the longest strictly decreasing subsequence of ``values``.

    Parameters
    ----------
    values : ndarray, shape (T,), T >= 1

    Returns
    -------
    (int, int)
        Where the longest chain ``values[i0] > values[i1] > ... > values[ik]``
        (``i0 < ... < ik``) starts and ends; the earliest such chain on ties.
    """
    n = len(values)
    length = np.ones(n, dtype=np.int64)
    first = np.arange(n)
    for i in range(1, n):
        higher = values[:i] > values[i]
        if higher.any():
            j = int(np.argmax(np.where(higher, length[:i], 0)))
            length[i], first[i] = length[j] + 1, first[j]
    last = int(np.argmax(length))
    return int(first[last]), last


def _valley(lr: np.ndarray, sm: np.ndarray) -> float:
    start, end = longest_descent(sm)
    return float(lr[(start + end) // 2])


_RULE_FUNCTIONS = {
    "valley": _valley,
    "min/10": lambda lr, sm: float(lr[int(np.argmin(sm))] / 10),
    "steepest": _steepest,
}


def suggest_lr(lrs: list[float], smoothed: list[float], rule: str = DEFAULT_RULE) -> float:
    """The learning rate ``rule`` picks from a recorded sweep (see the module docstring).

    Parameters
    ----------
    lrs, smoothed : list of float, length T
        The sweep's rates and smoothed losses; non-finite losses are left out.
    rule : {"valley", "min/10", "steepest"}, default "min/10"

    Returns
    -------
    float
        ``nan`` when fewer than 3 finite points were recorded.
    """
    if rule not in _RULE_FUNCTIONS:
        raise ValueError(f"lr_find: rule must be one of {', '.join(RULES)}, got {rule!r}")
    lr, sm = _finite(lrs, smoothed)
    if len(sm) < 3:
        return math.nan
    return _RULE_FUNCTIONS[rule](lr, sm)


def _fresh_optimizer(optimizer: Any, model: Any) -> Any:
    """An optimizer like ``optimizer`` (a name or an instance) over ``model``'s parameters."""
    if isinstance(optimizer, str):
        return resolve_optimizer("lr_find", optimizer, model)
    resolve_optimizer("lr_find", optimizer, model)  # type check
    defaults = dict(getattr(optimizer, "defaults", {}))
    return type(optimizer)(model_parameters(model), **defaults)


def _batches(loader: Any):
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("lr_find: the data loader yields no batches")


def _step(model: Any, opt: Any, loss_fn: Any, batch: Any, dev: Any) -> float:
    x, y = split_batch("lr_find", batch)
    if y is None:
        raise ValueError("lr_find: the data must give (x, y) batches with targets")
    out = model(on_device(x, dev))
    loss = loss_fn(out, on_device(y, dev) if dev is not None else y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss.item())


def lr_find(
    model: Any,
    data: Any,
    *,
    loss: Any = "cross_entropy",
    optimizer: Any = "adam",
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 200,
    batch_size: int = 64,
    beta: float = 0.98,
    diverge: float = 4.0,
    seed: int = 0,
    plot: str | os.PathLike | None = None,
    rule: str = DEFAULT_RULE,
) -> LRFindResult:
    """Sweep the learning rate exponentially on a copy of ``model``; suggest one.

    Parameters
    ----------
    model : Module
        Left untouched: a deep copy trains.
    data : (X, y), Dataset or DataLoader
        Training batches, cycled when ``num_steps`` exceeds one pass.
    loss : str, callable or loss module, default "cross_entropy"
    optimizer : str or Optimizer, default "adam"
        A name, or an instance whose class and defaults (betas, momentum, weight
        decay) a fresh optimizer over the copy takes; the instance is not stepped.
    start_lr, end_lr : float, default 1e-7 and 10
        The sweep's first and last learning rate (``end_lr > start_lr``).
    num_steps : int, default 200
        Steps of the sweep (at least 5).
    batch_size : int, default 64
        For arrays and datasets (a DataLoader brings its own).
    beta : float, default 0.98
        Smoothing of the exponential moving average of the loss, in [0, 1).
    diverge : float, default 4.0
        Stop once the smoothed loss exceeds ``diverge`` times its minimum (> 1).
    seed : int, default 0
        Shuffling and dropout of the sweep; glassnet's random state is restored after.
    plot : str or path, optional
        Write the curve there as a PNG (needs matplotlib).
    rule : {"valley", "min/10", "steepest"}, default "min/10"
        Which rate ``suggestion`` is (module docstring); ``suggestions`` has all three.

    Returns
    -------
    LRFindResult

    Raises
    ------
    ValueError
        Bad arguments, or a loss that is NaN or infinite at the first step (before
        any update: the data or the model, not the rate).

    Warns
    -----
    LRFindWarning
        When the suggestion should not be trusted (:func:`sweep_problem`): the
        loss diverged before 3 finite points (the suggestion is then nan), it
        barely moved, or it was still falling at ``end_lr``.
    """
    start_lr = check_positive("lr_find", "start_lr", start_lr)
    end_lr = check_positive("lr_find", "end_lr", end_lr)
    if end_lr <= start_lr:
        raise ValueError(f"lr_find: end_lr must exceed start_lr, got {start_lr} and {end_lr}")
    num_steps = int_at_least("lr_find", "num_steps", num_steps, 5)
    if not 0 <= beta < 1:
        raise ValueError(f"lr_find: beta must be in [0, 1), got {beta!r}")
    if not diverge > 1:
        raise ValueError(f"lr_find: diverge must be > 1, got {diverge!r}")
    if rule not in RULES:
        raise ValueError(f"lr_find: rule must be one of {', '.join(RULES)}, got {rule!r}")
    loss_fn = resolve_loss("lr_find", loss)
    rng_state = gn_random.get_state()
    try:
        gn_random.manual_seed(seed)
        result = _sweep(
            copy.deepcopy(model), data, loss_fn, optimizer, (start_lr, end_lr, num_steps),
            batch_size, beta, diverge, seed,
        )  # fmt: skip
    finally:
        gn_random.set_state(rng_state)
    result.suggestions = {name: suggest_lr(result.lrs, result.smoothed, name) for name in RULES}
    result.rule, result.suggestion = rule, result.suggestions[rule]
    result.min_lr_div10 = result.suggestions["min/10"]
    problem = sweep_problem(result, end_lr)
    if problem is not None:
        warnings.warn(f"lr_find: {problem}", LRFindWarning, stacklevel=2)
    if plot is not None:
        result.plot(plot)
    return result


def sweep_problem(result: LRFindResult, end_lr: float) -> str | None:
    """Why ``result``'s suggestion should not be trusted, in words; None when it can be.

    Parameters
    ----------
    result : LRFindResult
        A finished sweep.
    end_lr : float
        The rate the sweep was to end at.

    Returns
    -------
    str or None
        The loss diverged before 3 finite points (no suggestion); the smoothed
        loss barely moved (nothing learnt at any rate tried); or it was still
        falling at the last rate (the minimum is the sweep's edge).
    """
    lr, sm = _finite(result.lrs, result.smoothed)
    if len(sm) < 3:
        where = f"at lr {result.lrs[-1]:.3g}" if result.lrs else "at once"
        return (
            f"the loss diverged after {len(result.lrs)} step(s) ({where}), too soon to suggest "
            f"a rate (suggestion nan); start the sweep lower (start_lr is {result.lrs[0]:.3g})"
        )
    low, high = float(sm.min()), float(sm.max())
    if high - low <= FLAT * max(abs(high), abs(low), 1e-12):
        return (
            f"the smoothed loss barely changed over the sweep ({high:.6g} to {low:.6g}, rates "
            f"{lr[0]:.3g} to {lr[-1]:.3g}): the model learnt nothing at any rate tried, so the "
            "suggestion is arbitrary; check that the inputs vary and the parameters are "
            "trainable, or sweep to a higher end_lr"
        )
    if not result.stopped_early and int(np.argmin(sm)) == len(sm) - 1:
        return (
            f"the smoothed loss was still falling at the last rate ({lr[-1]:.3g}, end_lr "
            f"{end_lr:.3g}): the sweep found no minimum, so the suggestion sits at its edge; "
            "raise end_lr or num_steps"
        )
    return None


def _sweep(
    model: Any,
    data: Any,
    loss_fn: Any,
    optimizer: Any,
    schedule: tuple[float, float, int],
    batch_size: int,
    beta: float,
    diverge: float,
    seed: int,
) -> LRFindResult:
    start_lr, end_lr, num_steps = schedule
    opt = _fresh_optimizer(optimizer, model)
    loader = make_loader("lr_find", data, batch_size=batch_size, shuffle=True, seed=seed)
    dev = batch_device(model)
    ratio = (end_lr / start_lr) ** (1.0 / (num_steps - 1))
    res = LRFindResult()
    avg, best = 0.0, math.inf
    model.train()
    batches = _batches(loader)
    for i in range(num_steps):
        lr = start_lr * ratio**i
        for group in opt.param_groups:
            group["lr"] = lr
        value = _step(model, opt, loss_fn, next(batches), dev)
        if i == 0 and not math.isfinite(value):
            raise ValueError(
                f"lr_find: the loss is {value} at the first step, before any update, so no "
                "learning rate can help: look for NaN or inf in the inputs or targets, or a "
                "model or loss that overflows on them"
            )
        avg = beta * avg + (1 - beta) * value
        smooth = avg / (1 - beta ** (i + 1))
        res.lrs.append(lr)
        res.losses.append(value)
        res.smoothed.append(smooth)
        best = min(best, smooth)
        if not math.isfinite(smooth) or smooth > diverge * best:
            res.stopped_early = True
            break
    return res
