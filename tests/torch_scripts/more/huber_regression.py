"""Robust regression with SmoothL1Loss / HuberLoss and CosineAnnealingWarmRestarts stepped
with fractional epochs."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
rng = np.random.default_rng(0)
X = rng.uniform(-2, 2, (200, 3)).astype(np.float32)
y = (np.sin(X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2]).astype(np.float32)
y[::17] += 8.0  # outliers
ds = TensorDataset(torch.from_numpy(X), torch.from_numpy(y).unsqueeze(1))
loader = DataLoader(ds, batch_size=25, shuffle=False)

model = nn.Sequential(nn.Linear(3, 32), nn.Tanh(), nn.Linear(32, 32), nn.SiLU(), nn.Linear(32, 1))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


init_weights(model)
smooth = nn.SmoothL1Loss(beta=0.5)
huber = nn.HuberLoss(delta=1.0, reduction="mean")
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)
scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2, eta_min=1e-4)
iters = len(loader)
lrs = []
for epoch in range(6):
    total = 0.0
    for i, (xb, yb) in enumerate(loader):
        pred = model(xb)
        loss = 0.5 * smooth(pred, yb) + 0.5 * huber(pred, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step(epoch + i / iters)
        lrs.append(scheduler.get_last_lr()[0])
        total += loss.item() * xb.size(0)
    print(f"LOSS {epoch} {total / len(ds):.6f} lr={optimizer.param_groups[0]['lr']:.6f}")
print("LRS", [round(v, 6) for v in lrs[::4]])
with torch.no_grad():
    mae = torch.nn.functional.l1_loss(model(ds.tensors[0]), ds.tensors[1]).item()
print("MAE", round(mae, 4))
