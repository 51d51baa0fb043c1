"""glassnet.vision.utils: make_grid's layout (torchvision's) and save_image's PNG."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.vision.utils import make_grid, save_image

PIL = pytest.importorskip("PIL.Image")


def test_grid_layout_like_torchvision():
    imgs = gn.tensor(np.arange(5, dtype=np.float32).reshape(5, 1, 1, 1) * np.ones((5, 1, 2, 3)))
    grid = make_grid(imgs, nrow=2, padding=1, pad_value=9).numpy()
    assert grid.shape == (3, 3 * 3 + 1, 2 * 4 + 1)  # grey images shown on 3 channels
    assert grid[0, 1, 1] == 0 and grid[0, 1, 5] == 1 and grid[0, 4, 1] == 2 and grid[0, 7, 1] == 4
    assert grid[0, 0, 0] == 9 and grid[0, 7, 5] == 9  # padding and the empty last cell


def test_normalize_and_single_image():
    img = gn.tensor(np.array([[[2.0, 4.0]]], np.float32))
    assert make_grid(img, normalize=True).numpy()[0].tolist() == [[0.0, 1.0]]
    two = gn.tensor(np.array([[[[0.0, 1.0]]], [[[0.0, 10.0]]]], np.float32))
    each = make_grid(two, normalize=True, scale_each=True, padding=0).numpy()
    assert each[0].tolist() == [[0.0, 1.0, 0.0, 1.0]]


def test_save_image_writes_a_png(tmp_path):
    x = gn.rand(6, 1, 28, 28)
    save_image(x, tmp_path / "grid.png", nrow=3)
    with PIL.open(tmp_path / "grid.png") as im:
        assert im.format == "PNG" and im.size == (3 * 30 + 2, 2 * 30 + 2)
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]
    with pytest.raises(ValueError, match="format"):
        save_image(x, tmp_path / "grid.unknown")


def test_matches_torchvision(torch):
    tvu = pytest.importorskip("torchvision.utils")
    x = np.random.default_rng(0).random((7, 1, 5, 4)).astype(np.float32)
    ours = make_grid(gn.tensor(x), nrow=3, padding=2).numpy()
    theirs = tvu.make_grid(torch.tensor(x), nrow=3, padding=2).numpy()
    np.testing.assert_allclose(ours, theirs)
