"""A message-passing graph network written with plain tensor ops, as in GNN-from-scratch
posts: an edge_index (2, E) of a random graph with self-loops, node features gathered with
index_select, messages summed with index_add_ and averaged by degree from bincount, a max
aggregation with scatter_reduce(reduce="amax", include_self=False), a mean with
scatter_reduce(reduce="mean"), GCN normalisation deg^-1/2, a graph readout and node
classification trained with Adam in float64 (amax picks one of near-equal messages)."""
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


rng = np.random.default_rng(616)
N, E, D = 30, 90, 5
src = rng.integers(0, N, size=E)
dst = rng.integers(0, N, size=E)
loops = np.arange(N)
edge_index = torch.from_numpy(np.stack([np.concatenate([src, loops]), np.concatenate([dst, loops])]))
x = torch.from_numpy(rng.normal(size=(N, D)))
y = torch.from_numpy((x[:, 0] + x[:, 1] > 0).numpy().astype(np.int64))


class MPLayer(nn.Module):
    def __init__(self, din, dout):
        super().__init__()
        self.msg = nn.Linear(din, dout)
        self.upd = nn.Linear(din + 3 * dout, dout)

    def forward(self, h, edge_index):
        s, d = edge_index
        m = self.msg(h).index_select(0, s)
        n = h.shape[0]
        summed = torch.zeros(n, m.shape[1], dtype=m.dtype).index_add_(0, d, m)
        deg = torch.bincount(d, minlength=n).clamp(min=1).to(m.dtype)
        idx = d.unsqueeze(1).expand_as(m)
        amax = torch.zeros(n, m.shape[1], dtype=m.dtype).scatter_reduce(0, idx, m, reduce="amax", include_self=False)
        mean = torch.zeros(n, m.shape[1], dtype=m.dtype).scatter_reduce(0, idx, m, reduce="mean", include_self=True)
        norm = deg.pow(-0.5)
        gcn = (norm.unsqueeze(1) * summed) * norm.unsqueeze(1)
        return torch.tanh(self.upd(torch.cat([h, summed / deg.unsqueeze(1), amax + mean, gcn], dim=1)))


class GNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([MPLayer(D, 12), MPLayer(12, 12)])
        self.cls = nn.Linear(12, 2)

    def forward(self, h, edge_index):
        for layer in self.layers:
            h = layer(h, edge_index)
        return self.cls(h), h.mean(0)


model = GNN().double()
init_weights(model)
deg = torch.bincount(edge_index[1], minlength=N)
print("LOSS graph", tuple(edge_index.shape), deg.sum().item(), deg.max().item(), (deg == 1).sum().item())
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(12):
    logits, readout = model(x, edge_index)
    loss = F.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"LOSS step{step} {loss.item():.8f} {readout.norm().item():.8f}")
with torch.no_grad():
    logits, _ = model(x, edge_index)
    vals = torch.tensor([1.0, 5.0, 3.0, 2.0], dtype=torch.float64)
    where = torch.tensor([0, 1, 0, 1])
    print("LOSS reduce", [torch.zeros(3, dtype=torch.float64).scatter_reduce(0, where, vals, r, include_self=False).tolist()
                          for r in ("sum", "prod", "mean", "amax", "amin")],
          f"{logits.softmax(-1)[:, 1].sum().item():.6f}")
