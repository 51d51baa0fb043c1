"""A RealNVP normalising flow on two-moons data: affine coupling layers with alternating
checkerboard masks (buffers), scale nets ending in tanh, the log-determinant summed per sample,
the base density from torch.distributions.Normal(...).log_prob (and Independent/MultivariateNormal
checked against it), training by maximum likelihood with Adam and clip_grad_norm_, then the
inverse pass (x -> z -> x round trip) and samples pushed through the inverse from fixed noise."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Independent, MultivariateNormal, Normal


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


class Coupling(nn.Module):
    def __init__(self, mask, hidden=32):
        super().__init__()
        self.register_buffer("mask", mask)
        self.s = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 2), nn.Tanh())
        self.t = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, x):
        xm = x * self.mask
        s = self.s(xm) * (1 - self.mask)
        t = self.t(xm) * (1 - self.mask)
        z = xm + (1 - self.mask) * (x * torch.exp(s) + t)
        return z, s.sum(dim=1)

    def inverse(self, z):
        zm = z * self.mask
        s = self.s(zm) * (1 - self.mask)
        t = self.t(zm) * (1 - self.mask)
        return zm + (1 - self.mask) * ((z - t) * torch.exp(-s))


class RealNVP(nn.Module):
    def __init__(self, n_layers=4):
        super().__init__()
        masks = [torch.tensor([1.0, 0.0]) if i % 2 == 0 else torch.tensor([0.0, 1.0])
                 for i in range(n_layers)]
        self.layers = nn.ModuleList(Coupling(m) for m in masks)
        self.base = Normal(torch.zeros(2), torch.ones(2))

    def forward(self, x):
        log_det = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det

    def log_prob(self, x):
        z, log_det = self(x)
        return self.base.log_prob(z).sum(dim=1) + log_det

    def inverse(self, z):
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


def two_moons(rng, n):
    t = rng.uniform(0, np.pi, size=n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    pts = np.stack([x, y], 1) + rng.normal(scale=0.08, size=(n, 2))
    return torch.from_numpy(((pts - [0.5, 0.25]) / 0.8).astype(np.float32))


rng = np.random.default_rng(702)
data = two_moons(rng, 512)
flow = RealNVP()
init_weights(flow)
opt = torch.optim.Adam(flow.parameters(), lr=3e-3)
for epoch in range(6):
    total = 0.0
    for i in range(0, 512, 128):
        batch = data[i:i + 128]
        loss = -flow.log_prob(batch).mean()
        opt.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(flow.parameters(), 5.0)
        opt.step()
        total += loss.item()
    print("LOSS epoch", epoch, f"{total / 4:.5f}", f"{norm.item():.5f}")

with torch.no_grad():
    z, log_det = flow(data[:64])
    back = flow.inverse(z)
    print("LOSS roundtrip", f"{(back - data[:64]).abs().max().item() < 1e-4}",
          f"{log_det.mean().item():.5f}", f"{z.std().item():.5f}")
    iso = Independent(Normal(torch.zeros(2), torch.ones(2)), 1).log_prob(z)
    mvn = MultivariateNormal(torch.zeros(2), torch.eye(2)).log_prob(z)
    print("LOSS base", f"{iso.sum().item():.4f}", f"{(iso - mvn).abs().max().item() < 1e-5}",
          f"{flow.base.log_prob(z).sum().item():.4f}")
    noise = torch.from_numpy(rng.normal(size=(200, 2)).astype(np.float32))
    samples = flow.inverse(noise)
    print("LOSS samples", f"{samples.mean(0)[0].item():.5f}", f"{samples.mean(0)[1].item():.5f}",
          f"{samples.std(0).sum().item():.5f}", f"{flow.log_prob(samples).mean().item():.5f}")
