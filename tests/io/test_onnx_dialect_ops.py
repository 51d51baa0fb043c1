"""The ops the torch dialect added (sin, cos, prod, cumsum, einsum, scatter_add) export to ONNX and agree
with onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
import glassnet.nn as nn

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


class DialectOps(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(gn.randn(4, 3))

    def forward(self, x):
        y = x.sin() * x.cos() + x.cumsum(1) + (x.abs() + 0.5).prod(dim=1, keepdim=True)
        z = gn.einsum("bi,ij->bj", y, self.w) + gn.einsum("bi->b", x).unsqueeze(1)
        index = gn.tensor([[0, 0], [2, 1], [1, 1], [0, 2], [2, 2]])
        return z.scatter_add(1, index, y)


def test_dialect_ops_export_and_agree_with_onnxruntime(tmp_path):
    gn.manual_seed(0)
    model = DialectOps().eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    path = gio.export_onnx(
        model, (x,), tmp_path / "m.onnx", input_names=("x",), output_names=("y",)
    )
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x})
    with gn.no_grad():
        want = model(gn.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


class Log1pExpm1(nn.Module):
    def forward(self, x):
        return x.abs().log1p() * x.expm1()


def test_log1p_and_expm1_export_and_agree_with_onnxruntime(tmp_path):
    model = Log1pExpm1().eval()
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    path = gio.export_onnx(model, (x,), tmp_path / "m.onnx", input_names=("x",), output_names=("y",))
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x})
    with gn.no_grad():
        want = model(gn.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


class Round2Ops(nn.Module):
    """atan2, lerp (number and tensor weight), cumprod (with a zero), erf, erfc, erfinv, diff."""

    def forward(self, x, w):
        zeroed = gn.cat([x[:, :2], x[:, 2:3] * 0, x[:, 3:]], 1)
        y = gn.atan2(x, x.flip(1)) + x.lerp(x.flip(1), 0.3) + gn.lerp(x, x * 2, w)
        y = y + zeroed.cumprod(1) + x.erf() + x.erfc() + (x.tanh() * 0.9).erfinv()
        return y[:, 1:] + x.diff(dim=1)


def test_round2_ops_export_and_agree_with_onnxruntime(tmp_path):
    model = Round2Ops().eval()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    x[0, 0] = x[0, 3] = 0.0  # atan2 at the origin
    x[1, 0] = -x[1, 0] * np.sign(x[1, 0]) - 0.5  # x < 0 with y of both signs (flip)
    w = rng.uniform(-0.2, 1.2, (5, 1)).astype(np.float32)
    path = gio.export_onnx(
        model, (x, w), tmp_path / "m.onnx", input_names=("x", "w"), output_names=("y",)
    )
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x, "w": w})
    with gn.no_grad():
        want = model(gn.tensor(x), gn.tensor(w)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-5)


class Erfinv(nn.Module):
    def forward(self, y):
        return y.erfinv()


def test_erfinv_exports_with_its_edges(tmp_path):
    y = np.array([-1.0, -0.999, -0.5, -1e-4, 0.0, 0.3, 0.9, 0.99, 1.0, 1.5], dtype=np.float32)
    path = gio.export_onnx(Erfinv(), (y,), tmp_path / "m.onnx", input_names=("y",))
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"y": y})
    want = gn.erfinv(gn.tensor(y)).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[:-1], want[:-1], rtol=2e-5)
