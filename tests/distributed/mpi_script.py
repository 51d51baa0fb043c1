"""Run under ``mpiexec -n 2`` by tests/distributed/test_mpi.py.

``equivalence``: 2 ranks at batch B give the same weights as 1 process at 2B.
``timeout``: rank 1 leaves early; rank 0 must fail with a clear error, not hang.
"""

from __future__ import annotations

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
        diff = max(float(np.abs(a - b).max()) for a, b in zip(model.state_dict().values(), ref.state_dict().values()))
        print(f"MAXDIFF {diff:.3g}", flush=True)
    # replicas stay identical
    flat = np.concatenate([v.ravel() for v in model.state_dict().values()]).astype(np.float64)
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


if __name__ == "__main__":
    {"equivalence": equivalence, "timeout": timeout}[sys.argv[1]]()
