"""explain_images (method by name, any layout) and its errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import Saliency, explain_images
from glassnet.explain.gallery import METHODS, default_methods, image_logits


@pytest.fixture(scope="module")
def cnn():
    from glassnet.models import seed_cnn

    gn.manual_seed(0)
    return seed_cnn()


@pytest.fixture(scope="module")
def rows_model():
    from glassnet.models.rnn import row_lstm_attention

    gn.manual_seed(0)
    return row_lstm_attention(num_classes=10, hidden=8)


@pytest.fixture
def images(rng):
    return rng.random((2, 1, 28, 28)).astype(np.float32)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "attention"])
def test_cnn_methods(method, cnn, images):
    maps = explain_images(cnn, images, method, target=[1, 2])
    assert maps.shape == (2, 1, 28, 28)
    assert np.all(np.isfinite(maps))
    assert np.any(maps != 0)


def test_layouts_give_image_space_maps(images, rows_model):
    flat = gn.nn.Sequential(gn.nn.Linear(784, 10))
    got = explain_images(flat, images, "saliency", layout="flat", target=3)
    np.testing.assert_allclose(
        got.reshape(2, 784), np.abs(np.tile(flat[0].weight.numpy()[3], (2, 1)))
    )
    att = explain_images(rows_model, images, "attention", layout="rows")
    assert att.shape == (2, 1, 28, 28)
    np.testing.assert_allclose(att[:, 0, :, 0].sum(axis=1), 1.0, rtol=1e-5)  # one weight per row
    assert np.all(att[:, 0, :, :1] == att[:, 0, :, 5:6])
    ig = explain_images(rows_model, images[:, 0], "ig", layout="rows")  # (N, H, W) images too
    assert ig.shape == (2, 1, 28, 28)


def test_default_methods_and_logits(cnn, rows_model, images):
    assert default_methods(cnn) == ["saliency", "ig", "smoothgrad", "occlusion", "gradcam"]
    assert default_methods(rows_model) == ["saliency", "ig", "smoothgrad", "occlusion", "attention"]
    cnn.train()
    logits = image_logits(cnn, images)
    assert cnn.training
    cnn.eval()
    np.testing.assert_allclose(logits, Saliency(cnn).forward(images), rtol=1e-6)


def test_errors(cnn, images):
    with pytest.raises(
        ValueError,
        match=r"explain_images: method must be one of saliency, input_x_gradient, ig, .* got 'shap'",
    ):
        explain_images(cnn, images, "shap")
    with pytest.raises(
        ValueError, match=r"explain_images: layout must be one of image, flat, rows, got 'seq'"
    ):
        explain_images(cnn, images, "ig", layout="seq")
    with pytest.raises(
        ValueError,
        match=r"expected greyscale images \(N, 1, H, W\) or \(N, H, W\), got \(2, 3, 28, 28\)",
    ):
        explain_images(cnn, np.zeros((2, 3, 28, 28)), "ig")
    with pytest.raises(ValueError, match=r"AttentionMaps: Sequential has no attention layer"):
        explain_images(cnn, images, "attention")


def test_attention_not_over_rows(images):
    from glassnet.nn.layers.attention import TemporalAttention

    class Chunks(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = TemporalAttention(112)
            self.head = gn.nn.Linear(112, 10)

        def forward(self, x):
            ctx, _ = self.attention(x.reshape(x.shape[0], 7, 112))
            return self.head(ctx)

    with pytest.raises(
        ValueError,
        match=r"no attention layer of the model attends over the 28 image rows \(weights by layer: \{'inner.attention': \(2, 7\)\}\)",
    ):
        explain_images(Chunks(), images, "attention", layout="rows")
