"""Write Fashion-MNIST as the files a user brings: an image folder of PNGs and a CSV table.

The default-recipe checks of docs/data.md train on these from the CLI alone:

    PYTHONPATH=. python benchmarks/own_data_files.py runs/own-data
    glassnet train --data runs/own-data/fmnist-png --seed 0              # small-cnn
    glassnet train --data runs/own-data/fmnist-7x7.csv --target label --seed 0   # MLP

    glassnet train --data runs/own-data/fmnist-rgb-jpg --image-size 28 --seed 0  # colour

``fmnist-png/`` has ``train/`` (2,000 images) and ``test/`` (500) folders with one
subfolder per class (random images of the full training and test sets, seeds 1 and 2);
``fmnist-7x7.csv`` has 5,000 training images averaged over 4x4 blocks (49 feature columns
``p0``..``p48``) and a ``label`` column of class names. ``fmnist-rgb-jpg/`` holds the same
images as ``fmnist-png/`` in colour, as a photo folder would: each garment painted in a
random colour on a random darker background, enlarged to 36x36 and saved as JPEG (quality
90), so the colour says nothing about the class and the decoder, the RGB path and the
resizing are all exercised. Needs Pillow and the full
Fashion-MNIST (downloaded, or Debian's ``dataset-fashion-mnist``).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from glassnet.data import datasets

CLASSES = [n.replace("/", "-").replace(" ", "_") for n in datasets.FASHION_MNIST_CLASSES]


def write_folder(root: str, train: int, test: int) -> None:
    from PIL import Image

    for split, n, seed in (("train", train, 1), ("test", test, 2)):
        x, y = datasets.fashion_mnist(split)
        for i in np.random.default_rng(seed).permutation(len(x))[:n]:
            folder = os.path.join(root, split, CLASSES[y[i]])
            os.makedirs(folder, exist_ok=True)
            pixels = (x[i, 0] * 255).round().astype(np.uint8)
            Image.fromarray(pixels, "L").save(os.path.join(folder, f"{i}.png"))


def write_colour_folder(root: str, train: int, test: int) -> None:
    """The images of :func:`write_folder` as 36x36 RGB JPEGs in random colours."""
    from PIL import Image

    for split, n, seed in (("train", train, 1), ("test", test, 2)):
        x, y = datasets.fashion_mnist(split)
        paint = np.random.default_rng(seed + 10)
        for i in np.random.default_rng(seed).permutation(len(x))[:n]:
            folder = os.path.join(root, split, CLASSES[y[i]])
            os.makedirs(folder, exist_ok=True)
            fg = paint.uniform(0.4, 1.0, 3)
            bg = paint.uniform(0.0, 0.35, 3)
            a = x[i, 0][..., None]
            rgb = ((a * fg + (1 - a) * bg) * 255).round().astype(np.uint8)
            img = Image.fromarray(rgb, "RGB").resize((36, 36), Image.BILINEAR)
            img.save(os.path.join(folder, f"{i}.jpg"), quality=90)


def write_table(path: str, rows: int) -> None:
    x, y = datasets.fashion_mnist("train")
    pick = np.random.default_rng(3).permutation(len(x))[:rows]
    small = x[pick, 0].reshape(-1, 7, 4, 7, 4).mean(axis=(2, 4)).reshape(rows, 49)
    lines = [",".join(f"p{i}" for i in range(49)) + ",label"]
    lines += [",".join(f"{v:.4f}" for v in r) + f",{CLASSES[k]}" for r, k in zip(small, y[pick])]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", help="folder to write fmnist-png/ and fmnist-7x7.csv into")
    p.add_argument("--train", type=int, default=2000)
    p.add_argument("--test", type=int, default=500)
    p.add_argument("--rows", type=int, default=5000)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write_folder(os.path.join(args.out, "fmnist-png"), args.train, args.test)
    write_colour_folder(os.path.join(args.out, "fmnist-rgb-jpg"), args.train, args.test)
    write_table(os.path.join(args.out, "fmnist-7x7.csv"), args.rows)
    print(f"wrote {args.out}/fmnist-png/, fmnist-rgb-jpg/ and fmnist-7x7.csv")


if __name__ == "__main__":
    main()
