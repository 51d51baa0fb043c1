"""Parametrizations beyond a single one: torch.nn.utils.parametrizations.orthogonal on a
recurrent-style square weight, a custom parametrization with right_inverse so that assigning
layer.weight = W stores the inverse, two parametrizations stacked on one tensor (a scale on top
of a symmetric one), unsafe=True, a parametrized bias, and training through all of them."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as P
from torch.nn.utils.parametrizations import orthogonal


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


rng = np.random.default_rng(618)
X = torch.from_numpy(rng.normal(size=(24, 5)).astype(np.float64))
Y = torch.from_numpy(rng.normal(size=(24, 5)).astype(np.float64))


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class Scale(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s

    def forward(self, X):
        return X * self.s

    def right_inverse(self, A):
        return A / self.s


class Softplus(nn.Module):
    def forward(self, b):
        return F.softplus(b)


model = nn.Sequential(nn.Linear(5, 5), nn.Tanh(), nn.Linear(5, 5), nn.Tanh(), nn.Linear(5, 5)).double()
init_weights(model)
P.register_parametrization(model[0], "weight", Symmetric())
P.register_parametrization(model[0], "weight", Scale(2.0))
P.register_parametrization(model[0], "bias", Softplus())
w0 = model[0].weight
print("LOSS stacked", len(model[0].parametrizations.weight), torch.allclose(w0, w0.T),
      f"{w0.sum().item():.6f}", f"{model[0].bias.min().item() > 0}")
A = torch.from_numpy(rng.normal(size=(5, 5)))
A = A + A.T
model[0].weight = A
print("LOSS assigned", torch.allclose(model[0].weight, A), f"{model[0].parametrizations.weight.original.sum().item():.6f}")
orthogonal(model[2])
Q = model[2].weight
print("LOSS orth", torch.allclose(Q @ Q.T, torch.eye(5, dtype=torch.float64), atol=1e-8),
      sorted(k for k in model.state_dict() if k.startswith("2.")))
opt = torch.optim.Adam(model.parameters(), lr=0.02)
for step in range(9):
    loss = F.mse_loss(model(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 2 == 0:
        Q = model[2].weight
        print(f"LOSS step{step} {loss.item():.8f} {(Q @ Q.T - torch.eye(5, dtype=torch.float64)).abs().max().item() < 1e-8} "
              f"{model[0].weight.sum().item():.6f}")
P.remove_parametrizations(model[0], "weight")
print("LOSS removed", P.is_parametrized(model[0], "weight"), P.is_parametrized(model[0], "bias"),
      f"{F.mse_loss(model(X), Y).item():.8f}")
