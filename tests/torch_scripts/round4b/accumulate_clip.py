"""Gradient accumulation and clipping as the forum answers write them: loss / accum_steps with
optimizer.step() every accum_steps micro-batches (and at the end of an uneven epoch), the same
update from one large batch; clip_grad_norm_ returning the total norm (norm_type 2, inf and 1,
a max_norm that does not clip), clip_grad_value_, get_total_norm + clip_grads_with_norm_,
error_if_nonfinite on an inf gradient; the per-parameter grad norms logged."""
import math
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


def make_model():
    model = nn.Sequential(nn.Linear(8, 32), nn.SiLU(), nn.Linear(32, 32), nn.SiLU(),
                          nn.Linear(32, 2))
    init_weights(model)
    return model


rng = np.random.default_rng(7)
X = torch.from_numpy(rng.normal(size=(56, 8)).astype(np.float32) * 3)
Y = torch.from_numpy(rng.normal(size=(56, 2)).astype(np.float32) * 5)

# accumulation over 4 micro-batches of 4 == one batch of 16 (mean loss)
model, big = make_model(), make_model()
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
opt_big = torch.optim.SGD(big.parameters(), lr=0.01, momentum=0.9)
accum_steps = 4
micro = [(X[i:i + 4], Y[i:i + 4]) for i in range(0, 56, 4)]
opt.zero_grad()
for i, (xb, yb) in enumerate(micro):
    loss = F.mse_loss(model(xb), yb) / accum_steps
    loss.backward()
    if (i + 1) % accum_steps == 0 or i + 1 == len(micro):
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
        opt.step()
        opt.zero_grad()
        lo = (i // accum_steps) * 16
        big_loss = F.mse_loss(big(X[lo:lo + 16]), Y[lo:lo + 16])
        if i + 1 == len(micro):  # the last, short accumulation: 2 micro-batches scaled by 1/4
            big_loss = big_loss * (len(micro) % accum_steps) / accum_steps
        opt_big.zero_grad()
        big_loss.backward()
        big_norm = nn.utils.clip_grad_norm_(big.parameters(), max_norm=5.0)
        opt_big.step()
        print(f"LOSS accum{i} {loss.item() * accum_steps:.6f} {norm.item():.5f} "
              f"{big_norm.item():.5f} {big_loss.item():.6f}")
gap = sum((a - b).abs().max().item() for a, b in zip(model.parameters(), big.parameters()))
print(f"LOSS accum_gap {gap < 1e-5}")

# the norms and clipping variants
model = make_model()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(6):
    xb, yb = X[step * 8:(step + 1) * 8], Y[step * 8:(step + 1) * 8]
    loss = F.mse_loss(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    norms = [p.grad.norm().item() for p in model.parameters()]
    if step % 3 == 0:
        total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0, norm_type=math.inf)
    elif step % 3 == 1:
        total = nn.utils.clip_grad_norm_(model.parameters(), 2.0, norm_type=1.0)
    else:
        total = nn.utils.clip_grad_norm_(model.parameters(), 1e6)
    after = torch.norm(torch.stack([p.grad.norm() for p in model.parameters()])).item()
    opt.step()
    print(f"LOSS clipnorm{step} {loss.item():.6f} {total.item():.5f} {after:.5f} "
          f"{max(norms):.5f}")

for step in range(4):
    xb, yb = X[step * 8:(step + 1) * 8], Y[step * 8:(step + 1) * 8]
    loss = F.mse_loss(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_value_(model.parameters(), clip_value=0.05)
    top = max(p.grad.abs().max().item() for p in model.parameters())
    opt.step()
    print(f"LOSS clipvalue{step} {loss.item():.6f} {top:.6f}")

for step in range(3):
    xb, yb = X[step * 8:(step + 1) * 8], Y[step * 8:(step + 1) * 8]
    loss = F.mse_loss(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total = nn.utils.get_total_norm(grads, norm_type=2.0)
    nn.utils.clip_grads_with_norm_(model.parameters(), max_norm=0.5, total_norm=total)
    opt.step()
    print(f"LOSS split{step} {loss.item():.6f} {total.item():.5f}")

model[0].weight.grad[0, 0] = float("inf")
try:
    nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
    print("LOSS nonfinite no_error")
except RuntimeError as e:
    print("LOSS nonfinite", type(e).__name__)
total = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
print("LOSS inf_norm", total.item())
