"""Throughput and peak memory against batch size and model width, glassnet vs PyTorch.

``python -m benchmarks.scaling [--models seed_cnn,seed_cnn_bn,mlp,lstm_attn] [--mode train]``

Two sweeps, each point measured like ``benchmarks.run`` (one process per
framework and configuration, alternating the frameworks for ``--rounds``
rounds, same threads for both, ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE``
removed unless ``--keep-openblas-env``):

- batch size ``--batches`` (default 32, 64, 128, 256, 512) at width 1, every model;
- width ``--widths`` (default 1, 2, 4) at batch ``--batch`` (128) for the models
  that have one: the seed CNN's conv channels (32w, 64w), the MLP's hidden
  layers (512w, 256w) and the LSTM's hidden size (128w).

``--threads 1,2,4,8,16`` (more than one count) runs a third sweep instead of these
two: throughput against thread count at batch ``--batch``, both frameworks at each
count, the matmul rate measured at each (``benchmarks/thread_sweep.py``; writes
``scaling_threads.md``/``.png`` and the "Threads" section of ``results.md``).

``--parallel`` also measures glassnet wrapped in ``nn.DataParallel`` (the batch
sliced over ``--threads`` threads, as ``benchmarks.run`` does) at every point.

Writes ``benchmarks/scaling.md`` (the tables), ``benchmarks/scaling.png`` (the
curves; needs matplotlib, the ``plot`` extra) and refreshes the "Scaling"
section of ``benchmarks/results.md`` (a summary and links), so ``results.md``
always points at the latest curves.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ._report import pyplot, replace_section, save_figure, utc_now, write_atomic
from .models import MODELS, forward_flops
from .run import measure, worker_env

HERE = Path(__file__).resolve().parent

#: Models whose ``width`` argument means something (see ``benchmarks.models``).
WIDTH_MODELS = ("seed_cnn", "mlp", "lstm_attn")

__all__ = ["sweep", "write_markdown", "write_png", "update_results", "main"]


def _point(model: str, mode: str, batch: int, width: int, args: argparse.Namespace,
           env: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    steps = args.steps if batch * width <= 256 else max(5, args.steps // 2)
    frameworks = ("glassnet", "glassnet-dp", "torch") if args.parallel else ("glassnet", "torch")
    r = measure(model, mode, batch=batch, steps=steps, rounds=args.rounds, threads=args.threads,
                width=width, env=env, frameworks=frameworks)  # fmt: skip
    g, t = r["glassnet"], r["torch"]
    flops = forward_flops(model, width) * (3 if mode == "train" else 1) * batch
    row = {
        "model": model, "mode": mode, "batch": batch, "width": width,
        "gn_sps": g["samples_per_s"], "torch_sps": t["samples_per_s"],
        "ratio": g["samples_per_s"] / t["samples_per_s"],
        "gn_gflops": flops / g["median_s"] / 1e9, "torch_gflops": flops / t["median_s"] / 1e9,
        "gn_mb": g["peak_mb"], "torch_mb": t["peak_mb"],
    }  # fmt: skip
    dp = r.get("glassnet-dp")
    if dp is not None:
        row.update(dp_sps=dp["samples_per_s"], dp_mb=dp["peak_mb"],
                   dp_ratio=dp["samples_per_s"] / t["samples_per_s"])  # fmt: skip
    print(
        f"{model:12s} {mode:5s} batch {batch:4d} width {width}: glassnet {row['gn_sps']:8.0f}/s"
        f" torch {row['torch_sps']:8.0f}/s ratio {row['ratio']:.2f}x, peak"
        f" {row['gn_mb']:.0f} vs {row['torch_mb']:.0f} MB"
        + (f"; DataParallel {row['dp_sps']:8.0f}/s {row['dp_ratio']:.2f}x" if dp else ""),
        flush=True,
    )
    return row


def sweep(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The batch-size rows and the width rows."""
    env = worker_env(args.threads, args.keep_openblas_env)
    models = [m for m in args.models.split(",") if m]
    batches = [int(b) for b in args.batches.split(",") if b]
    widths = [int(w) for w in args.widths.split(",") if w]
    by_batch = [_point(m, args.mode, b, 1, args, env) for m in models for b in batches]
    cached = {(r["model"], r["batch"]): r for r in by_batch}
    by_width = []
    for m in models:
        if m not in WIDTH_MODELS:
            continue
        for w in widths:
            hit = cached.get((m, args.batch)) if w == 1 else None
            by_width.append(
                hit if hit is not None else _point(m, args.mode, args.batch, w, args, env)
            )
    return by_batch, by_width


def _table(rows: list[dict[str, Any]], key: str) -> list[str]:
    head = "batch" if key == "batch" else "width"
    par = any("dp_sps" in r for r in rows)
    extra = " DataParallel samples/s | ratio | DataParallel peak MB |" if par else ""
    lines = [
        f"| model | {head} | glassnet samples/s | PyTorch samples/s | ratio | glassnet GFLOP/s |"
        " glassnet peak MB | PyTorch peak MB |" + extra,
        "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if par else ""),
    ]
    for r in rows:
        cells = (
            f" {r['dp_sps']:,.0f} | {r['dp_ratio']:.2f}x | {r['dp_mb']:.0f} |"
            if "dp_sps" in r
            else (" | | |" if par else "")
        )
        lines.append(
            f"| {r['model']} | {r[key]} | {r['gn_sps']:,.0f} | {r['torch_sps']:,.0f} | "
            f"{r['ratio']:.2f}x | {r['gn_gflops']:.0f} | {r['gn_mb']:.0f} | {r['torch_mb']:.0f} |"
            + cells
        )
    return lines


def write_markdown(path: Path, by_batch: list, by_width: list, args: argparse.Namespace,
                   header: list[str]) -> None:  # fmt: skip
    lines = ["# Scaling: batch size and width", "", *header, ""]
    lines += [f"## Batch size ({args.mode}, width 1)", "", *_table(by_batch, "batch"), ""]
    if by_width:
        lines += [f"## Width ({args.mode}, batch {args.batch})", "",
                  "Width multiplies the seed CNN's conv channels (32w, 64w), the MLP's hidden"
                  " layers (512w, 256w) and the LSTM's hidden size (128w).", "",
                  *_table(by_width, "width"), ""]  # fmt: skip
    lines += ["Peak MB: peak resident memory of the process minus its resident memory after the"
              " framework was imported (model, batches and step).", ""]  # fmt: skip
    write_atomic(path, "\n".join(lines))


def write_png(path: Path, by_batch: list, by_width: list, mode: str) -> bool:
    """The curves as one figure; False (and a message) when matplotlib is missing."""
    plt = pyplot()
    if plt is None:
        return False
    models = list(dict.fromkeys(r["model"] for r in by_batch))
    wmodels = list(dict.fromkeys(r["model"] for r in by_width))
    ncols = max(len(models), 1)
    nrows = 4 if wmodels else 2
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.9 * nrows), squeeze=False)
    panels = [(by_batch, models, "batch", "batch size", 0)]
    if wmodels:
        panels.append((by_width, wmodels, "width", "width multiplier", 2))
    for rows, names, key, label, row0 in panels:
        for j in range(ncols):
            ax_s, ax_m = axes[row0, j], axes[row0 + 1, j]
            if j >= len(names):
                ax_s.axis("off")
                ax_m.axis("off")
                continue
            pts = [r for r in rows if r["model"] == names[j]]
            xs = [r[key] for r in pts]
            series = [("gn", "o-", "glassnet"), ("torch", "s--", "PyTorch")]
            if all("dp_sps" in r for r in pts):
                series.insert(1, ("dp", "^-", "glassnet, DataParallel"))
            for fw, style, name in series:
                ax_s.plot(xs, [r[f"{fw}_sps"] for r in pts], style, label=name)
                ax_m.plot(xs, [r[f"{fw}_mb"] for r in pts], style, label=name)
            for ax in (ax_s, ax_m):
                ax.set_xscale("log", base=2)
                ax.set_xticks(xs)
                ax.set_xticklabels([str(x) for x in xs])
                ax.grid(alpha=0.3)
            ax_s.set_title(f"{names[j]} ({mode})", fontsize=10)
            ax_s.set_ylabel("samples/s")
            ax_m.set_ylabel("peak MB")
            ax_m.set_xlabel(label)
            ax_s.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
    return True


SECTION = "## Scaling"


def update_results(results: Path, md: Path, png: Path | None, by_batch: list, by_width: list,
                   args: argparse.Namespace) -> None:  # fmt: skip
    """Replace (or add) the "Scaling" section of ``results.md`` with a summary and links;
    the sections after it are kept."""
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    text, after = replace_section(text, SECTION)
    text = text.rstrip("\n") + "\n"
    rel = os.path.relpath(md, results.parent)
    lines = ["", SECTION, "",
             f"From `python -m benchmarks.scaling --mode {args.mode}"
             f"{' --parallel' if getattr(args, 'parallel', False) else ''}` ({utc_now()}); full tables in"
             f" [{rel}]({rel})" + (f", curves in [{os.path.relpath(png, results.parent)}]"
                                  f"({os.path.relpath(png, results.parent)})" if png else "") + ".",
             "", "Speed ratio (glassnet / PyTorch samples per second) and peak MB (glassnet /"
             " PyTorch):", ""]  # fmt: skip
    for rows, key in ((by_batch, "batch"), (by_width, "width")):
        if not rows:
            continue
        keys = list(dict.fromkeys(r[key] for r in rows))
        lines.append("| model | " + " | ".join(f"{key} {k}" for k in keys) + " |")
        lines.append("|---|" + "---:|" * len(keys))
        for m in dict.fromkeys(r["model"] for r in rows):
            cells = []
            for k in keys:
                r = next((r for r in rows if r["model"] == m and r[key] == k), None)
                dp = (f" ({r['dp_ratio']:.2f}x with DataParallel)"
                      if r is not None and "dp_ratio" in r else "")  # fmt: skip
                cells.append("" if r is None else
                             f"{r['ratio']:.2f}x{dp}, {r['gn_mb']:.0f}/{r['torch_mb']:.0f} MB")  # fmt: skip
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines.append("")
    write_atomic(results, text + "\n".join(lines) + ("\n" + after if after else ""))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--mode", choices=("train", "infer"), default="train")
    p.add_argument("--batches", default="32,64,128,256,512")
    p.add_argument("--widths", default="1,2,4")
    p.add_argument("--batch", type=int, default=128, help="batch size of the width sweep")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--threads", default="2",
                   help="threads for both frameworks; several (1,2,4) run the thread sweep")  # fmt: skip
    p.add_argument("--keep-openblas-env", action="store_true")
    p.add_argument("--parallel", action="store_true",
                   help="also measure glassnet in nn.DataParallel(threads=--threads)")  # fmt: skip
    p.add_argument("--out", default=str(HERE / "scaling.md"))
    p.add_argument("--png", default=str(HERE / "scaling.png"))
    p.add_argument("--results", default=str(HERE / "results.md"),
                   help="results file whose Scaling section is refreshed ('' to skip)")  # fmt: skip
    args = p.parse_args(argv)
    counts = [int(c) for c in str(args.threads).split(",") if c]
    if len(counts) > 1:
        _thread_sweep(args, counts)
        return
    args.threads = counts[0]

    from .machine import describe
    from .run import matmul_rate

    info = describe()
    gflops, blas = matmul_rate(worker_env(args.threads, args.keep_openblas_env))
    header = [
        f"Run {utc_now()} with `python -m benchmarks.scaling --mode {args.mode} --rounds"
        f" {args.rounds} --steps {args.steps} --threads {args.threads}"
        f"{' --parallel' if args.parallel else ''}`.",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores; both frameworks at {args.threads}"
        f" threads; NumPy {info['numpy']}; BLAS in the workers: {blas}",
        f"- float32 matmul (2048x2048) in NumPy: {gflops:.0f} GFLOP/s",
        "- Each point: median step time of one process per framework (alternating, "
        f"{args.rounds} round(s)), samples/s = batch / median step.",
    ]
    if args.parallel:
        header.append(
            f"- DataParallel: glassnet in `nn.DataParallel(model, threads={args.threads})` with"
            f" `gn.set_num_threads({args.threads})` (the batch sliced over the threads, BLAS on"
            " one thread per slice); its ratio is to the same PyTorch figure."
        )
    by_batch, by_width = sweep(args)
    md = Path(args.out)
    write_markdown(md, by_batch, by_width, args, header)
    print(f"wrote {md}")
    png = Path(args.png) if args.png else None
    if png is not None and write_png(png, by_batch, by_width, args.mode):
        print(f"wrote {png}")
    else:
        png = None
    if args.results:
        update_results(Path(args.results), md, png, by_batch, by_width, args)
        print(f"updated {args.results}")


def _thread_sweep(args: argparse.Namespace, counts: list[int]) -> None:
    from . import thread_sweep as ts
    from .machine import describe

    info = describe()
    counts = ts.usable_counts(counts, info["cores"])
    header = [
        f"Run {utc_now()} with `python -m benchmarks.scaling --mode {args.mode} --threads"
        f" {','.join(map(str, counts))} --batch {args.batch} --rounds {args.rounds} --steps"
        f" {args.steps}{' --parallel' if args.parallel else ''}`.",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores; NumPy {info['numpy']}",
        "- Each point: both frameworks at that thread count, median step time of one process"
        f" per framework (alternating, {args.rounds} round(s)); samples/s = batch / median step.",
    ]
    rows = ts.sweep_threads(args, counts)
    md = Path(args.out).with_name("scaling_threads.md")
    ts.write_markdown(md, rows, header)
    print(f"wrote {md}")
    png = Path(args.png).with_name("scaling_threads.png") if args.png else None
    if png is not None and ts.write_png(png, rows, args.mode):
        print(f"wrote {png}")
    if args.results:
        ts.update_results(Path(args.results), md, rows, args.mode)
        print(f"updated {args.results}")


if __name__ == "__main__":
    main()
