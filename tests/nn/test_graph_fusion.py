"""With a graph and the compiled kernels, Sequential runs Conv2d -> ReLU -> MaxPool2d(2) as
one ConvReluPool2d node (ops/conv_fused.py): the modules' values bit for bit, their
gradients to float rounding, and the modules one by one wherever the node does not apply."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import kernels, nn
from glassnet.autograd import gradcheck
from glassnet.ops.conv_fused import ConvReluPool2d, conv2d_relu_maxpool2
from glassnet.testing import torch_available

needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba is not installed")


def _block(c_in: int, c_out: int = 6, **conv) -> nn.Sequential:
    gn.manual_seed(0)
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, **conv), nn.ReLU(), nn.MaxPool2d(2))


def _run(model: nn.Module, x0: np.ndarray, g0: np.ndarray, one_by_one: bool) -> list:
    """Output, input gradient and parameter gradients of ``sum(model(x) * g0)``."""
    x = gn.tensor(x0, requires_grad=True)
    model.zero_grad()
    y = x
    if one_by_one:
        for m in model:
            y = m(y)
    else:
        y = model(x)
    (y * gn.tensor(g0)).sum().backward()
    return [y.array, x.grad.array] + [p.grad.array for p in model.parameters() if p.requires_grad]


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c_in", [1, 7])  # transposed tap columns; row columns
@pytest.mark.parametrize("conv", [dict(padding=1), dict(), dict(stride=2, padding=1)])
@pytest.mark.parametrize("columns", ["kept", "rebuilt"])
def test_the_node_equals_the_modules_one_by_one(monkeypatch, rng, dtype, c_in, conv, columns):
    monkeypatch.setenv(kernels.ENV, "numba")
    monkeypatch.setattr("glassnet.ops.conv.CHUNK_BYTES", 6000)  # several blocks per call
    if columns == "rebuilt":  # backward builds the row columns again, block by block
        monkeypatch.setattr("glassnet.ops.conv_fused.KEEP_COLUMNS_MAX_BYTES", 0)
    model = _block(c_in, **conv).to(dtype=dtype)
    x0 = rng.standard_normal((7, c_in, 18, 18)).astype(dtype)
    x0[0, :, :4, :4] = np.nan  # NaN wins its windows, and passes no gradient
    out_shape = model(gn.tensor(x0)).shape
    g0 = rng.standard_normal(out_shape).astype(dtype)
    fused = _run(model, x0, g0, one_by_one=False)
    modules = _run(model, x0, g0, one_by_one=True)
    np.testing.assert_array_equal(fused[0], modules[0])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(fused[1:], modules[1:]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@needs_numba
def test_sequential_records_one_node(monkeypatch, rng):
    monkeypatch.setenv(kernels.ENV, "numba")
    x = gn.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    assert isinstance(_block(3, padding=1)(x).grad_fn, ConvReluPool2d)


def test_the_numpy_path_runs_the_modules(monkeypatch, rng):
    monkeypatch.setenv(kernels.ENV, "numpy")
    x = gn.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    y = _block(3, padding=1)(x)
    assert not isinstance(y.grad_fn, ConvReluPool2d)  # the ReLU's node, pooled first


@needs_numba
def test_hooks_and_frozen_parts(monkeypatch, rng):
    monkeypatch.setenv(kernels.ENV, "numba")
    model = _block(3, padding=1)
    x = gn.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    handle = model[2].register_forward_hook(lambda m, args, out: None)
    assert not isinstance(model(x).grad_fn, ConvReluPool2d)
    handle.remove()
    # only the bias and the input need a gradient
    model[0].weight.requires_grad_(False)
    x0, g0 = x.array, rng.standard_normal((2, 6, 4, 4)).astype(np.float32)
    fused = _run(model, x0, g0, one_by_one=False)
    modules = _run(model, x0, g0, one_by_one=True)
    assert model[0].weight.grad is None
    for a, b in zip(fused, modules):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@needs_numba
def test_finite_differences_float64(monkeypatch, rng):
    monkeypatch.setenv(kernels.ENV, "numba")
    x = gn.tensor(rng.standard_normal((2, 2, 6, 6)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = gn.tensor(rng.standard_normal(3), requires_grad=True)

    def fn(x, w, b):
        return conv2d_relu_maxpool2(x, w, b, (1, 1), (1, 1, 1, 1), (1, 1))

    assert isinstance(fn(x, w, b).grad_fn, ConvReluPool2d)
    assert gradcheck(fn, (x, w, b))


@needs_numba
@pytest.mark.skipif(not torch_available(), reason="torch is not installed")
def test_agrees_with_torch(monkeypatch, rng):
    import torch

    monkeypatch.setenv(kernels.ENV, "numba")
    model = _block(3, 8, padding=1)
    tm = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(),
                             torch.nn.MaxPool2d(2))  # fmt: skip
    with torch.no_grad():
        tm[0].weight.copy_(torch.tensor(model[0].weight.array))
        tm[0].bias.copy_(torch.tensor(model[0].bias.array))
    x0 = rng.standard_normal((4, 3, 12, 12)).astype(np.float32)
    g0 = rng.standard_normal((4, 8, 6, 6)).astype(np.float32)
    got = _run(model, x0, g0, one_by_one=False)
    xt = torch.tensor(x0, requires_grad=True)
    (tm(xt) * torch.tensor(g0)).sum().backward()
    want = [tm(xt).detach().numpy(), xt.grad.numpy(), tm[0].weight.grad.numpy(),
            tm[0].bias.grad.numpy()]  # fmt: skip
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@needs_numba
def test_the_onnx_export_sees_the_modules(monkeypatch, tmp_path):
    pytest.importorskip("onnx")
    monkeypatch.setenv(kernels.ENV, "numba")
    model = _block(1, padding=1)
    from glassnet import io as gio

    path = gio.export_onnx(model, gn.zeros((1, 1, 8, 8)), tmp_path / "block.onnx")
    import onnx

    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert "Conv" in ops and "MaxPool" in ops and "Relu" in ops


@needs_numba
def test_the_node_exports_as_three_onnx_nodes(monkeypatch, rng, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from glassnet import io as gio

    monkeypatch.setenv(kernels.ENV, "numba")
    conv = nn.Conv2d(2, 4, 3, padding=1)

    class Direct(nn.Module):  # records the node itself (Sequential does not fuse in a trace)
        def __init__(self) -> None:
            super().__init__()
            self.conv = conv

        def forward(self, x):
            return ConvReluPool2d.apply(x, conv.weight, conv.bias, pads=(1, 1, 1, 1))

    x = rng.standard_normal((3, 2, 8, 8)).astype(np.float32)
    path = gio.export_onnx(Direct(), gn.tensor(x), tmp_path / "direct.onnx")
    got = ort.InferenceSession(str(path)).run(None, {"input": x})[0]
    with gn.no_grad():
        want = _block(2, 4, padding=1)
        want[0].load_state_dict(conv.state_dict())
        np.testing.assert_allclose(got, want(gn.tensor(x)).array, rtol=1e-5, atol=1e-5)


@needs_numba
def test_backward_twice_with_retain_graph(monkeypatch, rng):
    monkeypatch.setenv(kernels.ENV, "numba")
    monkeypatch.setattr("glassnet.ops.conv.CHUNK_BYTES", 6000)
    model = _block(5, padding=1)  # row columns, kept whole
    x = gn.tensor(rng.standard_normal((6, 5, 8, 8)).astype(np.float32), requires_grad=True)
    y = model(x)
    assert isinstance(y.grad_fn, ConvReluPool2d)
    y.sum().backward(retain_graph=True)
    first = [x.grad.array.copy()] + [p.grad.array.copy() for p in model.parameters()]
    y.sum().backward()
    second = [x.grad.array] + [p.grad.array for p in model.parameters()]
    for a, b in zip(first, second):
        np.testing.assert_allclose(b, 2 * a, rtol=1e-6, atol=1e-6)


@needs_numba
def test_data_parallel_slices_use_the_node(monkeypatch, rng):
    monkeypatch.setenv(kernels.ENV, "numba")
    model = _block(1, padding=1)
    x0 = rng.standard_normal((8, 1, 10, 10)).astype(np.float32)
    g0 = rng.standard_normal((8, 6, 5, 5)).astype(np.float32)
    alone = _run(model, x0, g0, one_by_one=True)
    sliced = _run(nn.DataParallel(model, threads=2), x0, g0, one_by_one=False)
    for a, b in zip(sliced, alone):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@needs_numba
@pytest.mark.parametrize("grad", [True, False])
def test_padding_changed_after_construction_is_used(monkeypatch, rng, grad):
    monkeypatch.delenv(kernels.ENV, raising=False)
    model = _block(2, padding=1)
    model[0].padding = (2, 2)  # the fused block must not keep the padding it was built with
    x0 = rng.standard_normal((3, 2, 8, 8))
    with gn.set_grad_enabled(grad):
        fused = model(gn.tensor(x0, requires_grad=grad)).numpy()
        y = gn.tensor(x0)
        for m in model:
            y = m(y)
    assert fused.shape == (3, 6, 5, 5)
    np.testing.assert_array_equal(fused, y.numpy())
    conv1d = nn.Conv1d(1, 1, 3, padding=1)
    conv1d.padding = (2,)
    assert tuple(conv1d(gn.randn(1, 1, 8)).shape) == (1, 1, 10)
