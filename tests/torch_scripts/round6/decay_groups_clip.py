"""Weight decay kept off biases and normalisation weights with parameter groups built from
named_parameters() (by name suffix and by ndim), AdamW over the groups, gradient clipping by
norm with error_if_nonfinite=True (its total norm logged, and the RuntimeError it raises on an
injected inf caught), torch.nn.utils.parameters_to_vector to follow the weights' distance from
the start, and a group's weight_decay read back from optimizer.param_groups."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_, parameters_to_vector


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


rng = np.random.default_rng(606)
X = torch.from_numpy(rng.normal(size=(64, 10)).astype(np.float32))
Y = torch.from_numpy(np.tanh(X.numpy() @ rng.normal(size=(10, 2))).astype(np.float32))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 32)
        self.norm = nn.LayerNorm(32)
        # no bias before BatchNorm: its gradient is rounding noise, which Adam scales up to
        # full-size steps that differ between libraries
        self.fc2 = nn.Linear(32, 32, bias=False)
        self.bn = nn.BatchNorm1d(32)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        x = torch.tanh(self.norm(self.fc1(x)))
        x = torch.tanh(self.bn(self.fc2(x)))
        return self.head(x)


model = Net()
init_weights(model)
decay, no_decay = [], []
for name, param in model.named_parameters():
    if not param.requires_grad:
        continue
    if name.endswith(".bias") or "norm" in name or "bn" in name or param.ndim <= 1:
        no_decay.append(param)
    else:
        decay.append(param)
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                         {"params": no_decay, "weight_decay": 0.0}], lr=0.01)
print("LOSS groups", len(decay), len(no_decay), [g["weight_decay"] for g in opt.param_groups],
      sum(p.numel() for p in decay))
start = parameters_to_vector(model.parameters()).detach().clone()
for step in range(10):
    loss = F.mse_loss(model(X), Y)
    opt.zero_grad()
    loss.backward()
    total = clip_grad_norm_(model.parameters(), max_norm=0.5, error_if_nonfinite=True)
    opt.step()
    if step % 2 == 0:
        moved = (parameters_to_vector(model.parameters()) - start).norm()
        print(f"LOSS step{step} {loss.item():.6f} {total.item():.6f} {moved.item():.6f}")
after = sum(p.grad.norm() ** 2 for p in model.parameters()).sqrt()
print("LOSS clipped", f"{after.item():.6f}", total.dim(), total.dtype == torch.float32)

model.fc1.weight.grad[0, 0] = float("inf")
try:
    clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
    print("LOSS nonfinite no_error")
except RuntimeError as e:
    print("LOSS nonfinite raised", "non-finite" in str(e))
norm = clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=False)
print("LOSS nonfinite_off", norm.item(), torch.isfinite(model.fc2.weight.grad).all().item())
