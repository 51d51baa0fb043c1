"""torchvision's resizing, random crops, flips, rotation, padding, colour and conversion
transforms: sizes to the pixel, pixels as Pillow makes them, random draws in range and
reproducible with manual_seed."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.vision import transforms as T

Image = pytest.importorskip("PIL.Image")
ImageEnhance = pytest.importorskip("PIL.ImageEnhance")


def _rgb(h=48, w=64, seed=0):
    a = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return Image.fromarray(a)


@pytest.mark.parametrize("size, max_size, want", [
    (224, None, (224, 298)),   # 480x640: the long side truncated (298.67 -> 298), as torchvision
    ([224], None, (224, 298)),
    ((100, 50), None, (100, 50)),
    (224, 250, (187, 250)),    # the long side capped at max_size, the short side truncated
])  # fmt: skip
def test_resize_sizes_follow_torchvision(size, max_size, want):
    img = Image.new("RGB", (640, 480))
    out = T.Resize(size, max_size=max_size)(img)
    assert out.size == (want[1], want[0])
    tall = T.Resize(224)(Image.new("L", (480, 640)))
    assert tall.size == (224, 298)
    with pytest.raises(ValueError, match="max_size"):
        T.Resize(224, max_size=200)(img)


def test_resize_interpolation_is_pillows():
    img = _rgb()
    for mode, code in ((T.InterpolationMode.NEAREST, 0), (T.InterpolationMode.BICUBIC, 3), (2, 2)):
        got = np.asarray(T.Resize((20, 30), interpolation=mode)(img))
        np.testing.assert_array_equal(got, np.asarray(img.resize((30, 20), resample=code)))
    with pytest.raises(NotImplementedError, match="antialias=False"):
        T.Resize(10, antialias=False)
    with pytest.raises(NotImplementedError, match="apply it to the Pillow image"):
        T.Resize(10)(gn.ones(3, 8, 8))


def test_random_resized_crop_is_in_range_and_seeded():
    img = _rgb()
    t = T.RandomResizedCrop(16, scale=(0.2, 0.9))
    for _ in range(30):
        top, left, h, w = t.get_params(img, t.scale, t.ratio)
        assert 0 <= top <= 48 - h and 0 <= left <= 64 - w
        assert 0.2 * 48 * 64 * 0.75 <= h * w <= 0.9 * 48 * 64 * 1.25  # rounding slack
        assert 3 / 4 - 0.1 <= w / h <= 4 / 3 + 0.1
    gn.manual_seed(3)
    a = np.asarray(t(img))
    gn.manual_seed(3)
    b = np.asarray(t(img))
    assert a.shape == (16, 16, 3)
    np.testing.assert_array_equal(a, b)
    # no ratio fits the image: the centre crop of the nearest ratio
    top, left, h, w = T.RandomResizedCrop.get_params(Image.new("L", (100, 10)), (2.0, 3.0), (0.75, 4 / 3))
    assert (top, left, h, w) == (0, (100 - 13) // 2, 10, 13)


def test_flips_rotation_and_padding():
    img = _rgb(6, 5)
    a = np.asarray(img)
    assert np.array_equal(np.asarray(T.RandomVerticalFlip(p=1.0)(img)), a[::-1])
    assert T.RandomVerticalFlip(p=0.0)(img) is img
    chw = a.transpose(2, 0, 1)
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(gn.tensor(chw)).numpy(), chw[:, ::-1])
    rot = T.RandomRotation((90, 90))(img)
    np.testing.assert_array_equal(np.asarray(rot), np.asarray(img.rotate(90, resample=0, fillcolor=(0, 0, 0))))
    assert T.RandomRotation(30, expand=True)(img).size[0] >= 5
    padded = np.asarray(T.Pad((1, 2), fill=7)(img))
    assert padded.shape == (10, 7, 3) and (padded[:2] == 7).all() and (padded[:, 0] == 7).all()
    np.testing.assert_array_equal(padded[2:8, 1:6], a)
    edge = np.asarray(T.Pad((1, 0, 2, 3), padding_mode="reflect")(img))
    np.testing.assert_array_equal(edge, np.pad(a, ((0, 3), (1, 2), (0, 0)), mode="reflect"))
    with pytest.raises(ValueError, match="padding_mode"):
        T.Pad(1, padding_mode="wrap")


def test_grayscale_and_conversions():
    img = _rgb(4, 3)
    g1, g3 = T.Grayscale()(img), T.Grayscale(3)(img)
    assert g1.mode == "L" and g3.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(g3)[..., 1], np.asarray(img.convert("L")))
    assert T.RandomGrayscale(p=1.0)(img).mode == "RGB" and T.RandomGrayscale(0.0)(img) is img
    t = T.ToTensor()(img)
    grey = T.Grayscale()(t).numpy()
    np.testing.assert_allclose(grey[0], t.numpy().T.dot([0.2989, 0.587, 0.114]).T, rtol=1e-6)
    back = T.ToPILImage()(t)
    np.testing.assert_array_equal(np.asarray(back), np.asarray(img))  # k/255*255 truncates to k
    raw = T.PILToTensor()(img)
    assert raw.dtype == np.uint8 and tuple(raw.shape) == (3, 4, 3)
    assert T.ToPILImage()(gn.zeros(1, 2, 2)).mode == "L"


def test_color_jitter_matches_pillows_enhancers():
    img = _rgb()
    # a range of one value: the factor is known, and each enhancer is Pillow's
    got = T.ColorJitter(brightness=(1.3, 1.3))(img)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(ImageEnhance.Brightness(img).enhance(1.3)))
    got = T.ColorJitter(saturation=(0.5, 0.5))(img)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(ImageEnhance.Color(img).enhance(0.5)))
    h, s, v = img.convert("HSV").split()
    for factor, step in ((0.25, 63), (-0.25, -63)):  # int(0.25 * 255) = 63, a wrapped byte step
        hue = Image.fromarray(((np.asarray(h).astype(int) + step) % 256).astype(np.uint8), "L")
        want = Image.merge("HSV", (hue, s, v)).convert("RGB")
        got = T.ColorJitter(hue=(factor, factor))(img)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    assert T.ColorJitter(hue=0.1)(Image.new("L", (4, 4))).mode == "L"
    t = T.ColorJitter(0.4, 0.4, 0.4, 0.1)
    assert t.brightness == (0.6, 1.4) and t.hue == (-0.1, 0.1)
    assert T.ColorJitter().brightness is None
    with pytest.raises(ValueError, match="hue values must lie in"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(NotImplementedError, match="before ToTensor"):
        t(gn.ones(3, 4, 4))


def test_random_containers():
    img = _rgb(4, 4)
    flip = T.RandomVerticalFlip(p=1.0)
    assert T.RandomApply([flip], p=0.0)(img) is img
    np.testing.assert_array_equal(np.asarray(T.RandomApply([flip], p=1.0)(img)), np.asarray(img)[::-1])
    picks = {T.RandomChoice([T.Grayscale(), T.Pad(1)], p=[1, 0])(img).mode for _ in range(5)}
    assert picks == {"L"}
    out = T.RandomOrder([T.Pad(1), T.Grayscale()])(img)
    assert out.mode == "L" and out.size == (6, 6)
    with pytest.raises(ValueError, match="2 transforms but 1 probabilities"):
        T.RandomChoice([flip, flip], p=[1])
