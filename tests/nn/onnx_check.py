"""Export a small model to ONNX and compare onnxruntime's outputs with glassnet's (skips without them)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn


class Fn(nn.Module):
    """A model whose forward is ``f(self, *inputs)``, holding the given children."""

    def __init__(self, f, **children):
        super().__init__()
        for name, child in children.items():
            setattr(self, name, child)
        self.f = f

    def forward(self, *xs):
        return self.f(self, *xs)


def flat_outputs(out):
    """The tensors of a model's output (a tensor, a nested tuple/list, or a dict), in order."""
    if isinstance(out, dict):
        return flat_outputs(tuple(out.values()))
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in flat_outputs(o)]
    return [out]


def assert_onnx_matches(model, inputs, tmp_path, *, others=(), rtol=1e-4, atol=1e-5) -> None:
    """Export ``model`` on ``inputs`` (float32 arrays) and run it in onnxruntime on each set."""
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    model.eval()
    names = tuple(f"in{i}" for i in range(len(inputs)))
    path = gio.export_onnx(model, tuple(inputs), tmp_path / "m.onnx", input_names=names)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for arrays in (inputs, *others):
        (got,) = sess.run(None, dict(zip(names, arrays)))
        with gn.no_grad():
            want = model(*(gn.tensor(a) for a in arrays)).numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
