"""Pictures: each plot writes a PNG atomically and returns its path; bad shapes are refused."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from glassnet.explain import plots  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == PNG


def test_image_overlay_signed_and_unsigned(tmp_path, rng):
    img = rng.random((1, 28, 28))
    p = plots.plot_image_attribution(
        img, rng.standard_normal((1, 28, 28)), tmp_path / "a.png", title="IG"
    )
    assert p == str(tmp_path / "a.png") and _is_png(p)
    p = plots.plot_image_attribution(
        img[0], np.abs(rng.standard_normal((28, 28))), tmp_path / "sub" / "b.png"
    )
    assert _is_png(p)  # the folder is created


def test_feature_bars_time_series_attention_panels(tmp_path, rng):
    assert _is_png(
        plots.plot_feature_attribution(rng.standard_normal(30), tmp_path / "f.png", top_k=10)
    )
    names = ["age", "income", "debt"]
    assert _is_png(
        plots.plot_feature_attribution([0.5, -1.0, 0.2], tmp_path / "g.png", feature_names=names)
    )
    assert _is_png(
        plots.plot_time_attribution(
            rng.standard_normal(50), rng.standard_normal(50), tmp_path / "t.png"
        )
    )
    s = rng.standard_normal((40, 3))
    assert _is_png(
        plots.plot_time_attribution(s, s * 0.1, tmp_path / "t3.png", feature_names=names)
    )
    w = rng.random((4, 28))
    assert _is_png(plots.plot_attention(w / w.sum(1, keepdims=True), tmp_path / "w.png"))
    assert _is_png(plots.plot_attention(rng.random((2, 5, 5)), tmp_path / "heads.png"))
    maps = {"saliency": rng.random((1, 8, 8)), "ig": rng.standard_normal((1, 8, 8))}
    assert _is_png(plots.plot_panels(rng.random((1, 8, 8)), maps, tmp_path / "p.png", title="x"))


def test_no_partial_files_left(tmp_path, rng):
    plots.plot_feature_attribution(rng.standard_normal(5), tmp_path / "f.png")
    assert os.listdir(tmp_path) == ["f.png"]


def test_errors(tmp_path, rng):
    with pytest.raises(ValueError, match=r"path must end in .png, got '.*x.jpg'"):
        plots.plot_feature_attribution([1.0], tmp_path / "x.jpg")
    with pytest.raises(
        ValueError, match=r"attribution of shape \(5, 5\) does not match the image's \(8, 8\)"
    ):
        plots.plot_image_attribution(rng.random((8, 8)), rng.random((5, 5)), tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"2 feature_names for 3 attributions"):
        plots.plot_feature_attribution(
            [1.0, 2.0, 3.0], tmp_path / "a.png", feature_names=["a", "b"]
        )
    with pytest.raises(ValueError, match=r"expected series \(T,\) or \(T, F\)"):
        plots.plot_time_attribution(rng.random((3, 4)), rng.random((3, 5)), tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"expected weights \(T,\), \(R, T\) or \(heads, R, T\)"):
        plots.plot_attention(rng.random((2, 2, 2, 2)), tmp_path / "a.png")
    assert not any(n.endswith(".png") for n in os.listdir(tmp_path))


def test_missing_matplotlib_names_the_extra(monkeypatch, tmp_path):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[plot\]'"):
        plots.plot_feature_attribution([1.0], tmp_path / "a.png")


def test_randomization_lines(tmp_path):
    rows = {
        "saliency": [("trained", 1.0), ("10", 0.4), ("0", 0.1)],
        "gradcam": [("trained", 1.0), ("10", -0.2), ("0", 0.2)],
    }
    assert _is_png(plots.plot_randomization(rows, tmp_path / "r.png", title="sanity"))
    with pytest.raises(ValueError, match="results is empty"):
        plots.plot_randomization({}, tmp_path / "r2.png")
