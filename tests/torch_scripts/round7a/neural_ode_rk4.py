"""A neural ODE fitted to a damped spiral without an ODE library: the vector field is an MLP
of (t, y), a hand-written fixed-step RK4 integrator (a Python loop that stacks the states with
torch.stack) is differentiated straight through, the loss is the MSE over observed times;
Euler and midpoint steps are compared with RK4 on the trained field, and the trained model is
extrapolated beyond the training window."""
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


class ODEFunc(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                                 nn.Linear(32, 2))

    def forward(self, t, y):
        tt = torch.ones_like(y[..., :1]) * t
        return self.net(torch.cat([y, tt], dim=-1))


def rk4_step(f, t, y, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, y + h / 2 * k1)
    k3 = f(t + h / 2, y + h / 2 * k2)
    k4 = f(t + h, y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def euler_step(f, t, y, h):
    return y + h * f(t, y)


def midpoint_step(f, t, y, h):
    return y + h * f(t + h / 2, y + h / 2 * f(t, y))


def odeint(f, y0, ts, step=rk4_step, substeps=2):
    ys = [y0]
    y = y0
    for i in range(len(ts) - 1):
        h = (ts[i + 1] - ts[i]) / substeps
        t = ts[i]
        for _ in range(substeps):
            y = step(f, t, y, h)
            t = t + h
        ys.append(y)
    return torch.stack(ys)


A = torch.tensor([[-0.1, 2.0], [-2.0, -0.1]])
true_y0 = torch.tensor([[2.0, 0.0]])
ts = torch.linspace(0.0, 5.0, 26)
with torch.no_grad():
    true_ys = odeint(lambda t, y: (y ** 3) @ A * 0.1 + y @ A * 0.3, true_y0, ts, substeps=4)

func = ODEFunc()
init_weights(func)
opt = torch.optim.Adam(func.parameters(), lr=1e-2)
rng = np.random.default_rng(703)
for it in range(40):
    start = int(rng.integers(0, 16))
    batch_t = ts[start:start + 10] - ts[start]
    pred = odeint(func, true_ys[start], batch_t)
    loss = F.mse_loss(pred, true_ys[start:start + 10])
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 8 == 0:
        print("LOSS iter", it, start, f"{loss.item():.5f}")

with torch.no_grad():
    full = odeint(func, true_y0, ts)
    print("LOSS full", f"{F.mse_loss(full, true_ys).item():.5f}", f"{full[-1, 0, 0].item():.5f}",
          f"{full[-1, 0, 1].item():.5f}")
    for name, step in [("euler", euler_step), ("midpoint", midpoint_step)]:
        other = odeint(func, true_y0, ts, step=step, substeps=2)
        print("LOSS method", name, f"{(other - full).abs().max().item():.5f}")
    far = odeint(func, true_y0, torch.linspace(0.0, 7.0, 36))
    print("LOSS extrapolate", f"{far[-1].norm().item():.5f}", tuple(far.shape))
