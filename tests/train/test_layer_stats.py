"""layer_stats: the per-layer figures that LayerDiagnostics and TrainingHealth share."""

import inspect
import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.train.callbacks import diagnostics, health, layer_stats


def test_norms_rms_and_max_abs():
    a = np.array([[3.0, -4.0], [0.0, 0.0]], dtype=np.float32)
    assert layer_stats.norm(a) == pytest.approx(5.0)
    assert layer_stats.rms(a) == pytest.approx(2.5)
    assert layer_stats.max_abs(a) == 4.0
    assert layer_stats.total_norm([a, np.array([12.0])]) == pytest.approx(13.0)
    empty = np.zeros((0, 3))
    assert layer_stats.rms(empty) == 0.0 and layer_stats.max_abs(empty) == 0.0
    assert layer_stats.norm(np.full(4, 1e30, dtype=np.float32)) == pytest.approx(2e30)  # float64


def test_update_ratio():
    w0 = [np.array([3.0, 4.0]), np.array([0.0])]
    w1 = [np.array([3.0, 4.5]), np.array([0.0])]
    assert layer_stats.update_ratio(w0, w1) == pytest.approx(0.1)
    assert layer_stats.update_ratio([np.zeros(2)], [np.ones(2)]) is None


def test_activation_stats_count_dead_relu_units():
    out = gn.tensor(np.array([[0.0, 1.0, 0.0], [0.0, 3.0, 2.0]], dtype=np.float32))
    s = layer_stats.activation_stats("ReLU", out)
    assert s["act_mean"] == pytest.approx(1.0) and s["dead_frac"] == pytest.approx(1 / 3)
    assert "dead_frac" not in layer_stats.activation_stats("Linear", out)
    assert layer_stats.activation_stats("ReLU", gn.tensor(np.array([1, 2]))) == {}


def test_layers_parameters_and_weight_matrices():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model[2].bias.requires_grad_(False)
    assert [n for n, _ in layer_stats.layers(model)] == ["0", "1", "2"]
    assert len(layer_stats.own_parameters(model[2])) == 1
    assert [n for n, _ in layer_stats.weight_matrices(model)] == ["0.weight", "2.weight"]
    assert layer_stats.weight_matrices(None) == []


@pytest.mark.parametrize("module", [diagnostics, health])
def test_the_callbacks_compute_no_statistics_of_their_own(module):
    source = inspect.getsource(module)
    assert "layer_stats" in source
    for own in ("xp.sqrt", "np.sqrt", "xp.mean", "np.mean", "math.sqrt"):
        assert own not in source, f"{module.__name__} computes {own} itself"
    assert math.isfinite(layer_stats.rms(np.ones(2)))
