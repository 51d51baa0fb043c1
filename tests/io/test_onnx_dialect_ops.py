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
