"""Circular statistics and signal processing with the modified Bessel functions: a mixture
of von Mises distributions fitted to wind-direction-like angles by gradient ascent on a
hand-written log-likelihood (kappa cos(x - mu) - log(2 pi) - log(i0e(kappa)) - kappa, with
logsumexp over components and softplus-constrained concentrations), the concentration's
maximum-likelihood estimate by Newton's method on A(kappa) = i1e/i0e = mean resultant
length, and a Kaiser-window FIR low-pass filter (torch.i0 of beta sqrt(1 - t^2), then
conv1d) whose shape parameter beta is learned so that the filtered noisy signal matches the
clean one. Float64."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


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


class VonMisesMixture(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(k, dtype=torch.float64))
        self.mu_xy = nn.Parameter(torch.zeros(k, 2, dtype=torch.float64))
        self.raw_kappa = nn.Parameter(torch.zeros(k, dtype=torch.float64))

    def components(self):
        mu = torch.atan2(self.mu_xy[:, 1], self.mu_xy[:, 0])
        kappa = F.softplus(self.raw_kappa) + 1e-3
        return mu, kappa

    def log_prob(self, x):
        mu, kappa = self.components()
        log_norm = math.log(2 * math.pi) + torch.log(torch.special.i0e(kappa)) + kappa
        comp = kappa * torch.cos(x[:, None] - mu) - log_norm
        return torch.logsumexp(comp + F.log_softmax(self.logits, 0), dim=1)


rng = np.random.default_rng(717)
angles = np.concatenate([rng.vonmises(0.8, 6.0, 300), rng.vonmises(-2.2, 2.0, 200)])
x = torch.from_numpy(angles)
mix = VonMisesMixture(2)
init_weights(mix)
with torch.no_grad():
    mix.mu_xy.copy_(torch.tensor([[1.0, 0.5], [-0.6, -0.9]], dtype=torch.float64))
opt = torch.optim.Adam(mix.parameters(), lr=0.05)
for step in range(60):
    nll = -mix.log_prob(x).mean()
    opt.zero_grad()
    nll.backward()
    opt.step()
    if step % 12 == 0:
        mu, kappa = mix.components()
        print("LOSS mixture", step, f"{nll.item():.6f}", " ".join(f"{v:.4f}" for v in mu.tolist()),
              " ".join(f"{v:.4f}" for v in kappa.tolist()))

R = torch.sqrt(torch.cos(x[:300]).mean() ** 2 + torch.sin(x[:300]).mean() ** 2)
kappa = torch.tensor(1.0, dtype=torch.float64)
for it in range(6):
    k = kappa.clone().requires_grad_(True)
    A = torch.special.i1e(k) / torch.special.i0e(k)
    (dA,) = torch.autograd.grad(A, k)
    kappa = (k - (A - R) / dA).detach()
    print("LOSS newton", it, f"{kappa.item():.8f}", f"{(A - R).item():.8f}")
print("LOSS bessel", f"{torch.special.i0(kappa).item():.6f}", f"{torch.special.i1(kappa).item():.6f}",
      f"{torch.i0(torch.tensor([0.0, 50.0], dtype=torch.float64)).log().sum().item():.6f}",
      f"{torch.special.i1e(torch.tensor(-40.0, dtype=torch.float64)).item():.8f}")

n = 2048
t = torch.arange(n, dtype=torch.float64)
clean = torch.sin(2 * math.pi * t / 128) + 0.5 * torch.sin(2 * math.pi * t / 50)
noisy = clean + torch.from_numpy(rng.normal(scale=0.6, size=n))
log_beta = torch.tensor(math.log(2.0), dtype=torch.float64, requires_grad=True)
taps = 31
opt = torch.optim.Adam([log_beta], lr=0.1)


def kaiser(beta, m):
    r = torch.linspace(-1.0, 1.0, m, dtype=torch.float64)
    return torch.i0(beta * torch.sqrt((1 - r * r).clamp_min(0))) / torch.i0(beta)


k = torch.arange(taps, dtype=torch.float64) - taps // 2
ideal = 0.08 * torch.sinc(0.08 * k)
for step in range(25):
    w = kaiser(log_beta.exp(), taps) * ideal
    h = w / w.sum()
    out = F.conv1d(noisy.view(1, 1, -1), h.flip(0).view(1, 1, -1), padding=taps // 2).view(-1)
    loss = F.mse_loss(out[taps:-taps], clean[taps:-taps])
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print("LOSS kaiser", step, f"{loss.item():.6f}", f"{log_beta.exp().item():.5f}",
              f"{log_beta.grad.item():.6f}")
