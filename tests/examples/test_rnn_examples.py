"""Smoke tests of the two RNN task examples on tiny settings: they run and write what they promise."""

from __future__ import annotations

import csv
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def test_row_lstm_attention_example(tmp_path, capsys):
    ex = _load("row_lstm_attention")
    argv = ["--sample", "--limit", "300", "--epochs", "1", "--hidden", "8", "--layers", "2",
            "--runs-dir", str(tmp_path), "--name", "tiny"]  # fmt: skip
    summary = ex.main(argv)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "Test accuracy:" in out and "Mean attention per row" in out
    assert len(summary["val_accuracy"]) == 1 and 0.0 <= summary["test_accuracy"] <= 1.0
    run = tmp_path / "tiny"
    for name in ("config.toml", "metrics.csv", "best.safetensors", "last.safetensors", "row_attention.csv"):  # fmt: skip
        assert (run / name).is_file(), name
    # mean attention per row: 10 classes x 28 rows, each class's weights sum to 1
    att = summary["attention"]
    assert att.shape == (10, 28)
    np.testing.assert_allclose(att.sum(axis=1), 1.0, rtol=1e-5)
    with open(run / "row_attention.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["row", "T-shirt/top", "Trouser"] and len(rows) == 29
    np.testing.assert_allclose(float(rows[5][2]), att[1, 4], atol=1e-6)
    if _has_matplotlib():
        assert summary["png"] == str(run / "row_attention.png")
        assert (run / "row_attention.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert summary["png"] is None and "matplotlib not installed" in out


def test_row_lstm_attention_example_without_test(tmp_path, capsys):
    ex = _load("row_lstm_attention")
    summary = ex.main(["--sample", "--limit", "200", "--epochs", "1", "--hidden", "4",
                       "--no-bidirectional", "--layers", "1", "--augment", "none", "--no-test",
                       "--runs-dir", str(tmp_path), "--name", "val-only"])  # fmt: skip
    out = capsys.readouterr().out
    assert "Test accuracy" not in out and "test_accuracy" not in summary
    assert not (tmp_path / "val-only" / "row_attention.csv").exists()


def test_row_lstm_attention_example_rejects_bad_split(capsys):
    ex = _load("row_lstm_attention")
    with pytest.raises(SystemExit):
        ex.main(["--val-split", "1.5"])
    assert "--val-split must be in (0, 1), got 1.5" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["seasonal", "diff", "level"])
def test_forecast_example(target, tmp_path, capsys):
    ex = _load("forecast_co2")
    folder = tmp_path / "fc"
    result = ex.main(["--epochs", "2", "--hidden", "4", "--input-len", "24", "--target", target,
                      "--seeds", "0", "1", "--out", str(folder)])  # fmt: skip
    out = capsys.readouterr().out
    table = result["table"]
    assert {"persistence (last value)", "seasonal naive (12 back)", "LSTM seed 0", "LSTM mean"} <= set(table)  # fmt: skip
    assert set(table["LSTM seed 1"]) == {1, 12, "mean"}
    # the baselines are what their definitions say on the test stretch
    assert table["persistence (last value)"][1] == pytest.approx(1.127, abs=1e-3)
    assert table["seasonal naive (12 back)"][12] == pytest.approx(table["persistence (last value)"][12])  # fmt: skip
    assert "MAE (ppm) on the test stretch (79 steps)" in out
    with open(folder / "forecasts.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["date", "actual"] and len(rows) == 1 + 79
    assert rows[1][0] == "1995-06"
    if _has_matplotlib():
        assert result["png"] == os.path.join(str(folder), "forecast.png")
        assert (folder / "forecast.png").read_bytes()[:4] == b"\x89PNG"
        assert result["explained"] == [
            os.path.join(str(folder), "explain_over_time.png"),
            os.path.join(str(folder), "explain_months.png"),
        ]
        assert all((folder / p).read_bytes()[:4] == b"\x89PNG" for p in result["explained"])
    # integrated gradients of the last forecast add up to F(x) - F(baseline)
    delta = float(out.split("|delta| = ")[1].split("%")[0])
    assert delta < 1.0


def test_forecast_encoding_round_trips():
    ex = _load("forecast_co2")
    from glassnet.data.datasets import co2

    y = np.asarray(co2(), dtype=np.float64)
    origins = np.arange(60, 400, 7)
    for mode in ("seasonal", "diff", "level"):
        enc = ex.Encoding(y, mode, 12, 394)
        # decoding the true targets gives back the true future values, 12 steps ahead
        back = enc.decode(enc.targets(origins, 12).astype(np.float64), origins)
        expect = y[origins[:, None] + np.arange(1, 13)]
        np.testing.assert_allclose(back, expect, atol=1e-3, err_msg=mode)
        x = enc.inputs(origins, 24)
        assert x.shape == (len(origins), 24, 1) and np.isfinite(x).all()
    with pytest.raises(SystemExit):
        ex.main(["--report", "13"])


def test_forecast_example_on_sunspots(tmp_path, capsys):
    ex = _load("forecast_co2")
    result = ex.main(["--series", "sunspots", "--epochs", "1", "--hidden", "4", "--input-len", "24",
                      "--out", str(tmp_path)])  # fmt: skip
    out = capsys.readouterr().out
    assert "LSTM on 'level' targets" in out and "seasonal naive (132 back)" in result["table"]
    assert "MAE on the test stretch (468 steps)" in out
    with open(tmp_path / "forecasts.csv", newline="") as f:
        assert len(list(csv.reader(f))) == 1 + 468
