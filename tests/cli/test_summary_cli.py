"""glassnet summary: --model, --config, --run, --json and its usage errors."""

import json

import pytest

from glassnet.cli.main import main


def test_summary_of_the_seed_cnn(capsys):
    assert main(["summary", "--model", "seed-cnn"]) == 0
    out = capsys.readouterr().out
    assert "Total params: 3,241,354" in out
    assert "Conv2d" in out and "[1, 32, 28, 28]" in out


def test_summary_from_a_config_file_as_json(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('model = "mlp"\nhidden = [32]\n')
    assert main(["summary", "--config", str(cfg), "--batch-size", "8", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["input_shape"] == [8, 784]
    assert d["total_params"] == 784 * 32 + 32 + 32 * 10 + 10


def test_summary_of_a_run_folder(tmp_path, capsys):
    from glassnet.train.runs import RunFolder

    run = RunFolder.create(tmp_path, "r")
    run.write_config({"model": "seed-cnn-bn", "data": "fashion-mnist-sample"})
    assert main(["summary", "--run", run.path]) == 0
    assert "BatchNorm2d" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["summary"], "one of the arguments"),
        (["summary", "--model", "nope"], "--model: expected one of"),
        (["summary", "--model", "mlp", "--batch-size", "0"], "--batch-size"),
        (["summary", "--model", "mlp", "--input-shape", "3,28,28"], "--input-shape"),
        (["summary", "--model", "mlp", "--run", "x"], "not allowed with"),
    ],
)
def test_usage_errors_exit_2(capsys, args, message):
    assert main(args) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "dataset, first_shape, params",
    [
        # a run on colour images: the first convolution reads 3 channels, 5 classes
        ({"kind": "images", "input_shape": [3, 20, 20], "classes": list("abcde")},
         "[1, 3, 20, 20]", None),
        # a run on a table of 7 features: the MLP reads 7 columns, 3 classes
        ({"kind": "table", "input_shape": [7], "classes": ["x", "y", "z"]}, "[1, 7]",
         7 * 16 + 16 + 16 * 3 + 3),
    ],
)
def test_summary_of_a_run_on_own_data(tmp_path, capsys, dataset, first_shape, params):
    from glassnet.train.runs import RunFolder

    model = "small-cnn" if dataset["kind"] == "images" else "mlp"
    run = RunFolder.create(tmp_path, "r")
    record = {"model": model, "data": str(tmp_path / "mine"), "dataset": dataset,
              "run": {"command": "train"}}  # fmt: skip
    if model == "mlp":
        record["hidden"] = [16]
    run.write_config(record)
    assert main(["summary", "--run", run.path, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert str(d["input_shape"]).replace(" ", "") == first_shape.replace(" ", "")
    assert d["layers"][-1]["output_shape"][-1] == len(dataset["classes"])
    if params is not None:
        assert d["total_params"] == params
