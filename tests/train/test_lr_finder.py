"""lr_find: the sweep, early stop, the suggestion rule, and that nothing outside it changes."""

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, optim
from glassnet.train import lr_find
from glassnet.train.lr_finder import DEFAULT_RULE, RULES, longest_descent, suggest_lr


def _data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


def _model():
    gn.manual_seed(1)
    return nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))


def test_model_optimizer_and_random_state_are_untouched():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = _data()
    # one real step so the optimizer has state to protect
    loss = gn.functional.cross_entropy(model(gn.tensor(x)), y)
    loss.backward()
    opt.step()
    before = {k: np.array(v) for k, v in model.state_dict().items()}
    opt_before = opt.state_dict()
    params = [id(p) for p in model.parameters()]
    rng_before = gn.random.get_state()
    model.eval()
    res = lr_find(model, (x, y), optimizer=opt, num_steps=40, batch_size=32)
    assert len(res.lrs) >= 5
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    after = opt.state_dict()
    assert after["param_groups"] == opt_before["param_groups"]
    for i, st in opt_before["state"].items():
        for name, value in st.items():
            np.testing.assert_array_equal(after["state"][i][name], value)
    assert opt.param_groups[0]["lr"] == 0.05
    assert [id(p) for p in model.parameters()] == params
    assert not model.training  # the mode is the caller's
    assert gn.random.get_state()["bit_generator"] == rng_before["bit_generator"]
    assert str(gn.random.get_state()) == str(rng_before)


def test_sweep_is_exponential_stops_early_and_suggests_below_the_minimum():
    x, y = _data()
    res = lr_find(_model(), (x, y), optimizer="sgd", start_lr=1e-4, end_lr=1e4, num_steps=100)
    ratios = np.diff(np.log(res.lrs))
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert res.stopped_early and len(res.lrs) < 100
    assert res.smoothed[-1] > 4 * min(res.smoothed) or not math.isfinite(res.smoothed[-1])
    lr_at_min = res.lrs[int(np.nanargmin(res.smoothed))]
    assert 1e-4 <= res.suggestion <= lr_at_min
    assert res.min_lr_div10 == pytest.approx(lr_at_min / 10)
    assert res.csv_text().count("\n") == len(res.lrs) + 1


def test_suggestion_is_the_steepest_descent():
    lrs = list(np.logspace(-6, 0, 61))
    # flat, then a steep drop centred at 1e-3, then a minimum at 1e-1 and a rise
    logs = np.log10(lrs)
    curve = 2.0 - 1.5 / (1 + np.exp(-(logs + 3) * 4)) + np.where(logs > -1, (logs + 1) * 5, 0)
    assert suggest_lr(lrs, list(curve), "steepest") == pytest.approx(1e-3, rel=0.3)
    assert math.isnan(suggest_lr([1e-3, 1e-2], [1.0, 0.5], "steepest"))


def test_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    x, y = _data(64)
    path = tmp_path / "sub" / "lr.png"
    lr_find(_model(), (x, y), num_steps=20, batch_size=16, plot=path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in (tmp_path / "sub").iterdir() if p.name != "lr.png"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start_lr": 0}, "start_lr"),
        ({"start_lr": 1.0, "end_lr": 0.1}, "end_lr must exceed"),
        ({"num_steps": 2}, "num_steps"),
        ({"beta": 1.0}, "beta"),
        ({"diverge": 1.0}, "diverge"),
        ({"optimizer": "nope"}, "unknown optimizer"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lr_find(_model(), _data(32), **kwargs)


def test_data_without_targets_is_refused():
    x, _ = _data(32)
    with pytest.raises(ValueError, match="targets"):
        lr_find(_model(), (x,), num_steps=5)


def _sweep_curve():
    """A range-test curve: a noisy plateau, a drop centred at 1e-3, the minimum at 1e-1, a rise."""
    lrs = np.logspace(-7, 1, 161)
    logs = np.log10(lrs)
    wiggle = 0.002 * np.sin(np.arange(len(lrs)) * 2.1)  # not monotone on the plateau
    curve = 2.0 - 1.5 / (1 + np.exp(-(logs + 3) * 3)) + wiggle
    curve += np.where(logs > -1, (logs + 1) ** 2 * 4, 0)
    return list(lrs), list(curve)


def test_the_documented_rule_is_min_over_10():
    # docs/training.md documents min/10 as the default rule, chosen by measurement there
    assert DEFAULT_RULE == "min/10" and set(RULES) == {"valley", "min/10", "steepest"}
    lrs, curve = _sweep_curve()
    lr_at_min = lrs[int(np.argmin(curve))]
    assert lr_at_min == pytest.approx(1e-1, rel=0.15)
    assert suggest_lr(lrs, curve) == pytest.approx(lr_at_min / 10)
    assert suggest_lr(lrs, curve, "min/10") == pytest.approx(lr_at_min / 10)


def test_valley_is_the_middle_of_the_longest_descent():
    lrs, curve = _sweep_curve()
    start, end = longest_descent(np.asarray(curve))
    assert curve[end] == min(curve)  # the descent ends at the minimum
    assert lrs[start] < 1e-5  # and starts on the plateau, through its lower points
    assert suggest_lr(lrs, curve, "valley") == pytest.approx(lrs[(start + end) // 2])
    assert longest_descent(np.array([3.0, 1.0, 2.0, 1.5, 0.5, 4.0])) == (0, 4)
    assert longest_descent(np.array([1.0])) == (0, 0)


def test_rules_of_lr_find_and_a_bad_rule():
    x, y = _data()
    res = lr_find(_model(), (x, y), optimizer="sgd", start_lr=1e-4, end_lr=1e4, num_steps=60,
                  rule="steepest")  # fmt: skip
    assert res.rule == "steepest" and res.suggestion == res.suggestions["steepest"]
    assert res.min_lr_div10 == res.suggestions["min/10"]
    for name in RULES:
        assert res.suggestions[name] == suggest_lr(res.lrs, res.smoothed, name)
    assert res.to_dict()["suggestions"] == res.suggestions
    with pytest.raises(ValueError, match="rule must be one of"):
        lr_find(_model(), (x, y), rule="fastest")
    with pytest.raises(ValueError, match="rule must be one of"):
        suggest_lr(res.lrs, res.smoothed, "fastest")
