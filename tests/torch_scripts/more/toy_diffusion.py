"""Toy DDPM on 2-D points: cumprod noise schedule, erf-GELU, EMA weights with lerp_,
atan2/diff features, multinomial timestep sampling."""
import copy
import math
import os

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
T = 50
betas = torch.linspace(1e-4, 0.05, T)
alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
assert torch.all(torch.diff(alphas_cumprod) < 0)


def gelu_exact(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


class Denoiser(nn.Module):
    def __init__(self, h=64):
        super().__init__()
        self.inp = nn.Linear(2 + 1 + 2, h)
        self.mid = nn.Linear(h, h)
        self.out = nn.Linear(h, 2)

    def forward(self, x, t):
        angle = torch.atan2(x[:, 1], x[:, 0]).unsqueeze(1)
        feats = torch.cat([x, angle, (t.float() / T).unsqueeze(1), torch.erfinv(torch.tanh(x[:, :1]) * 0.9)], dim=1)
        return self.out(gelu_exact(self.mid(gelu_exact(self.inp(feats)))))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)
theta = rng.uniform(0, 2 * np.pi, 512)
data = torch.tensor(np.stack([np.cos(theta), np.sin(theta)], 1) * 2, dtype=torch.float32)
model = Denoiser()
init_weights(model)
ema = copy.deepcopy(model)
for p in ema.parameters():
    p.requires_grad_(False)
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
t_all = torch.from_numpy(rng.integers(0, T, (25, 64)))
noise_all = torch.from_numpy(rng.standard_normal((25, 64, 2)).astype(np.float32))
for step in range(25):
    x0 = data[(step * 64) % 512:(step * 64) % 512 + 64]
    t, noise = t_all[step], noise_all[step]
    a = alphas_cumprod[t].unsqueeze(1)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
    loss = nn.functional.mse_loss(model(xt, t), noise)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        for pe, p in zip(ema.parameters(), model.parameters()):
            pe.lerp_(p, 0.1)
    print(f"LOSS {step} {loss.item():.6f}")

weights = torch.ones(T) / T
ts = torch.multinomial(weights, 8, replacement=True)
with torch.no_grad():
    x = torch.from_numpy(rng.standard_normal((8, 2)).astype(np.float32))
    print("EMA OUT", ema(x, ts).shape, bool(torch.isfinite(ema(x, ts)).all()))
