"""Gaussian-process regression as a notebook writes it: an RBF kernel with learnable log
length-scale, log signal variance and log noise (nn.Parameter in a Module), the exact marginal
likelihood through torch.linalg.cholesky, torch.cholesky_solve, torch.cholesky_inverse and
2 * log(diag(L)).sum() (checked against torch.logdet and torch.linalg.slogdet), hyper-parameters
fitted with Adam, then the posterior mean and variance on a test grid (torch.linalg.solve_triangular).
Float64, as GP code usually is."""
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


class RBFGP(nn.Module):
    def __init__(self):
        super().__init__()
        self.log_ell = nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
        self.log_sf = nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
        self.log_sn = nn.Parameter(torch.tensor(-1.0, dtype=torch.float64))

    def kernel(self, a, b):
        d2 = (a[:, None, :] - b[None, :, :]).pow(2).sum(-1)
        return self.log_sf.exp().pow(2) * torch.exp(-0.5 * d2 / self.log_ell.exp().pow(2))

    def nll(self, x, y):
        n = x.shape[0]
        K = self.kernel(x, x) + (self.log_sn.exp().pow(2) + 1e-6) * torch.eye(n, dtype=x.dtype)
        L = torch.linalg.cholesky(K)
        alpha = torch.cholesky_solve(y.unsqueeze(1), L)
        logdet = 2 * torch.log(torch.diagonal(L)).sum()
        return 0.5 * (y.unsqueeze(1) * alpha).sum() + 0.5 * logdet + 0.5 * n * np.log(2 * np.pi), K, L

    def posterior(self, x, y, xs):
        n = x.shape[0]
        K = self.kernel(x, x) + (self.log_sn.exp().pow(2) + 1e-6) * torch.eye(n, dtype=x.dtype)
        L = torch.linalg.cholesky(K)
        Ks = self.kernel(x, xs)
        v = torch.linalg.solve_triangular(L, Ks, upper=False)
        alpha = torch.cholesky_solve(y.unsqueeze(1), L)
        mean = (Ks.T @ alpha).squeeze(1)
        var = self.log_sf.exp().pow(2) - v.pow(2).sum(0)
        return mean, var


rng = np.random.default_rng(701)
x = torch.from_numpy(np.sort(rng.uniform(-3, 3, size=(25, 1)), axis=0))
y = torch.sin(2 * x[:, 0]) + 0.3 * x[:, 0] + torch.from_numpy(rng.normal(scale=0.1, size=25))
gp = RBFGP()
init_weights(gp)
opt = torch.optim.Adam(gp.parameters(), lr=0.05)
for step in range(60):
    opt.zero_grad()
    loss, K, L = gp.nll(x, y)
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print("LOSS step", step, f"{loss.item():.6f}", f"{gp.log_ell.grad.item():.6f}",
              f"{gp.log_sn.grad.item():.6f}")

with torch.no_grad():
    loss, K, L = gp.nll(x, y)
    sign, logabs = torch.linalg.slogdet(K)
    print("LOSS logdet", f"{(2 * torch.log(torch.diagonal(L)).sum()).item():.6f}",
          f"{torch.logdet(K).item():.6f}", f"{sign.item():.1f}", f"{logabs.item():.6f}")
    Kinv = torch.cholesky_inverse(L)
    print("LOSS inverse", f"{(Kinv @ K - torch.eye(25, dtype=K.dtype)).abs().max().item() < 1e-8}",
          f"{Kinv.trace().item():.5f}")
    xs = torch.linspace(-3.5, 3.5, 15, dtype=torch.float64).unsqueeze(1)
    mean, var = gp.posterior(x, y, xs)
    print("LOSS posterior", f"{mean.sum().item():.6f}", f"{mean[7].item():.6f}",
          f"{var.clamp_min(0).sqrt().sum().item():.6f}")
    print("LOSS hypers", f"{gp.log_ell.exp().item():.6f}", f"{gp.log_sf.exp().item():.6f}",
          f"{gp.log_sn.exp().item():.6f}")
