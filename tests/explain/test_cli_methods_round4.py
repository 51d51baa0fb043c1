"""The Captum methods added in round 4 as ``glassnet explain --method`` choices: DeepLift,
Guided Backprop and Shapley sampling on the built-in images (a PNG), on colour images and
on table rows, each equal to calling the method's class directly."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.explain_own import explain_array
from glassnet.cli.options import UsageError
from glassnet.explain import DeepLift, GuidedBackprop, ShapleyValueSampling

from .test_cli_explain import run_dir  # noqa: F401  (the fixture: a tiny trained MLP run)

pytest.importorskip("matplotlib")


@pytest.mark.parametrize("method", ["deeplift", "guided_backprop", "shapley"])
def test_writes_png(method, run_dir, tmp_path):  # noqa: F811
    from glassnet.cli.explain import explain_example

    out = tmp_path / f"{method}.png"
    buf = io.StringIO()
    explain_example(run_dir=run_dir, method=method, index=2, out_path=str(out), out=buf)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"with {method} -> {out}" in buf.getvalue()


def test_own_data_methods_equal_the_classes():
    gn.manual_seed(0)
    table = gn.nn.Sequential(gn.nn.Linear(5, 8), gn.nn.ReLU(), gn.nn.Linear(8, 3))
    row = np.random.default_rng(0).standard_normal((1, 5)).astype(np.float32)
    got = explain_array(table, row, "deeplift", "table", target=2, seed=0)
    np.testing.assert_allclose(got, np.asarray(DeepLift(table).attribute(row, target=2)))
    got = explain_array(table, row, "shapley", "table", target=1, seed=0)
    want = ShapleyValueSampling(table).attribute(row, target=1, n_samples=25)
    np.testing.assert_allclose(got, np.asarray(want))
    cnn = gn.nn.Sequential(gn.nn.Conv2d(3, 4, 3), gn.nn.ReLU(), gn.nn.Flatten(),
                           gn.nn.Linear(4 * 6 * 6, 2))  # fmt: skip
    img = np.random.default_rng(1).random((1, 3, 8, 8)).astype(np.float32)
    got = explain_array(cnn, img, "guided_backprop", "images", target=0, seed=0)
    np.testing.assert_allclose(got, np.asarray(GuidedBackprop(cnn).attribute(img, target=0)))
    with pytest.raises(UsageError, match="'shapley' is not available for colour images"):
        explain_array(cnn, img, "shapley", "images", target=0, seed=0)
