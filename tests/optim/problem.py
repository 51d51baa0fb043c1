"""One small problem built the same way in glassnet and PyTorch, for step-by-step optimizer comparisons.

The loss is a tiny MLP's squared error plus a term on a large parameter used
transposed, so that

- gradients change from step to step (they depend on the parameters);
- ``big`` (75,000 elements) is larger than one optimizer block in float64
  (65,536 elements), so the blocked update path runs, with a partial last block;
- ``w2`` is used transposed, so its gradient arrives as a non-contiguous
  array and the whole-array path runs with it;
- ``unused`` never gets a gradient, so it must be skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import glassnet as gn
from glassnet.nn import Parameter

NAMES = ("w1", "b1", "w2", "big", "unused")
SHAPES = {"w1": (5, 6), "b1": (6,), "w2": (3, 6), "big": (300, 250), "unused": (4,)}


def initial_values(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(SHAPES[k]) * 0.5 for k in NAMES}


def _data(seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((8, 5)),
        "y": rng.standard_normal((8, 3)),
        "c": rng.standard_normal((300, 250)),
    }


def gn_params(dtype: Any = np.float64, seed: int = 0) -> list[Parameter]:
    return [Parameter(v.astype(dtype)) for v in initial_values(seed).values()]


def torch_params(torch: Any, dtype: Any = np.float64, seed: int = 0) -> list[Any]:
    return [
        torch.nn.Parameter(torch.tensor(v.astype(dtype))) for v in initial_values(seed).values()
    ]


def gn_loss(params: list[Parameter]) -> gn.Tensor:
    w1, b1, w2, big, _ = params
    d = {k: gn.Tensor(v.astype(w1.dtype)) for k, v in _data().items()}
    h = (d["x"] @ w1 + b1).tanh()
    fit = ((h @ w2.T - d["y"]) ** 2).mean()
    return fit + 1e-3 * (big * d["c"] * big).sum()


def torch_loss(torch: Any, params: list[Any]) -> Any:
    w1, b1, w2, big, _ = params
    d = {k: torch.tensor(v.astype(np.float64)).to(w1.dtype) for k, v in _data().items()}
    h = torch.tanh(d["x"] @ w1 + b1)
    fit = ((h @ w2.T - d["y"]) ** 2).mean()
    return fit + 1e-3 * (big * d["c"] * big).sum()


def gn_step(opt: Any, params: list[Parameter]) -> float:
    opt.zero_grad()
    loss = gn_loss(params)
    loss.backward()
    opt.step()
    return float(loss.detach())


def torch_step(torch: Any, opt: Any, params: list[Any]) -> float:
    opt.zero_grad()
    loss = torch_loss(torch, params)
    loss.backward()
    opt.step()
    return float(loss.detach())


Grouping = Callable[[list[Any]], Any]


def run_both(
    torch: Any,
    gn_cls: type,
    torch_cls: type,
    kwargs: dict[str, Any],
    *,
    steps: int = 8,
    dtype: Any = np.float64,
    groups: Grouping | None = None,
) -> tuple[list[Parameter], list[Any], Any, Any]:
    """Run ``steps`` steps of both optimizers on the problem; return params and optimizers."""
    gp, tp = gn_params(dtype), torch_params(torch, dtype)
    make = groups or (lambda ps: ps)
    gopt, topt = gn_cls(make(gp), **kwargs), torch_cls(make(tp), **kwargs)
    for _ in range(steps):
        gl = gn_step(gopt, gp)
        tl = torch_step(torch, topt, tp)
        np.testing.assert_allclose(gl, tl, rtol=1e-5 if dtype == np.float32 else 1e-10)
    return gp, tp, gopt, topt


def assert_params_match(
    gp: list[Parameter], tp: list[Any], *, rtol: float = 1e-9, atol: float = 1e-10
) -> None:
    for name, g, t in zip(NAMES, gp, tp):
        np.testing.assert_allclose(
            g.numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=f"parameter {name}"
        )
