"""torchvision's ``ImageFolder`` / ``DatasetFolder``: classes, file order, items, errors, and a
torchvision script through ``glassnet run``."""

from __future__ import annotations

import os
import textwrap

import numpy as np
import pytest

from glassnet.testing import run_torch_script
from glassnet.utils.data import DataLoader
from glassnet.vision import datasets, transforms

Image = pytest.importorskip("PIL.Image")


def _png(path: str, value: int, size=(6, 5), mode="L") -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    a = np.full(size, value, dtype=np.uint8)
    Image.fromarray(a).convert(mode).save(path)


@pytest.fixture()
def root(tmp_path):
    r = str(tmp_path / "photos")
    _png(f"{r}/dog/b.png", 10)
    _png(f"{r}/dog/a.PNG", 20)  # upper-case ending counts
    _png(f"{r}/dog/x/z.png", 30)  # in a subfolder of the class folder
    _png(f"{r}/dog/c.png", 40)
    _png(f"{r}/cat/only.png", 50, mode="RGB")
    with open(f"{r}/cat/notes.txt", "w") as f:
        f.write("not an image")
    return r


def test_classes_order_and_items_follow_torchvision(root):
    ds = datasets.ImageFolder(root)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    # each folder's files sorted by name, the folder's own before its subfolders'
    names = [os.path.relpath(p, root) for p, _ in ds.samples]
    assert names == ["cat/only.png", "dog/a.PNG", "dog/b.png", "dog/c.png", "dog/x/z.png"]
    assert ds.targets == [0, 1, 1, 1, 1] and ds.imgs is ds.samples and len(ds) == 5
    img, label = ds[1]
    assert img.mode == "RGB" and img.size == (5, 6) and label == 1
    assert np.asarray(img)[0, 0].tolist() == [20, 20, 20]


def test_transforms_and_a_loader(root):
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5] * 3, [0.5] * 3)])
    ds = datasets.ImageFolder(root, transform=tf, target_transform=lambda t: t * 10)
    x, y = next(iter(DataLoader(ds, batch_size=5)))
    assert tuple(x.shape) == (5, 3, 6, 5) and y.tolist() == [0, 10, 10, 10, 10]
    np.testing.assert_allclose(x.numpy()[1, 0, 0, 0], (20 / 255 - 0.5) / 0.5, rtol=1e-6)


def test_dataset_folder_with_own_loader_and_validity(root):
    ds = datasets.DatasetFolder(root, loader=os.path.getsize, extensions=".txt", allow_empty=True)
    assert [os.path.basename(p) for p, _ in ds.samples] == ["notes.txt"]
    assert ds[0] == (len("not an image"), 0)
    only_b = datasets.ImageFolder(root, is_valid_file=lambda p: p.endswith("b.png"), allow_empty=True)
    assert [os.path.basename(p) for p, _ in only_b.samples] == ["b.png"]


def test_errors_name_the_folder(root, tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        datasets.ImageFolder(str(tmp_path / "missing"))
    os.makedirs(f"{root}/eel")
    with pytest.raises(FileNotFoundError, match=r"eel'?: expected files ending in .*found none"):
        datasets.ImageFolder(root)
    assert datasets.ImageFolder(root, allow_empty=True).classes == ["cat", "dog", "eel"]
    with pytest.raises(ValueError, match="exactly one of extensions and is_valid_file"):
        datasets.DatasetFolder(root, loader=print)


def test_a_torchvision_script_runs_unchanged(root, tmp_path):
    script = tmp_path / "train_folder.py"
    script.write_text(textwrap.dedent(f"""
        import torch
        from torch import nn
        from torchvision import datasets, transforms
        from torchvision.datasets.folder import default_loader

        tf = transforms.Compose([transforms.Resize((4, 4)), transforms.ToTensor()])
        ds = datasets.ImageFolder({root!r}, transform=tf, loader=default_loader)
        loader = torch.utils.data.DataLoader(ds, batch_size=2, shuffle=False)
        model = nn.Sequential(nn.Flatten(), nn.Linear(48, len(ds.classes)))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
        print("classes", ds.classes, "batches", len(loader))
    """))
    out = run_torch_script(script)
    assert out.returncode == 0, out.stderr
    assert "classes ['cat', 'dog'] batches 3" in out.stdout
