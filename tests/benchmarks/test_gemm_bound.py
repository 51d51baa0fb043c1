"""benchmarks.gemm_bound: every model's products are listed with sane shapes, and the table sums
each product times its count per step (torch needed for the timings)."""

from __future__ import annotations

import pytest

from benchmarks import gemm_bound
from benchmarks.models import MODELS


def test_shapes_name_benchmark_models_and_positive_sizes():
    assert set(gemm_bound.SHAPES) <= set(MODELS)
    for rows in gemm_bound.SHAPES.values():
        for what, (m, k, n), count in rows:
            assert what and min(m, k, n) > 0 and count >= 1


def test_table_sums_each_product_times_its_count(monkeypatch):
    pytest.importorskip("torch")
    times = iter([(1.0, 2.0), (0.5, 0.25)])
    monkeypatch.setattr(gemm_bound, "time_shape", lambda mkn, repeat: next(times))
    monkeypatch.setitem(gemm_bound.SHAPES, "mlp", [("a", (4, 5, 6), 1), ("b", (2, 3, 4), 3)])
    rows, total_np, total_torch = gemm_bound.table("mlp", repeat=1)
    assert len(rows) == 2 and rows[0].startswith("| a | 4 x 5 x 6 | 1 |")
    assert total_np == pytest.approx(1.0 + 3 * 0.5)
    assert total_torch == pytest.approx(2.0 + 3 * 0.25)


def test_time_shape_returns_two_positive_medians():
    pytest.importorskip("torch")
    np_ms, torch_ms = gemm_bound.time_shape((8, 4, 3), repeat=2)
    assert np_ms > 0 and torch_ms > 0
