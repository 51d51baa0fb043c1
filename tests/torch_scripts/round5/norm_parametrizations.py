"""Weight reparametrizations through torch.nn.utils.parametrizations and parametrize: a
weight_norm'd Linear (parametrizations.weight.original0/original1 in the state_dict), a
spectral_norm'd discriminator-style MLP (its power-iteration vectors _u/_v loaded from the
saved state, one iteration per training forward, none in eval), a custom parametrization
(a symmetric matrix) registered with parametrize.register_parametrization, training through
all three, parametrize.cached(), and remove_parametrizations(leave_parametrized=True)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as parametrize
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

torch.set_default_dtype(torch.float64)  # the power iteration's normalisations amplify rounding
rng = np.random.default_rng(81)


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


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = weight_norm(nn.Linear(5, 12))
        self.mix = nn.Linear(12, 12)
        parametrize.register_parametrization(self.mix, "weight", Symmetric())
        self.critic = nn.Sequential(spectral_norm(nn.Linear(12, 16)), nn.Tanh(),
                                    spectral_norm(nn.Linear(16, 1), n_power_iterations=2))

    def forward(self, x):
        return self.critic(torch.tanh(self.mix(torch.tanh(self.inp(x)))))


X = torch.from_numpy(rng.normal(size=(48, 5)))
Y = torch.from_numpy(np.sin(rng.normal(size=(48, 1))))
net = Net()
init_weights(net)
keys = sorted(net.state_dict())
print("LOSS keys", len(keys), " ".join(k for k in keys if "parametrizations" in k and "inp" in k))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(15):
    loss = F.mse_loss(net(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        sigma = torch.linalg.matrix_norm(net.critic[0].weight.detach(), ord=2)
        g = net.inp.parametrizations.weight.original0
        print(f"LOSS step{step} {loss.item():.6f} {sigma.item():.6f} {g.abs().sum().item():.5f} "
              f"{(net.mix.weight - net.mix.weight.T).abs().max().item():.1e}")
net.eval()
with torch.no_grad():
    u_before = net.critic[0].parametrizations.weight[0]._u.clone()
    out1 = net(X)
    out2 = net(X)
    same_u = torch.equal(u_before, net.critic[0].parametrizations.weight[0]._u)
print("LOSS eval", f"{out1.sum().item():.6f}", torch.equal(out1, out2), same_u)
with parametrize.cached():
    cached = net(X)
print("LOSS cached", f"{(cached - out1).abs().max().item():.1e}",
      parametrize.is_parametrized(net.mix), parametrize.is_parametrized(net.mix, "bias"))
w_sym = net.mix.weight.detach().clone()
parametrize.remove_parametrizations(net.mix, "weight", leave_parametrized=True)
print("LOSS removed", parametrize.is_parametrized(net.mix), torch.equal(net.mix.weight, w_sym),
      type(net.mix.weight).__name__, f"{net(X).sum().item():.6f}")
