"""The mixed-precision training template run on a CPU, where it is switched off:
torch.amp.GradScaler(enabled=False) and torch.autocast(enabled=False) wrapped around gradient
accumulation (scaler.scale(loss / accum).backward(), scaler.unscale_, clip_grad_norm_,
scaler.step, scaler.update, get_scale), BatchNorm1d with momentum=None (a cumulative average
of the batch statistics), a BatchNorm with track_running_stats=False, num_batches_tracked, and
evaluation with model.eval() under torch.no_grad() against a manual batch-norm formula."""
import os

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


rng = np.random.default_rng(79)
X = torch.from_numpy((rng.normal(size=(96, 6)) * [1, 2, 0.5, 3, 1, 1] + [0, 1, -1, 2, 0, 0]).astype(np.float32))
w_true = rng.normal(size=6)
y = torch.from_numpy((X.numpy() @ w_true > 1.0).astype(np.int64))

model = nn.Sequential(nn.Linear(6, 24), nn.BatchNorm1d(24, momentum=None), nn.Tanh(),
                      nn.Linear(24, 12), nn.BatchNorm1d(12, affine=False, track_running_stats=False),
                      nn.Tanh(), nn.Linear(12, 2))
init_weights(model)
use_amp = False
scaler = torch.amp.GradScaler("cpu", enabled=use_amp)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
ACCUM = 3
print("LOSS scaler", scaler.is_enabled(), scaler.get_scale(), model[1].momentum is None,
      model[4].running_mean is None)
for epoch in range(4):
    model.train()
    opt.zero_grad(set_to_none=True)
    total = 0.0
    for i, start in enumerate(range(0, 96, 16)):
        xb, yb = X[start:start + 16], y[start:start + 16]
        with torch.autocast(device_type="cpu", enabled=use_amp):
            loss = F.cross_entropy(model(xb), yb) / ACCUM
        scaler.scale(loss).backward()
        total += loss.item()
        if (i + 1) % ACCUM == 0:
            scaler.unscale_(opt)
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0)
            scaler.step(opt)
            scaler.update()
            opt.zero_grad(set_to_none=True)
    bn = model[1]
    print(f"LOSS epoch{epoch} {total:.5f} {norm.item():.5f} {bn.num_batches_tracked.item()} "
          f"{bn.running_mean.sum().item():.5f} {bn.running_var.mean().item():.5f}")

# with momentum=None the running mean is the plain average of every batch mean seen
probe = nn.BatchNorm1d(24, momentum=None)
h = model[0](X).detach()
with torch.no_grad():
    for start in range(0, 96, 32):
        probe(h[start:start + 32])
batch_means = torch.stack([h[s:s + 32].mean(0) for s in range(0, 96, 32)]).mean(0)
print(f"LOSS cumulative {(probe.running_mean - batch_means).abs().max().item() < 1e-5} "
      f"{probe.running_var.sum().item():.5f} {probe.num_batches_tracked.item()}")

model.eval()
with torch.no_grad():
    logits = model(X)
    bn = model[1]
    manual = (h - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
    gap = (model[1](h) - manual).abs().max().item()
    eval_loss = F.cross_entropy(logits, y).item()
    probs = logits.double().softmax(-1)[:, 1]
print(f"LOSS eval {eval_loss:.5f} {gap < 1e-5} {probs.mean().item():.5f} {model.training} "
      f"{model[1].training}")
