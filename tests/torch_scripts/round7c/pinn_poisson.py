"""A physics-informed network for the 1-D Poisson problem -u'' = pi^2 sin(pi x) on [0, 1]
with u(0) = u(1) = 0: u'(x) and u''(x) come from torch.autograd.grad(..., create_graph=True)
twice on collocation points that require grad, and the PDE residual is trained with Adam
(the loss's gradient with respect to the weights goes through the backward of a backward)."""
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


net = nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 1))
init_weights(net)
x = torch.linspace(0, 1, 32).unsqueeze(1).requires_grad_(True)
ends = torch.tensor([[0.0], [1.0]])
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(30):
    u = net(x)
    (du,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    (d2u,) = torch.autograd.grad(du.sum(), x, create_graph=True)
    residual = -d2u - np.pi ** 2 * torch.sin(np.pi * x)
    loss = residual.pow(2).mean() + 10 * net(ends).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print("LOSS step", step, f"{loss.item():.5f}")
