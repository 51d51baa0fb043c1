"""``benchmarks.kernels`` runs each case on both paths and prints one table row per case."""

from __future__ import annotations

import pytest

from benchmarks import kernels as bench
from glassnet import kernels


@pytest.mark.skipif(not kernels.available(), reason="numba is not installed")
def test_prints_a_row_per_case_and_restores_the_switch(capsys, monkeypatch):
    monkeypatch.setenv(kernels.ENV, "numpy")
    assert bench.main(["--rounds", "1", "--repeat", "1", "--only", "pool,sgd"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| max-pool") or
            line.startswith("| SGD")]  # fmt: skip
    assert len(rows) == 2 and all(r.rstrip().endswith("x |") for r in rows)
    assert kernels.enabled() is False  # the caller's setting is back


def test_unknown_case_is_a_usage_error():
    with pytest.raises(SystemExit) as e:
        bench.main(["--only", "nope"])
    assert e.value.code == 2
