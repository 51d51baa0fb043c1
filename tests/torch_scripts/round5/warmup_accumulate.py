"""Learning-rate warmup and gradient accumulation as fine-tuning scripts write them: LambdaLR
with a linear warmup then inverse-square-root decay, SequentialLR chaining a LinearLR warmup
into CosineAnnealingLR (milestones), get_last_lr() logged every step, optimizer steps every
accum_steps micro-batches with loss / accum_steps, torch.nn.utils.clip_grad_value_ before each
step, AdamW with weight decay off for biases and LayerNorm (two parameter groups), and
scheduler.state_dict() restored into a fresh scheduler mid-run."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearLR, SequentialLR

rng = np.random.default_rng(171)


def init_weights(*models):
    """torch saves the initial weights of every model to INIT_WEIGHTS; glassnet loads them."""
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for i, m in enumerate(models):
            pre = f"{i}."
            m.load_state_dict({k[len(pre):]: torch.from_numpy(arrays[k]) for k in arrays.files
                               if k.startswith(pre)})
    else:
        np.savez(path, **{f"{i}.{k}": v.detach().cpu().numpy()
                          for i, m in enumerate(models) for k, v in m.state_dict().items()})


model = nn.Sequential(nn.Linear(6, 24), nn.LayerNorm(24), nn.GELU(), nn.Linear(24, 1))
model2 = nn.Sequential(nn.Linear(6, 24), nn.LayerNorm(24), nn.GELU(), nn.Linear(24, 1))
init_weights(model, model2)
X = torch.from_numpy(rng.normal(size=(96, 6)).astype(np.float32))
Y = torch.from_numpy((np.sin(X.numpy()[:, :1] * 2) + 0.1 * X.numpy()[:, 1:2]).astype(np.float32))


def groups(m):
    decay = [p for n, p in m.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in m.named_parameters() if p.ndim <= 1]
    return [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}]


WARMUP = 4


def warmup_rsqrt(step):
    step += 1
    return step / WARMUP if step <= WARMUP else math.sqrt(WARMUP / step)


opt = torch.optim.AdamW(groups(model), lr=4e-3)
sched = LambdaLR(opt, lr_lambda=warmup_rsqrt)
opt2 = torch.optim.AdamW(groups(model2), lr=4e-3)
sched2 = SequentialLR(opt2, [LinearLR(opt2, start_factor=0.1, total_iters=3),
                             CosineAnnealingLR(opt2, T_max=8, eta_min=1e-4)], milestones=[3])
accum = 3
micro = [(X[i:i + 8], Y[i:i + 8]) for i in range(0, 96, 8)]
for epoch in range(2):
    for m, o, s, tag in ((model, opt, sched, "lambda"), (model2, opt2, sched2, "seq")):
        o.zero_grad()
        for i, (xb, yb) in enumerate(micro):
            loss = F.mse_loss(m(xb), yb) / accum
            loss.backward()
            if (i + 1) % accum == 0:
                torch.nn.utils.clip_grad_value_(m.parameters(), clip_value=0.1)
                top = max(p.grad.abs().max().item() for p in m.parameters())
                o.step()
                o.zero_grad()
                s.step()
                if i % 6 == 5:
                    print(f"LOSS {tag}{epoch}_{i} {loss.item() * accum:.6f} {top:.4f} "
                          f"{s.get_last_lr()[0]:.7f} {s.get_last_lr()[1]:.7f}")

state = sched.state_dict()
fresh = LambdaLR(opt, lr_lambda=warmup_rsqrt)
fresh.load_state_dict(state)
print("LOSS restored", fresh.last_epoch, f"{fresh.get_last_lr()[0]:.7f}",
      all(k in state for k in ("last_epoch", "base_lrs", "_last_lr", "_step_count")))
s2 = sched2.state_dict()
print("LOSS seq_state", s2["last_epoch"], s2["_milestones"], len(s2["_schedulers"]),
      f"{opt2.param_groups[0]['lr']:.7f}")
with torch.no_grad():
    print(f"LOSS final {F.mse_loss(model(X), Y).item():.6f} {F.mse_loss(model2(X), Y).item():.6f}")
