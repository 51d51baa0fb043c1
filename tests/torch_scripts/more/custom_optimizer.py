"""A hand-written optimizer and scheduler, as tutorials subclass them: torch.optim.Optimizer with
defaults, param_groups, per-parameter self.state[p], @torch.no_grad() step(closure) with
torch.enable_grad() around the closure; an LRScheduler subclass with get_lr() from base_lrs and
last_epoch; a parameter group added mid-run with add_param_group; state_dict round-trip."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

torch.manual_seed(0)


class SignMomentum(Optimizer):
    """Lion-like update: sign of an interpolated momentum, decoupled weight decay."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.99), weight_decay=0.0):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        defaults = dict(lr=lr, betas=betas, weight_decay=weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["exp_avg"] = torch.zeros_like(p)
                    state["step"] = 0
                state["step"] += 1
                exp_avg = state["exp_avg"]
                p.mul_(1 - group["lr"] * group["weight_decay"])
                update = exp_avg.mul(beta1).add(p.grad, alpha=1 - beta1).sign_()
                p.add_(update, alpha=-group["lr"])
                exp_avg.mul_(beta2).add_(p.grad, alpha=1 - beta2)
        return loss


class WarmupCosine(LRScheduler):
    def __init__(self, optimizer, warmup, total, last_epoch=-1):
        self.warmup, self.total = warmup, total
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        step = self.last_epoch
        if step < self.warmup:
            return [base * (step + 1) / self.warmup for base in self.base_lrs]
        progress = (step - self.warmup) / max(1, self.total - self.warmup)
        return [base * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))) for base in self.base_lrs]


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(6)
X = torch.from_numpy(rng.standard_normal((128, 5)).astype(np.float32))
y = (X[:, :1] * 2 - X[:, 1:2] ** 2 + 0.5 * torch.sin(3 * X[:, 2:3])).squeeze(1)
model = nn.Sequential(nn.Linear(5, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh())
head = nn.Linear(32, 1)
init_weights(nn.ModuleDict({"body": model, "head": head}))
opt = SignMomentum(model.parameters(), lr=3e-3, weight_decay=0.01)
sched = WarmupCosine(opt, warmup=3, total=20)
loss_fn = nn.MSELoss()
for step in range(20):
    if step == 5:
        opt.add_param_group({"params": head.parameters(), "lr": 1e-3, "weight_decay": 0.0})
        sched.base_lrs.append(1e-3)

    def closure():
        opt.zero_grad()
        loss = loss_fn(head(model(X)).squeeze(-1), y)
        loss.backward()
        return loss

    loss = opt.step(closure)
    sched.step()
    print(f"LOSS {step} {loss.item():.6f}")
    print(f"LOSS lr{step} {opt.param_groups[0]['lr']:.8f}")

sd = opt.state_dict()
opt2 = SignMomentum(list(model.parameters()), lr=1.0)
opt2.add_param_group({"params": list(head.parameters()), "lr": 1.0, "weight_decay": 0.0})
opt2.load_state_dict(sd)
assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
assert len(opt2.state) == len(list(model.parameters())) + 2
first = next(iter(model.parameters()))
print(f"LOSS momentum {opt2.state[first]['exp_avg'].abs().sum().item():.6f}")
print("steps", opt2.state[first]["step"])
