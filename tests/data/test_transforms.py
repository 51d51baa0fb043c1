"""Batched augmentation: each transform against a per-sample reference, seeding, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.data.transforms import (
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomShift,
    ToFloat,
)


@pytest.fixture
def batch(rng):
    return rng.standard_normal((6, 3, 5, 7)).astype(np.float32)


def _reference_crop(x, size, padding, rng):
    """Per-sample loop with the same draws as RandomCrop (oy for all, then ox for all)."""
    n, c, h, w = x.shape
    (sh, sw), (ph, pw) = size, padding
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oy = rng.integers(0, h + 2 * ph - sh + 1, size=n)
    ox = rng.integers(0, w + 2 * pw - sw + 1, size=n)
    return np.stack([padded[i, :, oy[i] : oy[i] + sh, ox[i] : ox[i] + sw] for i in range(n)])


@pytest.mark.parametrize(
    "size, padding",
    [((5, 7), (0, 0)), ((4, 4), (0, 0)), ((5, 7), (2, 1)), ((8, 9), (2, 2)), ((3, 5), (1, 3))],
)
def test_random_crop_matches_per_sample_reference(batch, size, padding):
    out = RandomCrop(size, padding)(batch, rng=np.random.default_rng(4))
    ref = _reference_crop(batch, size, padding, np.random.default_rng(4))
    assert out.shape == (6, 3) + size and out.dtype == batch.dtype
    np.testing.assert_array_equal(out, ref)


def test_random_shift_keeps_shape_and_moves_content(batch):
    out = RandomShift(2)(batch, rng=np.random.default_rng(0))
    assert out.shape == batch.shape
    assert not np.array_equal(out, batch)
    # every shifted image is a window of the zero-padded original
    ref = _reference_crop(batch, (5, 7), (2, 2), np.random.default_rng(0))
    np.testing.assert_array_equal(out, ref)


def test_crop_without_size_or_padding_is_identity(batch):
    np.testing.assert_array_equal(RandomCrop()(batch, rng=np.random.default_rng(0)), batch)


def test_flip_matches_reference(batch):
    out = RandomHorizontalFlip(0.5)(batch, rng=np.random.default_rng(2))
    mask = np.random.default_rng(2).random(6) < 0.5
    assert 0 < mask.sum() < 6
    for i in range(6):
        np.testing.assert_array_equal(out[i], batch[i, ..., ::-1] if mask[i] else batch[i])
    np.testing.assert_array_equal(RandomHorizontalFlip(0.0)(batch), batch)
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0)(batch), batch[..., ::-1])


def test_normalize_per_channel_and_scalar(batch):
    mean, std = [0.1, -0.2, 0.3], [0.5, 2.0, 1.5]
    out = Normalize(mean, std)(batch)
    ref = (batch - np.array(mean)[None, :, None, None]) / np.array(std)[None, :, None, None]
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)
    assert out.dtype == np.float32
    np.testing.assert_allclose(Normalize(1.0, 2.0)(batch), (batch - 1) / 2, rtol=1e-6, atol=1e-6)
    assert Normalize(0.0, 1.0)(np.ones((2, 1, 2, 2), np.uint8)).dtype == np.float32


def test_to_float_scales_uint8():
    x = np.array([[0, 255, 51]], np.uint8)
    out = ToFloat()(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.2]], rtol=1e-6)
    assert ToFloat(dtype=np.float64)(x).dtype == np.float64


def test_compose_threads_rng_and_accepts_functions(batch):
    aug = Compose([RandomCrop(5, padding=1), lambda x: x * 2, RandomHorizontalFlip()])
    a = aug(batch, rng=np.random.default_rng(9))
    b = aug(batch, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (6, 3, 5, 5)
    assert "RandomCrop" in repr(aug)


def test_own_generator_is_seeded():
    x = np.arange(80, dtype=np.float32).reshape(4, 1, 4, 5)
    a = RandomShift(1, seed=3)
    b = RandomShift(1, seed=3)
    np.testing.assert_array_equal(a(x), b(x))
    gn.manual_seed(5)
    c = RandomShift(1)(x)
    gn.manual_seed(5)
    np.testing.assert_array_equal(RandomShift(1)(x), c)


def test_tensor_in_tensor_out():
    t = gn.tensor(np.ones((2, 1, 3, 3), np.float32))
    out = RandomCrop(2)(t)
    assert isinstance(out, gn.Tensor) and out.shape == (2, 1, 2, 2)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: RandomCrop(0), "RandomCrop: size must be a positive int or pair of ints, got 0"),
        (
            lambda: RandomCrop(3, padding=-1),
            "padding must be a non-negative int or pair of ints, got -1",
        ),
        (lambda: RandomCrop((2, 2, 2)), r"got \(2, 2, 2\)"),
        (lambda: RandomShift(-1), "RandomShift: max_shift must be a non-negative int"),
        (lambda: RandomHorizontalFlip(1.5), "p must be a probability in \\[0, 1\\], got 1.5"),
        (lambda: Normalize([0.1], [0.0]), "Normalize: std must be positive, got \\[0.0\\]"),
        (
            lambda: Normalize("a", 1.0),
            "Normalize: mean must be a finite float or a sequence of floats, got 'a'",
        ),
        (lambda: Normalize(0.0, [[1.0]]), "Normalize: std must be"),
        (lambda: ToFloat(0), "ToFloat: scale must be a positive number, got 0"),
        (lambda: ToFloat(dtype=np.int32), "ToFloat: dtype must be a floating dtype, got int32"),
        (lambda: Compose([1]), "Compose: transform 0 is not callable, got 1"),
    ],
)
def test_construction_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_input_errors_name_the_transform(batch):
    with pytest.raises(
        ValueError, match=r"RandomCrop\(size=\(9, 9\).*larger than the padded image 5x7"
    ):
        RandomCrop(9)(batch)
    with pytest.raises(ValueError, match=r"expected a batch of shape \(N, C, H, W\), got \(5, 7\)"):
        RandomCrop(2)(batch[0, 0])
    with pytest.raises(ValueError, match="mean has 2 values but the input has 3 channels"):
        Normalize([0, 0], [1, 1])(batch)
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip.*got \(3,\)"):
        RandomHorizontalFlip()(np.zeros(3))
