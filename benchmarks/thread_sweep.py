"""Throughput against thread count, glassnet vs PyTorch: ``benchmarks.scaling --threads 1,2,4``.

Each thread count is one point. At each point both frameworks get that many threads
(``torch.set_num_threads``; the BLAS and OpenMP variables for glassnet's workers) and are
measured like ``benchmarks.run`` (one process per framework, alternating for
``--rounds`` rounds, batch ``--batch``, width 1). The float32 matmul rate is measured
at every thread count too, since it is what the ratio should be read against. Counts
above the machine's cores are skipped with a message: they would measure
oversubscription, not the frameworks.

Writes ``benchmarks/scaling_threads.md`` (the table), ``benchmarks/scaling_threads.png``
(samples/s against threads; needs matplotlib) and the "Threads" section of
``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ._report import pyplot, replace_section, save_figure, utc_now, write_atomic
from .models import forward_flops
from .run import matmul_rate, measure, worker_env

HERE = Path(__file__).resolve().parent
SECTION = "## Threads"

__all__ = ["usable_counts", "sweep_threads", "write_markdown", "write_png", "update_results"]


def usable_counts(counts: list[int], cores: int) -> list[int]:
    """The counts that fit the machine's ``cores``; each skipped one is printed."""
    kept = [c for c in counts if c <= cores]
    for c in counts:
        if c > cores:
            print(f"threads {c}: skipped, this machine has {cores} cores")
    return kept


def _point(model: str, threads: int, args: argparse.Namespace) -> dict[str, Any]:
    env = worker_env(threads, args.keep_openblas_env)
    gflops, _ = matmul_rate(env)
    frameworks = ("glassnet", "glassnet-dp", "torch") if args.parallel else ("glassnet", "torch")
    r = measure(model, args.mode, batch=args.batch, steps=args.steps, rounds=args.rounds,
                threads=threads, width=1, env=env, frameworks=frameworks)  # fmt: skip
    g, t = r["glassnet"], r["torch"]
    flops = forward_flops(model) * (3 if args.mode == "train" else 1) * args.batch
    row = {
        "model": model, "threads": threads, "matmul_gflops": gflops,
        "gn_sps": g["samples_per_s"], "torch_sps": t["samples_per_s"],
        "ratio": g["samples_per_s"] / t["samples_per_s"],
        "gn_gflops": flops / g["median_s"] / 1e9,
    }  # fmt: skip
    dp = r.get("glassnet-dp")
    if dp is not None:
        row.update(dp_sps=dp["samples_per_s"], dp_ratio=dp["samples_per_s"] / t["samples_per_s"])
    print(
        f"{model:12s} threads {threads:2d} (matmul {gflops:.0f} GFLOP/s): glassnet"
        f" {row['gn_sps']:8.0f}/s torch {row['torch_sps']:8.0f}/s ratio {row['ratio']:.2f}x"
        + (f"; DataParallel {row['dp_ratio']:.2f}x" if dp is not None else ""),
        flush=True,
    )
    return row


def sweep_threads(args: argparse.Namespace, counts: list[int]) -> list[dict[str, Any]]:
    """One row per model and thread count (the thread counts innermost)."""
    models = [m for m in args.models.split(",") if m]
    return [_point(m, c, args) for m in models for c in counts]


def write_markdown(path: Path, rows: list[dict[str, Any]], header: list[str]) -> None:
    par = any("dp_sps" in r for r in rows)
    lines = ["# Scaling: threads", "", *header, "",
             "| model | threads | matmul GFLOP/s | glassnet samples/s | PyTorch samples/s | ratio |"
             " glassnet GFLOP/s (% of matmul) |" + (" DataParallel ratio |" if par else ""),
             "|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if par else "")]  # fmt: skip
    for r in rows:
        pct = 100 * r["gn_gflops"] / r["matmul_gflops"]
        dp = f" {r['dp_ratio']:.2f}x |" if "dp_ratio" in r else (" |" if par else "")
        lines.append(
            f"| {r['model']} | {r['threads']} | {r['matmul_gflops']:.0f} | {r['gn_sps']:,.0f} | "
            f"{r['torch_sps']:,.0f} | **{r['ratio']:.2f}x** | {r['gn_gflops']:.0f} ({pct:.0f}%) |"
            + dp
        )
    write_atomic(path, "\n".join(lines) + "\n")


def write_png(path: Path, rows: list[dict[str, Any]], mode: str) -> bool:
    """samples/s against threads, one panel per model; False when matplotlib is missing."""
    plt = pyplot()
    if plt is None:
        return False
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, axes = plt.subplots(1, len(models), figsize=(3.6 * len(models), 3.0), squeeze=False)
    for ax, m in zip(axes[0], models):
        pts = [r for r in rows if r["model"] == m]
        xs = [r["threads"] for r in pts]
        ax.plot(xs, [r["gn_sps"] for r in pts], "o-", label="glassnet")
        if all("dp_sps" in r for r in pts):
            ax.plot(xs, [r["dp_sps"] for r in pts], "^-", label="glassnet, DataParallel")
        ax.plot(xs, [r["torch_sps"] for r in pts], "s--", label="PyTorch")
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs)
        ax.set_xticklabels([str(x) for x in xs])
        ax.set_title(f"{m} ({mode})", fontsize=10)
        ax.set_xlabel("threads")
        ax.set_ylabel("samples/s")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
    return True


def update_results(results: Path, md: Path, rows: list[dict[str, Any]], mode: str) -> None:
    """Replace (or append) the "Threads" section of ``results.md``; other sections stay."""
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    text, after = replace_section(text, SECTION)
    counts = list(dict.fromkeys(r["threads"] for r in rows))
    rel = os.path.relpath(md, results.parent)
    lines = [SECTION, "",
             f"From `python -m benchmarks.scaling --mode {mode} --threads"
             f" {','.join(map(str, counts))}` ({utc_now()}); table in [{rel}]({rel}). Speed ratio"
             " (glassnet / PyTorch samples per second), with the matmul rate at that thread"
             " count:", "",
             "| model | " + " | ".join(f"{c} thread{'s' * (c > 1)}" for c in counts) + " |",
             "|---|" + "---:|" * len(counts)]  # fmt: skip
    for m in dict.fromkeys(r["model"] for r in rows):
        cells = []
        for c in counts:
            r = next(r for r in rows if r["model"] == m and r["threads"] == c)
            cells.append(f"{r['ratio']:.2f}x ({r['matmul_gflops']:.0f} GFLOP/s)")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    body = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    write_atomic(results, body + ("\n" + after if after else ""))
