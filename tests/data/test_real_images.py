"""Real image folders: every format Pillow reads, any extension case, EXIF orientation, modes
with transparency, CMYK and 16 bits, hidden and system files, broken files, empty classes.

Expected pixels come from NumPy arithmetic on the arrays the tests write, or from
the losslessly stored original, never from glassnet's own output.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from glassnet.data import DataError, ImageFolder
from glassnet.data.images import decode_image
from glassnet.data.sources import input_files

Image = pytest.importorskip("PIL.Image")
features = pytest.importorskip("PIL.features")


def pattern(h=6, w=10, seed=0):
    """An RGB array with distinct rows and columns (an orientation error shows)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def chw(a):
    return a.transpose(2, 0, 1).astype(np.float32) / 255


LOSSLESS = [("x.png", {}), ("x.PNG", {}), ("x.bmp", {}), ("x.tif", {}), ("x.TIFF", {}), ("x.ppm", {})]


@pytest.mark.parametrize("name, kwargs", LOSSLESS)
def test_lossless_formats_and_upper_case_extensions_decode_exactly(tmp_path, name, kwargs):
    a = pattern()
    path = str(tmp_path / name)
    Image.fromarray(a).save(path, **kwargs)
    np.testing.assert_allclose(decode_image(path, channels=3), chw(a), atol=1e-7)


def test_webp_lossless_and_gif_palette(tmp_path):
    a = pattern()
    if features.check("webp"):
        Image.fromarray(a).save(tmp_path / "x.WebP", lossless=True)
        np.testing.assert_allclose(decode_image(str(tmp_path / "x.WebP"), channels=3), chw(a), atol=1e-7)
    few = (a // 128 * 255).astype(np.uint8)  # 8 colours: a GIF's palette holds them exactly
    Image.fromarray(few).save(tmp_path / "x.gif")
    np.testing.assert_allclose(decode_image(str(tmp_path / "x.gif"), channels=3), chw(few), atol=1e-7)


def test_exif_orientation_is_applied(tmp_path):
    a = np.kron(pattern(3, 5), np.ones((8, 8, 1), np.uint8))  # 24x40 blocks survive JPEG
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise
    Image.fromarray(a).save(tmp_path / "turned.jpg", quality=95, exif=exif)
    Image.fromarray(a).save(tmp_path / "plain.jpg", quality=95)
    turned = decode_image(str(tmp_path / "turned.jpg"), channels=3)
    plain = decode_image(str(tmp_path / "plain.jpg"), channels=3)
    assert plain.shape == (3, 24, 40) and turned.shape == (3, 40, 24)
    np.testing.assert_allclose(turned, np.rot90(plain, k=-1, axes=(1, 2)), atol=1e-6)
    # the size a folder agrees on is the size shown
    os.makedirs(tmp_path / "f" / "a")
    os.makedirs(tmp_path / "f" / "b")
    os.replace(tmp_path / "turned.jpg", tmp_path / "f" / "a" / "1.jpg")
    Image.fromarray(np.rot90(a, k=-1)).save(tmp_path / "f" / "b" / "1.jpg")
    assert ImageFolder(str(tmp_path / "f")).image_size == (40, 24)


def test_transparency_is_laid_over_white(tmp_path):
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[..., :3] = [200, 40, 0]
    rgba[..., 3] = [[0, 128, 255], [255, 0, 64]]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "x.png")
    alpha = rgba[..., 3:].astype(np.float64) / 255
    want = rgba[..., :3] * alpha + 255 * (1 - alpha)
    got = decode_image(str(tmp_path / "x.png"), channels=3)
    np.testing.assert_allclose(got * 255, want.transpose(2, 0, 1), atol=1.0)
    # LA: grey with alpha; a palette with a transparent entry
    la = np.stack([np.full((2, 3), 10, np.uint8), rgba[..., 3]], axis=-1)
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    want_la = 10 * alpha[..., 0] + 255 * (1 - alpha[..., 0])
    np.testing.assert_allclose(decode_image(str(tmp_path / "la.png"), channels=1)[0] * 255, want_la, atol=1.0)
    p = Image.new("P", (2, 1))
    p.putpalette([0, 0, 0, 255, 0, 0])
    p.putpixel((0, 0), 0)
    p.putpixel((1, 0), 1)
    p.info["transparency"] = 0
    p.save(tmp_path / "p.png", transparency=0)
    np.testing.assert_allclose(decode_image(str(tmp_path / "p.png"), channels=3)[:, 0], [[1, 1], [1, 0], [1, 0]])


def test_cmyk_and_16_bit_images(tmp_path):
    a = pattern()
    Image.fromarray(a).convert("CMYK").save(tmp_path / "c.tif")  # lossless CMYK
    np.testing.assert_allclose(decode_image(str(tmp_path / "c.tif"), channels=3), chw(a), atol=1.5 / 255)
    grey = np.arange(0, 65536, 4096, dtype=np.uint16).reshape(4, 4)
    Image.fromarray(grey).save(tmp_path / "g16.png")
    np.testing.assert_allclose(decode_image(str(tmp_path / "g16.png"), channels=1)[0], grey / 65535, atol=1e-6)


def test_hidden_and_system_files_are_skipped(tmp_path):
    root = tmp_path / "pets"
    for cls in ("cat", "dog"):
        os.makedirs(root / cls / "@eaDir")
        for i in range(2):
            Image.fromarray(pattern(seed=i)).save(root / cls / f"{i}.JPG")
        Image.fromarray(pattern()).save(root / cls / "@eaDir" / "SYNOPHOTO_THUMB_M.jpg")
        (root / cls / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
        (root / cls / "._0.JPG").write_bytes(b"\0\5\26\7 AppleDouble")  # macOS resource fork
        (root / cls / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
        (root / cls / "desktop.ini").write_text("[.ShellClassInfo]")
    os.makedirs(root / "__MACOSX" / "cat")
    (root / "__MACOSX" / "cat" / "._0.JPG").write_bytes(b"\0\5\26\7")
    ds = ImageFolder(str(root))
    assert ds.classes == ["cat", "dog"]
    assert [os.path.relpath(p, root) for p, _ in ds.samples] == [
        os.path.join("cat", "0.JPG"), os.path.join("cat", "1.JPG"),
        os.path.join("dog", "0.JPG"), os.path.join("dog", "1.JPG"),
    ]  # fmt: skip
    assert len(input_files(str(root))) == 4


@pytest.mark.parametrize("name", ["broken.webp", "broken.JPG", "broken.png"])
def test_a_broken_file_is_an_error_naming_it(tmp_path, name):
    for cls in ("a", "b"):
        os.makedirs(tmp_path / "f" / cls)
        Image.fromarray(pattern()).save(tmp_path / "f" / cls / "ok.png")
    (tmp_path / "f" / "b" / name).write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    kind = "PNG/JPEG" if name.lower().endswith((".png", ".jpg")) else "WEBP"
    with pytest.raises(DataError, match=rf"{name.replace('.', '[.]')}'?: not a readable {kind} image .*"
                       r"remove or replace this one"):  # fmt: skip
        ImageFolder(str(tmp_path / "f"))


def test_an_empty_or_unreadable_class_folder_says_what_it_holds(tmp_path):
    os.makedirs(tmp_path / "f" / "a")
    Image.fromarray(pattern()).save(tmp_path / "f" / "a" / "ok.png")
    os.makedirs(tmp_path / "f" / "b")
    with pytest.raises(DataError, match=r"[/\\]b'?: class folder holds no images \(it is empty\).*remove the folder"):
        ImageFolder(str(tmp_path / "f"))
    (tmp_path / "f" / "b" / "IMG_0001.HEIC").write_bytes(b"\0\0\0\x18ftypheic")
    with pytest.raises(DataError, match=r"holds no images \(it holds 1 other file\(s\), e\.g\. 'IMG_0001\.HEIC'\)"):
        ImageFolder(str(tmp_path / "f"))


def test_mixed_modes_in_one_folder_share_three_channels(tmp_path):
    a = pattern()
    for cls, convert in (("a", "L"), ("b", "P")):
        os.makedirs(tmp_path / "f" / cls)
        Image.fromarray(a).convert(convert).save(tmp_path / "f" / cls / "1.png")
        Image.fromarray(a).save(tmp_path / "f" / cls / "2.bmp")
    ds = ImageFolder(str(tmp_path / "f"))
    x, y = ds.arrays()
    assert ds.channels == 3 and x.shape == (4, 3, 6, 10)
    np.testing.assert_allclose(x[1], chw(a), atol=1e-7)  # a/2.bmp
    grey = np.asarray(Image.fromarray(a).convert("L"), np.float32) / 255
    np.testing.assert_allclose(x[0], np.repeat(grey[None], 3, axis=0), atol=1e-7)  # L -> RGB
