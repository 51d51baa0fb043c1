"""benchmarks.scaling: the tables, the figure and the Scaling section of results.md (fake rows:
measuring is the benchmark's job, not the tests')."""

from __future__ import annotations

import argparse

import pytest

from benchmarks import run, scaling


def _rows(key: str, values: list[int], models=("mlp", "lstm_attn")) -> list[dict]:
    rows = []
    for m in models:
        for v in values:
            rows.append({
                "model": m, "mode": "train", "batch": v if key == "batch" else 128,
                "width": v if key == "width" else 1, "gn_sps": 1000.0 * v, "torch_sps": 500.0 * v,
                "ratio": 2.0, "gn_gflops": 10.0, "torch_gflops": 5.0, "gn_mb": 3.0 * v,
                "torch_mb": 9.0 * v,
            })  # fmt: skip
    return rows


ARGS = argparse.Namespace(mode="train", batch=128, rounds=1, steps=3)


def test_markdown_has_both_sweeps(tmp_path):
    md = tmp_path / "scaling.md"
    scaling.write_markdown(md, _rows("batch", [32, 64]), _rows("width", [1, 2]), ARGS, ["hdr"])
    text = md.read_text()
    assert "## Batch size (train, width 1)" in text and "## Width (train, batch 128)" in text
    assert "| mlp | 64 | 64,000 | 32,000 | 2.00x | 10 | 192 | 576 |" in text


def test_results_section_is_replaced_not_duplicated(tmp_path):
    results = tmp_path / "results.md"
    results.write_text("# Benchmark results\n\n| model |\n")
    md, png = tmp_path / "scaling.md", tmp_path / "scaling.png"
    for _ in range(2):
        scaling.update_results(results, md, png, _rows("batch", [32]), _rows("width", [2]), ARGS)
    text = results.read_text()
    assert text.count("## Scaling") == 1 and text.startswith("# Benchmark results")
    assert "[scaling.md](scaling.md)" in text and "[scaling.png](scaling.png)" in text
    assert "| mlp | 2.00x, 96/288 MB |" in text


def test_results_sections_after_scaling_are_kept(tmp_path):
    results = tmp_path / "results.md"
    results.write_text("# Benchmark results\n\n## Scaling\n\nold\n\n## MPI\n\nkept\n")
    scaling.update_results(results, tmp_path / "s.md", None, _rows("batch", [32]), [], ARGS)
    text = results.read_text()
    assert "old" not in text and text.endswith("## MPI\n\nkept\n")
    assert text.index("## Scaling") < text.index("## MPI")


def test_run_keeps_the_scaling_section(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    results = tmp_path / "results.md"
    results.write_text("# old\n\n## Scaling\n\nkept\n")
    row = {"model": "mlp", "mode": "train", "gn_sps": 2.0, "torch_sps": 1.0, "ratio": 2.0,
           "gn_ms": 1.0, "torch_ms": 2.0, "gn_gflops": 1.0, "torch_gflops": 0.5, "gn_mb": 1.0,
           "torch_mb": 2.0}  # fmt: skip
    info = {"cpu": "cpu", "cores": 2, "python": "3", "numpy": "2"}
    args = argparse.Namespace(rounds=1, steps=1, threads=2, batch=128)
    run.write_results(results, [row], info, 100.0, "blas", args)
    text = results.read_text()
    assert text.startswith("# Benchmark results") and text.endswith("## Scaling\n\nkept\n")


def test_png_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "scaling.png"
    assert scaling.write_png(png, _rows("batch", [32, 64]), _rows("width", [1, 2]), "train")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _with_parallel(rows: list[dict]) -> list[dict]:
    for r in rows:
        r.update(dp_sps=r["gn_sps"] * 1.5, dp_ratio=3.0, dp_mb=r["gn_mb"] + 1)
    return rows


def test_parallel_columns_in_the_tables_results_and_figure(tmp_path):
    md, results = tmp_path / "scaling.md", tmp_path / "results.md"
    rows = _with_parallel(_rows("batch", [32, 64]))
    scaling.write_markdown(md, rows, [], ARGS, ["hdr"])
    assert "| mlp | 64 | 64,000 | 32,000 | 2.00x | 10 | 192 | 576 | 96,000 | 3.00x | 193 |" in (
        md.read_text()
    )
    scaling.update_results(results, md, None, rows, [], ARGS)
    assert "| mlp | 2.00x (3.00x with DataParallel), 96/288 MB |" in results.read_text()
    pytest.importorskip("matplotlib")
    assert scaling.write_png(tmp_path / "s.png", rows, [], "train")


def test_run_writes_the_dataparallel_table(tmp_path):
    pytest.importorskip("torch")
    results = tmp_path / "results.md"
    row = {"model": "mlp", "mode": "train", "gn_sps": 2.0, "torch_sps": 1.0, "ratio": 2.0,
           "gn_ms": 1.0, "torch_ms": 2.0, "gn_gflops": 1.0, "torch_gflops": 0.5, "gn_mb": 1.0,
           "torch_mb": 2.0, "dp_sps": 3.0, "dp_ms": 0.7, "dp_ratio": 3.0, "dp_gflops": 1.5,
           "dp_mb": 1.5}  # fmt: skip
    info = {"cpu": "cpu", "cores": 2, "python": "3", "numpy": "2"}
    args = argparse.Namespace(rounds=1, steps=1, threads=2, batch=128)
    run.write_results(results, [row], info, 100.0, "blas", args)
    assert "| mlp | train | 3 | **3.00x** | 1.50x | 2 (2%) | 2 |" in results.read_text()
