"""Run under ``mpiexec -n 2`` by tests/distributed/test_mpi.py.

``equivalence``: 2 ranks at batch B give the same weights as 1 process at 2B.
``timeout``: rank 1 leaves early; rank 0 must fail with a clear error, not hang.
``fit_equivalence``: the same through ``fit(distributed=True)``, with reduced metrics.
``fit_resume FOLDER``: Ctrl-C on rank 0 mid-epoch, then ``fit(resume_from=...)`` on 2 ranks
gives the weights of an uninterrupted 2-rank run.
``fit_dead_rank``: rank 1 stops taking part inside ``fit``; rank 0 must fail clearly.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import distributed as dist
from glassnet import nn, optim


def make_model(seed: int) -> nn.Module:
    gn.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))


def train(model, sampler, X, Y, steps, dp=None):
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    done = 0
    for epoch in range(100):
        sampler.set_epoch(epoch)
        for idx in sampler:
            opt.zero_grad()
            loss = F.cross_entropy(model(gn.tensor(X[idx])), gn.tensor(Y[idx]))
            loss.backward()
            if dp is not None:
                dp.average_gradients(len(idx))
            opt.step()
            done += 1
            if done == steps:
                return


def equivalence() -> None:
    w = dist.world()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((53, 6)).astype(np.float32)
    Y = rng.integers(0, 3, 53)
    B, steps = 4, 12
    model = make_model(seed=100 + w.rank)  # different on each rank: the broadcast must fix it
    dp = dist.DataParallel(model)
    sampler = dist.DistributedBatchSampler(len(X), B, rank=w.rank, world_size=w.size, seed=7)
    train(model, sampler, X, Y, steps, dp)
    if w.is_main:
        ref = make_model(seed=100)
        single = dist.DistributedBatchSampler(len(X), B * w.size, rank=0, world_size=1, seed=7)
        train(ref, single, X, Y, steps)
        diff = max(
            float(np.abs(a - b).max())
            for a, b in zip(model.state_dict().values(), ref.state_dict().values())
        )
        print(f"MAXDIFF {diff:.3g}", flush=True)
    # replicas stay identical
    flat = np.concatenate([np.asarray(v).ravel() for v in model.state_dict().values()]).astype(np.float64)
    total = flat.copy()
    w.allreduce_(total)
    assert np.allclose(total / w.size, flat, atol=1e-6), "replicas diverged"


def timeout() -> None:
    w = dist.world(timeout=3.0)
    if w.rank == 1:
        sys.exit(0)
    buf = np.ones(4, dtype=np.float32)
    w.allreduce_(buf)  # rank 1 never joins
    print("UNREACHABLE", flush=True)


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 6)).astype(np.float32) + y[:, None].astype(np.float32)
    return x, y


def max_diff(a: nn.Module, b: nn.Module) -> float:
    pairs = zip(a.state_dict().values(), b.state_dict().values())
    return max(float(np.abs(u - v).max()) for u, v in pairs)


def fit_equivalence() -> None:
    from glassnet.train import fit

    w = dist.world()
    X, Y = blobs(101, 0)  # 101 = 12 global batches of 8 + 5: an uneven last batch
    Xv, Yv = blobs(37, 1)
    B = 4

    def run(model, batch, distributed):
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return fit(model, (X, Y), loss="cross_entropy", optimizer=opt, epochs=3, batch_size=batch,
                   validation_data=(Xv, Yv), seed=7, verbose=0, clip_grad_norm=5.0,
                   distributed=distributed)  # fmt: skip

    model = make_model(seed=100 + w.rank)  # differs per rank: DataParallel's broadcast fixes it
    h = run(model, B, True)
    if w.is_main:
        ref = make_model(seed=100)
        h_ref = run(ref, B * w.size, False)
        print(f"MAXDIFF {max_diff(model, ref):.3g}", flush=True)
        keys = ("loss", "accuracy", "val_loss", "val_accuracy", "grad_norm")
        d = max(abs(a - b) for k in keys for a, b in zip(h.history[k], h_ref.history[k]))
        print(f"LOGDIFF {d:.3g}", flush=True)


class SigintAt(__import__("glassnet").train.Callback):
    """Sends SIGINT to this process after a given global step (like Ctrl-C on one rank)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if self.trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGINT)


def fit_resume(folder: str) -> None:
    from glassnet.train import RunFolder, RunLogger, TrainingInterrupted, fit

    w = dist.world()
    X, Y = blobs(90, 0)

    def run(name, callbacks=(), resume=False):
        path = os.path.join(folder, name)
        if not resume and w.is_main:
            os.makedirs(path)
        w.barrier()
        gn.manual_seed(5)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
        opt = optim.Adam(model.parameters(), lr=0.01)
        run_folder = RunFolder(path)
        fit(model, (X, Y), loss="cross_entropy", optimizer=opt, epochs=3, batch_size=8, seed=3,
            verbose=0, checkpoint_every=4, callbacks=[RunLogger(run_folder), *callbacks],
            resume_from=run_folder if resume else None, distributed=True)  # fmt: skip
        return model

    full = run("full")
    try:
        run("cut", [SigintAt(9)] if w.rank == 0 else [])
        print("NOT INTERRUPTED", flush=True)
    except TrainingInterrupted as exc:
        print(f"RANK {w.rank} INTERRUPTED epoch={exc.epoch} step={exc.step}", flush=True)
    if w.is_main:  # kept for a resume with another number of ranks (tests/distributed/test_mpi.py)
        shutil.copy(
            os.path.join(folder, "cut", "last.safetensors"), os.path.join(folder, "mid.safetensors")
        )
    resumed = run("cut", resume=True)
    d = max_diff(full, resumed)
    print(f"RANK {w.rank} MAXDIFF {d:.3g}", flush=True)


def fit_dead_rank() -> None:
    from glassnet.train import Callback, fit

    w = dist.world(timeout=3.0)

    class Leave(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if w.rank == 1 and self.trainer.global_step == 3:
                raise RuntimeError("rank 1 stops")

    X, Y = blobs(64, 0)
    try:
        fit(make_model(0), (X, Y), loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=4,
            verbose=0, callbacks=[Leave()], distributed=True)  # fmt: skip
    except RuntimeError as exc:
        print(f"RANK {w.rank}: {exc}", flush=True)
        sys.exit(0)
    print("UNREACHABLE", flush=True)


def fit_batchnorm() -> None:
    """Running statistics are averaged over ranks at every epoch end: one set on all ranks."""
    from glassnet.train import fit

    w = dist.world()
    X, Y = blobs(64, w.rank)
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    fit(model, (X, Y), loss="cross_entropy", optimizer="adam", epochs=2, batch_size=8, seed=1,
        verbose=0, distributed=True)  # fmt: skip
    stats = [float(v.sum()) for k, v in model.state_dict().items() if "running" in k]
    every = w.allgather_object(stats)
    print(f"RANK {w.rank} BUFFERS {'SAME' if every[0] == every[1] else 'DIFFER'}", flush=True)


if __name__ == "__main__":
    modes = {
        "equivalence": equivalence, "timeout": timeout, "fit_equivalence": fit_equivalence,
        "fit_resume": fit_resume, "fit_dead_rank": fit_dead_rank, "fit_batchnorm": fit_batchnorm,
    }  # fmt: skip
    modes[sys.argv[1]](*sys.argv[2:])
