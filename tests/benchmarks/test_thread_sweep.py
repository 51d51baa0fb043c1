"""benchmarks.scaling --threads 1,2,...: the thread sweep's table, figure and results section
(fake rows: measuring is the benchmark's job), and benchmarks.run keeping that section."""

from __future__ import annotations

import argparse

import pytest

from benchmarks import run, thread_sweep


def _rows() -> list[dict]:
    return [
        {"model": m, "threads": t, "matmul_gflops": 100.0 * t, "gn_sps": 1000.0 * t,
         "torch_sps": 800.0 * t, "ratio": 1.25, "gn_gflops": 40.0 * t}
        for m in ("mlp", "seed_cnn") for t in (1, 2)
    ]  # fmt: skip


def test_counts_above_the_cores_are_skipped(capsys):
    assert thread_sweep.usable_counts([1, 2, 4, 8], cores=2) == [1, 2]
    out = capsys.readouterr().out
    assert "threads 4: skipped, this machine has 2 cores" in out and "threads 8" in out


def test_markdown_table_has_the_matmul_rate_of_each_count(tmp_path):
    md = tmp_path / "scaling_threads.md"
    thread_sweep.write_markdown(md, _rows(), ["hdr"])
    text = md.read_text()
    assert "| mlp | 2 | 200 | 2,000 | 1,600 | **1.25x** | 80 (40%) |" in text


def test_results_section_is_replaced_and_other_sections_kept(tmp_path):
    results = tmp_path / "results.md"
    results.write_text("# Benchmark results\n\ntable\n\n## Threads\n\nold\n\n## MPI\n\nkept\n")
    for _ in range(2):
        thread_sweep.update_results(results, tmp_path / "scaling_threads.md", _rows(), "train")
    text = results.read_text()
    assert text.count("## Threads") == 1 and "old" not in text
    assert "| seed_cnn | 1.25x (100 GFLOP/s) | 1.25x (200 GFLOP/s) |" in text
    assert text.startswith("# Benchmark results\n\ntable") and text.endswith("## MPI\n\nkept\n")


def test_png_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "t.png"
    assert thread_sweep.write_png(png, _rows(), "train")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_keeps_the_threads_section(tmp_path):
    pytest.importorskip("torch")
    results = tmp_path / "results.md"
    results.write_text("# old\n\n## Threads\n\nkept\n")
    row = {"model": "mlp", "mode": "train", "gn_sps": 2.0, "torch_sps": 1.0, "ratio": 2.0,
           "gn_ms": 1.0, "torch_ms": 2.0, "gn_gflops": 1.0, "torch_gflops": 0.5, "gn_mb": 1.0,
           "torch_mb": 2.0, "ort_sps": 4.0, "ort_ms": 0.5, "ort_ratio": 0.5, "ort_mb": 3.0}  # fmt: skip
    info = {"cpu": "cpu", "cores": 2, "python": "3", "numpy": "2"}
    args = argparse.Namespace(rounds=1, steps=1, threads=2, batch=128)
    run.write_results(results, [row], info, 100.0, "blas", args)
    text = results.read_text()
    assert text.endswith("## Threads\n\nkept\n")
    assert "| mlp | 2 | 4 | **0.50x** | 3 |" in text
