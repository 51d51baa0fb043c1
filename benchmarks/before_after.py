"""Time glassnet from two source trees side by side: did a change make any model slower?

``python -m benchmarks.before_after --before /tmp/old-checkout [--after .] [--rounds 3]``

``--before`` and ``--after`` are repository roots (a ``git worktree`` of the old commit, and
this checkout). For every (model, mode) the benchmark worker of *each tree* times glassnet in
its own process, the two trees alternating for ``--rounds`` rounds so both see the same
machine noise; PyTorch is timed in the same rounds as the yardstick. The table gives medians,
the after/before time ratio (below 1: faster now) and each tree's ratio to PyTorch, with the
machine's float32 matmul rate measured in the same run. Nothing is asserted: read it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from .machine import matmul_gflops
from .models import MODELS
from .run import worker_env


def _time(root: Path, framework: str, model: str, mode: str, args: argparse.Namespace,
          env: dict[str, str]) -> float:  # fmt: skip
    cmd = [sys.executable, "-m", "benchmarks.worker", "--framework", framework, "--model", model,
           "--mode", mode, "--batch", str(args.batch), "--steps", str(args.steps),
           "--threads", str(args.threads)]  # fmt: skip
    res = subprocess.run(cmd, env={**env, "PYTHONPATH": str(root)}, cwd=root,
                         capture_output=True, text=True)  # fmt: skip
    if res.returncode != 0:
        raise RuntimeError(f"worker failed in {root}: {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return float(json.loads(res.stdout.strip().splitlines()[-1])["median_s"])


def compare(args: argparse.Namespace) -> list[dict[str, Any]]:
    env = worker_env(args.threads, keep_openblas_env=False)
    rows = []
    for model in args.models.split(","):
        for mode in args.modes.split(","):
            t: dict[str, list[float]] = {"before": [], "after": [], "torch": []}
            for _ in range(args.rounds):
                t["before"].append(_time(args.before, "glassnet", model, mode, args, env))
                t["after"].append(_time(args.after, "glassnet", model, mode, args, env))
                t["torch"].append(_time(args.after, "torch", model, mode, args, env))
            med = {k: statistics.median(v) for k, v in t.items()}
            rows.append({"model": model, "mode": mode, **{f"{k}_ms": 1e3 * v for k, v in med.items()},
                         "after_over_before": med["after"] / med["before"]})  # fmt: skip
            print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list[dict[str, Any]], gflops: float, args: argparse.Namespace) -> str:
    lines = [
        f"matmul: {gflops:.0f} GFLOP/s (float32 2048^2, NumPy); {args.threads} threads, batch "
        f"{args.batch}, median of {args.rounds} rounds x {args.steps} steps",
        "",
        "| model | mode | before ms | after ms | after/before | PyTorch ms | before vs PyTorch | after vs PyTorch |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['mode']} | {r['before_ms']:.2f} | {r['after_ms']:.2f} | "
            f"{r['after_over_before']:.2f} | {r['torch_ms']:.2f} | "
            f"{r['torch_ms'] / r['before_ms']:.2f}x | {r['torch_ms'] / r['after_ms']:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--before", type=Path, required=True)
    p.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1])
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--modes", default="train,infer")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    rows = compare(args)
    print(table(rows, matmul_gflops(2048), args))


if __name__ == "__main__":
    main()
