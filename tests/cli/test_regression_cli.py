"""``glassnet train --data FILE --target COLUMN`` on a numeric target: regression from the shell.

The data are synthetic with a known function of the features, so the model's
held-out R² can be checked against what a constant predictor reaches (at most
0), and ``evaluate``'s figures are recomputed here from ``predict``'s CSV and
the true values.
"""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.io import load_config

OFFSET, SCALE = 500.0, 40.0  # targets far from standardised units: a forgotten un-scaling shows


def target_fn(x):
    """A nonlinear function of three features (in the target's units)."""
    return OFFSET + SCALE * (x[:, 0] - 0.5 * x[:, 1] + 0.4 * x[:, 2] ** 2)


def write_table(path, n, seed, *, target=True, fn=target_fn, fmt="{:.4f}"):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = fn(x)
    with open(path, "w", encoding="utf-8") as f:
        f.write("a,b,c" + (",price" if target else "") + "\n")
        for row, t in zip(x, y):
            cells = [f"{v:.5f}" for v in row] + ([fmt.format(t)] if target else [])
            f.write(",".join(cells) + "\n")
    return str(path), y


def train(tmp_path, *args, epochs="2"):
    return main(["train", "--epochs", epochs, "--runs-dir", str(tmp_path / "runs"), "--seed", "0",
                 "--quiet", "--diagnostics", "0", *args])  # fmt: skip


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One regression run shared by the tests that only read it."""
    tmp = tmp_path_factory.mktemp("reg")
    data, _ = write_table(tmp / "houses.csv", 240, 0)
    code = train(tmp, "--data", data, "--target", "price", "--name", "houses", "--lr", "0.01",
                 "--hidden", "32", "--monitor", "val_rmse", epochs="25")  # fmt: skip
    assert code == 0
    return tmp, tmp / "runs" / "houses"


def test_regression_learns_the_function_and_evaluate_matches_predict(trained, capsys):
    tmp, run = trained
    held, y_true = write_table(tmp / "held.csv", 60, 1)  # new rows of the same function
    assert main(["evaluate", "--run", str(run), "--data", held]) == 0
    out = capsys.readouterr().out
    reported = {}
    for line in out.splitlines():
        key, _, value = line.partition(": ")
        if key in ("mse", "rmse", "mae", "r2"):
            reported[key] = float(value)
    assert set(reported) == {"mse", "rmse", "mae", "r2"}, out

    inputs, _ = write_table(tmp / "inputs.csv", 60, 1, target=False)
    assert main(["predict", "--run", str(run), "--input", inputs,
                 "--out", str(tmp / "pred.csv")]) == 0  # fmt: skip
    got = rows(tmp / "pred.csv")
    assert list(got[0]) == ["index", "predicted_price"]
    pred = np.array([float(r["predicted_price"]) for r in got])
    y = np.array([float(f"{v:.4f}") for v in y_true])  # as written in the file
    err = pred - y
    mse = float(np.mean(err**2))
    r2 = 1 - float(np.sum(err**2) / np.sum((y - y.mean()) ** 2))
    assert reported["mse"] == pytest.approx(mse, rel=1e-4)
    assert reported["rmse"] == pytest.approx(np.sqrt(mse), rel=1e-4)
    assert reported["mae"] == pytest.approx(float(np.mean(np.abs(err))), rel=1e-4)
    assert reported["r2"] == pytest.approx(r2, rel=1e-4, abs=1e-5)
    # learned: a constant predictor (any constant) reaches R² <= 0 on held-out rows
    assert r2 > 0.9
    # in the target's units (~500 +- 40), not standardised ones (~0 +- 1)
    assert abs(float(np.mean(pred)) - float(np.mean(y))) < 0.2 * SCALE


def test_regression_run_records_task_scaling_and_metrics(trained):
    tmp, run = trained
    config = load_config(run / "config.toml")
    ds = config["dataset"]
    assert ds["task"] == "regression" and ds["classes"] == ["price"]
    # the recorded scaling is the training split's own (80% of 240 rows, fixed holdout)
    _, y = write_table(tmp / "again.csv", 240, 0)
    y = np.array([float(f"{v:.4f}") for v in y])
    assert min(y) < ds["target_mean"] < max(y)
    assert 0.5 * y.std() < ds["target_std"] < 1.5 * y.std()
    metrics = rows(run / "metrics.csv")
    for key in ("mse", "rmse", "mae", "r2", "val_mse", "val_rmse", "val_mae", "val_r2"):
        assert key in metrics[0]
    assert "accuracy" not in metrics[0] and "val_accuracy" not in metrics[0]
    for m in metrics:  # rmse is the root of mse, both on the original scale
        assert float(m["val_rmse"]) == pytest.approx(np.sqrt(float(m["val_mse"])), rel=1e-9)
    last = metrics[-1]
    assert float(last["val_rmse"]) < 0.5 * SCALE  # far from standardised units (~1)


def test_monitor_val_rmse_picks_the_best_checkpoint(trained):
    _, run = trained
    metrics = rows(run / "metrics.csv")
    rmse = [float(m["val_rmse"]) for m in metrics]
    best = int(np.argmin(rmse)) + 1
    from glassnet.io import load_checkpoint

    assert load_checkpoint(str(run / "best.safetensors"), restore_rng=False)["epoch"] == best


def test_task_auto_detection_both_ways(tmp_path, capsys):
    data, _ = write_table(tmp_path / "float.csv", 40, 0)
    assert train(tmp_path, "--data", data, "--target", "price", "--name", "f") == 0
    out = capsys.readouterr().out
    assert "Task: regression: column 'price' holds numbers that are not all whole" in out
    assert "--task classification" in out
    assert load_config(tmp_path / "runs" / "f" / "config.toml")["dataset"]["task"] == "regression"

    whole, _ = write_table(tmp_path / "whole.csv", 40, 0, fn=lambda x: (x[:, 0] > 0) * 1.0,
                           fmt="{:.0f}")  # fmt: skip
    assert train(tmp_path, "--data", whole, "--target", "price", "--name", "w") == 0
    out = capsys.readouterr().out
    assert "Task: classification: column 'price' holds whole numbers, 2 classes" in out
    assert "--task regression" in out and "Test accuracy" in out
    config = load_config(tmp_path / "runs" / "w" / "config.toml")
    assert config["dataset"]["task"] == "classification"
    assert "val_accuracy" in rows(tmp_path / "runs" / "w" / "metrics.csv")[0]


def test_float_npz_y_is_regression_and_int_y_classification(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3)).astype(np.float32)
    np.savez(tmp_path / "f.npz", x=x, y=target_fn(x))
    np.savez(tmp_path / "i.npz", x=x, y=(x[:, 0] > 0).astype(np.int64))
    assert train(tmp_path, "--data", str(tmp_path / "f.npz"), "--name", "fn") == 0
    assert "Task: regression: y holds numbers" in capsys.readouterr().out
    assert train(tmp_path, "--data", str(tmp_path / "i.npz"), "--name", "in") == 0
    assert "Task: classification: y holds whole numbers" in capsys.readouterr().out


def test_forcing_the_task(tmp_path, capsys):
    whole, _ = write_table(tmp_path / "whole.csv", 40, 0, fn=lambda x: np.round(10 * x[:, 0]),
                           fmt="{:.0f}")  # fmt: skip
    assert train(tmp_path, "--data", whole, "--target", "price", "--task", "regression",
                 "--name", "r") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "Task: regression (--task regression)" in out and "Test RMSE" in out
    assert load_config(tmp_path / "runs" / "r" / "config.toml")["task"] == "regression"

    floats, _ = write_table(tmp_path / "float.csv", 40, 0)
    assert train(tmp_path, "--data", floats, "--target", "price", "--task", "classification") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "float.csv" in err and "column 'price'" in err
    assert "not whole" in err and "--task regression" in err


def test_old_classification_run_without_task_keys_still_loads(tmp_path, capsys):
    data, _ = write_table(tmp_path / "k.csv", 40, 0, fn=lambda x: (x[:, 0] > 0) * 1.0, fmt="{:.0f}")
    assert train(tmp_path, "--data", data, "--target", "price", "--name", "old") == 0
    run = tmp_path / "runs" / "old"
    config = run / "config.toml"
    lines = config.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if not ln.startswith(("task =", "target_mean =", "target_std ="))]
    assert len(kept) == len(lines) - 3  # the keys a run written before regression lacks
    config.write_text("\n".join(kept) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run)]) == 0
    out = capsys.readouterr().out
    assert "accuracy:" in out and "Confusion matrix" in out
    assert main(["predict", "--run", str(run), "--input", data,
                 "--out", str(tmp_path / "p.csv")]) == 0  # fmt: skip
    assert list(rows(tmp_path / "p.csv")[0]) == ["index", "predicted", "class", "probability"]


def _bad(path, cells):
    text = "a,b,y\n" + "".join(f"{i},{i + 1},{c}\n" for i, c in enumerate(cells))
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "cells, args, message",
    [
        (["0.5", "", "1.5", "2.5", "3.5"], (), "line 3, column 'y': expected a number (regression "
         "target), got a missing value ''"),
        (["0.5", "nan", "1.5", "2.5", "3.5"], (), "line 3, column 'y': expected a number "
         "(regression target), got a missing value 'nan'"),
        (["0.5", "1.5", "-inf", "2.5", "3.5"], (), "line 4, column 'y': expected a finite number "
         "(regression target), got '-inf'"),
        (["x", "y", "x", "y", "x"], ("--task", "regression"), "line 2, column 'y': expected a "
         "number (regression target), got the text 'x'"),
    ],
)  # fmt: skip
def test_bad_regression_targets_exit_2_with_one_line(tmp_path, capsys, cells, args, message):
    path = _bad(tmp_path / "bad.csv", cells)
    assert train(tmp_path, "--data", path, "--target", "y", *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [f"glassnet: error: {path!r}: {message}" + err.split(message)[1]]
    assert not (tmp_path / "runs").exists() or not os.listdir(tmp_path / "runs")


def test_constant_target_warns_and_trains_with_std_1(tmp_path, capsys):
    path = _bad(tmp_path / "const.csv", ["2.5"] * 10)
    assert train(tmp_path, "--data", path, "--target", "y", "--name", "c") == 0
    err = capsys.readouterr().err
    assert "column 'y': the regression target is constant (2.5)" in err
    assert "std 1" in err
    ds = load_config(tmp_path / "runs" / "c" / "config.toml")["dataset"]
    assert ds["target_mean"] == 2.5 and ds["target_std"] == 1.0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--monitor", "val_accuracy"], "--monitor val_accuracy: the target is a regression target"),
        (["--task", "regression", "--data", "fashion-mnist-sample"],
         "--task regression: 'fashion-mnist-sample' holds classes"),
    ],
)  # fmt: skip
def test_classification_only_options_refused(tmp_path, capsys, argv, message):
    data, _ = write_table(tmp_path / "h.csv", 30, 0)
    base = ["--data", data, "--target", "price"] if "--data" not in argv else []
    assert train(tmp_path, *base, *argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_val_rmse_monitor_refused_for_classes(tmp_path, capsys):
    data, _ = write_table(tmp_path / "k.csv", 30, 0, fn=lambda x: (x[:, 0] > 0) * 1.0, fmt="{:.0f}")
    assert train(tmp_path, "--data", data, "--target", "price", "--monitor", "val_rmse") == 2
    assert "--monitor val_rmse: the target holds classes" in capsys.readouterr().err


def test_predict_top_k_refused_for_regression(trained, capsys):
    tmp, run = trained
    inputs, _ = write_table(tmp / "in2.csv", 5, 2, target=False)
    assert main(["predict", "--run", str(run), "--input", inputs, "--top-k", "2",
                 "--out", str(tmp / "p2.csv")]) == 2  # fmt: skip
    assert "--top-k: the model predicts a number (price)" in capsys.readouterr().err


def test_summary_dry_run_lr_find_and_explain_work_for_regression(trained, tmp_path, capsys):
    tmp, run = trained
    data = str(tmp / "houses.csv")
    assert main(["summary", "--run", str(run)]) == 0
    assert main(["train", "--data", data, "--target", "price", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "regression target price" in out and "logits (2, 1)" in out
    assert main(["lr-find", "--data", data, "--target", "price", "--out", str(tmp_path / "lr"),
                 "--seed", "0"]) in (0, 1)  # fmt: skip
    with open(tmp_path / "lr" / "lr_find.json", encoding="utf-8") as f:
        losses = json.load(f)["losses"]
    # MSE of standardised targets starts near 1; cross-entropy of one output would be 0
    assert 0.2 < losses[0] < 5
    for method in ("ig", "saliency", "ablation"):
        png = str(tmp_path / f"{method}.png")
        assert main(["explain", "--run", str(run), "--method", method, "--out", png]) == 0
        out = capsys.readouterr().out
        assert "predicted price:" in out and os.path.getsize(png) > 0


def test_streaming_regression_metrics_match_torch_on_the_original_scale(torch):
    from glassnet.train.regression_metrics import regression_metrics

    rng = np.random.default_rng(3)
    mean, std = 1234.5, 87.25
    z_pred, z_true = rng.normal(size=(37, 1)), rng.normal(size=(37, 1))
    metrics = regression_metrics(mean, std)
    for lo in range(0, 37, 8):  # batches of 8 and a last one of 5
        for m in metrics:
            m.update(z_pred[lo : lo + 8], z_true[lo : lo + 8])
    got = {m.name: m.result() for m in metrics}
    p = torch.tensor(z_pred * std + mean, dtype=torch.float64)
    t = torch.tensor(z_true * std + mean, dtype=torch.float64)
    mse = torch.nn.functional.mse_loss(p, t).item()
    r2 = 1 - ((p - t) ** 2).sum().item() / ((t - t.mean()) ** 2).sum().item()
    assert got["mse"] == pytest.approx(mse, rel=1e-12)
    assert got["rmse"] == pytest.approx(mse**0.5, rel=1e-12)
    assert got["mae"] == pytest.approx(torch.nn.functional.l1_loss(p, t).item(), rel=1e-12)
    assert got["r2"] == pytest.approx(r2, rel=1e-10)


def test_truncated_checkpoint_whose_header_length_starts_with_0x80_is_not_taken_for_a_pickle(
    tmp_path,
):
    # a run's config can make the header length's first byte 0x80, a pickle's first byte
    from glassnet.io import load_checkpoint
    from glassnet.io.safetensors import CheckpointError

    path = tmp_path / "t.safetensors"
    path.write_bytes((0x180).to_bytes(8, "little") + b'{"__metadata__":{' + b" " * 60)
    with pytest.raises(CheckpointError, match=r"header length 384 is larger than the file"):
        load_checkpoint(str(path), restore_rng=False)
