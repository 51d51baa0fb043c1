"""glassnet train writes per-layer diagnostics by default; --diagnostics 0 turns them off."""

import io
import json

from glassnet.cli.main import main
from glassnet.cli.options import resolve_config
from glassnet.cli.pipeline import train_run


def _train(tmp_path, name, **flags):
    config = resolve_config({
        "model": "mlp", "data": "fashion-mnist-sample", "epochs": 1, "hidden": "16",
        "runs_dir": str(tmp_path), "name": name, "seed": "0", **flags,
    })  # fmt: skip
    train_run(config, out=io.StringIO(), verbose=0)
    return tmp_path / name


def test_train_records_diagnostics_in_the_run_and_report(tmp_path):
    run = _train(tmp_path, "on", diagnostics="10")
    record = json.loads((run / "diagnostics.json").read_text())
    assert record["every"] == 10
    layers = {r["layer"] for r in record["rows"]}
    assert {"fc1", "act1", "fc2"} <= layers
    assert (run / "diagnostics.csv").read_text().startswith("step,epoch,layer,")
    assert "<h2>Diagnostics</h2>" in (run / "report.html").read_text(encoding="utf-8")


def test_diagnostics_off(tmp_path):
    run = _train(tmp_path, "off", diagnostics="0")
    assert not (run / "diagnostics.json").exists()
    assert "<h2>Diagnostics</h2>" not in (run / "report.html").read_text(encoding="utf-8")


def test_bad_value_is_a_usage_error(capsys):
    assert main(["train", "--diagnostics", "-1"]) == 2
    assert "--diagnostics" in capsys.readouterr().err
    assert resolve_config({})["diagnostics"] == 50
