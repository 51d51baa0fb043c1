"""glassnet.vision.transforms: torchvision's per-sample transforms, compared with torchvision."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.vision import transforms as T

PIL = pytest.importorskip("PIL.Image")


def _image(rng, shape=(28, 28)):
    return rng.integers(0, 256, shape, dtype=np.uint8)


def test_to_tensor_on_pil_and_arrays(rng):
    px = _image(rng)
    a = T.ToTensor()(PIL.fromarray(px))
    b = T.ToTensor()(px)
    assert tuple(a.shape) == (1, 28, 28) and a.dtype == np.float32
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(a.numpy()[0], px / 255.0, rtol=1e-6)
    rgb = T.ToTensor()(_image(rng, (5, 6, 3)))
    assert tuple(rgb.shape) == (3, 5, 6)
    floats = T.ToTensor()(np.full((2, 2), 7.0))
    assert (
        floats.dtype == np.float64 and floats.numpy().max() == 7.0
    )  # not rescaled, as torchvision
    with pytest.raises(TypeError, match="Pillow image or a NumPy array"):
        T.ToTensor()(gn.ones(1, 2, 2))


def test_normalize_compose_lambda(rng):
    t = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.25,)), T.Lambda(lambda x: x * 2)])
    px = _image(rng)
    out = t(PIL.fromarray(px))
    np.testing.assert_allclose(out.numpy()[0], (px / 255.0 - 0.5) / 0.25 * 2, atol=1e-5)
    three = T.Normalize([0.0, 1.0, 2.0], [1.0, 1.0, 2.0])(gn.ones(3, 2, 2))
    assert three.numpy()[:, 0, 0].tolist() == [1.0, 0.0, -0.5]
    with pytest.raises(TypeError, match="put ToTensor\\(\\) first"):
        T.Normalize((0.5,), (0.5,))(PIL.fromarray(px))
    with pytest.raises(TypeError, match="Compose: transform 1 is not callable"):
        T.Compose([T.ToTensor(), 3])


def test_random_crop_and_flip_on_pil_and_tensors_follow_manual_seed(rng):
    px = _image(rng)
    crop = T.RandomCrop(24, padding=2)
    gn.manual_seed(3)
    a = np.asarray(crop(PIL.fromarray(px)))
    gn.manual_seed(3)
    b = crop(gn.tensor(px[None].astype(np.float32))).numpy()[0]
    assert a.shape == (24, 24) and b.shape == (24, 24)
    np.testing.assert_array_equal(a, b.astype(np.uint8))  # the same window from the same seed
    flip = T.RandomHorizontalFlip(p=1.0)
    np.testing.assert_array_equal(np.asarray(flip(PIL.fromarray(px))), px[:, ::-1])
    np.testing.assert_array_equal(flip(gn.tensor(px[None])).numpy()[0], px[:, ::-1])
    assert np.asarray(T.RandomHorizontalFlip(p=0.0)(PIL.fromarray(px))).tolist() == px.tolist()
    with pytest.raises(NotImplementedError, match="padding_mode"):
        T.RandomCrop(24, padding_mode="reflect")


def test_resize_pil_only(rng):
    img = PIL.fromarray(_image(rng, (20, 40)))
    assert T.Resize(10)(img).size == (20, 10) and T.Resize((7, 9))(img).size == (9, 7)
    with pytest.raises(NotImplementedError, match="Resize on a Tensor"):
        T.Resize(10)(gn.ones(1, 4, 4))


def test_against_torchvision(rng, torch):
    tv = pytest.importorskip("torchvision.transforms")
    px = _image(rng)
    ours = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])(PIL.fromarray(px))
    theirs = tv.Compose([tv.ToTensor(), tv.Normalize((0.1307,), (0.3081,))])(PIL.fromarray(px))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_center_crop_on_pil_and_tensors(rng):
    px = _image(rng, (10, 12))
    a = np.asarray(T.CenterCrop(4)(PIL.fromarray(px)))
    b = T.CenterCrop((4, 4))(gn.tensor(px[None])).numpy()[0]
    np.testing.assert_array_equal(a, px[3:7, 4:8])
    np.testing.assert_array_equal(b, px[3:7, 4:8])
    with pytest.raises(NotImplementedError, match="CenterCrop larger than the image"):
        T.CenterCrop(20)(PIL.fromarray(px))
