"""Build glassnet/data/series/ from the datasets shipped in statsmodels' package on PyPI.

    python scripts/make_series.py                 # pip-downloads statsmodels (no deps)
    python scripts/make_series.py --archive FILE  # or use a wheel / sdist you have

Writes four small CSV files and a NOTICE, and prints the SHA-256 of each:

- ``co2_weekly.csv``      Mauna Loa CO2, weekly, 1958-03-29 .. 2001-12-29 (blank = missing)
- ``co2_monthly.csv``     the monthly mean of those weeks; the 5 months with no
                          valid week are linearly interpolated (``n_weeks`` = 0)
- ``sunspots_yearly.csv`` yearly sunspot numbers, 1700 .. 2008
- ``sunspots_monthly.csv`` monthly mean sunspot numbers, 1749-01 .. 2008-12
                          (the provisional months of 2009 are left out)

Only the standard library and NumPy are used; statsmodels is never imported.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

STATSMODELS = "statsmodels==0.15.0"
MEMBERS = {
    "co2": "statsmodels/datasets/co2/co2.csv",
    "sunspots_yearly": "statsmodels/datasets/sunspots/sunspots.csv",
    "sunspots_monthly": "statsmodels/datasets/sunspots/src/sunspots_monthly.dat",
    "license": "LICENSE.txt",
}
OUT = Path(__file__).resolve().parents[1] / "glassnet" / "data" / "series"


def download(folder: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(folder), STATSMODELS]
    subprocess.run(cmd, check=True)
    found = sorted(folder.glob("statsmodels-*"))
    if not found:
        raise SystemExit(f"make_series: pip left no statsmodels archive in {folder}")
    return found[0]


def read_members(archive: Path) -> dict[str, bytes]:
    """The files in MEMBERS from a wheel (zip) or sdist (tar.gz), matched by path suffix."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            read = {n: (lambda n=n: z.read(n)) for n in z.namelist()}
            return _pick(read)
    with tarfile.open(archive) as t:
        read = {m.name: (lambda m=m: t.extractfile(m).read()) for m in t.getmembers() if m.isfile()}
        return _pick(read)


def _pick(read: dict) -> dict[str, bytes]:
    out = {}
    for key, suffix in MEMBERS.items():
        names = [n for n in read if n.endswith(suffix)]
        if key == "license":  # the package's own licence (wheel or sdist), not a vendored one
            own = re.compile(r"^statsmodels-[^/]+(\.dist-info/licenses|\.dist-info)?/LICENSE\.txt$")
            names = [n for n in read if own.match(n)]
        if not names:
            raise SystemExit(f"make_series: the archive has no file ending in {suffix}")
        out[key] = read[names[0]]()
    return out


def co2_tables(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, int]]]:
    weekly = []
    by_month: dict[tuple[int, int], list[float]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        d, v = row["date"], row["co2"].strip()
        weekly.append((f"{d[:4]}-{d[4:6]}-{d[6:8]}", v))
        by_month.setdefault((int(d[:4]), int(d[4:6])), [])
        if v:
            by_month[(int(d[:4]), int(d[4:6]))].append(float(v))
    months = sorted(by_month)
    first, last = months[0], months[-1]
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    if span != len(months):
        raise SystemExit(f"make_series: CO2 months are not contiguous ({len(months)} of {span})")
    means = np.array([np.mean(by_month[m]) if by_month[m] else np.nan for m in months])
    known = ~np.isnan(means)
    t = np.arange(len(means))
    means[~known] = np.interp(t[~known], t[known], means[known])
    monthly = [
        (f"{y:04d}-{m:02d}", f"{v:.3f}", len(by_month[(y, m)])) for (y, m), v in zip(months, means)
    ]
    return weekly, monthly


def sunspots_monthly(text: str) -> list[tuple[str, str]]:
    rows = []
    for line in text.splitlines():
        if not re.match(r"^\d{4}\s", line):
            continue
        fields = line.split()
        year = int(fields[0])
        if year > 2008:  # provisional values ("preliminary after Dec 08")
            continue
        if len(fields) != 13:
            raise SystemExit(f"make_series: sunspot year {year} has {len(fields) - 1} months")
        rows += [(f"{year:04d}-{m:02d}", v) for m, v in enumerate(fields[1:], start=1)]
    return rows


def write_csv(path: Path, header: list[str], rows: list) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode("ascii")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


NOTICE = """\
Real time series embedded in glassnet (glassnet/data/series/), loaded by
glassnet.data.co2() and glassnet.data.sunspots().

Source: the datasets bundled with statsmodels, taken from its package on PyPI
({archive}, SHA-256 {archive_sha256}) by scripts/make_series.py; the CSV files
here are compact copies (CO2 also resampled to monthly means). statsmodels is
distributed under the BSD 3-clause licence (reproduced below); its dataset
modules state the data themselves are public domain.

co2_weekly.csv, co2_monthly.csv -- Mauna Loa Weekly Atmospheric CO2 Data,
  March 1958 - December 2001, ppmv. statsmodels: "This is public domain."
  Data obtained (by statsmodels) from
  http://cdiac.ornl.gov/trends/co2/sio-keel-flask/sio-keel-flaskmlo_c.html
  Citation: Keeling, C.D. and T.P. Whorf. 2004. Atmospheric CO2 concentrations
  derived from flask air samples at sites in the SIO network. In Trends: A
  Compendium of Data on Global Change. Carbon Dioxide Information Analysis
  Center, Oak Ridge National Laboratory, U.S. Department of Energy, Oak Ridge,
  Tennessee, U.S.A.

sunspots_yearly.csv, sunspots_monthly.csv -- yearly (1700-2008) and monthly
  (1749-2008) sunspot numbers from the National Geophysical Data Center
  (NOAA), http://www.ngdc.noaa.gov/stp/solar/solarda3.html.
  statsmodels: "This data is public domain." The monthly file notes that
  February 1824 had no observations and was interpolated from January and
  March of that year.

SHA-256 of the files:
{hashes}
------------------------------------------------------------------------------
statsmodels licence:

{license}"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--archive", type=Path, help="a statsmodels wheel or sdist (default: pip download)"
    )
    ap.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        archive = args.archive or download(Path(tmp))
        archive_sha = hashlib.sha256(archive.read_bytes()).hexdigest()
        files = read_members(archive)
    weekly, monthly = co2_tables(files["co2"].decode("utf-8"))
    yearly = list(csv.reader(io.StringIO(files["sunspots_yearly"].decode("utf-8"))))[1:]
    yearly = [(str(int(float(y))), v) for y, v in yearly]
    args.out.mkdir(parents=True, exist_ok=True)
    hashes = {
        "co2_weekly.csv": write_csv(args.out / "co2_weekly.csv", ["date", "co2"], weekly),
        "co2_monthly.csv": write_csv(
            args.out / "co2_monthly.csv", ["month", "co2", "n_weeks"], monthly
        ),
        "sunspots_yearly.csv": write_csv(
            args.out / "sunspots_yearly.csv", ["year", "sunspots"], yearly
        ),
        "sunspots_monthly.csv": write_csv(
            args.out / "sunspots_monthly.csv",
            ["month", "sunspots"],
            sunspots_monthly(files["sunspots_monthly"].decode("latin-1")),
        ),
    }
    notice = NOTICE.format(
        archive=archive.name,
        archive_sha256=archive_sha,
        hashes="\n".join(f"  {h}  {n}" for n, h in hashes.items()),
        license=files["license"].decode("utf-8").strip(),
    )
    (args.out / "NOTICE").write_text(notice + "\n", encoding="utf-8")
    for name, h in hashes.items():
        print(f"{h}  {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
