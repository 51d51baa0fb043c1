"""Schedules written the blog-post way: CosineAnnealingWarmRestarts (T_0, T_mult=2, eta_min)
stepped per batch with a fractional epoch, scheduler.step(epoch + i / iters), as its
docstring shows; a linear warmup written by hand through param_group['lr'] followed by a
cosine decay; the Transformer's inverse-square-root (Noam) schedule as a LambdaLR with one
lambda per group; MultiplicativeLR; and last_epoch= to resume a schedule."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
from torch.optim import lr_scheduler


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(2)
X = torch.from_numpy(rng.normal(size=(40, 5)).astype(np.float32))
Y = torch.from_numpy(np.sin(rng.normal(size=(40, 1))).astype(np.float32))


def make_model():
    model = nn.Sequential(nn.Linear(5, 12), nn.Tanh(), nn.Linear(12, 1))
    init_weights(model)
    return model


def train_batch(model, optimizer, i):
    loss = nn.functional.mse_loss(model(X[i * 10:(i + 1) * 10]), Y[i * 10:(i + 1) * 10])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


# CosineAnnealingWarmRestarts with fractional epochs
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2, eta_min=0.001)
iters = 4
for epoch in range(7):
    for i in range(iters):
        loss = train_batch(model, optimizer, i)
        scheduler.step(epoch + i / iters)
    print(f"LOSS restarts{epoch} {loss:.6f} {optimizer.param_groups[0]['lr']:.7g} "
          f"{scheduler.T_cur:.4f} {scheduler.T_i}")
scheduler.step()
print(f"LOSS restarts_int {optimizer.param_groups[0]['lr']:.7g} {scheduler.T_cur:.4f} "
      f"{scheduler.T_i} {scheduler.last_epoch}")

# warmup by hand, then cosine
model = make_model()
base_lr, warmup, total = 0.05, 5, 16
optimizer = torch.optim.AdamW(model.parameters(), lr=base_lr, weight_decay=0.01)
for step in range(total):
    if step < warmup:
        lr = base_lr * (step + 1) / warmup
    else:
        progress = (step - warmup) / (total - warmup)
        lr = 0.5 * base_lr * (1 + math.cos(math.pi * progress))
    for param_group in optimizer.param_groups:
        param_group["lr"] = lr
    loss = train_batch(model, optimizer, step % 4)
    if step % 3 == 0:
        print(f"LOSS warmup{step} {loss:.6f} {lr:.7g}")


# the Transformer's schedule, one lambda per group
def noam(d_model, warmup_steps):
    return lambda s: d_model ** -0.5 * min((s + 1) ** -0.5, (s + 1) * warmup_steps ** -1.5)


model = make_model()
optimizer = torch.optim.Adam([
    {"params": model[0].parameters()},
    {"params": model[2].parameters()},
], lr=1.0, betas=(0.9, 0.98), eps=1e-9)
scheduler = lr_scheduler.LambdaLR(optimizer, lr_lambda=[noam(16, 4), lambda s: 0.01 * 0.9 ** s])
for step in range(8):
    loss = train_batch(model, optimizer, step % 4)
    scheduler.step()
    print(f"LOSS noam{step} {loss:.6f}", *[f"{lr:.7g}" for lr in scheduler.get_last_lr()])

# MultiplicativeLR, its state_dict, and a schedule resumed with last_epoch
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.08)
scheduler = lr_scheduler.MultiplicativeLR(optimizer, lr_lambda=lambda epoch: 0.9 if epoch < 3 else 0.5)
for epoch in range(5):
    loss = train_batch(model, optimizer, epoch % 4)
    scheduler.step()
    print(f"LOSS mult{epoch} {loss:.6f} {scheduler.get_last_lr()[0]:.7g} {scheduler.last_epoch}")
print("LOSS mult_state", sorted(k for k in scheduler.state_dict() if not k.startswith("_")
                                and k != "lr_lambdas"))

optimizer = torch.optim.SGD(model.parameters(), lr=0.08)
for group in optimizer.param_groups:
    group["initial_lr"] = 0.08
resumed = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5, last_epoch=3)
for epoch in range(4, 8):
    loss = train_batch(model, optimizer, epoch % 4)
    resumed.step()
    print(f"LOSS resumed{epoch} {loss:.6f} {optimizer.param_groups[0]['lr']:.7g}")
