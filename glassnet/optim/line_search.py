"""The strong-Wolfe line search used by :class:`glassnet.optim.LBFGS`.

A line search looks for a step ``t`` along a descent direction ``d`` from
``x`` such that ``f(x + t d)`` falls enough (sufficient decrease, constant
``c1``) and the slope flattens enough (curvature, constant ``c2``): the strong
Wolfe conditions (Nocedal & Wright, *Numerical Optimization*, algorithms 3.5
and 3.6). It has two phases: *bracketing* grows ``t`` until an interval is
known to hold acceptable steps, then *zooming* shrinks that interval with
cubic interpolation. The decisions and constants follow
``torch.optim.LBFGS(line_search_fn="strong_wolfe")``, so both take the same steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["cubic_minimum", "strong_wolfe"]


def cubic_minimum(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:  # fmt: skip
    """The minimiser of the cubic through two points with values and slopes, clipped to ``bounds``.

    Parameters
    ----------
    x1, f1, g1, x2, f2, g2 : float
        Positions, function values and derivatives of the two points.
    bounds : (float, float), optional
        Interval to clip to; default the interval between ``x1`` and ``x2``.

    Returns
    -------
    float
        The clipped minimiser, or the interval's middle when the cubic has no minimum.
    """
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (low + high) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, low), high)


@dataclass(frozen=True)
class Probe:
    """One evaluation along the line: step ``t``, value ``f``, gradient ``g``, slope ``gtd``."""

    t: float
    f: float
    g: Any
    gtd: float


Evaluate = Callable[[float], Probe]


@dataclass
class _Search:
    evaluate: Evaluate
    start: Probe
    c1: float
    c2: float
    max_ls: int
    evals: int = 0
    iters: int = 0

    def probe(self, t: float) -> Probe:
        self.evals += 1
        return self.evaluate(t)

    def too_high(self, p: Probe, ref: Probe | None = None) -> bool:
        """Sufficient decrease fails (or, with ``ref``, ``p`` is no lower than ``ref``)."""
        s = self.start
        return p.f > s.f + self.c1 * p.t * s.gtd or (ref is not None and p.f >= ref.f)

    def flat_enough(self, p: Probe) -> bool:
        return abs(p.gtd) <= -self.c2 * self.start.gtd


def _bracket(search: _Search, t: float) -> tuple[list[Probe], bool]:
    """Grow the step until an interval holds acceptable steps; return it and whether ``t`` is done."""
    prev, new = search.start, search.probe(t)
    while search.iters < search.max_ls:
        if search.too_high(new) or (search.iters > 1 and new.f >= prev.f):
            return [prev, new], False
        if search.flat_enough(new):
            return [new], True
        if new.gtd >= 0:
            return [prev, new], False
        bounds = (new.t + 0.01 * (new.t - prev.t), new.t * 10)
        t = cubic_minimum(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd, bounds=bounds)
        prev, new = new, search.probe(t)
        search.iters += 1
    return [search.start, new], False


def _next_zoom_step(lo_t: float, hi_t: float, t: float, stalled: bool) -> tuple[float, bool]:
    """Keep an interpolated step away from the interval's ends; return it and the stall flag."""
    top, bottom = max(lo_t, hi_t), min(lo_t, hi_t)
    eps = 0.1 * (top - bottom)
    if min(top - t, t - bottom) >= eps:
        return t, False
    if stalled or t >= top or t <= bottom:
        return (top - eps if abs(t - top) < abs(t - bottom) else bottom + eps), False
    return t, True


def _zoom(search: _Search, pts: list[Probe], done: bool, d_norm: float, tol: float) -> Probe:
    """Shrink the bracket ``pts`` until a point meets the strong Wolfe conditions."""
    low, high = (0, 1) if pts[0].f <= pts[-1].f else (1, 0)
    stalled = False
    while not done and search.iters < search.max_ls:
        if abs(pts[1].t - pts[0].t) * d_norm < tol:
            break
        a, b = pts
        t = cubic_minimum(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        t, stalled = _next_zoom_step(a.t, b.t, t, stalled)
        new = search.probe(t)
        search.iters += 1
        if search.too_high(new, pts[low]):
            pts[high] = new
            low, high = (0, 1) if pts[0].f <= pts[1].f else (1, 0)
            continue
        if search.flat_enough(new):
            done = True
        elif new.gtd * (pts[high].t - pts[low].t) >= 0:
            pts[high] = pts[low]
        pts[low] = new
    return pts[low]


def strong_wolfe(
    evaluate: Evaluate, t: float, d_norm: float, start: Probe, *,
    c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25,
) -> tuple[Probe, int]:  # fmt: skip
    """Search a step meeting the strong Wolfe conditions.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(t) -> Probe`` at ``x + t d`` (it must leave ``x`` as it found it).
    t : float
        First step to try.
    d_norm : float
        ``max |d|``, to judge when the bracket is too narrow to matter.
    start : Probe
        The point ``t = 0`` (value, gradient and slope ``g . d``, negative).
    c1, c2 : float
        Sufficient-decrease and curvature constants.
    tolerance_change : float
        Stop zooming when the bracket times ``d_norm`` is below this.
    max_ls : int
        Most evaluations (bracketing and zooming together).

    Returns
    -------
    (Probe, int)
        The chosen point and the number of evaluations spent.
    """
    search = _Search(evaluate, start, c1, c2, max_ls)
    pts, done = _bracket(search, t)
    if len(pts) == 1:
        return pts[0], search.evals
    return _zoom(search, pts, done, d_norm, tolerance_change), search.evals
