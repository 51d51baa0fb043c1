"""Build glassnet/data/sample/: a class-balanced subset of the real Fashion-MNIST.

    python scripts/make_sample.py                   # finds (or downloads) the full set
    python scripts/make_sample.py --source DIR      # the four official *-ubyte.gz files in DIR
    python scripts/make_sample.py --no-download --out /tmp/sample

Picks 600 training images per class (6,000) and 100 test images per class
(1,000) with a seeded generator, keeps them in their original order, and
writes them as gzipped IDX files with the official names, plus the licence,
a NOTICE and SHA256SUMS. The full set is checked first against the SHA-256 of
its decompressed content, so the same input always gives the same sample; the
gzip output is byte-identical for the same zlib (its version is recorded in
SHA256SUMS). Prints the SHA-256 of every file it writes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from glassnet.data import datasets  # noqa: E402
from glassnet.data.idx import read_idx, write_idx  # noqa: E402

SEED = 20170828  # the day Fashion-MNIST was published
PER_CLASS = {"train": 600, "test": 100}
OUT = ROOT / "glassnet" / "data" / "sample"

LICENSE = """\
The MIT License (MIT)

Copyright (c) 2017 Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

NOTICE = """\
glassnet/data/sample/ holds a class-balanced subset of Fashion-MNIST
(https://github.com/zalandoresearch/fashion-mnist), Copyright (c) 2017
Zalando SE, used under the MIT licence in LICENSE next to this file.

Han Xiao, Kashif Rasul, Roland Vollgraf. Fashion-MNIST: a Novel Image Dataset
for Benchmarking Machine Learning Algorithms. arXiv:1708.07747, 2017.

Contents: 600 training images per class (6,000) and 100 test images per class
(1,000), drawn without replacement with numpy.random.default_rng({seed}) and
kept in their original order, stored as gzipped IDX files with the official
file names. Rebuild with: python scripts/make_sample.py
"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_files(source: Path | None, download: bool) -> dict[str, Path]:
    """The four full-set files, checked against the SHA-256 of their content."""
    spec = datasets.FASHION_MNIST
    paths = {}
    for role in datasets._ROLES:
        if source is not None:
            found = datasets._find(spec, role, [source])
            if found is None:
                raise FileNotFoundError(
                    f"make_sample: {spec.files[role].name} not found in {source}"
                )
        else:
            found = datasets._locate("make_sample", spec, role, None, download, None)
        paths[role] = found
    return paths


def select(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(picks))


def build(out: Path, source: Path | None = None, download: bool = True) -> dict[str, str]:
    """Write the sample into ``out``; return ``{file name: sha256}`` of what was written."""
    spec = datasets.FASHION_MNIST
    paths = source_files(source, download)
    arrays = {}
    for role, path in paths.items():
        arr = read_idx(path)
        header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
        got = sha256(header + arr.tobytes())
        if got != spec.raw_sha256[role]:
            raise SystemExit(
                f"make_sample: {path} is not the official Fashion-MNIST {role}: content "
                f"SHA-256 {got}, expected {spec.raw_sha256[role]}"
            )
        arrays[role] = arr
    rng = np.random.default_rng(SEED)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for split in ("train", "test"):
        idx = select(arrays[f"{split}_labels"], PER_CLASS[split], rng)
        for role in (f"{split}_images", f"{split}_labels"):
            name = spec.files[role].name
            write_idx(out / name, arrays[role][idx], compresslevel=9)
            written[name] = sha256((out / name).read_bytes())
    (out / "LICENSE").write_text(LICENSE, encoding="ascii")
    (out / "NOTICE").write_text(NOTICE.format(seed=SEED), encoding="ascii")
    sums = "".join(f"{h}  {n}\n" for n, h in written.items())
    (out / "SHA256SUMS").write_text(
        f"# gzip by zlib {zlib.ZLIB_VERSION}\n" + sums, encoding="ascii"
    )
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, help="folder with the four official files")
    ap.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    ap.add_argument("--no-download", action="store_true", help="fail instead of downloading")
    args = ap.parse_args(argv)
    written = build(args.out, args.source, download=not args.no_download)
    for name, h in written.items():
        print(f"{h}  {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
