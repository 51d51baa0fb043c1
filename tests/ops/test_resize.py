"""F.pad modes and F.interpolate against torch, with finite-difference gradients."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.ops import resize as Z
from glassnet.testing import check_against_torch, check_gradients


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
@pytest.mark.parametrize("pad,shape", [((2, 1), (2, 3, 5)), ((1, 2, 2, 0), (1, 2, 4, 5))])
def test_pad_modes(mode, pad, shape, rng, torch):
    x = rng.standard_normal(shape)
    fn = lambda a: Z.pad(a, pad, mode)  # noqa: E731
    check_gradients(fn, x)
    check_against_torch(fn, lambda a: torch.nn.functional.pad(a, pad, mode), x)


def test_constant_pad_value_and_negative_crop(rng, torch):
    x = rng.standard_normal((2, 3, 4))
    for pad in [(1, -1), (-1, 2, 1, 0)]:
        check_against_torch(
            lambda a, pad=pad: Z.pad(a, pad, value=2.5),
            lambda a, pad=pad: torch.nn.functional.pad(a, pad, value=2.5),
            x,
        )


CASES = [
    dict(size=(7, 9), mode="nearest"),
    dict(scale_factor=2, mode="nearest"),
    dict(scale_factor=(1.7, 0.6), mode="nearest"),
    dict(size=(3, 8), mode="nearest-exact"),
    dict(size=(7, 9), mode="bilinear", align_corners=False),
    dict(size=(7, 9), mode="bilinear", align_corners=True),
    dict(scale_factor=2.5, mode="bilinear", align_corners=False),
    dict(scale_factor=0.5, mode="bilinear", align_corners=False),
    dict(size=(1, 1), mode="bilinear", align_corners=True),
]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_interpolate_2d(kw, rng, torch):
    x = rng.standard_normal((2, 3, 5, 6))
    fn = lambda a: Z.interpolate(a, **kw)  # noqa: E731
    check_gradients(fn, x)
    check_against_torch(fn, lambda a: torch.nn.functional.interpolate(a, **kw), x)


@pytest.mark.parametrize(
    "kw",
    [dict(size=11, mode="linear", align_corners=True), dict(scale_factor=3, mode="nearest"),
     dict(size=4, mode="linear")],
)  # fmt: skip
def test_interpolate_1d(kw, rng, torch):
    x = rng.standard_normal((2, 3, 6))
    check_against_torch(
        lambda a: Z.interpolate(a, **kw), lambda a: torch.nn.functional.interpolate(a, **kw), x
    )


def test_interpolate_float32_nearest_positions_match_torch(torch):
    x = np.arange(2 * 1 * 9 * 13, dtype=np.float32).reshape(2, 1, 9, 13)
    for size in [(29, 5), (10, 40), (17, 17)]:
        check_against_torch(
            lambda a, size=size: Z.interpolate(a, size=size),
            lambda a, size=size: torch.nn.functional.interpolate(a, size=size),
            x, dtype=np.float32, grad=False,
        )  # fmt: skip


def test_errors():
    x = np.zeros((1, 2, 3, 3))
    from glassnet import tensor

    with pytest.raises(ValueError, match=r"pad: reflect padding \(3, 0\) must be smaller"):
        Z.pad(tensor(x[0]), (3, 0), "reflect")
    with pytest.raises(ValueError, match=r"pads the last 1 axes of a 2-D or 3-D input, got 4-D"):
        Z.pad(tensor(x), (1, 0), "replicate")  # torch's rule for the copying modes
    with pytest.raises(NotImplementedError, match="interpolate: mode 'lanczos' is not supported"):
        Z.interpolate(tensor(x), size=4, mode="lanczos")
    with pytest.raises(ValueError, match="give exactly one of size and scale_factor"):
        Z.interpolate(tensor(x))
    with pytest.raises(ValueError, match="align_corners is only for linear and bicubic modes"):
        Z.interpolate(tensor(x), size=4, align_corners=True)
