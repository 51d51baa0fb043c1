"""Spearman rank correlation and cascading randomisation on a small model."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.explain import Saliency, cascading_randomization, spearman
from glassnet.explain.sanity import rank

from .helpers import assert_same_state, mlp, snapshot


def test_rank_with_ties():
    np.testing.assert_array_equal(rank([3.0, 1.0, 2.0, 2.0]), [3.0, 0.0, 1.5, 1.5])
    np.testing.assert_array_equal(rank([[5.0, 4.0], [1.0, 1.0]]), [[1.0, 0.0], [0.5, 0.5]])


def test_spearman_against_pearson_of_ranks(rng):
    a, b = rng.standard_normal((3, 50)), rng.standard_normal((3, 50))
    b[0] = a[0] ** 3  # monotone: correlation 1
    got = spearman(a, b)
    assert got[0] == pytest.approx(1.0)
    for i in (1, 2):
        ra, rb = np.argsort(np.argsort(a[i])), np.argsort(np.argsort(b[i]))
        assert got[i] == pytest.approx(np.corrcoef(ra, rb)[0, 1])
    assert spearman([[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]])[0] == pytest.approx(-1.0)
    assert spearman([[1.0, 1.0, 1.0]], [[1.0, 2.0, 3.0]])[0] == 0.0


def test_cascading_randomization_leaves_model_alone(rng):
    model = mlp(6, 32, 3)
    x = rng.standard_normal((4, 6))
    before = snapshot(model)
    res = cascading_randomization(model, lambda m: Saliency(m).attribute(x, target=0), seed=1)
    assert [n for n, _ in res] == ["trained", "2", "0"]
    assert res[0][1] == pytest.approx(1.0)
    assert all(-1.0 <= c <= 1.0 for _, c in res)
    assert res[-1][1] < 0.9
    assert_same_state(before, snapshot(model))
    again = cascading_randomization(model, lambda m: Saliency(m).attribute(x, target=0), seed=1)
    assert again == res


def test_errors():
    with pytest.raises(
        ValueError, match=r"spearman: the maps have different shapes \(2, 3\) and \(2, 4\)"
    ):
        spearman(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(
        TypeError, match=r"cascading_randomization: model must be a glassnet Module, got function"
    ):
        cascading_randomization(lambda t: t, lambda m: m)


def test_constant_trained_maps_are_left_out_of_the_mean(rng):
    model = mlp(6, 32, 3)
    x = rng.standard_normal((3, 6))

    def explain(m):
        maps = Saliency(m).attribute(x, target=0)
        maps[1] = 0.0  # like an all-zero Grad-CAM map: no ranking to compare
        return maps

    res = cascading_randomization(model, explain, seed=1)
    assert res[0] == ("trained", pytest.approx(1.0))
    with pytest.raises(ValueError, match="every map of the trained model is constant"):
        cascading_randomization(model, lambda m: np.zeros((2, 6)))
