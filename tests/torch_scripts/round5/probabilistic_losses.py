"""Probabilistic regression heads: a network that predicts a mean and a variance trained with
nn.GaussianNLLLoss (a softplus variance, full=True, eps, a variance per sample broadcast and
per dimension), count data with nn.PoissonNLLLoss (log_input=True and False, full=True for the
Stirling term), and a distribution over bins matched with nn.KLDivLoss(reduction='batchmean')
for log_target=False and log_target=True; the losses compared with F.* calls; all in float64
(the variance head's 1/var amplifies float32 rounding over the steps)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(41)


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


class Heteroscedastic(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, 24), nn.Tanh(), nn.Linear(24, 24), nn.Tanh())
        self.mean = nn.Linear(24, 2)
        self.var = nn.Linear(24, 2)

    def forward(self, x):
        h = self.body(x)
        return self.mean(h), F.softplus(self.var(h)) + 1e-4


x = torch.from_numpy(rng.uniform(-2, 2, size=(80, 1)))
noise = rng.normal(size=(80, 2)) * np.abs(x.numpy()) * 0.5
y = torch.from_numpy(np.concatenate([np.sin(2 * x.numpy()), np.cos(x.numpy())], 1) + noise)
counts = torch.from_numpy(rng.poisson(np.exp(1 + x.numpy()), size=(80, 1)).astype(np.float64))
bins = torch.from_numpy(rng.dirichlet(np.ones(6), size=80))

net = Heteroscedastic()
rate = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
hist = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 6))
init_weights(net, rate, hist)
params = list(net.parameters()) + list(rate.parameters()) + list(hist.parameters())
opt = torch.optim.Adam(params, lr=1e-2)
gauss = nn.GaussianNLLLoss(full=True, eps=1e-6)
poisson_log = nn.PoissonNLLLoss(log_input=True, full=True)
poisson = nn.PoissonNLLLoss(log_input=False, eps=1e-6)
kl = nn.KLDivLoss(reduction="batchmean")
kl_log = nn.KLDivLoss(reduction="batchmean", log_target=True)
for step in range(40):
    mean, var = net(x)
    g = gauss(mean, y, var)
    g_shared = F.gaussian_nll_loss(mean, y, var[:, :1], reduction="sum")  # one var per sample
    log_rate = rate(x)
    p1 = poisson_log(log_rate, counts)
    p2 = poisson(log_rate.exp(), counts)
    logq = F.log_softmax(hist(x), dim=1)
    k1 = kl(logq, bins)
    k2 = kl_log(logq, bins.log())
    loss = g + 0.01 * g_shared + p1 + p2 + k1 + k2
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 8 == 0:
        print(f"LOSS step{step} {g.item():.6f} {g_shared.item():.5f} {p1.item():.6f} "
              f"{p2.item():.6f} {k1.item():.6f} {k2.item():.6f}")
with torch.no_grad():
    mean, var = net(x)
    none = F.gaussian_nll_loss(mean, y, var, reduction="none")
    kl_none = F.kl_div(F.log_softmax(hist(x), 1), bins, reduction="none")
print("LOSS final", f"{none.sum().item():.5f}", f"{kl_none.sum().item():.6f}", tuple(none.shape),
      f"{var.mean().item():.6f}")
try:
    gauss(mean, y, -var)
except ValueError as e:
    print("LOSS negative_var", type(e).__name__)
