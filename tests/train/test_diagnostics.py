"""LayerDiagnostics: vanishing gradients made visible, dead ReLUs, the files and the report section."""

import io
import json

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.train import LayerDiagnostics, RunFolder, fit


def _data(n=256, d=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(np.int64)


def deep_mlp(kind, depth=8, width=32, d=16):
    """``"sigmoid-bad"``: sigmoid with N(0, 0.01) weights; ``"relu-he"``: ReLU with He init."""
    gn.manual_seed(0)
    sizes = [d] + [width] * depth + [2]
    layers = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        if kind == "sigmoid-bad":
            nn.init.normal_(lin.weight, 0.0, 0.01)
        else:
            nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(nn.Sigmoid() if kind == "sigmoid-bad" else nn.ReLU())
    return nn.Sequential(*layers)


def _train(model, **kwargs):
    out = io.StringIO()
    diag = LayerDiagnostics(every=2, stream=out, **kwargs)
    fit(model, _data(), loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=64,
        callbacks=[diag], verbose=0, seed=0)  # fmt: skip
    return diag, out.getvalue()


def test_bad_sigmoid_net_warns_of_vanishing_gradients_and_he_relu_does_not():
    diag, printed = _train(deep_mlp("sigmoid-bad"))
    assert "vanishing gradients" in printed
    assert "layer '0' (Linear)" in printed and "gradient norm" in printed
    good, printed_good = _train(deep_mlp("relu-he"))
    assert good.warnings == [] and printed_good == ""
    first = [r["grad_norm"] for r in diag.rows if r["layer"] == "0"]
    last = [r["grad_norm"] for r in diag.rows if r["layer"] == "16"]
    assert first[0] < 1e-6 * last[0]


def test_rows_hold_every_figure_and_hooks_are_removed(tmp_path):
    model = deep_mlp("relu-he", depth=2)
    diag, _ = _train(model, folder=tmp_path)
    steps = sorted({r["step"] for r in diag.rows})
    assert steps == [0, 2]  # 4 steps, every 2
    relu = [r for r in diag.rows if r["type"] == "ReLU"][0]
    assert 0 <= relu["dead_frac"] <= 1 and relu["act_mean"] >= 0
    lin = [r for r in diag.rows if r["type"] == "Linear"][0]
    assert lin["grad_norm"] > 0 and 0 < lin["update_ratio"] < 1
    assert lin["dead_frac"] is None
    assert all(not m._forward_hooks for m in model.modules())
    record = json.loads((tmp_path / "diagnostics.json").read_text())
    assert len(record["rows"]) == len(diag.rows) and record["every"] == 2
    header = (tmp_path / "diagnostics.csv").read_text().splitlines()[0]
    assert header == "step,epoch,layer,type,act_mean,act_std,dead_frac,grad_norm,update_ratio"


def test_a_dead_relu_layer_is_named():
    model = deep_mlp("relu-he", depth=2)
    nn.init.constant_(model[2].bias, -100.0)  # the second hidden layer never fires
    diag, printed = _train(model)
    assert "layer '3' (ReLU)" in printed and "100% of its units" in printed
    assert any("dead ReLUs" in w for w in diag.warnings)


def test_exploding_gradients_are_named():
    model = deep_mlp("relu-he", depth=2)
    _, printed = _train(model, explode=1e-3)
    assert "exploding gradients" in printed


def test_state_round_trip_and_bad_arguments():
    diag, _ = _train(deep_mlp("sigmoid-bad", depth=3))
    other = LayerDiagnostics()
    other.load_state_dict(json.loads(json.dumps(diag.state_dict())))
    assert other.rows == diag.rows and other.warnings == diag.warnings
    with pytest.raises(ValueError, match="every"):
        LayerDiagnostics(every=0)
    with pytest.raises(ValueError, match="dead"):
        LayerDiagnostics(dead=2.0)


def test_report_has_a_diagnostics_section(tmp_path):
    run = RunFolder.create(tmp_path, "r")
    _train(deep_mlp("sigmoid-bad", depth=3), folder=run.path)
    path, _ = run.write_report(
        config={"model": "x"}, history={"loss": [1.0]}, final_metrics={"test_loss": 1.0}
    )
    text = open(path, encoding="utf-8").read()
    assert "<h2>Diagnostics</h2>" in text and "vanishing gradients" in text
    pytest.importorskip("matplotlib")
    assert 'alt="grad_norm"' in text
