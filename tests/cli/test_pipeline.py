"""``glassnet.cli.pipeline`` in process: loading a trained model for evaluate/explain."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.options import UsageError
from glassnet.cli.pipeline import TrainedModel, evaluate_checkpoint, load_trained
from glassnet.models import build_model
from glassnet.train.runs import RunFolder

CONFIG = {"model": "mlp", "data": "fashion-mnist-sample", "hidden": [16], "dropout": 0.0}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    gn.manual_seed(0)
    run = RunFolder.create(tmp_path_factory.mktemp("runs"), "tiny")
    run.write_config(CONFIG)
    model = build_model("mlp", num_classes=10, hidden=[16], dropout=0.0)
    run.save_checkpoint("best", model=model, epoch=3, config=CONFIG)
    return run.path, model.state_dict()


def test_load_trained_from_a_run_folder(run_dir):
    path, state = run_dir
    t = load_trained("mine", run_dir=path)
    assert isinstance(t, TrainedModel)
    assert (t.layout, t.data, t.epoch, t.config["model"]) == (
        "flat",
        "fashion-mnist-sample",
        3,
        "mlp",
    )
    assert t.path.endswith("best.safetensors")
    assert t.class_names[0] == "T-shirt/top" and len(t.class_names) == 10
    for k, v in t.model.state_dict().items():
        np.testing.assert_array_equal(v, state[k])


def test_load_trained_from_a_checkpoint_file_with_another_data_set(run_dir):
    path, _ = run_dir
    t = load_trained("mine", checkpoint=f"{path}/best.safetensors", data="mnist")
    assert t.data == "mnist" and t.class_names == [str(d) for d in range(10)]
    assert t.path == f"{path}/best.safetensors"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({}, UsageError, "mine: give exactly one of --run RUN_FOLDER or --checkpoint FILE"),
        ({"data": "cifar"}, UsageError, "--data: expected one of fashion-mnist, "),
        ({"which": "last"}, UsageError, "--run: run folder "),  # exit status 2, naming it
    ],
)
def test_load_trained_errors(run_dir, kwargs, error, message):
    args = {} if not kwargs else {"run_dir": run_dir[0]}
    with pytest.raises(error) as info:
        load_trained("mine", **args, **kwargs)
    assert message in str(info.value)


def test_evaluate_checkpoint_prints_and_returns_the_results(run_dir):
    out = io.StringIO()
    result = evaluate_checkpoint(run_dir=run_dir[0], batch_size=500, out=out)
    text = out.getvalue()
    assert "Model: mlp from " in text and "(epoch 3)" in text
    assert "Data: fashion-mnist-sample, test split, 1000 images" in text
    assert f"accuracy: {result['accuracy']:.4f}" in text
    cm = result["confusion_matrix"]
    assert cm.shape == (10, 10) and cm.sum() == 1000
    assert np.isclose(np.trace(cm) / 1000, result["accuracy"])
    sliced = evaluate_checkpoint(run_dir=run_dir[0], batch_size=500, out=io.StringIO(), threads=2)
    np.testing.assert_array_equal(sliced["confusion_matrix"], cm)  # the same model, in 2 threads
    assert sliced["loss"] == pytest.approx(result["loss"], rel=1e-6)
