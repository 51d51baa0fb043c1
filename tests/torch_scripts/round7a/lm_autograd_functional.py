"""Fitting a physical model with torch.autograd.functional: the damped oscillator
x(t) = A exp(-g t) cos(w t + p) is fitted by Gauss-Newton / Levenberg-Marquardt, whose
Jacobian of the residuals with respect to the four parameters comes from
torch.autograd.functional.jacobian; vjp and jvp are checked against J^T v and J v, a Jacobian
of a vector function of several inputs (tuple inputs, vectorize=False) and one of a small
network's outputs with respect to its input. Float64, as least-squares code usually is."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.autograd.functional import jacobian, jvp, vjp


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


rng = np.random.default_rng(705)
t = torch.linspace(0, 6, 60, dtype=torch.float64)
truth = torch.tensor([1.5, 0.3, 2.2, 0.4], dtype=torch.float64)


def model(theta, t=t):
    a, g, w, p = theta.unbind()
    return a * torch.exp(-g * t) * torch.cos(w * t + p)


obs = model(truth) + torch.from_numpy(rng.normal(scale=0.05, size=60))


def residuals(theta):
    return model(theta) - obs


theta = torch.tensor([1.0, 0.2, 2.0, 0.1], dtype=torch.float64)
lam = 1e-2
for it in range(5):
    r = residuals(theta)
    J = jacobian(residuals, theta)
    JtJ = J.T @ J
    step = torch.linalg.solve(JtJ + lam * torch.diag(torch.diagonal(JtJ)), J.T @ r)
    cand = theta - step
    if residuals(cand).pow(2).sum() < r.pow(2).sum():
        theta, lam = cand, lam * 0.3
    else:
        lam = lam * 10
    print("LOSS lm", it, f"{residuals(theta).pow(2).sum().item():.6f}", f"{lam:.2e}",
          " ".join(f"{v:.5f}" for v in theta.tolist()))

v = torch.from_numpy(rng.normal(size=60))
u = torch.from_numpy(rng.normal(size=4))
J = jacobian(residuals, theta)
out, vj = vjp(residuals, theta, v)
out2, jv = jvp(residuals, theta, u)
print("LOSS vjp_jvp", f"{(vj - J.T @ v).abs().max().item() < 1e-10}",
      f"{(jv - J @ u).abs().max().item() < 1e-10}", f"{vj.sum().item():.6f}", f"{jv.sum().item():.6f}")


def polar(r, phi):
    return torch.stack([r * torch.cos(phi), r * torch.sin(phi), r * r * phi])


r0 = torch.tensor(1.3, dtype=torch.float64)
phi0 = torch.tensor(0.7, dtype=torch.float64)
jr, jphi = jacobian(polar, (r0, phi0))
print("LOSS tuple", tuple(jr.shape), " ".join(f"{x:.6f}" for x in torch.cat([jr, jphi]).tolist()))

net = nn.Sequential(nn.Linear(3, 8), nn.Softplus(), nn.Linear(8, 2)).double()
init_weights(net)
x0 = torch.from_numpy(rng.normal(size=3))
Jn = jacobian(net, x0, strict=True)
sens = jacobian(lambda x: net(x).sum(-1), torch.from_numpy(rng.normal(size=(5, 3))))
print("LOSS net", tuple(Jn.shape), f"{Jn.sum().item():.6f}", tuple(sens.shape),
      f"{torch.linalg.matrix_norm(Jn).item():.6f}", f"{sens.abs().sum().item():.6f}")
