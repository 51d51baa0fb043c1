"""The ``device`` fixture of the device tests: ``cpu``, ``fake-cuda`` and ``cuda``.

- ``cpu``: NumPy.
- ``fake-cuda``: the CPU stand-in for CuPy (``tests/fakecupy/``) installed for
  the test, so the GPU code path runs (and host/device mix-ups fail) on any machine.
- ``cuda``: a real GPU through CuPy; marked ``gpu`` and skipped without one
  (``pytest -m gpu`` runs only these).

Import the fixture into a test module with ``from tests.device_params import device``.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import _workspace

from . import fakecupy

HAS_GPU = gn.cuda_available()
DEVICES = [
    "cpu",
    "fake-cuda",
    pytest.param(
        "cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(not HAS_GPU, reason="no CUDA GPU")]
    ),
]
#: Only the GPU runs: a real one when present, else the fake.
GPU_DEVICES = ["fake-cuda", DEVICES[2]]


def _clear_pools() -> None:
    # shared scratch pools key buffers by module name ("cupy"): keep fake arrays out of real runs
    _workspace.default_workspace().clear()


def _setup(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "fake-cuda":
        _clear_pools()
        request.addfinalizer(_clear_pools)
        fakecupy.install(monkeypatch)
        return "cuda"
    return request.param


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The device name to pass to ``.to()``: ``'cpu'`` or ``'cuda'`` (real or fake)."""
    return _setup(request, monkeypatch)


@pytest.fixture(params=GPU_DEVICES)
def gpu(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``'cuda'``: the real GPU when there is one (marked ``gpu``), and the fake one."""
    return _setup(request, monkeypatch)


def is_fake() -> bool:
    import sys

    return getattr(sys.modules.get("cupy"), "__version__", "").endswith("+fake")


def transfers() -> fakecupy.Transfers:
    return fakecupy.transfers


def host(t: object) -> np.ndarray:
    """A tensor's (or array's) values on the host."""
    return gn.backend.to_host(t)


def real_gpu(device: str) -> bool:
    return device == "cuda" and not is_fake()


def tolerances(device: str, *, loose: bool = False) -> dict[str, float]:
    """float32 tolerances: the fake runs NumPy (tight); a real GPU rounds differently.

    ``loose`` for results several steps removed from one op (Adam updates, explanations).
    """
    if real_gpu(device):
        return {"rtol": 2e-3, "atol": 2e-4} if loose else {"rtol": 2e-4, "atol": 2e-5}
    return {"rtol": 1e-4, "atol": 1e-5} if loose else {"rtol": 1e-5, "atol": 1e-6}
