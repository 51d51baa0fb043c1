"""Devices: the CPU path never imports CuPy; asking for a GPU without one is a clear error;
models, optimizers, loaders, checkpoints and explanations give the same results on a GPU.

Device-sensitive tests take the ``device`` fixture (``cpu``, ``fake-cuda``, ``cuda``;
see ``tests/device_params.py``): the fake runs everywhere, the real GPU half is
marked ``gpu`` and skipped without one.
"""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import kernels, nn, optim
from glassnet.backend import to_host
from glassnet.models import RowAttentionClassifier, seed_cnn

from . import device_params
from .device_params import HAS_GPU, tolerances

device = device_params.device  # the fixture
gpu = device_params.gpu  # the fixture

R = np.random.default_rng(0)


# --------------------------------------------------------------- no GPU needed
def test_cpu_training_step_never_imports_cupy():
    code = (
        "import sys, glassnet as gn, glassnet.functional as F\n"
        "from glassnet import nn, optim\n"
        "m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))\n"
        "opt = optim.Adam(m.parameters())\n"
        "loss = F.cross_entropy(m(gn.randn(5, 4)), gn.tensor([0, 1, 2, 0, 1]))\n"
        "loss.backward(); nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()\n"
        "gn.manual_seed(1); gn.backend.synchronize()\n"
        "assert 'cupy' not in sys.modules, 'cupy was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU")
def test_asking_for_cuda_without_gpu_is_a_clear_error():
    for make in (
        lambda: gn.tensor([1.0]).to("cuda"),
        lambda: nn.Linear(2, 2).to("cuda"),
        lambda: gn.zeros(2, device="cuda"),
        lambda: gn.data.DataLoader(gn.data.TensorDataset(np.zeros((4, 2))), device="cuda"),
    ):
        with pytest.raises(RuntimeError, match=r"gpu' extra|no usable CUDA GPU"):
            make()
    assert not gn.cuda_available()


def test_missing_cupy_names_the_gpu_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail
    with pytest.raises(RuntimeError, match=r"install the 'gpu' extra .*glassnet\[gpu\]"):
        gn.tensor([1.0]).to("cuda")
    assert not gn.cuda_available()


def test_cupy_without_a_gpu_says_so(monkeypatch):
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(is_available=lambda: False)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(RuntimeError, match="no usable CUDA GPU on this machine"):
        nn.Linear(2, 2).to("cuda")
    assert not gn.cuda_available()


def test_device_parsing():
    assert gn.device("cuda:1").index == 1
    assert gn.device("cuda") == "cuda:0"
    assert gn.device("cpu") == "cpu"
    assert str(gn.device("cuda:2")) == "cuda:2"
    assert gn.device("cpu:0") == "cpu"  # torch's spelling of the CPU, too
    for bad in ("tpu", "cuda:x", "cpu:1"):
        with pytest.raises(ValueError, match="device"):
            gn.device(bad)
    with pytest.raises(TypeError, match="expected 'cpu', 'cuda' or 'cuda:N', got 3"):
        gn.device(3)


# ------------------------------------------------------------ models, both devices
def _step(model, x, y, device, opt_cls=None):
    """One training step on ``device``: (loss, grads, parameters after the update) on the host."""
    model.to(device)
    # SGD: the update is linear in the gradient; Adam's m / sqrt(v) would magnify rounding
    # differences of near-zero gradients (the optimizer tests cover Adam on devices)
    opt = (opt_cls or optim.SGD)(model.parameters(), lr=1e-2, momentum=0.9)
    opt.zero_grad()
    loss = F.cross_entropy(model(gn.tensor(x).to(device)), gn.tensor(y).to(device))
    loss.backward()
    grads = [to_host(p.grad) for p in model.parameters()]
    opt.step()
    return float(loss), grads, [to_host(p) for p in model.parameters()]


def _twins(build):
    gn.manual_seed(0)
    ref = build()
    other = build()
    other.load_state_dict(ref.state_dict())
    return ref, other


def _same_step(build, x, y, device, loose=False, **kw):
    ref, model = _twins(build)
    want = _step(ref, x, y, "cpu", **kw)
    got = _step(model, x, y, device, **kw)
    tol = tolerances(device, loose=loose)
    assert got[0] == pytest.approx(want[0], rel=tol["rtol"] * 10, abs=tol["atol"] * 10)
    for kind, gs, ws in (("gradient", got[1], want[1]), ("parameter", got[2], want[2])):
        for (name, _), g, w in zip(model.named_parameters(), gs, ws):
            np.testing.assert_allclose(g, w, err_msg=f"{kind} of {name}", **tol)
    return model


def test_mlp_step_same_on_device(device):
    x = R.standard_normal((8, 6)).astype(np.float32)
    y = R.integers(0, 3, 8)
    build = lambda: nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))  # noqa: E731
    model = _same_step(build, x, y, device)
    assert model.device == gn.device(device)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_seed_cnn_step_same_on_device(device, batch_norm):
    x = R.random((4, 1, 28, 28), dtype=np.float32)
    y = R.integers(0, 10, 4)
    # batch norm's compiled CPU kernel (glassnet/kernels/_norm.py) sums in float64 chunks
    # while the fake GPU runs the NumPy reference: equal within float32 rounding, not bit for bit
    loose = batch_norm and kernels.enabled()
    model = _same_step(
        lambda: seed_cnn(dropout=0.0, batch_norm=batch_norm), x, y, device, loose=loose
    )
    if batch_norm:  # running statistics stay on the device and were updated there
        bn = model[1]
        assert bn.running_mean.device == gn.device(device)
        assert not np.allclose(to_host(bn.running_mean), 0)


def test_lstm_attention_step_same_on_device(device):
    x = R.random((4, 28, 28), dtype=np.float32)
    y = R.integers(0, 10, 4)
    _same_step(lambda: RowAttentionClassifier(hidden_size=16), x, y, device)


def test_moving_a_model_between_devices_keeps_its_outputs(device):
    gn.manual_seed(0)
    model = RowAttentionClassifier(hidden_size=8).eval()
    x = gn.tensor(R.random((3, 28, 28), dtype=np.float32))
    with gn.no_grad():
        want = model(x).numpy()
        model.to(device)
        got = to_host(model(x.to(device)))
        model.to("cpu")
        back = model(x).numpy()
    np.testing.assert_allclose(got, want, **tolerances(device))
    np.testing.assert_array_equal(back, want)
    assert all(p.device == gn.device("cpu") for p in model.parameters())


def test_module_to_moves_grads_and_buffers(gpu):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    F.mse_loss(model(gn.randn(5, 3)), gn.zeros(5, 4)).backward()
    model.to(gpu)
    for t in list(model.parameters()) + [p.grad for p in model.parameters()]:
        assert t.device == gn.device(gpu)
    assert all(b.device == gn.device(gpu) for b in model.buffers())
    state = model.state_dict()  # as torch: tensors on the model's device, sharing memory
    assert all(isinstance(v, gn.Tensor) and v.device == gn.device(gpu) for v in state.values())


# ------------------------------------------------------------------ optimizers
@pytest.mark.parametrize("opt_cls", [optim.Adam, optim.SGD, optim.RMSprop, optim.Adagrad])
def test_optimizer_state_follows_its_parameters(gpu, opt_cls):
    """State made on the CPU moves with the model (at the next step, or with opt.to)."""
    kw = {"momentum": 0.9} if opt_cls in (optim.SGD, optim.RMSprop) else {}
    runs = []
    for move in ("never", "after-first-step"):
        gn.manual_seed(0)
        model = nn.Linear(4, 3)
        opt = opt_cls(model.parameters(), lr=0.1, **kw)
        x = gn.tensor(np.linspace(-2, 2, 24, dtype=np.float32).reshape(6, 4))
        y = gn.tensor(np.arange(6) % 3)
        for step in range(3):
            if move != "never" and step == 1:
                model.to(gpu)
                x, y = x.to(gpu), y.to(gpu)
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        runs.append([to_host(p) for p in model.parameters()])
        if move != "never":
            for s in opt.state.values():
                arrays = [v for v in s.values() if hasattr(v, "shape")]
                assert arrays and all(gn.backend.device_of(v) == gn.device(gpu) for v in arrays)
            opt.to("cpu")
            assert all(
                type(v) is np.ndarray
                for s in opt.state.values()
                for v in s.values()
                if hasattr(v, "shape")
            )
            sd = opt.state_dict()
            assert all(
                type(v) in (np.ndarray, int, float)
                for s in sd["state"].values()
                for v in s.values()
            )
    for a, b in zip(*runs):
        np.testing.assert_allclose(b, a, **tolerances(gpu, loose=True))


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
        {"maximize": True},
        {"lr": 0.0},
        {"amsgrad": True},  # not fused: the pass-by-pass code on the device
    ],
    ids=["plain", "l2", "decoupled", "maximize", "lr0", "amsgrad"],
)
def test_adam_on_the_device_matches_the_cpu(gpu, kw):
    """Adam's update (one fused kernel on a GPU) against the CPU's pass-by-pass code."""
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal((5, 7)).astype(np.float32)
    grads = [rng.standard_normal((5, 7)).astype(np.float32) for _ in range(4)]
    results = []
    for device in ("cpu", gpu):
        p = nn.Parameter(gn.tensor(p0.copy())).to(device)
        opt = optim.Adam([p], **{"lr": 0.01, **kw})
        for g in grads:
            p.grad = gn.tensor(g).to(device)
            opt.step()
        st = opt.state[p]
        results.append([to_host(a) for a in (p.array, st["exp_avg"], st["exp_avg_sq"])])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    if kw.get("lr") == 0.0:
        np.testing.assert_array_equal(results[1][0], p0)


@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_inference_on_the_device_matches_the_cpu(gpu, with_state):
    """The LSTM's no-graph path (one set of reused buffers; one fused kernel a step on a GPU)."""
    gn.manual_seed(0)
    lstm = nn.LSTM(3, 6, num_layers=2, bidirectional=True, batch_first=True)
    x = np.random.default_rng(1).standard_normal((4, 7, 3)).astype(np.float32)
    state = None
    if with_state:
        h0 = np.random.default_rng(2).standard_normal((4, 4, 6)).astype(np.float32)
        state = (gn.tensor(h0), gn.tensor(h0 * 0.5))
    with gn.no_grad():
        ref, (h_ref, c_ref) = lstm(gn.tensor(x), state)
        lstm.to(gpu)
        dev_state = None if state is None else tuple(s.to(gpu) for s in state)
        out, (h, c) = lstm(gn.tensor(x).to(gpu), dev_state)
    for a, b in ((ref, out), (h_ref, h), (c_ref, c)):
        np.testing.assert_allclose(to_host(b), to_host(a), **tolerances(gpu))


def test_optimizer_checkpoint_round_trip_on_device(gpu, tmp_path):
    from glassnet.io import load_checkpoint, save_checkpoint

    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)).to(gpu)
    opt = optim.Adam(model.parameters())
    x, y = gn.randn(6, 4, device=gpu), gn.tensor(np.arange(6) % 2).to(gpu)
    F.cross_entropy(model(x), y).backward()
    opt.step()
    save_checkpoint(tmp_path / "ck.safetensors", model=model, optimizer=opt, epoch=1)
    gn.manual_seed(1)
    clone = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)).to(gpu)
    opt2 = optim.Adam(clone.parameters())
    info = load_checkpoint(tmp_path / "ck.safetensors", model=clone, optimizer=opt2)
    assert info["epoch"] == 1
    for a, b in zip(model.parameters(), clone.parameters()):
        assert b.device == gn.device(gpu)
        np.testing.assert_array_equal(to_host(a), to_host(b))
    for p in clone.parameters():
        assert gn.backend.device_of(opt2.state[p]["exp_avg"]) == gn.device(gpu)


# ------------------------------------------------------------- gradient clipping
def test_clip_grad_norm_same_on_device(device):
    norms, grads = [], []
    for dev in ("cpu", device):
        gn.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).to(dev)
        x = gn.tensor(np.linspace(-3, 3, 24, dtype=np.float32).reshape(6, 4)).to(dev)
        (model(x) ** 2).sum().backward()
        norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), 0.5)))
        norms.append(float(nn.utils.get_total_norm([p.grad for p in model.parameters()], 1.0)))
        grads.append([to_host(p.grad) for p in model.parameters()])
    np.testing.assert_allclose(norms[2:], norms[:2], rtol=tolerances(device, loose=True)["rtol"])
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a, **tolerances(device))


def test_clip_grad_norm_error_if_nonfinite_on_device(gpu):
    p = nn.Parameter(np.ones(3, np.float32)).to(gpu)
    p.grad = gn.tensor([1.0, np.inf, 0.0]).to(gpu)
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of order 2.0 is non-fin"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


# ------------------------------------------------------------------- tensors
def test_factories_place_tensors_on_the_device(device):
    dev = gn.device(device)
    made = [
        gn.zeros(2, 3, device=device),
        gn.ones(2, device=device, dtype=np.float64),
        gn.full((2,), 7.0, device=device),
        gn.randn(2, 2, rng=np.random.default_rng(0), device=device),
        gn.rand(3, rng=np.random.default_rng(0), device=device),
        gn.arange(4, device=device),
        gn.tensor([1, 2], device=device),
    ]
    assert all(t.device == dev for t in made)
    np.testing.assert_array_equal(to_host(made[2]), [7.0, 7.0])
    assert made[1].dtype == np.float64 and made[5].dtype.kind == "i"
    np.testing.assert_array_equal(
        to_host(made[3]), gn.randn(2, 2, rng=np.random.default_rng(0)).numpy()
    )


def test_moving_a_computed_tensor_keeps_the_graph(gpu):
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)  # a CPU leaf
    y = (x * x).to(gpu)  # computed, then moved: gradients flow back to the CPU
    assert y.device == gn.device(gpu) and y.grad_fn is not None
    (y * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0, 18.0])
    leaf = gn.tensor([1.0, 2.0], requires_grad=True).to(gpu)  # a moved leaf stays a leaf
    (leaf * 2).sum().backward()
    assert leaf.is_leaf and leaf.grad.device == gn.device(gpu)


def test_setitem_moves_values_to_the_tensor_device(gpu):
    t = gn.zeros(2, 3, device=gpu)
    t[0] = np.array([1.0, 2.0, 3.0], dtype=np.float32)  # a host array into a GPU tensor
    c = gn.zeros(2, 3)
    c[1] = t[0]  # a GPU tensor into a CPU tensor
    np.testing.assert_array_equal(c.numpy(), [[0, 0, 0], [1, 2, 3]])


def test_mixing_devices_is_a_clear_error(gpu):
    a = gn.ones(3, device=gpu)
    with pytest.raises(
        ValueError, match=r"add: the operands are on different devices \(cuda:0 and cpu\)"
    ):
        a + gn.ones(3)
    with pytest.raises(ValueError, match=r"cross_entropy: input is on cuda:0 but target is on cpu"):
        F.cross_entropy(gn.ones(2, 3, device=gpu), gn.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"mse_loss: input is on cuda:0 but target is on cpu"):
        F.mse_loss(a, gn.ones(3))
    # NumPy constants follow the tensor (one copy), as in arithmetic with Python numbers
    np.testing.assert_array_equal(to_host(a * np.full(3, 2, np.float32)), [2.0, 2.0, 2.0])
