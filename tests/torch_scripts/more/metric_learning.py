"""Metric learning on synthetic clusters: an embedding net with F.normalize, nn.TripletMarginLoss
on mined triplets, an InfoNCE/NT-Xent term (cosine-similarity logits, masked_fill of the diagonal,
cross_entropy against torch.arange targets), nn.CosineEmbeddingLoss, F.pairwise_distance, and a
nearest-centroid accuracy under torch.no_grad() with argmax and .tolist()."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(42)
rng = np.random.default_rng(42)
n_classes, dim = 5, 10
centres = rng.standard_normal((n_classes, dim)).astype(np.float32) * 2
labels_np = np.repeat(np.arange(n_classes), 24)
feats_np = centres[labels_np] + rng.standard_normal((len(labels_np), dim)).astype(np.float32)
features, labels = torch.from_numpy(feats_np), torch.from_numpy(labels_np)
view_noise = torch.from_numpy(0.3 * rng.standard_normal((10, 2, 40, dim)).astype(np.float32))


class EmbeddingNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 8))

    def forward(self, x):
        return F.normalize(self.net(x), p=2, dim=1)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


def nt_xent(z1, z2, temperature=0.5):
    z = torch.cat([z1, z2], dim=0)
    sim = F.cosine_similarity(z.unsqueeze(1), z.unsqueeze(0), dim=-1) / temperature
    n = z1.size(0)
    mask = torch.eye(2 * n, dtype=torch.bool)
    sim = sim.masked_fill(mask, float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def mine_triplets(emb, y):
    with torch.no_grad():
        d = torch.cdist(emb, emb)
        same = y.unsqueeze(0) == y.unsqueeze(1)
        hardest_pos = d.masked_fill(~same, -1.0).argmax(dim=1)
        hardest_neg = d.masked_fill(same, float("inf")).argmin(dim=1)
    return hardest_pos, hardest_neg


model = EmbeddingNet()
init_weights(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
triplet = nn.TripletMarginLoss(margin=0.5, p=2)
cosine_loss = nn.CosineEmbeddingLoss(margin=0.1)
for step in range(10):
    idx = torch.from_numpy(rng.permutation(len(labels))[:40])
    x, y = features[idx], labels[idx]
    model.train()
    emb = model(x)
    pos, neg = mine_triplets(emb, y)
    loss_t = triplet(emb, emb[pos], emb[neg])
    z1, z2 = model(x + view_noise[step, 0]), model(x + view_noise[step, 1])
    loss_c = nt_xent(z1, z2)
    pair_target = torch.where(y == y.roll(1), torch.tensor(1.0), torch.tensor(-1.0))
    loss_cos = cosine_loss(emb, emb.roll(1, dims=0), pair_target)
    loss = loss_t + 0.5 * loss_c + loss_cos
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    print(f"LOSS {step} {loss.item():.6f}")
    print(f"LOSS parts{step} {loss_t.item():.6f} {loss_c.item():.6f}")

model.eval()
with torch.no_grad():
    emb = model(features)
    cents = torch.stack([emb[labels == c].mean(0) for c in range(n_classes)])
    cents = F.normalize(cents, dim=1)
    scores = torch.einsum("nd,cd->nc", emb, cents)
    pred = scores.argmax(dim=1)
    acc = (pred == labels).float().mean().item()
    dist = F.pairwise_distance(emb[:5], cents[labels[:5]]).tolist()
print(f"LOSS acc {acc:.6f}")
print(f"LOSS dist {dist[0]:.6f}")
