"""glassnet.cuda / accelerator / backends: torch's availability questions, answered honestly."""

from __future__ import annotations

import glassnet as gn
from glassnet import backend


def test_cpu_only_answers_match_a_cpu_pytorch(monkeypatch):
    monkeypatch.setattr(backend, "cuda_available", lambda: False)
    assert gn.cuda.is_available() is False and gn.cuda.device_count() == 0
    assert gn.accelerator.is_available() is False
    assert gn.accelerator.current_accelerator() is None
    gn.cuda.manual_seed(0)  # nothing to seed, no error (torch's behaviour)
    gn.cuda.manual_seed_all(0)
    gn.cuda.synchronize()
    device = gn.device("cuda" if gn.cuda.is_available() else "cpu")
    assert device == "cpu" and gn.ones(2).to(device).device == "cpu"


def test_accelerator_is_cuda_when_cupy_sees_a_gpu(monkeypatch):
    monkeypatch.setattr(backend, "cuda_available", lambda: True)
    assert gn.accelerator.is_available() is True
    assert str(gn.accelerator.current_accelerator()) == "cuda:0"


def test_backends_flags():
    assert gn.backends.mps.is_available() is False and gn.backends.mps.is_built() is False
    assert gn.backends.cudnn.is_available() is False
    gn.backends.cudnn.deterministic = True  # scripts set it; glassnet is deterministic anyway
    assert gn.backends.cudnn.deterministic is True
    gn.backends.cudnn.deterministic = False
