"""``PixelShuffle`` / ``PixelUnshuffle`` and their functions against torch; gradients; ONNX; errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
import glassnet.nn.functional as F
from glassnet.testing import check_against_torch, check_gradients
from tests.nn.onnx_check import assert_onnx_matches


@pytest.mark.parametrize("shape,r", [((2, 12, 3, 4), 2), ((18, 2, 3), 3), ((2, 3, 4, 1, 2), 2), ((1, 5, 2, 2), 1)])  # fmt: skip
def test_pixel_shuffle_matches_torch(shape, r, rng, torch):
    x = rng.standard_normal(shape)
    check_against_torch(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), x)
    check_against_torch(lambda t: F.pixel_shuffle(t, r), lambda t: torch.nn.functional.pixel_shuffle(t, r), x)  # fmt: skip


@pytest.mark.parametrize("shape,r", [((2, 3, 4, 6), 2), ((2, 6, 9), 3), ((2, 2, 1, 4, 2), 2)])
def test_pixel_unshuffle_matches_torch(shape, r, rng, torch):
    x = rng.standard_normal(shape)
    check_against_torch(nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), x)
    check_against_torch(lambda t: F.pixel_unshuffle(t, r), lambda t: torch.nn.functional.pixel_unshuffle(t, r), x)  # fmt: skip


def test_round_trip_and_gradcheck(rng):
    x = rng.standard_normal((2, 8, 3, 2))
    y = F.pixel_unshuffle(F.pixel_shuffle(gn.tensor(x), 2), 2)
    np.testing.assert_array_equal(y.numpy(), x)
    check_gradients(lambda t: F.pixel_shuffle(t, 2) * F.pixel_shuffle(t, 2), x)
    check_gradients(lambda t: F.pixel_unshuffle(t, 2) ** 2, rng.standard_normal((2, 4, 6)))


def test_float32_stays_float32():
    x = gn.randn(1, 4, 2, 2, requires_grad=True)
    y = F.pixel_shuffle(x, 2)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


class _SubPixel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 8, 3, padding=1)
        self.shuffle, self.unshuffle = nn.PixelShuffle(2), nn.PixelUnshuffle(2)

    def forward(self, x):
        return self.unshuffle(self.shuffle(self.conv(x)) * 2.0)


def test_onnx_export(rng, tmp_path):
    x = rng.standard_normal((2, 2, 3, 5)).astype(np.float32)
    others = [(rng.standard_normal((4, 2, 3, 5)).astype(np.float32),)]
    assert_onnx_matches(_SubPixel(), (x,), tmp_path, others=others)


def test_repr():
    assert repr(nn.PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    assert repr(nn.PixelUnshuffle(2)) == "PixelUnshuffle(downscale_factor=2)"


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: nn.PixelShuffle(0), r"PixelShuffle: upscale_factor must be a positive int, got 0"),
        (lambda: nn.PixelUnshuffle(1.5), r"PixelUnshuffle: downscale_factor must be a positive int, got 1.5"),
        (lambda: F.pixel_shuffle(gn.zeros(4, 2), 2), r"pixel_shuffle: expected input of shape \(\*, C, H, W\) with at least 3 dims, got \(4, 2\)"),
        (lambda: F.pixel_shuffle(gn.zeros(1, 6, 2, 2), 2), r"pixel_shuffle: the channel dim \(-3\) of input \(1, 6, 2, 2\) must be divisible by upscale_factor\*\*2 = 4"),
        (lambda: F.pixel_unshuffle(gn.zeros(1, 1, 4, 3), 2), r"pixel_unshuffle: the height and width .* must be divisible by downscale_factor = 2"),
        (lambda: F.pixel_shuffle(gn.zeros(1, 4, 2, 2), -2), r"pixel_shuffle: upscale_factor must be a positive int, got -2"),
    ],
)  # fmt: skip
def test_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
