"""Learning-to-rank and metric-learning losses the way recommender and retrieval notebooks
use them: MarginRankingLoss on pairs of scores, HingeEmbeddingLoss on distances,
CosineEmbeddingLoss(margin) with +1/-1 targets, TripletMarginLoss(swap=True, p=1),
TripletMarginWithDistanceLoss with a cosine distance function, MultiMarginLoss(p=2, weight)
and MultiLabelMarginLoss for multi-class hinges, SoftMarginLoss, nn.PairwiseDistance and
nn.CosineSimilarity modules, every reduction mode, and nearest-neighbour distances by
torch.cdist(compute_mode=...)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(75)
N, D = 24, 6
items = torch.from_numpy(rng.normal(size=(N, D)).astype(np.float32))
relevance = torch.from_numpy((items[:, 0] * 1.5 - items[:, 1]).numpy())
cls = torch.from_numpy(rng.integers(0, 4, size=N))
first, second = torch.arange(N), (torch.arange(N) * 7 + 3) % N
pair_target = torch.where(relevance[first] > relevance[second], 1.0, -1.0)


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(D, 16), nn.Tanh(), nn.Linear(16, 8))
        self.score = nn.Linear(8, 1)
        self.classify = nn.Linear(8, 4)

    def forward(self, x):
        z = self.embed(x)
        return z, self.score(z).squeeze(-1), self.classify(z)


model = Scorer()
init_weights(model)
rank = nn.MarginRankingLoss(margin=0.2)
hinge = nn.HingeEmbeddingLoss(margin=2.0)
cosine = nn.CosineEmbeddingLoss(margin=0.1)
triplet = nn.TripletMarginLoss(margin=0.5, p=1, swap=True)
triplet_cos = nn.TripletMarginWithDistanceLoss(
    distance_function=lambda a, b: 1.0 - F.cosine_similarity(a, b), margin=0.3)
multi = nn.MultiMarginLoss(p=2, margin=0.8, weight=torch.tensor([1.0, 2.0, 0.5, 1.5]))
pdist, cos_mod = nn.PairwiseDistance(p=2, eps=1e-6, keepdim=True), nn.CosineSimilarity(dim=1)
same = torch.where(cls[first] == cls[second], 1, -1)
anchor, positive, negative = torch.arange(0, 8), torch.arange(8, 16), torch.arange(16, 24)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
for step in range(12):
    z, s, logits = model(items)
    l_rank = rank(s[first], s[second], pair_target)
    dist = pdist(z[first], z[second]).squeeze(1)
    l_hinge = hinge(dist, same)
    l_cos = cosine(z[first], z[second], same)
    l_trip = triplet(z[anchor], z[positive], z[negative])
    l_tcos = triplet_cos(z[anchor], z[positive], z[negative])
    l_multi = multi(logits, cls)
    loss = l_rank + 0.1 * l_hinge + l_cos + l_trip + l_tcos + l_multi
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 2:
        print(f"LOSS step{step} {loss.item():.5f} {l_rank.item():.5f} {l_hinge.item():.5f} "
              f"{l_cos.item():.5f} {l_trip.item():.5f} {l_tcos.item():.5f} {l_multi.item():.5f}")

with torch.no_grad():
    z, s, logits = model(items)
    for red in ("none", "sum", "mean"):
        r = F.margin_ranking_loss(s[first], s[second], pair_target, margin=0.1, reduction=red)
        h = F.hinge_embedding_loss(pdist(z[first], z[second]).squeeze(1), same, reduction=red)
        m = F.multi_margin_loss(logits, cls, p=1, reduction=red)
        print(f"LOSS reduction_{red} {r.sum().item():.5f} {h.sum().item():.5f} {m.sum().item():.5f} "
              f"{tuple(r.shape)}")
    multilabel = torch.tensor([[0, 2, -1, 1], [3, -1, 0, 0], [1, 0, 2, 3]] * 2)
    mlm = F.multilabel_margin_loss(logits[:6], multilabel)
    soft = F.soft_margin_loss(s, torch.sign(relevance))
    agreement = ((torch.sign(s[first] - s[second]) == pair_target).double().mean())
    d = torch.cdist(z.double(), z.double(), compute_mode="donot_use_mm_for_euclid_dist")
    nearest = d.topk(2, dim=1, largest=False).values[:, 1]  # the closest other item
    d_mm = torch.cdist(z, z, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary")
    print(f"LOSS retrieval {nearest.sum().item():.5f} {d_mm.sum().item():.4f} {tuple(d.shape)}")
    print(f"LOSS extras {mlm.item():.5f} {soft.item():.5f} {cos_mod(z[:4], z[4:8]).sum().item():.5f} "
          f"{agreement.item():.4f}")
