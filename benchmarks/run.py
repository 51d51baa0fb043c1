"""Benchmark glassnet against PyTorch CPU and write ``benchmarks/results.md``.

``python -m benchmarks.run [--models seed_cnn,mlp,lstm_attn] [--rounds 3] [--steps 20]``

Each (model, mode, framework) is timed in its own process, alternating the
frameworks for ``--rounds`` rounds so that both see the same machine noise;
the figure reported is the median over rounds of each process's median step
time. Both frameworks get the same thread count (``--threads``), batch size,
input shapes and optimizer (Adam, cross-entropy). Peak memory is each
process's peak RSS (``ru_maxrss``) minus its RSS before the model was built.

glassnet is measured twice: as is (one Python thread, BLAS on ``--threads``
threads), and wrapped in ``nn.DataParallel`` (the batch sliced over
``--threads`` Python threads, BLAS on one thread each; ``--no-parallel``
skips it). Both use the same number of cores as PyTorch.

By default the workers run with ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE``
removed (some machines set them, which selects a slower OpenBLAS kernel);
``--keep-openblas-env`` keeps them. The BLAS kernel used is printed.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from glassnet import kernels

from .models import MODELS, forward_flops

HERE = Path(__file__).resolve().parent


def worker_env(threads: int, keep_openblas_env: bool) -> dict[str, str]:
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    if not keep_openblas_env:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    return env


def run_worker(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.worker", *args]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=HERE.parent)
    if res.returncode != 0:
        raise RuntimeError(f"benchmark worker failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure(
    model: str,
    mode: str,
    *,
    batch: int,
    steps: int,
    rounds: int,
    threads: int,
    width: int,
    env: dict[str, str],
    frameworks: tuple[str, ...] = ("glassnet", "torch"),
) -> dict[str, dict[str, Any]]:
    """Median step time and peak memory per framework, alternating processes."""
    runs: dict[str, list[dict[str, Any]]] = {f: [] for f in frameworks}
    common = ["--model", model, "--mode", mode, "--batch", str(batch), "--steps", str(steps),
              "--threads", str(threads), "--width", str(width)]  # fmt: skip
    for _ in range(rounds):
        for f in frameworks:
            runs[f].append(run_worker(["--framework", f, *common], env))
    out = {}
    for f, rs in runs.items():
        med = statistics.median(r["median_s"] for r in rs)
        out[f] = {
            "median_s": med,
            "samples_per_s": batch / med,
            "peak_mb": statistics.median(r["peak_rss_mb"] - r["rss_before_model_mb"] for r in rs),
            "per_round_s": [r["median_s"] for r in rs],
            "blas": rs[0].get("blas"),
        }
    return out


def has_onnxruntime() -> bool:
    """Whether onnxruntime (the ``onnx`` extra) is installed, for the inference comparison."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def _ort_version() -> str:
    import onnxruntime

    return onnxruntime.__version__


def kernel_path() -> str:
    """Which of glassnet's paths the workers (same environment) run."""
    if kernels.enabled():
        return "compiled kernels (numba; `GLASSNET_KERNELS=numpy` for the NumPy reference)"
    return "NumPy reference path (`GLASSNET_KERNELS=numpy`, or numba missing)"


def matmul_rate(env: dict[str, str]) -> tuple[float, str]:
    code = (
        "from benchmarks.machine import matmul_gflops, blas_summary;"
        "print(matmul_gflops(2048)); print(blas_summary())"
    )
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=HERE.parent, check=True)  # fmt: skip
    lines = res.stdout.strip().splitlines()
    return float(lines[0]), lines[1]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--modes", default="train,infer")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--keep-openblas-env", action="store_true")
    p.add_argument("--no-parallel", action="store_true", help="skip glassnet + nn.DataParallel")
    p.add_argument("--out", default=str(HERE / "results.md"))
    args = p.parse_args(argv)

    from .machine import describe

    env = worker_env(args.threads, args.keep_openblas_env)
    info = describe()
    gflops, blas = matmul_rate(env)
    print(f"machine: {info['cpu']}, {info['cores']} cores; threads={args.threads}")
    print(f"NumPy BLAS in the workers: {blas}")
    print(f"float32 matmul 2048x2048: {gflops:.0f} GFLOP/s")
    print(f"glassnet: {kernel_path()}")

    rows = []
    for model in args.models.split(","):
        for mode in args.modes.split(","):
            frameworks = ("glassnet",) + (() if args.no_parallel else ("glassnet-dp",)) + ("torch",)
            if mode == "infer" and has_onnxruntime():
                frameworks += ("onnxruntime",)
            r = measure(model, mode, batch=args.batch, steps=args.steps, rounds=args.rounds,
                        threads=args.threads, width=1, env=env, frameworks=frameworks)  # fmt: skip
            g, t = r["glassnet"], r["torch"]
            dp = r.get("glassnet-dp")
            flops = forward_flops(model) * (3 if mode == "train" else 1) * args.batch
            row = {
                "model": model, "mode": mode,
                "gn_sps": g["samples_per_s"], "torch_sps": t["samples_per_s"],
                "ratio": g["samples_per_s"] / t["samples_per_s"],
                "gn_ms": g["median_s"] * 1e3, "torch_ms": t["median_s"] * 1e3,
                "gn_gflops": flops / g["median_s"] / 1e9, "torch_gflops": flops / t["median_s"] / 1e9,
                "gn_mb": g["peak_mb"], "torch_mb": t["peak_mb"],
            }  # fmt: skip
            if dp is not None:
                row.update(dp_sps=dp["samples_per_s"], dp_ms=dp["median_s"] * 1e3,
                           dp_ratio=dp["samples_per_s"] / t["samples_per_s"],
                           dp_gflops=flops / dp["median_s"] / 1e9, dp_mb=dp["peak_mb"])  # fmt: skip
            ort = r.get("onnxruntime")
            if ort is not None:
                row.update(ort_sps=ort["samples_per_s"], ort_ms=ort["median_s"] * 1e3,
                           ort_ratio=g["samples_per_s"] / ort["samples_per_s"],
                           ort_mb=ort["peak_mb"])  # fmt: skip
            rows.append(row)
            print(
                f"{model:12s} {mode:5s} glassnet {row['gn_sps']:8.0f}/s  torch {row['torch_sps']:8.0f}/s"
                f"  ratio {row['ratio']:.2f}x  ({row['gn_gflops']:.0f} vs {row['torch_gflops']:.0f} GFLOP/s,"
                f" peak {row['gn_mb']:.0f} vs {row['torch_mb']:.0f} MB)",
                flush=True,
            )
            if ort is not None:
                print(f"{'':12s} {'':5s} onnxruntime {row['ort_sps']:8.0f}/s  glassnet/onnxruntime"
                      f" {row['ort_ratio']:.2f}x", flush=True)  # fmt: skip
            if dp is not None:
                print(
                    f"{'':12s} {'':5s} DataParallel {row['dp_sps']:8.0f}/s  ratio {row['dp_ratio']:.2f}x"
                    f"  ({row['dp_gflops']:.0f} GFLOP/s, peak {row['dp_mb']:.0f} MB)",
                    flush=True,
                )
    write_results(Path(args.out), rows, info, gflops, blas, args)


def write_results(path: Path, rows: list[dict[str, Any]], info: dict[str, Any], gflops: float,
                  blas: str, args: argparse.Namespace) -> None:  # fmt: skip
    import torch  # only for its version string

    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Run {now} with `python -m benchmarks.run --rounds {args.rounds} --steps {args.steps}"
        f" --threads {args.threads}` (median of {args.rounds} alternating processes per framework,"
        f" each the median of {args.steps} steps after warm-up).",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores; both frameworks at {args.threads} threads",
        f"- Python {info['python']}, NumPy {info['numpy']}, PyTorch {torch.__version__}",
        f"- NumPy BLAS: {blas}",
        f"- float32 matmul (2048x2048) in NumPy: **{gflops:.0f} GFLOP/s**",
        f"- glassnet: {kernel_path()}",
        f"- Batch {args.batch}; training = zero_grad + forward + cross-entropy + backward + Adam step;"
        " inference = forward in no_grad / inference_mode, eval mode.",
        "",
        "| model | mode | glassnet samples/s | PyTorch samples/s | ratio | glassnet GFLOP/s (% of matmul) | PyTorch GFLOP/s | glassnet peak MB | PyTorch peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['mode']} | {r['gn_sps']:,.0f} | {r['torch_sps']:,.0f} | "
            f"**{r['ratio']:.2f}x** | {r['gn_gflops']:.0f} ({100 * r['gn_gflops'] / gflops:.0f}%) | "
            f"{r['torch_gflops']:.0f} | {r['gn_mb']:.0f} | {r['torch_mb']:.0f} |"
        )
    if any("dp_sps" in r for r in rows):
        lines += [
            "",
            f"glassnet wrapped in `nn.DataParallel(model, threads={args.threads})` with"
            f" `gn.set_num_threads({args.threads})` (the batch sliced over {args.threads} Python"
            " threads, BLAS on one thread each, the optimizer's update split too), in the same"
            " run, against the same PyTorch figures:",
            "",
            "| model | mode | glassnet DataParallel samples/s | ratio to PyTorch | ratio to plain glassnet | GFLOP/s (% of matmul) | peak MB |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            if "dp_sps" in r:
                lines.append(
                    f"| {r['model']} | {r['mode']} | {r['dp_sps']:,.0f} | **{r['dp_ratio']:.2f}x** | "
                    f"{r['dp_sps'] / r['gn_sps']:.2f}x | {r['dp_gflops']:.0f} "
                    f"({100 * r['dp_gflops'] / gflops:.0f}%) | {r['dp_mb']:.0f} |"
                )
    if any("ort_sps" in r for r in rows):
        lines += [
            "",
            f"Inference against onnxruntime {_ort_version()} running glassnet's own ONNX export of"
            f" the same model ({args.threads} intra-op threads, default graph optimisations), in"
            " the same run:",
            "",
            "| model | glassnet samples/s | onnxruntime samples/s | glassnet / onnxruntime |"
            " onnxruntime peak MB |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in rows:
            if "ort_sps" in r:
                lines.append(
                    f"| {r['model']} | {r['gn_sps']:,.0f} | {r['ort_sps']:,.0f} | "
                    f"**{r['ort_ratio']:.2f}x** | {r['ort_mb']:.0f} |"
                )
    lines += ["", "Peak MB: peak resident memory of the process minus its resident memory before the"
              " model was built (imports excluded: for glassnet that includes numba, its kernel"
              " modules and numba's code generator, started up front by one tiny kernel call;"
              " each kernel the model uses is loaded at its first call and counts).", "",
              "Per-op breakdowns: `python -m benchmarks.profile` ([profile.md](profile.md)); what"
              " makes these numbers and what bounds them: [docs/performance.md]"
              "(../docs/performance.md).", ""]  # fmt: skip
    text = "\n".join(lines)
    old = path.read_text() if path.exists() else ""
    if "\n## " in old:  # keep the sections benchmarks.scaling maintains (Scaling, Threads)
        text = text.rstrip("\n") + "\n" + old[old.index("\n## ") :]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
