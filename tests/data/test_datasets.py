"""Ready-made datasets: the embedded sample, the real Fashion-MNIST when installed, CO2, sunspots."""

from __future__ import annotations

import hashlib
import importlib.util
import zlib
from pathlib import Path

import numpy as np
import pytest

from glassnet.data import (
    FASHION_MNIST_CLASSES,
    DataLoader,
    TensorDataset,
    co2,
    datasets,
    fashion_mnist,
    load_data,
    mnist,
    read_idx,
    split_by_time,
    sunspots,
    windows,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "glassnet" / "data" / "sample"
SERIES = ROOT / "glassnet" / "data" / "series"
DEBIAN = Path("/usr/share/datasets/fashion-mnist")


def _script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------- the sample
def test_sample_is_balanced_and_well_formed():
    (x, y), (xt, yt) = load_data("fashion_mnist", sample=True)
    assert x.shape == (6000, 1, 28, 28) and xt.shape == (1000, 1, 28, 28)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [600] * 10 and np.bincount(yt).tolist() == [100] * 10
    assert 0.0 == x.min() and x.max() == 1.0
    assert len(FASHION_MNIST_CLASSES) == 10 and FASHION_MNIST_CLASSES[9] == "Ankle boot"
    # real photographs: no duplicated images, plenty of grey levels
    flat = x.reshape(6000, -1)
    assert len(np.unique(flat, axis=0)) == 6000
    assert len(np.unique(flat)) == 256


def test_sample_uint8_and_loader():
    x, y = fashion_mnist("test", sample=True, dtype=np.uint8)
    assert x.dtype == np.uint8 and x.max() == 255
    xb, yb = next(iter(DataLoader(TensorDataset(x, y), batch_size=32)))
    assert xb.shape == (32, 1, 28, 28) and yb.dtype == np.int64


def test_sample_files_match_their_checksums_and_carry_the_licence():
    lines = (SAMPLE / "SHA256SUMS").read_text().splitlines()
    sums = dict(reversed(line.split("  ")) for line in lines if not line.startswith("#"))
    assert len(sums) == 4
    for name, digest in sums.items():
        assert hashlib.sha256((SAMPLE / name).read_bytes()).hexdigest() == digest, name
    assert "Zalando SE" in (SAMPLE / "LICENSE").read_text()
    assert (
        "MIT" in (SAMPLE / "LICENSE").read_text()
        and "Fashion-MNIST" in (SAMPLE / "NOTICE").read_text()
    )


def test_make_sample_reproduces_the_shipped_sample(tmp_path, monkeypatch):
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    make_sample = _script("make_sample")
    try:
        make_sample.source_files(None, download=False)
    except FileNotFoundError:
        pytest.skip("the full Fashion-MNIST is not on this machine")
    written = make_sample.build(tmp_path, download=False)
    recorded = (SAMPLE / "SHA256SUMS").read_text().splitlines()[0]
    for name in written:
        np.testing.assert_array_equal(read_idx(tmp_path / name), read_idx(SAMPLE / name))
        if recorded == f"# gzip by zlib {zlib.ZLIB_VERSION}":
            assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    for name in ("LICENSE", "NOTICE", "SHA256SUMS"):
        if name != "SHA256SUMS" or recorded == f"# gzip by zlib {zlib.ZLIB_VERSION}":
            assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_no_mnist_sample():
    with pytest.raises(ValueError, match="no embedded sample"):
        datasets._load("mnist", "mnist", "train", root=None, download=False, sample=True,
                       dtype=np.float32, base_url=None)  # fmt: skip


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: fashion_mnist("val", sample=True),
            "fashion_mnist: split must be 'train' or 'test', got 'val'",
        ),
        (
            lambda: fashion_mnist(sample=True, dtype=np.int32),
            "dtype must be float32, float64 or uint8, got int32",
        ),
        (lambda: load_data("cifar"), "load_data: name must be one of"),
        (lambda: mnist("all"), "mnist: split must be 'train' or 'test', got 'all'"),
    ],
)
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------ the real Fashion-MNIST
@pytest.mark.skipif(not DEBIAN.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_test_split_from_the_system_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    x, y = fashion_mnist("test", download=False)
    assert x.shape == (10000, 1, 28, 28)
    assert np.bincount(y).tolist() == [1000] * 10
    # the sample's test images are real test images
    xs, _ = fashion_mnist("test", sample=True)
    assert np.isin(xs[:5].reshape(5, -1).sum(1), x.reshape(10000, -1).sum(1)).all()


# ----------------------------------------------------------------- time series
def test_co2_monthly_has_a_season_that_seasonal_naive_exploits():
    dates, values = co2(return_dates=True)
    assert values.shape == (526,) and not np.isnan(values).any()
    assert str(dates[0]) == "1958-03" and str(dates[-1]) == "2001-12"
    assert values[-12:].mean() - values[:12].mean() > 50  # the trend: ~315 -> ~370 ppmv
    train, _, test = split_by_time(values, val=0.1, test=0.2)
    X, Y = windows(test, input_len=12, horizon=12)
    naive = np.repeat(X[:, -1:, :], 12, axis=1)  # repeat the last value
    seasonal = X  # the same month one season (12 steps) earlier
    mae = lambda p: np.abs(p - Y).mean()  # noqa: E731
    assert mae(seasonal) < 0.8 * mae(naive)  # 1.75 vs 2.65 ppmv: the season is real
    assert len(train) == 368


def test_co2_weekly_and_sunspots():
    dates, weekly = co2(frequency="weekly", return_dates=True)
    assert weekly.shape == (2284,) and np.isnan(weekly).sum() == 59
    assert str(dates[0]) == "1958-03-29"
    years, yearly = sunspots(return_dates=True)
    assert yearly.shape == (309,) and str(years[0]) == "1700" and str(years[-1]) == "2008"
    monthly = sunspots(frequency="monthly")
    assert monthly.shape == (3120,) and (monthly >= 0).all()
    # yearly numbers are close to the mean of the months (same source, rounded)
    by_year = monthly.reshape(-1, 12).mean(1)
    assert np.abs(by_year - yearly[49:]).mean() < 1.0
    with pytest.raises(
        ValueError, match="co2: frequency must be one of \\('monthly', 'weekly'\\), got 'daily'"
    ):
        co2(frequency="daily")
    with pytest.raises(ValueError, match="sunspots: frequency must be one of"):
        sunspots(frequency="weekly")


def test_series_files_match_the_notice_and_cite_the_source():
    notice = (SERIES / "NOTICE").read_text()
    for name in (
        "co2_weekly.csv",
        "co2_monthly.csv",
        "sunspots_yearly.csv",
        "sunspots_monthly.csv",
    ):
        digest = hashlib.sha256((SERIES / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in notice
    assert "Keeling" in notice and "public domain" in notice and "BSD" in notice


def test_make_series_parsers():
    make_series = _script("make_series")
    weekly, monthly = make_series.co2_tables(
        "date,co2\n19580301,1\n19580308,3\n19580405,\n19580503,9\n"
    )
    assert weekly[2] == ("1958-04-05", "")
    assert monthly == [("1958-03", "2.000", 2), ("1958-04", "5.500", 0), ("1958-05", "9.000", 1)]
    rows = make_series.sunspots_monthly(
        "Year Jan ...\n1749 " + " ".join(["1.0"] * 12) + "\n\n2009 1.5 1.4\nNote: x\n"
    )
    assert len(rows) == 12 and rows[0] == ("1749-01", "1.0")
