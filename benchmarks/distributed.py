"""Data-parallel scaling of the seed CNN's training: 1 rank vs 2 MPI ranks on this machine.

``python -m benchmarks.distributed [--rounds 3] [--steps 20] [--warmup 3] [--batch 128]``

Each setup trains the seed CNN (Adam, cross-entropy) on the embedded Fashion-MNIST
sample through ``glassnet.train.fit(distributed=True)`` -- the trainer's real
path: sharded batches, ``DataParallel.average_gradients`` after backward, metric
sums -- at the same *global* batch (``--batch``, split over the ranks):

=========  =====  ======================  ==============================
setup      ranks  BLAS threads per rank   what it shows
=========  =====  ======================  ==============================
``1x1``    1      1                       the one-core baseline
``1x2``    1      2                       one process using both cores
``2x1``    2      1                       data parallel over both cores
``1x2t``   1      1 per slice             ``fit(threads=2)``: the batch
                                          sliced over 2 threads
                                          (``nn.DataParallel``), no MPI
=========  =====  ======================  ==============================

(``GLASSNET_NUM_THREADS=1`` everywhere; ``OMP/OPENBLAS/MKL_NUM_THREADS`` set as
above.) Every setup runs in fresh processes, the setups alternating for
``--rounds`` rounds so they share the machine's noise; a round's figure is the
median over its timed steps, the table the median over rounds.

Per step: *period* is the time between the ends of two consecutive steps
(data, forward, backward, gradient average, update: what samples/s comes
from); *allreduce* is the time inside ``average_gradients`` (packing, the
MPI sums, waiting for the other rank), averaged over the ranks; its *share*
is allreduce / period. *Efficiency* is samples/s over (cores used x the 1x1
samples/s). The machine's load averages before and after are printed: on a
shared machine the numbers are indications.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: (name, MPI ranks, BLAS threads per rank, slices per batch through fit(threads=...))
SETUPS = (("1x1", 1, 1, 1), ("1x2", 1, 2, 1), ("2x1", 2, 1, 1), ("1x2t", 1, 2, 2))


# ------------------------------------------------------------------ worker
def worker(args: argparse.Namespace) -> None:
    import numpy as np

    import glassnet as gn
    from glassnet import optim
    from glassnet.data.datasets import fashion_mnist
    from glassnet.distributed import world
    from glassnet.models import seed_cnn
    from glassnet.train import Callback, fit

    w = world()
    x, y = fashion_mnist("train", sample=True)
    gn.manual_seed(0)
    model = seed_cnn()
    total = args.warmup + args.steps

    class Timing(Callback):
        def on_train_begin(self, logs=None):
            self.ends: list[float] = []
            self.reduce: list[float] = []
            dp = self.trainer.dp
            inner = dp.average_gradients

            def timed(*a: Any, **k: Any) -> float:
                t = time.perf_counter()
                out = inner(*a, **k)
                self.reduce.append(time.perf_counter() - t)
                return out

            dp.average_gradients = timed

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(time.perf_counter())
            if len(self.ends) >= total + 1:
                self.trainer.stop_training = True

    timing = Timing()
    fit(model, (x, y), loss="cross_entropy", optimizer=optim.Adam(model.parameters(), lr=1e-3),
        epochs=1, batch_size=args.batch // w.size, seed=0, verbose=0, metrics=("accuracy",),
        callbacks=[timing], distributed=True, threads=args.slices)  # fmt: skip
    periods = np.diff(timing.ends)[args.warmup :]
    reduce = np.asarray(timing.reduce[args.warmup + 1 : total + 1])
    mine = [float(np.median(periods)), float(np.median(reduce))]
    both = w.allgather_object(mine) if w.size > 1 else [mine]
    if w.is_main:
        print(json.dumps({
            "period": float(np.mean([b[0] for b in both])),
            "allreduce": float(np.mean([b[1] for b in both])),
            "steps": int(len(periods)),
        }), flush=True)  # fmt: skip


# ------------------------------------------------------------------ driver
def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), GLASSNET_NUM_THREADS="1")
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def _mpiexec() -> str:
    here = Path(sys.executable).parent / "mpiexec"
    found = str(here) if here.exists() else shutil.which("mpiexec")
    if not found:
        raise SystemExit("benchmarks.distributed: mpiexec not found (pip install 'glassnet[mpi]')")
    return found


def measure(ranks: int, threads: int, slices: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.distributed", "--worker", "--batch", str(args.batch),
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--slices", str(slices)]  # fmt: skip
    if ranks > 1:
        cmd = [_mpiexec(), "-n", str(ranks), *cmd]
    res = subprocess.run(cmd, env=_env(threads), capture_output=True, text=True, cwd=HERE.parent)
    if res.returncode != 0:
        raise RuntimeError(f"worker failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def table(results: dict[str, list[dict[str, Any]]], batch: int) -> str:
    med = {
        name: {k: statistics.median(r[k] for r in runs) for k in ("period", "allreduce")}
        for name, runs in results.items()
    }
    base = batch / med["1x1"]["period"]
    lines = [
        "| setup | ranks x BLAS threads | batch per rank (global) | step ms | samples/s "
        "| vs 1x1 | efficiency | allreduce ms/step | allreduce share |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, ranks, threads, slices in SETUPS:
        m = med[name]
        rate = batch / m["period"]
        share = m["allreduce"] / m["period"] if ranks > 1 else 0.0
        how = f"{ranks} x {threads}" if slices == 1 else f"1 x {slices} threads (slices)"
        lines.append(
            f"| {name} | {how} | {batch // ranks} ({batch}) | {m['period'] * 1e3:.1f} "
            f"| {rate:.0f} | {rate / base:.2f}x | {rate / (base * ranks * threads):.0%} "
            f"| {m['allreduce'] * 1e3 if ranks > 1 else 0:.1f} | {share:.1%} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=20, help="timed steps per run")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=128, help="global batch (split over ranks)")
    p.add_argument("--slices", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args)
        return
    from .machine import describe

    load_before = os.getloadavg()
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in SETUPS}
    for r in range(args.rounds):
        for name, ranks, threads, slices in SETUPS:
            results[name].append(measure(ranks, threads, slices, args))
            print(f"round {r + 1} {name}: {results[name][-1]}", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    info = describe()
    print(f"Seed CNN training, Fashion-MNIST sample, Adam, global batch {args.batch}; "
          f"{args.rounds} rounds x {args.steps} timed steps (+{args.warmup} warm-up), medians.")  # fmt: skip
    print(
        f"Machine: {info['cpu']}, {info['cores']} cores; numpy {info['numpy']}; driver's BLAS: "
        f"{info['blas']} (workers: the thread counts below, GLASSNET_NUM_THREADS=1, "
        "OPENBLAS_CORETYPE/L2_SIZE unset)"
    )
    print(
        "Load average (1/5/15 min) before: "
        + "/".join(f"{v:.2f}" for v in load_before)
        + ", after: "
        + "/".join(f"{v:.2f}" for v in load_after)
    )
    print()
    print(table(results, args.batch))


if __name__ == "__main__":
    main()
