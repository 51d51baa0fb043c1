"""Scientific finite-difference code: the 1-D heat equation u_t = D u_xx stepped explicitly
with a Laplacian built from torch.diff (and checked against torch.gradient applied twice with a
spacing), the diffusion coefficient D (and the initial amplitude) fitted by backpropagating
through 60 time steps to data made from the erf-based analytic solution (torch.special.erf);
mass conservation checked with torch.trapezoid, the cumulative heat with
torch.cumulative_trapezoid, and a Beta/Gamma prior on D from torch.distributions whose
log_prob (lgamma/digamma inside) enters a MAP objective. Float64, as solvers usually are."""
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.distributions import Gamma


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


L, N = 4.0, 81
x = torch.linspace(-L, L, N, dtype=torch.float64)
dx = (x[1] - x[0]).item()


def analytic(t, D, a=1.0, w=0.5):
    """A box of height a and half-width w diffusing: (a/2)(erf((w - x)/s) + erf((w + x)/s))."""
    s = 2 * torch.sqrt(D * t)
    return 0.5 * a * (torch.special.erf((w - x) / s) + torch.special.erf((w + x) / s))


def laplacian(u):
    inner = torch.diff(u, n=2) / dx ** 2
    return F.pad(inner, (1, 1))


def simulate(u0, D, steps, dt):
    us = [u0]
    u = u0
    for _ in range(steps):
        u = u + dt * D * laplacian(u)
        us.append(u)
    return torch.stack(us)


t0, dt, steps = 0.05, 0.004, 60
D_true = torch.tensor(0.35, dtype=torch.float64)
times = t0 + dt * torch.arange(steps + 1, dtype=torch.float64)
rng = np.random.default_rng(714)
obs = torch.stack([analytic(t, D_true) for t in times]) + torch.from_numpy(
    rng.normal(scale=0.005, size=(steps + 1, N)))

u_ref = analytic(torch.tensor(t0, dtype=torch.float64), D_true)
(g1,) = torch.gradient(u_ref, spacing=dx)
(g2,) = torch.gradient(g1, spacing=dx)
lap = laplacian(u_ref)
print("LOSS stencils", f"{(g2[2:-2] - lap[2:-2]).abs().max().item():.6f}",
      f"{torch.gradient(u_ref, spacing=(x,))[0].abs().sum().item():.6f}",
      f"{torch.gradient(u_ref, spacing=dx, edge_order=2)[0][30:35].sum().item():.6f}")

log_D = torch.tensor(np.log(0.1), dtype=torch.float64, requires_grad=True)
amp = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
prior = Gamma(torch.tensor(2.0, dtype=torch.float64), torch.tensor(4.0, dtype=torch.float64))
opt = torch.optim.Adam([log_D, amp], lr=0.05)
for it in range(40):
    D = log_D.exp()
    u0 = amp * analytic(torch.tensor(t0, dtype=torch.float64), D) / analytic(
        torch.tensor(t0, dtype=torch.float64), D).max().detach()
    pred = simulate(u0, D, steps, dt)
    nll = (pred - obs).pow(2).sum() / (2 * 0.005 ** 2) / obs.numel()
    loss = nll - prior.log_prob(D) / obs.numel()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 8 == 0:
        print("LOSS fit", it, f"{loss.item():.6f}", f"{D.item():.6f}", f"{amp.item():.6f}",
              f"{log_D.grad.item():.6f}")

with torch.no_grad():
    D = log_D.exp()
    pred = simulate(obs[0], D, steps, dt)
    mass = torch.trapezoid(pred, x, dim=1)
    heat = torch.cumulative_trapezoid(pred[-1], dx=dx)
    print("LOSS mass", f"{mass[0].item():.6f}", f"{mass[-1].item():.6f}",
          f"{heat[-1].item():.6f}", f"{torch.trapezoid(pred[-1], dx=dx).item():.6f}")
    print("LOSS prior", f"{prior.log_prob(D).item():.6f}", f"{prior.mean.item():.4f}",
          f"{prior.entropy().item():.6f}", f"{torch.special.digamma(torch.tensor(2.5)).item():.6f}")
