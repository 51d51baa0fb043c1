"""small-cnn (any image size and channel count) and models built for a data set's sample shape."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.models import build_model, get_model_spec, to_layout
from glassnet.models.small_cnn import pool_count, small_cnn
from glassnet.nn.layers.pooling import MaxPool2d


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 64, 48), (4, 9, 9), (2, 5, 7)])
def test_small_cnn_reads_any_size_and_channels(shape):
    gn.manual_seed(0)
    model = build_model("small-cnn", num_classes=5, input_shape=shape)
    out = model(gn.zeros(3, *shape))
    assert out.shape == (3, 5)
    other = model.eval()(gn.ones(2, shape[0], shape[1] + 6, shape[2] + 2))  # global pooling
    assert other.shape == (2, 5)


def test_pools_only_while_the_image_is_large_enough():
    assert [pool_count(s) for s in [(28, 28), (16, 40), (15, 15), (8, 8), (3, 3)]] == [
        2,
        2,
        1,
        1,
        0,
    ]
    pools = [m for m in small_cnn(image_size=(8, 8)).modules() if isinstance(m, MaxPool2d)]
    assert len(pools) == 1


def test_small_cnn_learns_a_toy_task():
    from glassnet.train import evaluate, fit

    gn.manual_seed(0)
    rng = np.random.default_rng(0)
    y = np.arange(96) % 2
    x = rng.normal(0, 0.3, (96, 3, 12, 12)).astype(np.float32)
    x[y == 1, 1, :6] += 1.5  # class 1: a bright top half in the green channel
    model = small_cnn(2, in_channels=3, image_size=(12, 12))
    fit(model, (x, y), loss="cross_entropy", optimizer="adam", epochs=8, batch_size=16,
        verbose=0, seed=0)  # fmt: skip
    assert evaluate(model, (x, y), loss="cross_entropy")["accuracy"] >= 0.95


def test_models_built_for_the_sample_shape():
    assert build_model("mlp", 3, input_shape=(7,))(gn.zeros(2, 7)).shape == (2, 3)
    assert build_model("mlp", 3, input_shape=(3, 8, 8))(gn.zeros(2, 192)).shape == (2, 3)
    cnn = build_model("seed-cnn", 4, input_shape=(3, 32, 32))
    assert cnn(gn.zeros(1, 3, 32, 32)).shape == (1, 4)
    assert build_model("lstm-attn", 2, input_shape=(1, 10, 6))(gn.zeros(2, 10, 6)).shape == (2, 2)
    assert build_model("mlp", 10).num_parameters() == 235146  # the default: 28x28 greyscale


@pytest.mark.parametrize(
    "name, shape, match",
    [
        ("seed-cnn", (1, 30, 30), "square images with a side divisible by 4"),
        ("seed-cnn", (5,), r"reads images \(C, H, W\), got samples of shape \(5,\) \(a table: use --model mlp\)"),
        ("small-cnn", (5,), "reads images"),
        ("lstm-attn", (3, 8, 8), "reads greyscale images row by row, got 3 channels"),
    ],
)
def test_shape_errors_name_the_model(name, shape, match):
    with pytest.raises(ValueError, match=match):
        build_model(name, 2, input_shape=shape)


def test_a_builder_without_input_shape_is_for_mnist_only():
    from glassnet.models.registry import _REGISTRY, register_model

    register_model("fixed-test", lambda num_classes: gn.nn.Linear(784, num_classes), layout="flat")
    try:
        assert not get_model_spec("fixed-test").takes_input_shape
        assert build_model("fixed-test", 3, input_shape=(1, 28, 28)).out_features == 3
        with pytest.raises(ValueError, match="built for 28x28 greyscale images only"):
            build_model("fixed-test", 3, input_shape=(3, 28, 28))
    finally:
        del _REGISTRY["fixed-test"]


def test_to_layout_tables_and_colour():
    table = np.zeros((4, 6), np.float32)
    assert to_layout(table, "flat") is table
    with pytest.raises(ValueError, match="reads images, got a table"):
        to_layout(table, "image")
    rgb = np.zeros((2, 3, 5, 4), np.float32)
    assert to_layout(rgb, "flat").shape == (2, 60) and to_layout(rgb, "image").shape == rgb.shape
    with pytest.raises(ValueError, match="row-by-row model reads greyscale images, got 3 channels"):
        to_layout(rgb, "rows")


def test_small_cnn_exports_to_onnx(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from glassnet.io import export_onnx

    gn.manual_seed(0)
    model = small_cnn(3, in_channels=3, image_size=(16, 16)).eval()
    x = np.random.default_rng(0).random((2, 3, 16, 16)).astype(np.float32)
    export_onnx(model, x[:1], str(tmp_path / "m.onnx"))
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, model(gn.Tensor(x)).numpy(), rtol=1e-4, atol=1e-5)
