"""A k-nearest-neighbour classifier on embeddings as notebooks write it: torch.cdist between
queries and a memory bank, torch.topk(largest=False) for the k nearest, a majority vote by
bincount per row (and by one_hot(...).sum), distance-weighted votes by scatter_add_, cosine
similarity by normalised matmul with topk; the embeddings come from a small trained network.
Distances are in float64: a float32 cdist ties neighbours at 1e-7 and a vote can flip."""
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


rng = np.random.default_rng(610)
C = 3
centers = rng.normal(scale=2.5, size=(C, 5))
lab_bank = rng.integers(0, C, size=90)
lab_query = rng.integers(0, C, size=30)
bank = torch.from_numpy(centers[lab_bank] + rng.normal(size=(90, 5)))
query = torch.from_numpy(centers[lab_query] + rng.normal(size=(30, 5)))
yb, yq = torch.from_numpy(lab_bank), torch.from_numpy(lab_query)


def knn_predict(q, memory, labels, k=5):
    dist = torch.cdist(q, memory)
    d, idx = torch.topk(dist, k, dim=1, largest=False)
    votes = labels[idx]
    counts = torch.stack([torch.bincount(v, minlength=C) for v in votes])
    onehot_counts = F.one_hot(votes, C).sum(1)
    weights = torch.zeros(q.shape[0], C, dtype=q.dtype).scatter_add_(1, votes, 1.0 / (d + 1e-8))
    return counts, onehot_counts, weights, d


counts, oh, weighted, d = knn_predict(query, bank, yb)
print("LOSS raw", torch.equal(counts, oh), f"{(counts.argmax(1) == yq).double().mean().item():.4f}",
      f"{(weighted.argmax(1) == yq).double().mean().item():.4f}", f"{d.sum().item():.6f}")
print("LOSS cdist", f"{(torch.cdist(query, bank) - (query[:, None] - bank[None]).norm(dim=-1)).abs().max().item():.8f}",
      f"{torch.cdist(query, bank, p=1).sum().item():.4f}", tuple(torch.cdist(query[None], bank[None]).shape))

embed = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 4)).double()
init_weights(embed)
head = nn.Linear(4, C).double()
opt = torch.optim.SGD(list(embed.parameters()) + list(head.parameters()), lr=0.1)
torch.manual_seed(0)
nn.init.constant_(head.weight, 0.1)
with torch.no_grad():
    head.weight.add_(torch.from_numpy(rng.normal(scale=0.1, size=(C, 4))))
nn.init.zeros_(head.bias)
for step in range(8):
    loss = F.cross_entropy(head(embed(bank)), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 2 == 0:
        print(f"LOSS train{step} {loss.item():.6f}")
with torch.no_grad():
    eb, eq = F.normalize(embed(bank), dim=1), F.normalize(embed(query), dim=1)
    sims, idx = (eq @ eb.T).topk(7, dim=1)
    pred = torch.mode(yb[idx], dim=1).values
    counts, _, weighted, d = knn_predict(eq, eb, yb, k=7)
print("LOSS embedded", f"{(pred == yq).double().mean().item():.4f}", f"{sims.sum().item():.6f}",
      f"{(counts.argmax(1) == yq).double().mean().item():.4f}", f"{d.mean().item():.6f}")
