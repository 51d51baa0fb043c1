"""Checkpointing and module bookkeeping as training templates write them: a model with a
persistent buffer (a running feature mean updated in forward under no_grad) and a
non-persistent one (register_buffer(persistent=False), missing from state_dict), named_buffers
and named_parameters, a frozen encoder by requires_grad_(False) whose parameters are left
out of the optimizer, a full checkpoint dict (model, optimizer, scheduler, epoch, best loss)
written with torch.save to a file, training resumed by fresh objects after torch.load and
matching the uninterrupted run exactly, and unfreezing later through add_param_group."""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(81)
X = torch.from_numpy(rng.normal(size=(48, 5)).astype(np.float32))
y = torch.from_numpy(np.cos(X.numpy() @ rng.normal(size=(5, 2))).astype(np.float32))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(5, 16), nn.Tanh())
        self.head = nn.Linear(16, 2)
        self.register_buffer("feature_mean", torch.zeros(16))
        self.register_buffer("steps_seen", torch.tensor(0))
        self.register_buffer("scale", torch.linspace(0.5, 1.5, 16), persistent=False)

    def forward(self, x):
        h = self.encoder(x) * self.scale
        if self.training:
            with torch.no_grad():
                self.steps_seen += 1
                self.feature_mean.mul_(0.9).add_(h.mean(0), alpha=0.1)
        return self.head(h - self.feature_mean)


def make(model_state=None):
    model = Net()
    if model_state is not None:
        model.load_state_dict(model_state)
    model.encoder.requires_grad_(False)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.02)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    return model, opt, sched


def epoch_step(model, opt, sched):
    model.train()
    total = 0.0
    for i in range(0, 48, 16):
        loss = F.mse_loss(model(X[i:i + 16]), y[i:i + 16])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    sched.step()
    return total / 3


base = Net()
init_weights(base)
start = base.state_dict()
print("LOSS keys", sorted(start.keys()), [n for n, _ in base.named_buffers()])
model, opt, sched = make(start)
print("LOSS trainable", sum(p.numel() for p in model.parameters() if p.requires_grad),
      [n for n, p in model.named_parameters() if not p.requires_grad],
      model.encoder[0].weight.grad is None)
straight = [epoch_step(model, opt, sched) for _ in range(6)]
print("LOSS straight " + " ".join(f"{v:.6f}" for v in straight))

model, opt, sched = make(start)
first = [epoch_step(model, opt, sched) for _ in range(3)]
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "ckpt.pt")
    torch.save({"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "best_loss": min(first)}, path)
    del model, opt, sched
    ckpt = torch.load(path)
model, opt, sched = make(ckpt["model"])
opt.load_state_dict(ckpt["optimizer"])
sched.load_state_dict(ckpt["scheduler"])
rest = [epoch_step(model, opt, sched) for _ in range(ckpt["epoch"], 6)]
print("LOSS resumed " + " ".join(f"{v:.6f}" for v in first + rest),
      all(abs(a - b) < 1e-6 for a, b in zip(straight, first + rest)), f"{ckpt['best_loss']:.6f}")
print(f"LOSS buffers {model.steps_seen.item()} {model.feature_mean.sum().item():.6f} "
      f"{sched.get_last_lr()[0]:.6f} {int(opt.state_dict()['state'][0]['step'])}")

# unfreeze the encoder with a smaller lr
model.encoder.requires_grad_(True)
opt.add_param_group({"params": model.encoder.parameters(), "lr": 0.002})
for epoch in range(3):
    loss = epoch_step(model, opt, sched)
    print(f"LOSS unfrozen{epoch} {loss:.6f} {model.encoder[0].weight.grad.abs().sum().item():.6f} "
          f"{[round(g['lr'], 6) for g in opt.param_groups]}")
