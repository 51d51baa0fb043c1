"""What a newcomer met in the CLI and the report: --print-config, --dry-run, CLI-worded errors,
--resume with the run's own --data, attention on a CNN, progress in logs, the report's sections."""

from __future__ import annotations

import io
import os
import re

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli import main
from glassnet.io import loads_config
from tests.cli.test_own_data import table_csv
from tests.data.test_sources import image_folder


def test_print_config_is_a_config_file_and_trains_nothing(tmp_path, capsys):
    runs = tmp_path / "runs"
    assert main(["train", "--data", "fashion-mnist-sample", "--lr", "0.01", "--runs-dir",
                 str(runs), "--print-config"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "# seed: not given" in text and not runs.exists()
    config = loads_config(text)
    assert config["model"] == "mlp" and config["lr"] == 0.01 and config["hidden"] == [256, 128]
    assert "seed" not in config
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert main(["train", "--config", str(path), "--print-config"]) == 0  # it reads back


def test_dry_run_checks_everything_and_writes_nothing(tmp_path, capsys):
    runs = tmp_path / "runs"
    args = [
        "train",
        "--model",
        "seed-cnn",
        "--data",
        "fashion-mnist-sample",
        "--runs-dir",
        str(runs),
    ]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "5400 train / 600 validation / 1000 test images of 1x28x28, 10 classes" in out
    assert "seed-cnn (3,241,354 parameters)" in out and "logits (2, 10)" in out
    assert "Dry run: nothing trained or written." in out and not runs.exists()


def test_dry_run_on_own_data_and_its_errors(tmp_path, capsys):
    path = table_csv(tmp_path)
    assert main(["train", "--data", path, "--target", "animal", "--dry-run"]) == 0
    assert "test rows of 3, 3 classes (cat, dog, eel)" in capsys.readouterr().out
    assert main(["train", "--data", path, "--target", "size", "--dry-run"]) == 2
    assert "no column 'size'" in capsys.readouterr().err
    root = image_folder(str(tmp_path / "img"), size=(6, 10))
    assert main(["train", "--data", root, "--model", "seed-cnn", "--dry-run"]) == 2
    assert "needs square images with a side divisible by 4" in capsys.readouterr().err


def test_model_help_lists_the_choices(capsys):
    assert main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    compact = re.sub(r"\s+", "", text)  # argparse wraps the help, also at hyphens
    from glassnet.models import list_models

    assert "small-cnn" in list_models() and "oneof:" + ",".join(list_models()) in compact
    assert "--print-config" in text and "--dry-run" in text


def test_no_download_error_speaks_in_flags(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from glassnet.data import datasets

    assert datasets.SPECS["mnist"].system_dirs == ()  # only the two folders above are searched
    assert main(["train", "--data", "mnist", "--no-download"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: --data mnist: train-images-idx3-ubyte.gz not found")
    assert "drop --no-download" in err and "--data fashion-mnist-sample" in err
    assert "download=True" not in err and "sample=True" not in err


def test_resume_accepts_the_runs_own_data(tmp_path):
    from glassnet.cli.options import UsageError, resume_config
    from glassnet.train import RunFolder

    run = RunFolder.create(tmp_path, "r")
    run.write_config({"model": "mlp", "data": "fashion-mnist-sample", "lr": 0.01})
    config = resume_config(run.path, {"data": "fashion-mnist-sample", "lr": "0.01", "epochs": "4"})
    assert config["data"] == "fashion-mnist-sample" and config["epochs"] == 4
    with pytest.raises(UsageError, match="so --data cannot change"):
        resume_config(run.path, {"data": "mnist"})


@pytest.fixture()
def cnn_run(tmp_path):
    from glassnet.models.registry import build_model
    from glassnet.train.runs import RunFolder

    gn.manual_seed(0)
    config = {"model": "small-cnn", "data": "fashion-mnist-sample", "dropout": 0.0}
    run = RunFolder.create(tmp_path, "cnn")
    run.write_config(config)
    run.save_checkpoint("best", model=build_model("small-cnn", dropout=0.0), epoch=1, config=config)
    return run.path


def test_attention_on_a_cnn_names_the_models_with_attention(cnn_run, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    rc = main(
        ["explain", "--run", cnn_run, "--method", "attention", "--out", str(tmp_path / "a.png")]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert (
        "model 'small-cnn' has no attention layer; the models with one are bilstm-attn, lstm-attn"
        in err
    )
    assert not (tmp_path / "a.png").exists()


def test_progress_lines_every_tenth_of_an_epoch_in_a_log():
    from glassnet.train.progress import Progbar

    buf = io.StringIO()
    bar = Progbar(50, stream=buf, prefix="Epoch 1/3", live=False, min_gap=0.0)
    for step in range(1, 51):
        bar.update(step, {"loss": 1.0})
    bar.finish(50, {"loss": 1.0})
    lines = buf.getvalue().splitlines()
    assert len(lines) == 10 and lines[0].startswith("Epoch 1/3 -  5/50 (10%) - ETA: ")
    assert lines[8].startswith("Epoch 1/3 - 45/50 (90%)") and lines[9].startswith(
        "Epoch 1/3 - 50/50 - "
    )
    quiet = io.StringIO()  # a fast epoch: marks within a second of each other are skipped
    bar = Progbar(50, stream=quiet, live=False, min_gap=60.0)
    for step in range(1, 51):
        bar.update(step)
    assert quiet.getvalue() == ""


def test_fit_in_a_log_shows_progress_within_the_epoch(capsys):
    from glassnet.train import fit

    gn.manual_seed(0)
    x = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = gn.nn.Linear(4, 2)

    from glassnet.train.callbacks.progress_bar import ProgressBar

    bar = ProgressBar(1, stream=io.StringIO())
    fit(model, (x, y), loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=10,
        callbacks=[bar], verbose=0)  # fmt: skip
    assert bar._out.getvalue().count("\n") >= 1


def test_report_sections_units_and_one_confusion_matrix(tmp_path):
    pytest.importorskip("matplotlib")
    from glassnet.train import report

    cm = np.array([[3, 1], [0, 4]])
    png = report.plot_confusion_matrix(cm, ["a", "b"])
    text = report.render_report(
        title="t", config={"model": "m"}, history={"loss": [1.0], "time": [2.5]},
        final_metrics={"test_accuracy": 0.875}, cm=cm, class_names=["a", "b"],
        figures={"loss.png": png, "confusion_matrix.png": png, "explain/explain_00_a.png": png},
    )  # fmt: skip
    assert text.count("<h2>Confusion matrix</h2>") == 1
    assert "true \\ predicted" not in text  # the figure, not a second (HTML) matrix
    assert '<img alt="confusion_matrix.png"' in text
    assert "<h2>Explanations</h2>" in text and "colour bar" in text
    assert text.index("<h2>Explanations</h2>") < text.index('alt="explain/explain_00_a.png"')
    assert "<th>time (s)</th>" in text
    without = report.render_report(
        title="t", config={}, history={}, final_metrics={}, cm=cm, class_names=["a", "b"]
    )
    assert without.count("Confusion matrix") == 1 and "true \\ predicted" in without


def test_explanation_panels_have_colour_bars(tmp_path):
    pytest.importorskip("matplotlib")
    from glassnet.explain import plots

    made = []
    original = plots._panel_colorbar

    def spy(fig, ax, scale):
        made.append(scale.norm.vmin < 0)
        original(fig, ax, scale)

    import unittest.mock

    with unittest.mock.patch.object(plots, "_panel_colorbar", spy):
        img = np.random.default_rng(0).random((8, 8))
        plots.plot_panels(img, {"ig": img - 0.5, "saliency": img}, tmp_path / "p.png")
    assert made == [True, False] and os.path.getsize(tmp_path / "p.png") > 0


# ------------------------------------------------------------- explain on own data
def test_explain_a_table_row_and_a_colour_image(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = table_csv(tmp_path)
    runs = str(tmp_path / "runs")
    assert main(["train", "--data", path, "--target", "animal", "--epochs", "1", "--quiet",
                 "--runs-dir", runs, "--name", "tab", "--seed", "0"]) == 0  # fmt: skip
    out = str(tmp_path / "t.png")
    assert main(["explain", "--run", os.path.join(runs, "tab"), "--method", "ablation",
                 "--index", "2", "--out", out]) == 0  # fmt: skip
    assert "Explained test row 2 of" in capsys.readouterr().out and os.path.getsize(out) > 0
    assert main(["explain", "--run", os.path.join(runs, "tab"), "--method", "gradcam",
                 "--out", out]) == 2  # fmt: skip
    assert "'gradcam' is not available for tables" in capsys.readouterr().err

    root = image_folder(str(tmp_path / "rgb"), rgb=True, per_class=4)
    assert main(["train", "--data", root, "--epochs", "1", "--quiet", "--runs-dir", runs,
                 "--name", "rgb", "--seed", "0", "--batch-size", "4"]) == 0  # fmt: skip
    for method in ("ig", "gradcam", "occlusion"):
        png = str(tmp_path / f"{method}.png")
        assert main(["explain", "--run", os.path.join(runs, "rgb"), "--method", method,
                     "--input", os.path.join(root, "dog"), "--index", "1", "--out", png]) == 0  # fmt: skip
        assert os.path.getsize(png) > 0
    assert "Explained sample 1 of" in capsys.readouterr().out
