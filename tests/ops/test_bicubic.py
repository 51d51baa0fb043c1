"""``glassnet/ops/bicubic.py``: ``F.interpolate(mode="bicubic")`` (the ``ResizeCubic`` op) and
``nn.Upsample(mode="bicubic")`` against torch, by central differences, and exported as ONNX's
cubic ``Resize`` against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.nn as nn
from glassnet.testing import check_against_torch, check_gradients

X = np.random.default_rng(3).standard_normal((2, 3, 5, 7))

CONFIGS = [
    dict(size=(9, 4)),
    dict(size=(1, 1)),
    dict(size=(5, 7)),
    dict(scale_factor=2),
    dict(scale_factor=(1.7, 0.6)),
    dict(scale_factor=(1.1, 1.05)),  # sizes kept, positions moved (torch does not copy)
    dict(scale_factor=1.3, recompute_scale_factor=True),
]


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kw", CONFIGS)
def test_bicubic_agrees_with_torch(torch, kw, align_corners):
    # torch 2.13's backward copies the gradient when both sizes are kept, though its forward
    # moved the samples (scale_factor (1.1, 1.05) without align_corners): not the transpose of
    # its forward there. glassnet's gradient is (checked by central differences below).
    torch_grad_wrong = kw.get("scale_factor") == (1.1, 1.05) and not align_corners
    check_against_torch(
        lambda x: F.interpolate(x, mode="bicubic", align_corners=align_corners, **kw),
        lambda x: torch.nn.functional.interpolate(x, mode="bicubic", align_corners=align_corners, **kw),
        X, atol=1e-12, rtol=1e-10, grad=not torch_grad_wrong,
    )  # fmt: skip
    if torch_grad_wrong:
        assert check_gradients(
            lambda x: F.interpolate(x, mode="bicubic", align_corners=align_corners, **kw), X[:1, :1]
        )


def test_bicubic_gradients_dtype_and_upsample(torch):
    assert check_gradients(lambda x: F.interpolate(x, size=(3, 9), mode="bicubic"), X[:1, :2])
    assert check_gradients(
        lambda x: F.interpolate(x, scale_factor=0.6, mode="bicubic", align_corners=True), X[:1]
    )
    x = gn.tensor(X.astype(np.float32), requires_grad=True)
    y = nn.Upsample(scale_factor=2, mode="bicubic")(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    for ac in (False, True):
        check_against_torch(
            lambda a, ac=ac: nn.Upsample(size=(6, 11), mode="bicubic", align_corners=ac)(a),
            lambda a, ac=ac: torch.nn.Upsample(size=(6, 11), mode="bicubic", align_corners=ac)(a),
            X,
        )


def test_bicubic_errors():
    with pytest.raises(ValueError, match="needs a 4-D input"):
        F.interpolate(gn.tensor(X[0]), size=4, mode="bicubic")
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(gn.tensor(X), size=4, mode="bicubic", antialias=True, align_corners=True)


class _Resize(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def forward(self, x):
        return F.interpolate(x * 2, mode="bicubic", **self.kw)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize(
    "kw",
    [dict(size=(9, 4)), dict(size=(1, 1)), dict(scale_factor=(1.7, 0.6)), dict(scale_factor=0.7),
     dict(scale_factor=1.3, recompute_scale_factor=True)],
)  # fmt: skip
def test_bicubic_exports_as_cubic_resize(tmp_path, kw, align_corners):
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    import glassnet.io as gio

    model = _Resize(align_corners=align_corners, **kw).eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 10, 7)).astype(np.float32)
    path = gio.export_onnx(model, (x,), tmp_path / "m.onnx", input_names=("x",))
    nodes = [n for n in onnx.load(str(path)).graph.node if n.op_type == "Resize"]
    assert len(nodes) == 1
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in nodes[0].attribute}
    assert attrs["mode"] == b"cubic" and attrs["cubic_coeff_a"] == pytest.approx(-0.75)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (x, x[:1]):
        (got,) = sess.run(None, {"x": batch})
        with gn.no_grad():
            want = model(gn.tensor(batch)).numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5)


def test_bicubic_float64_exports_as_matmuls(tmp_path):
    """onnxruntime has no float64 ``Resize``: a float64 model gets the same weights as two
    ``MatMul`` nodes, exact."""
    ort = pytest.importorskip("onnxruntime")
    import glassnet.io as gio

    for kw in (dict(scale_factor=(1.7, 0.6)), dict(size=(4, 9), align_corners=True)):
        model = _Resize(**kw).eval()
        path = gio.export_onnx(model, (X,), tmp_path / "m.onnx", input_names=("x",))
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        for batch in (X, X[:1]):
            (got,) = sess.run(None, {"x": batch})
            with gn.no_grad():
                want = model(gn.tensor(batch)).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["bicubic", "bilinear", "area"])
def test_interpolating_modes_refuse_integer_input(mode):
    """torch refuses them; the weights cast to integers gave truncated values silently."""
    x = gn.tensor(np.arange(12).reshape(1, 1, 3, 4))
    with pytest.raises(TypeError, match=f"mode '{mode}' needs a floating-point input"):
        F.interpolate(x, scale_factor=2, mode=mode)
    assert F.interpolate(x, scale_factor=2, mode="nearest").dtype == x.dtype  # exact copies
