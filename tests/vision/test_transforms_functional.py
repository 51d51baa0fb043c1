"""``torchvision.transforms.functional``: the functions agree with their transform classes
and with Pillow, and a segmentation-style script (same crop and flip on image and mask,
parameters from ``get_params``) runs under ``glassnet run``."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.testing import run_torch_script
from glassnet.vision import transforms as T
from glassnet.vision.transforms import functional as TF

Image = pytest.importorskip("PIL.Image")
ImageEnhance = pytest.importorskip("PIL.ImageEnhance")


def _rgb(h=12, w=10):
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8))


def test_geometry_functions():
    img = _rgb()
    a = np.asarray(img)
    np.testing.assert_array_equal(np.asarray(TF.hflip(img)), a[:, ::-1])
    np.testing.assert_array_equal(np.asarray(TF.vflip(img)), a[::-1])
    t = TF.to_tensor(img)
    np.testing.assert_array_equal(TF.hflip(t).numpy(), t.numpy()[..., ::-1])
    np.testing.assert_array_equal(np.asarray(TF.crop(img, 2, 3, 5, 4)), a[2:7, 3:7])
    np.testing.assert_array_equal(TF.crop(t, 2, 3, 5, 4).numpy(), t.numpy()[:, 2:7, 3:7])
    assert np.asarray(TF.crop(img, -1, 0, 3, 3))[0].sum() == 0  # outside a Pillow image: zeros
    assert TF.resize(img, 6).size == (6, 7)  # 6 * 12 / 10 = 7.2 -> 7, as torchvision
    assert TF.resized_crop(img, 0, 0, 6, 6, (3, 3)).size == (3, 3)
    np.testing.assert_array_equal(np.asarray(TF.center_crop(img, 4)), np.asarray(T.CenterCrop(4)(img)))
    assert TF.pad(img, 2).size == (14, 16)
    np.testing.assert_array_equal(np.asarray(TF.rotate(img, 90)), np.asarray(img.rotate(90, fillcolor=(0, 0, 0))))
    assert TF.get_image_size(img) == [10, 12] and TF.get_dimensions(img) == [3, 12, 10]
    assert TF.get_dimensions(t) == [3, 12, 10]


def test_colour_functions_are_pillows():
    img = _rgb()
    for fn, kind in ((TF.adjust_brightness, "Brightness"), (TF.adjust_contrast, "Contrast"),
                     (TF.adjust_saturation, "Color")):  # fmt: skip
        want = getattr(ImageEnhance, kind)(img).enhance(1.7)
        np.testing.assert_array_equal(np.asarray(fn(img, 1.7)), np.asarray(want))
    assert TF.to_grayscale(img).mode == "L" and TF.rgb_to_grayscale(img, 3).mode == "RGB"
    with pytest.raises(ValueError, match=r"hue_factor must lie in \[-0.5, 0.5\]"):
        TF.adjust_hue(img, 0.7)
    with pytest.raises(NotImplementedError, match="adjust_brightness on a Tensor"):
        TF.adjust_brightness(TF.to_tensor(img), 1.5)
    back = TF.to_pil_image(TF.normalize(TF.to_tensor(img), [0, 0, 0], [1, 1, 1]))
    np.testing.assert_array_equal(np.asarray(back), np.asarray(img))
    assert TF.pil_to_tensor(img).dtype == np.uint8


def test_get_params_draw_in_range_and_follow_the_seed():
    img = _rgb(30, 40)
    gn.manual_seed(5)
    first = T.RandomCrop.get_params(img, (10, 20))
    gn.manual_seed(5)
    assert T.RandomCrop.get_params(img, (10, 20)) == first
    i, j, h, w = first
    assert 0 <= i <= 20 and 0 <= j <= 20 and (h, w) == (10, 20)
    assert T.RandomCrop.get_params(img, (30, 40)) == (0, 0, 30, 40)
    with pytest.raises(ValueError, match="larger than the input image size"):
        T.RandomCrop.get_params(img, (31, 5))
    assert -10 <= T.RandomRotation.get_params([-10, 10]) <= 10
    order, b, c, s, h = T.ColorJitter.get_params((0.5, 1.5), None, None, (-0.1, 0.1))
    assert sorted(order) == [0, 1, 2, 3] and 0.5 <= b <= 1.5 and c is None and -0.1 <= h <= 0.1


def test_a_segmentation_script_runs_under_glassnet_run(tmp_path):
    script = tmp_path / "seg_aug.py"
    script.write_text(
        "import numpy as np, torch\n"
        "import torchvision.transforms as T\n"
        "import torchvision.transforms.functional as TF\n"
        "from PIL import Image\n"
        "image = Image.fromarray(np.arange(48 * 64 * 3, dtype=np.uint8).reshape(48, 64, 3))\n"
        "mask = Image.fromarray((np.arange(48 * 64).reshape(48, 64) % 3).astype(np.uint8))\n"
        "i, j, h, w = T.RandomCrop.get_params(image, output_size=(32, 32))\n"
        "image, mask = TF.crop(image, i, j, h, w), TF.crop(mask, i, j, h, w)\n"
        "if torch.rand(1) < 2:\n"
        "    image, mask = TF.hflip(image), TF.hflip(mask)\n"
        "x = TF.normalize(TF.to_tensor(image), [0.5] * 3, [0.5] * 3)\n"
        "y = torch.as_tensor(np.array(mask), dtype=torch.long)\n"
        "print(tuple(x.shape), tuple(y.shape), int(y.max()))\n"
    )
    out = run_torch_script(script)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(3, 32, 32) (32, 32) 2"
