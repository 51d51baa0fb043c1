"""Devices: the CPU path never imports CuPy; asking for a GPU without one is a clear error;
on a machine with a CUDA GPU, the same ops give the same results on both devices."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import nn

HAS_GPU = gn.cuda_available()
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(not HAS_GPU, reason="no CUDA GPU")])]


def test_cpu_training_step_never_imports_cupy():
    code = (
        "import sys, glassnet as gn, glassnet.functional as F\n"
        "from glassnet import nn\n"
        "m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))\n"
        "loss = F.cross_entropy(m(gn.randn(5, 4)), gn.tensor([0, 1, 2, 0, 1]))\n"
        "loss.backward()\n"
        "assert 'cupy' not in sys.modules, 'cupy was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU")
def test_asking_for_cuda_without_gpu_is_a_clear_error():
    with pytest.raises(RuntimeError, match="cuda"):
        gn.tensor([1.0]).to("cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        nn.Linear(2, 2).to("cuda")


def test_device_parsing():
    assert gn.device("cuda:1").index == 1
    assert gn.device("cpu") == "cpu"
    with pytest.raises(ValueError, match="expected 'cpu', 'cuda' or 'cuda:N'"):
        gn.device("tpu")


@pytest.mark.parametrize("device", DEVICES)
def test_mlp_step_same_on_device(device):
    gn.manual_seed(0)
    ref = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    model.load_state_dict(ref.state_dict())
    model.to(device)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    outs = []
    for m, dev in ((ref, "cpu"), (model, device)):
        loss = F.cross_entropy(m(gn.tensor(x).to(dev)), gn.tensor(y).to(dev))
        loss.backward()
        outs.append((loss.item(), [p.grad.numpy() if dev == "cpu" else p.grad.to("cpu").numpy() for p in m.parameters()]))
    assert abs(outs[0][0] - outs[1][0]) < 1e-5
    for a, b in zip(outs[0][1], outs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # and back: moving between devices keeps outputs equal
    model.to("cpu")
    np.testing.assert_allclose(model(gn.tensor(x)).numpy(), ref(gn.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
