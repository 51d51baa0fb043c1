"""Helpers for testing ops and layers: finite differences and agreement with PyTorch.

Every differentiable op in glassnet is tested through these two functions:

- :func:`check_gradients` -- float64 central differences (``autograd.gradcheck``);
- :func:`check_against_torch` -- same inputs through glassnet and PyTorch;
  forward values and the gradients of every input must agree. PyTorch is
  imported only here, lazily; tests skip when it is absent.

:func:`run_torch_script` runs a PyTorch script through ``glassnet run`` in a fresh
interpreter, as a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._assert_close import assert_allclose, assert_close, make_tensor
from .autograd.gradcheck import gradcheck
from .tensor import Tensor

__all__ = [
    "check_gradients", "check_against_torch", "torch_available", "run_torch_script",
    "assert_close", "assert_allclose", "make_tensor",
]  # fmt: skip


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_torch_script(
    script: str | os.PathLike, *args: str, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess:
    """Run ``glassnet run script *args`` in a fresh Python process and capture its output.

    Parameters
    ----------
    script : path
        A PyTorch script (``import torch`` resolves to glassnet).
    *args : str
        The script's own arguments.
    timeout : float, default 120
        Seconds before the process is stopped.
    **env : str
        Extra environment variables.

    Returns
    -------
    subprocess.CompletedProcess
        ``returncode``, ``stdout`` and ``stderr`` (text).
    """
    cmd = [sys.executable, "-m", "glassnet", "run", os.fspath(script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **env})  # fmt: skip


def check_gradients(fn: Callable[..., Any], *inputs: Any, **kwargs: Any) -> bool:
    """``gradcheck(fn, inputs, **kwargs)``: see :func:`glassnet.autograd.gradcheck`."""
    return gradcheck(fn, inputs, **kwargs)


def _as_tuple(x: Any) -> tuple:
    return x if isinstance(x, tuple) else (x,)


def check_against_torch(
    gn_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    *inputs: Any,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    grad: bool = True,
    check: Sequence[bool] | None = None,
    dtype: Any = np.float64,
    seed: int = 0,
) -> None:
    """Assert that ``gn_fn`` and ``torch_fn`` agree on values and input gradients.

    Parameters
    ----------
    gn_fn, torch_fn : callable
        Take tensors of the respective framework (same order) and return a
        tensor or a tuple of tensors.
    *inputs : array-like
        Floating inputs are cast to ``dtype``; integer inputs pass through.
    grad : bool
        Also compare gradients of ``sum(out * w)`` for random ``w``.
    check : sequence of bool, optional
        Which inputs get gradients (default: the floating ones).
    """
    import torch

    arrays = []
    for a in inputs:
        a = np.array(a.array if isinstance(a, Tensor) else a)
        if np.issubdtype(a.dtype, np.floating):
            a = a.astype(dtype)
        arrays.append(a)
    if check is None:
        check = [np.issubdtype(a.dtype, np.floating) for a in arrays]
    g_in = [Tensor(a.copy(), requires_grad=bool(c and grad)) for a, c in zip(arrays, check)]
    t_in = [torch.tensor(a.copy(), requires_grad=bool(c and grad)) for a, c in zip(arrays, check)]
    g_out = _as_tuple(gn_fn(*g_in))
    t_out = _as_tuple(torch_fn(*t_in))
    if len(g_out) != len(t_out):
        raise AssertionError(f"glassnet returned {len(g_out)} outputs, torch {len(t_out)}")
    for k, (go, to) in enumerate(zip(g_out, t_out)):
        np.testing.assert_allclose(
            go.numpy(), to.detach().numpy(), atol=atol, rtol=rtol, err_msg=f"output {k} differs"
        )
    if not grad:
        return
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.shape).astype(o.numpy().dtype) for o in g_out]
    g_total = sum((o * Tensor(w)).sum() for o, w in zip(g_out, weights))
    t_total = sum((o * torch.tensor(w)).sum() for o, w in zip(t_out, weights))
    g_total.backward()
    t_total.backward()
    for i, (gi, ti, c) in enumerate(zip(g_in, t_in, check)):
        if not c:
            continue
        gg = np.zeros_like(arrays[i]) if gi.grad is None else gi.grad.numpy()
        tg = np.zeros_like(arrays[i]) if ti.grad is None else ti.grad.numpy()
        np.testing.assert_allclose(
            gg, tg, atol=atol, rtol=rtol, err_msg=f"gradient of input {i} differs"
        )
