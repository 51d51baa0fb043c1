"""Composed and cyclic schedules: SequentialLR of a LinearLR warmup, a ConstantLR hold and a
CosineAnnealingLR decay (two milestones), its state_dict (and the optimizer's, deep-copied) kept mid-run and loaded into a fresh
one; ChainedScheduler of ExponentialLR and a MultiStepLR; CyclicLR in exp_range mode, with a
custom scale_fn over iterations, and with Adam (cycle_momentum=False); get_last_lr each step."""
import copy
import os

import numpy as np
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CyclicLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    SequentialLR,
)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(3)
X = torch.from_numpy(rng.normal(size=(32, 4)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 3, size=32))


def make_model():
    model = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 3))
    init_weights(model)
    return model


def train_step(model, optimizer, i):
    loss = nn.functional.cross_entropy(model(X[i * 8:(i + 1) * 8]), Y[i * 8:(i + 1) * 8])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def make_sequential(optimizer):
    warm = LinearLR(optimizer, start_factor=0.1, end_factor=1.0, total_iters=3)
    hold = ConstantLR(optimizer, factor=1.0, total_iters=2)
    decay = CosineAnnealingLR(optimizer, T_max=6, eta_min=0.002)
    return SequentialLR(optimizer, schedulers=[warm, hold, decay], milestones=[3, 5])


model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
scheduler = make_sequential(optimizer)
saved = None
for step in range(12):
    loss = train_step(model, optimizer, step % 4)
    scheduler.step()
    if step == 6:
        saved = {"model": {k: v.clone() for k, v in model.state_dict().items()},
                 "opt": copy.deepcopy(optimizer.state_dict()), "sched": scheduler.state_dict()}
    print(f"LOSS seq{step} {loss:.6f} {scheduler.get_last_lr()[0]:.7g} {scheduler.last_epoch}")

model = make_model()
model.load_state_dict(saved["model"])
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
optimizer.load_state_dict(saved["opt"])
scheduler = make_sequential(optimizer)
scheduler.load_state_dict(saved["sched"])
print(f"LOSS seq_loaded {optimizer.param_groups[0]['lr']:.7g} {scheduler.last_epoch} "
      f"{scheduler.get_last_lr()[0]:.7g}")
for step in range(7, 12):
    loss = train_step(model, optimizer, step % 4)
    scheduler.step()
    print(f"LOSS seq_resumed{step} {loss:.6f} {scheduler.get_last_lr()[0]:.7g}")

# ChainedScheduler: both act on every step
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
chained = ChainedScheduler([ExponentialLR(optimizer, gamma=0.9),
                            MultiStepLR(optimizer, milestones=[2, 4], gamma=0.5)])
for step in range(6):
    loss = train_step(model, optimizer, step % 4)
    chained.step()
    print(f"LOSS chained{step} {loss:.6f} {chained.get_last_lr()[0]:.7g}")

# CyclicLR variants
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
cyclic = CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=2,
                  mode="exp_range", gamma=0.9, base_momentum=0.8, max_momentum=0.9)
for step in range(10):
    loss = train_step(model, optimizer, step % 4)
    cyclic.step()
    g = optimizer.param_groups[0]
    print(f"LOSS exprange{step} {loss:.6f} {g['lr']:.7g} {g['momentum']:.7g}")

model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
cyclic = CyclicLR(optimizer, base_lr=[0.005], max_lr=[0.05], step_size_up=2,
                  scale_fn=lambda x: 1 / (1 + 0.1 * x), scale_mode="iterations",
                  cycle_momentum=False)
for step in range(8):
    loss = train_step(model, optimizer, step % 4)
    cyclic.step()
    print(f"LOSS scalefn{step} {loss:.6f} {cyclic.get_last_lr()[0]:.7g}")

model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
cyclic = CyclicLR(optimizer, base_lr=1e-3, max_lr=1e-2, step_size_up=2, mode="triangular",
                  cycle_momentum=False)
for step in range(6):
    loss = train_step(model, optimizer, step % 4)
    cyclic.step()
    print(f"LOSS adamcyclic{step} {loss:.6f} {optimizer.param_groups[0]['lr']:.7g}")
