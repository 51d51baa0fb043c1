"""A model that leans on torch.einsum the way research code does: a batched bilinear
interaction 'bi,oij,bj->bo', outer products 'bi,bj->bij' flattened into features, a batched
trace 'bii->b' and a diagonal 'bii->bi', attention scores 'bhqd,bhkd->bhqk' and their
weighted sum, a tensor contraction with an ellipsis '...ij,jk->...ik'; checked against
bmm / matmul forms, and trained with Adam."""
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


rng = np.random.default_rng(609)
X = torch.from_numpy(rng.normal(size=(32, 6)).astype(np.float32))
Z = torch.from_numpy(rng.normal(size=(32, 4)).astype(np.float32))
y = torch.from_numpy(rng.normal(size=(32, 3)).astype(np.float32))


class EinsumNet(nn.Module):
    def __init__(self, heads=2):
        super().__init__()
        self.bilinear = nn.Parameter(torch.randn(3, 6, 4) * 0.1)
        self.q = nn.Linear(6, 8)
        self.k = nn.Linear(6, 8)
        self.v = nn.Linear(6, 8)
        self.mix = nn.Parameter(torch.randn(4, 4) * 0.3)
        self.out = nn.Linear(3 + 16 + 2 + 8, 3)
        self.heads = heads

    def forward(self, x, z):
        b = x.shape[0]
        bil = torch.einsum("bi,oij,bj->bo", x, self.bilinear, z)
        outer = torch.einsum("bi,bj->bij", z, z @ self.mix)
        feats_outer = outer.reshape(b, -1)
        trace = torch.einsum("bii->b", outer).unsqueeze(1)
        diag_sum = torch.einsum("bii->bi", outer).sum(1, keepdim=True)
        tokens = x.view(b, 1, 6).expand(b, 3, 6) * torch.tensor([1.0, -0.5, 2.0]).view(1, 3, 1)
        q = self.q(tokens).view(b, 3, self.heads, 4).transpose(1, 2)
        k = self.k(tokens).view(b, 3, self.heads, 4).transpose(1, 2)
        v = self.v(tokens).view(b, 3, self.heads, 4).transpose(1, 2)
        att = torch.einsum("bhqd,bhkd->bhqk", q, k).div(2.0).softmax(-1)
        ctx = torch.einsum("bhqk,bhkd->bhqd", att, v).mean(2).reshape(b, 8)
        return self.out(torch.cat([bil, feats_outer, trace, diag_sum, ctx], dim=1))


model = EinsumNet()
init_weights(model)
with torch.no_grad():
    e = torch.einsum("bi,oij,bj->bo", X, model.bilinear, Z)
    m = ((X @ model.bilinear) * Z).sum(-1).T
    o = torch.einsum("bi,bj->bij", Z, Z)
    print("LOSS forms", (e - m).abs().max().item() < 1e-5, torch.allclose(o, torch.bmm(Z[:, :, None], Z[:, None, :])),
          f"{torch.einsum('...ij,jk->...ik', o, model.mix).sum().item():.5f}",
          f"{torch.einsum('ii', model.mix).item():.6f} {torch.trace(model.mix).item():.6f}")
    print("LOSS batched", f"{torch.einsum('bij,bjk->bik', o, o).sum().item():.4f}",
          f"{torch.einsum('i,i->', X[0], X[1]).item():.6f}", tuple(torch.einsum("bi->ib", X).shape))
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(12):
    loss = F.mse_loss(model(X, Z), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"LOSS step{step} {loss.item():.6f} {model.bilinear.grad.norm().item():.6f}")
