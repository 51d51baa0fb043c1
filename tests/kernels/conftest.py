"""Fixtures for the kernel tests: run a piece of work on both paths and compare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from glassnet import kernels

needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba is not installed")


@pytest.fixture
def both_paths(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Any]], tuple[Any, Any]]:
    """``both_paths(fn)`` -> ``(fn() on the compiled kernels, fn() on the NumPy reference)``."""

    def run(fn: Callable[[], Any]) -> tuple[Any, Any]:
        monkeypatch.setenv(kernels.ENV, "numba")
        assert kernels.enabled()
        compiled = fn()
        monkeypatch.setenv(kernels.ENV, "numpy")
        assert not kernels.enabled()
        reference = fn()
        monkeypatch.delenv(kernels.ENV)
        return compiled, reference

    return run
