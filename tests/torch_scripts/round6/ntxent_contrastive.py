"""A SimCLR-style contrastive model with the NT-Xent loss written by hand: two fixed "views"
of each sample (made with numpy noise, so both libraries see the same data), an encoder and a
projection head, F.normalize, the similarity matrix by torch.mm, the diagonal masked with
masked_fill(-inf) in one version and torch.finfo(x.dtype).min in another, positives found with
torch.arange roll of the batch, F.cross_entropy over the rows; the two versions and a
logsumexp version must agree."""
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


rng = np.random.default_rng(607)
N, D = 16, 10
base = rng.normal(size=(N, D))
view1 = torch.from_numpy((base + 0.3 * rng.normal(size=(N, D))).astype(np.float32))
view2 = torch.from_numpy((base + 0.3 * rng.normal(size=(N, D))).astype(np.float32))


class SimCLR(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(D, 32), nn.GELU(), nn.Linear(32, 16))
        self.projector = nn.Sequential(nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 8))

    def forward(self, x):
        return self.projector(self.encoder(x))


def nt_xent(z1, z2, temperature=0.5, fill="-inf"):
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    sim = torch.mm(z, z.t()) / temperature
    mask = torch.eye(sim.shape[0], dtype=torch.bool)
    value = float("-inf") if fill == "-inf" else torch.finfo(sim.dtype).min
    sim = sim.masked_fill(mask, value)
    n = z1.shape[0]
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def nt_xent_lse(z1, z2, temperature=0.5):
    z = F.normalize(torch.cat([z1, z2]), p=2.0, dim=-1)
    sim = z @ z.T / temperature
    sim.fill_diagonal_(-1e9)
    n = z1.size(0)
    pos = torch.cat([sim.diagonal(n), sim.diagonal(-n)])
    return (torch.logsumexp(sim, dim=1) - pos).mean()


model = SimCLR()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(12):
    z1, z2 = model(view1), model(view2)
    loss = nt_xent(z1, z2)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"LOSS step{step} {loss.item():.6f}")
with torch.no_grad():
    z1, z2 = model(view1), model(view2)
    a, b, c = nt_xent(z1, z2, fill="min"), nt_xent(z1, z2), nt_xent_lse(z1, z2)
    print(f"LOSS variants {a.item():.6f} {b.item():.6f} {c.item():.6f}")
    e1, e2 = F.normalize(model.encoder(view1), dim=1), F.normalize(model.encoder(view2), dim=1)
    retrieved = (e1 @ e2.T).argmax(dim=1)
    print("LOSS retrieval", f"{(e1 * e2).sum(1).mean().item():.6f}",
          torch.finfo(torch.float32).min, torch.finfo(torch.float64).eps, torch.finfo(z1.dtype).tiny)
# gradients through the -inf masked entries stay finite
z1 = model(view1)
loss = nt_xent(z1, model(view2), temperature=0.1)
loss.backward()
print(f"LOSS grad {loss.item():.6f} {model.encoder[0].weight.grad.norm().item():.6f}",
      all(torch.isfinite(p.grad).all().item() for p in model.parameters()))
