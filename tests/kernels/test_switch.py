"""The switch: ``GLASSNET_KERNELS`` picks the path; numba is imported only when a kernel is
asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from glassnet import kernels

from .conftest import needs_numba

ROOT = Path(__file__).resolve().parents[2]


def test_numpy_forces_the_reference(monkeypatch):
    monkeypatch.setenv(kernels.ENV, "numpy")
    assert not kernels.enabled()
    assert kernels.load("pool") is None
    assert kernels.load("optim") is None


@needs_numba
def test_unset_or_numba_uses_the_kernels(monkeypatch):
    monkeypatch.delenv(kernels.ENV, raising=False)
    assert kernels.enabled()
    monkeypatch.setenv(kernels.ENV, " Numba ")
    mod = kernels.load("pool")
    assert mod is not None and mod.__name__ == "glassnet.kernels._pool"
    assert kernels.load("pool") is mod


def test_a_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv(kernels.ENV, "fast")
    with pytest.raises(ValueError, match="GLASSNET_KERNELS: expected 'numba' or 'numpy'.*'fast'"):
        kernels.enabled()


@needs_numba
def test_an_unknown_kernel_module_is_refused(monkeypatch):
    monkeypatch.delenv(kernels.ENV, raising=False)
    with pytest.raises(ValueError, match="expected one of"):
        kernels.load("conv9")


def _run(code: str, **env: str) -> str:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    res = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_importing_glassnet_does_not_import_numba():
    assert _run("import sys, glassnet; print('numba' in sys.modules)") == "False"


@needs_numba
def test_a_training_step_imports_numba_only_on_the_kernel_path():
    code = (
        "import sys, numpy as np, glassnet as gn\n"
        "m = gn.nn.Sequential(gn.nn.Conv2d(1, 4, 3), gn.nn.ReLU(), gn.nn.MaxPool2d(2))\n"
        "opt = gn.optim.Adam(m.parameters())\n"
        "m(gn.tensor(np.ones((2, 1, 6, 6), np.float32))).sum().backward()\n"
        "opt.step()\n"
        "print('numba' in sys.modules)\n"
    )
    assert _run(code, GLASSNET_KERNELS="numpy") == "False"
    assert _run(code, GLASSNET_KERNELS="numba") == "True"


@needs_numba
def test_kernels_run_on_a_thread_safe_layer(monkeypatch):
    import numba
    import numpy as np

    import glassnet as gn

    monkeypatch.delenv(kernels.ENV, raising=False)
    p = gn.tensor(np.ones(10, np.float32), requires_grad=True)
    p.grad = gn.tensor(np.ones(10, np.float32))
    gn.optim.Adam([p]).step()
    assert numba.threading_layer() in ("tbb", "omp")


def test_without_a_thread_safe_layer_the_numpy_path_runs(monkeypatch):
    monkeypatch.setattr(kernels, "_available", None)
    monkeypatch.setattr(kernels, "_threadsafe_layer", lambda numba: False)
    monkeypatch.delenv(kernels.ENV, raising=False)
    assert not kernels.enabled() and kernels.load("pool") is None


@needs_numba
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_a_child_forked_after_kernels_ran_keeps_to_numpy(monkeypatch):
    import multiprocessing as mp

    monkeypatch.delenv(kernels.ENV, raising=False)
    assert kernels.load("optim") is not None
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply(kernels.enabled) is False
    assert kernels.enabled()


@needs_numba
def test_openmp_threads_sleep_when_idle_unless_the_user_chose():
    code = (
        "import os, glassnet.kernels as k\n"
        "k.available()\n"
        "print(os.environ.get('OMP_WAIT_POLICY'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    full = {**env, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "PASSIVE"
    assert _run(code, OMP_WAIT_POLICY="active") == "active"
