"""An energy-based model on a 2-D Gaussian mixture trained by contrastive divergence with
Langevin dynamics: negative samples start from fixed numpy noise and move along
-dE/dx from torch.autograd.grad(energy.sum(), x) (first order, on detached copies that
require grad), with step noise from numpy; the loss is E(data).mean() - E(samples).mean()
plus an energy-magnitude penalty, optimised with Adam; a replay buffer is kept as a tensor
updated by index assignment, and the energies of data and of samples are reported. Float64:
Langevin chains amplify float32 rounding."""
import os

import numpy as np
import torch
import torch.nn as nn


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



class Energy(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 32), nn.SiLU(), nn.Linear(32, 32), nn.SiLU(),
                                 nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def langevin(model, x, steps, rng, step_size=0.05, noise=0.01):
    for p in model.parameters():
        p.requires_grad_(False)
    x = x.detach()
    for _ in range(steps):
        x = x.clone().requires_grad_(True)
        e = model(x)
        (g,) = torch.autograd.grad(e.sum(), x)
        x = (x - step_size * g + noise * torch.from_numpy(rng.normal(size=tuple(x.shape)))).detach()
    for p in model.parameters():
        p.requires_grad_(True)
    return x


rng = np.random.default_rng(710)
means = np.array([[-1.5, 0.0], [1.5, 0.0], [0.0, 1.5]])
data = torch.from_numpy(means[rng.integers(0, 3, size=600)] + 0.2 * rng.normal(size=(600, 2)))
model = Energy().double()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.0, 0.999))
buffer = torch.from_numpy(rng.uniform(-2.5, 2.5, size=(256, 2)))
for it in range(20):
    batch = data[torch.from_numpy(rng.choice(600, size=64, replace=False))]
    pick = torch.from_numpy(rng.choice(256, size=64, replace=False))
    start = buffer[pick]
    fresh = torch.from_numpy(rng.random(64) < 0.05)
    start[fresh] = torch.from_numpy(rng.uniform(-2.5, 2.5, size=(int(fresh.sum()), 2)))
    neg = langevin(model, start, 10, rng)
    buffer[pick] = neg
    e_pos, e_neg = model(batch), model(neg)
    loss = e_pos.mean() - e_neg.mean() + 0.1 * (e_pos.pow(2).mean() + e_neg.pow(2).mean())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 4 == 0:
        print("LOSS iter", it, f"{loss.item():.6f}", f"{e_pos.mean().item():.6f}",
              f"{e_neg.mean().item():.6f}")

with torch.no_grad():
    grid = torch.stack(torch.meshgrid(torch.linspace(-2, 2, 9, dtype=torch.float64),
                                      torch.linspace(-2, 2, 9, dtype=torch.float64),
                                      indexing="ij"), -1).reshape(-1, 2)
    e = model(grid)
    print("LOSS grid", f"{e.mean().item():.6f}", f"{e.std().item():.6f}",
          f"{model(torch.from_numpy(means)).mean().item():.6f}")
samples = langevin(model, torch.from_numpy(rng.uniform(-2.5, 2.5, size=(128, 2))), 30, rng)
print("LOSS samples", f"{samples.mean(0).abs().sum().item():.6f}", f"{samples.std().item():.6f}",
      f"{buffer.abs().mean().item():.6f}")
