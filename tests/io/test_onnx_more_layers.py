"""The layers of the layers issue export by tracing and match onnxruntime (no converters of
their own: they are written with ops that have one)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.io as gio
from glassnet import nn
from glassnet.vision.models import resnet18

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


class Fn(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8, padding_idx=0)
        self.enc = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True), 2
        )
        self.head = nn.Linear(8, 20)

    def forward(self, ids):
        mask = nn.Transformer.generate_square_subsequent_mask(ids.shape[1])
        return self.head(self.enc(self.emb(ids), mask=mask))


CASES = {
    "activations": (lambda: nn.Sequential(nn.Hardtanh(-0.5, 0.5), nn.Mish(), nn.PReLU(3),
                                          nn.Softmin(1)), (2, 3, 4)),  # fmt: skip
    "more_activations": (lambda: nn.Sequential(nn.Hardswish(), nn.SELU(), nn.CELU(0.5),
                                               nn.LogSigmoid(), nn.Softsign(), nn.ReLU6(),
                                               nn.Hardsigmoid()), (2, 3, 4)),  # fmt: skip
    "layer_norm": (lambda: nn.LayerNorm(4), (2, 3, 4)),
    "group_norm": (lambda: nn.GroupNorm(3, 6), (2, 6, 4, 4)),
    "instance_norm": (lambda: nn.InstanceNorm2d(6, affine=True), (2, 6, 4, 4)),
    "normalize": (lambda: Fn(lambda x: F.normalize(x, 2.0, 1)), (2, 6)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(3, 4, 3, 2, 1, 1), (2, 3, 5, 5)),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(3, 4, 3, 2), (2, 3, 5)),
    "upsample_bilinear": (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (2, 3, 4, 5)),
    "upsample_nearest": (lambda: nn.Upsample(size=(7, 9)), (2, 3, 4, 5)),
    "reflection_pad": (lambda: nn.ReflectionPad2d((1, 2, 0, 1)), (2, 3, 4, 5)),
    "replication_pad": (lambda: nn.ReplicationPad1d(2), (2, 3, 5)),
    "max_pool1d": (lambda: nn.MaxPool1d(2), (2, 3, 8)),
    "avg_pool1d": (lambda: nn.AvgPool1d(2), (2, 3, 8)),
    "adaptive_max_pool2d": (lambda: nn.AdaptiveMaxPool2d((3, 2)), (2, 3, 7, 5)),
    "transformer_encoder": (
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2),
        (2, 5, 8),
    ),
    "dropout_variants": (lambda: nn.Sequential(nn.Dropout2d(0.3), nn.AlphaDropout(0.2)), (2, 3, 4, 4)),
    "resnet18": (lambda: resnet18(num_classes=10, in_channels=1), (2, 1, 28, 28)),
}


def _run(proto, feeds):
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_exports_and_matches_onnxruntime(name, rng):
    make, shape = CASES[name]
    model = make()
    model.eval()
    proto = gio.build_onnx_model(model, gn.tensor(rng.standard_normal(shape).astype(np.float32)))
    x = rng.standard_normal((3, *shape[1:])).astype(np.float32)  # another batch size
    with gn.no_grad():
        want = model(gn.tensor(x)).numpy()
    np.testing.assert_allclose(_run(proto, {"input": x}), want, rtol=1e-5, atol=1e-5)


def test_embedding_transformer_language_model_exports(rng):
    model = TinyLM()
    model.eval()
    ids = rng.integers(0, 20, (2, 6))
    proto = gio.build_onnx_model(model, ids)
    other = rng.integers(0, 20, (4, 6))
    with gn.no_grad():
        want = model(other).numpy()
    np.testing.assert_allclose(_run(proto, {"input": other}), want, rtol=1e-5, atol=1e-5)
