"""Shared fixtures: a seeded generator, and ``torch`` (skips the test when PyTorch is absent)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seed_glassnet():
    gn.manual_seed(0)
    yield


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


# the device fixtures (cpu / fake-cuda / cuda) for any test that asks for them
from tests.device_params import device, gpu  # noqa: E402, F401
