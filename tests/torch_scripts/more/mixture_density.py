"""A mixture density network on a one-to-many curve: mixture weights from logits via
Categorical(logits=...), component densities from torch.distributions.Normal(loc, scale) with
scale = F.softplus(...) + 1e-3, the mixture log-likelihood with torch.logsumexp, Normal
entropy and kl_divergence as monitors, torch.clamp / torch.linspace / torch.meshgrid,
and a mode prediction with gather on argmax."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, Normal, kl_divergence

torch.manual_seed(2)
K = 3


class MDN(nn.Module):
    def __init__(self, hidden=24):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.pi = nn.Linear(hidden, K)
        self.mu = nn.Linear(hidden, K)
        self.sigma = nn.Linear(hidden, K)

    def forward(self, x):
        h = self.body(x)
        return self.pi(h), self.mu(h), F.softplus(self.sigma(h)) + 1e-3


def mdn_nll(pi_logits, mu, sigma, y):
    mix = Categorical(logits=pi_logits)
    comp = Normal(mu, sigma)
    log_prob = comp.log_prob(y.expand_as(mu))                   # (N, K)
    return -torch.logsumexp(mix.logits + log_prob, dim=-1).mean()


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(8)
y_np = rng.uniform(-1, 1, (256, 1)).astype(np.float32)
x_np = (np.sin(3 * y_np) * 0.8 + 0.5 * y_np + 0.05 * rng.standard_normal((256, 1))).astype(np.float32)
x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
model = MDN()
init_weights(model)
optimizer = torch.optim.Adamax(model.parameters(), lr=1e-2)
prior = Normal(torch.zeros(K), torch.ones(K))
for step in range(25):
    pi_logits, mu, sigma = model(x)
    loss = mdn_nll(pi_logits, mu, sigma, y)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0, norm_type=2.0)
    optimizer.step()
    print(f"LOSS {step} {loss.item():.6f}")
    if step % 8 == 0:
        with torch.no_grad():
            comp = Normal(mu.mean(0), sigma.mean(0))
            kl = kl_divergence(comp, prior).sum()
            ent = Categorical(logits=pi_logits).entropy().mean()
        print(f"LOSS kl{step} {kl.item():.6f}")
        print(f"LOSS ent{step} {ent.item():.6f}")

with torch.no_grad():
    grid = torch.linspace(-1.2, 1.2, 9).unsqueeze(1)
    pi_logits, mu, sigma = model(grid)
    best = pi_logits.argmax(dim=1, keepdim=True)
    mode = mu.gather(1, best).squeeze(1)
    gx, gy = torch.meshgrid(torch.linspace(-1, 1, 5), torch.linspace(-1, 1, 4), indexing="ij")
    dens = Normal(mu[:1].t(), sigma[:1].t()).log_prob(gy.reshape(1, -1)).exp()
print(f"LOSS mode {mode.abs().mean().item():.6f}")
print(f"LOSS dens {dens.sum().item():.6f}")
print(f"LOSS bits {(loss.item() / math.log(2)):.6f}", gx.shape)
