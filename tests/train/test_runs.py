"""Run folders: config.toml, metrics.csv/jsonl, checkpoints, figures and the HTML report."""

from __future__ import annotations

import base64
import csv
import json
import os
import re

import numpy as np
import pytest

import glassnet.functional as F
from glassnet import nn, optim
from glassnet.io import load_checkpoint
from glassnet.train import RunFolder, RunLogger, fit
from glassnet.train import report as report_mod
from glassnet.train.runs import jsonl_text


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def data(n: int = 90):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 3
    x = rng.standard_normal((n, 2)).astype(np.float32) * 0.3 + np.eye(3, 2, dtype=np.float32)[y] * 2
    return x, y.astype(np.int64)


CONFIG = {
    "model": "net",
    "epochs": 4,
    "lr": 0.5,
    "hidden": [8],
    "augment": False,
    "run": {"command": "test"},
}


def train_into(run: RunFolder, epochs: int = 4, **kwargs):
    x, y = data()
    model = Net()
    opt = optim.SGD(model.parameters(), lr=0.5)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2)
    logger = RunLogger(run, config=CONFIG)
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=epochs, batch_size=30,
            validation_data=(x[:30], y[:30]), scheduler=sched, callbacks=[logger], verbose=0,
            **kwargs)  # fmt: skip
    return model, opt, sched, logger, h


def test_create_makes_unique_folders_and_checks_names(tmp_path):
    a = RunFolder.create(tmp_path / "runs", "exp")
    b = RunFolder.create(tmp_path / "runs", "exp")
    assert (a.name, b.name) == ("exp", "exp-2")
    assert os.path.isdir(b.path)
    for bad in ("", "../up", "a/b", ".hidden", "x" * 101):
        with pytest.raises(ValueError, match="run name must be 1-100 letters"):
            RunFolder.create(tmp_path, bad)


def test_open_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="run folder .* does not exist"):
        RunFolder.open(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="is not a run folder: it has no config.toml"):
        RunFolder.open(tmp_path)


def test_config_round_trip(tmp_path):
    run = RunFolder.create(tmp_path, "cfg")
    run.write_config(CONFIG)
    assert run.read_config() == CONFIG
    tomllib = pytest.importorskip("tomllib")  # an independent parser (Python >= 3.11)
    with open(run.file("config.toml"), "rb") as f:
        assert tomllib.load(f) == CONFIG


def test_run_logger_writes_metrics_and_checkpoints(tmp_path):
    run = RunFolder.create(tmp_path, "r")
    model, opt, sched, logger, h = train_into(run)
    with open(run.file("metrics.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], h.history["val_loss"])
    with open(run.file("metrics.jsonl")) as f:
        lines = [json.loads(line) for line in f]
    assert [d["epoch"] for d in lines] == [1, 2, 3, 4]
    assert lines[3]["lr"] == pytest.approx(0.05)

    last = load_checkpoint(run.file("last.safetensors"))
    assert last["epoch"] == 4 and last["extra"]["config"] == CONFIG
    state = last["extra"]["trainer"]
    assert state["epoch"] == 4 and state["step_in_epoch"] == 0 and not state["stopped"]
    assert [r["epoch"] for r in state["callbacks"]["RunLogger"]["rows"]] == [1, 2, 3, 4]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(last["model"][k], v)
    assert last["optimizer"]["param_groups"][0]["lr"] == pytest.approx(opt.param_groups[0]["lr"])
    assert last["scheduler"] == sched.state_dict()

    best_epoch = int(np.argmin(h.history["val_loss"])) + 1
    assert logger.best_epoch == best_epoch
    assert load_checkpoint(run.file("best.safetensors"))["epoch"] == best_epoch

    fresh = Net()
    fresh_opt = optim.SGD(fresh.parameters(), lr=0.5)
    load_checkpoint(run.file("last.safetensors"), model=fresh, optimizer=fresh_opt)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[k], v)
    assert not [n for n in os.listdir(run.path) if n.startswith(".")]  # no temporary files left


def test_best_checkpoint_follows_val_loss(tmp_path):
    """best.safetensors is rewritten only on improvement: scripted val_loss decides."""

    class Fake(RunLogger):
        values = iter([0.9, 0.5, 0.7, 0.6])

        def record_epoch(self, epoch, logs=None):  # the trainer records before writing
            if not self.rows or self.rows[-1]["epoch"] != epoch + 1:
                logs["val_loss"] = next(self.values)
            super().record_epoch(epoch, logs)

    run = RunFolder.create(tmp_path, "b")
    x, y = data()
    fit(
        Net(),
        (x, y),
        loss="cross_entropy",
        optimizer="sgd",
        epochs=4,
        callbacks=[Fake(run)],
        verbose=0,
    )
    assert load_checkpoint(run.file("best.safetensors"))["epoch"] == 2


def test_resume_from_last_checkpoint_continues_the_run(tmp_path):
    run = RunFolder.create(tmp_path, "resume")
    x, y = data()
    model = Net()
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=2, seed=1, shuffle=True,
        callbacks=[RunLogger(run)], verbose=0)  # fmt: skip
    ref = Net()
    ref.load_state_dict(model.state_dict())
    ref_opt = optim.SGD(ref.parameters(), lr=0.5, momentum=0.9)
    ref_opt.load_state_dict(opt.state_dict())
    fit(ref, (x, y), loss="cross_entropy", optimizer=ref_opt, epochs=4, initial_epoch=2, seed=1,
        verbose=0)  # fmt: skip

    resumed = Net()
    r_opt = optim.SGD(resumed.parameters(), lr=0.5, momentum=0.9)
    ck = load_checkpoint(run.file("last.safetensors"), model=resumed, optimizer=r_opt)
    fit(resumed, (x, y), loss="cross_entropy", optimizer=r_opt, epochs=4,
        initial_epoch=ck["epoch"], seed=1, verbose=0)  # fmt: skip
    for k, v in ref.state_dict().items():
        np.testing.assert_allclose(resumed.state_dict()[k], v, rtol=1e-6)


def test_run_logger_without_validation_uses_loss(tmp_path):
    run = RunFolder.create(tmp_path, "noval")
    x, y = data()
    logger = RunLogger(run)
    h = fit(
        Net(),
        (x, y),
        loss="cross_entropy",
        optimizer="sgd",
        epochs=3,
        callbacks=[logger],
        verbose=0,
    )
    assert logger.best_epoch == int(np.argmin(h.history["loss"])) + 1


def test_jsonl_has_no_nan():
    text = jsonl_text([{"epoch": 1, "loss": float("nan"), "x": np.float32(0.5), "n": np.int64(3)}])
    assert json.loads(text) == {"epoch": 1, "loss": None, "x": 0.5, "n": 3}


# -------------------------------------------------------------------- report
def _report(run, h, *, cm=True):
    cmat = np.array([[8, 2, 0], [1, 9, 0], [0, 0, 0]])
    names = ["cat", "dog <b>", "eel"]
    return run.write_report(
        config={**CONFIG, "note": "<script>"}, history=h.history,
        final_metrics={"test_accuracy": 0.85}, cm=cmat if cm else None, class_names=names,
    )  # fmt: skip


def test_report_with_matplotlib_embeds_figures(tmp_path):
    pytest.importorskip("matplotlib")
    run = RunFolder.create(tmp_path, "rep")
    *_, h = train_into(run, epochs=2)
    path, notes = _report(run, h)
    assert notes == []
    for name in ("loss.png", "accuracy.png", "confusion_matrix.png"):
        with open(run.file(name), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == 3
    assert base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http://" not in text and "https://" not in text  # self-contained
    assert "<script>" not in text and "&lt;script&gt;" in text  # config values are escaped
    assert "dog &lt;b&gt;" in text
    assert "0.9000" in text  # per-class accuracy of 'dog': 9 / 10
    assert "test_accuracy" in text and "0.8500" in text


def test_report_without_matplotlib_skips_figures_with_a_note(tmp_path, monkeypatch):
    def missing():
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(report_mod, "_pyplot", missing)
    run = RunFolder.create(tmp_path, "noplot")
    *_, h = train_into(run, epochs=2)
    path, notes = _report(run, h)
    assert notes == [report_mod.NO_PLOT_NOTE]
    assert not any(n.endswith(".png") for n in os.listdir(run.path))
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert "data:image/png" not in text
    assert "glassnet[plot]" in text
    assert "Per-class accuracy" in text and "Confusion matrix" in text


def test_per_class_accuracy():
    acc = report_mod.per_class_accuracy(np.array([[3, 1], [0, 0]]))
    assert acc[0] == 0.75 and np.isnan(acc[1])
