"""word2vec skip-gram with negative sampling on a tiny synthetic corpus: (center, context)
pairs from a sliding window, negatives drawn from the unigram^0.75 distribution with numpy,
separate input/output nn.Embedding tables, scores by torch.bmm of (B, K+1, D) context vectors
with (B, D, 1) centre vectors, the loss as -(logsigmoid(pos) + logsigmoid(-neg).sum(1)).mean(),
SparseAdam-free plain SGD with a linear learning-rate decay (LambdaLR), then cosine
similarities of the learned vectors (F.normalize, mm) and a nearest-word lookup."""
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



class SkipGram(nn.Module):
    def __init__(self, vocab, dim=16):
        super().__init__()
        self.inp = nn.Embedding(vocab, dim)
        self.out = nn.Embedding(vocab, dim)
        nn.init.uniform_(self.inp.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out.weight)

    def forward(self, center, context, negatives):
        v = self.inp(center).unsqueeze(2)  # (B, D, 1)
        ctx = self.out(torch.cat([context.unsqueeze(1), negatives], dim=1))  # (B, K+1, D)
        scores = torch.bmm(ctx, v).squeeze(2)  # (B, K+1)
        pos = F.logsigmoid(scores[:, 0])
        neg = F.logsigmoid(-scores[:, 1:]).sum(1)
        return -(pos + neg).mean()


rng = np.random.default_rng(707)
V = 24
groups = [list(range(0, 8)), list(range(8, 16)), list(range(16, 24))]
corpus = []
for _ in range(300):
    g = groups[rng.integers(3)]
    corpus.extend(rng.choice(g, size=6).tolist())
corpus = np.array(corpus)
counts = np.bincount(corpus, minlength=V).astype(np.float64)
noise = counts ** 0.75
noise /= noise.sum()
window = 2
centers, contexts = [], []
for pos in range(len(corpus)):
    for off in range(-window, window + 1):
        if off and 0 <= pos + off < len(corpus):
            centers.append(corpus[pos])
            contexts.append(corpus[pos + off])
centers, contexts = np.array(centers), np.array(contexts)

model = SkipGram(V)
init_weights(model)
opt = torch.optim.SGD(model.parameters(), lr=1.0)
steps = 60
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - s / steps)
K, B = 5, 128
for step in range(steps):
    idx = rng.integers(0, len(centers), size=B)
    negs = torch.from_numpy(rng.choice(V, size=(B, K), p=noise))
    loss = model(torch.from_numpy(centers[idx]), torch.from_numpy(contexts[idx]), negs)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 10 == 0:
        print("LOSS step", step, f"{loss.item():.5f}", f"{sched.get_last_lr()[0]:.5f}")

with torch.no_grad():
    emb = F.normalize(model.inp.weight, dim=1).double()
    sim = emb @ emb.T
    same = torch.stack([sim[g][:, g].sum() - len(g) for g in [torch.tensor(g) for g in groups]])
    print("LOSS similarity", f"{same.sum().item() / (3 * 56):.5f}", f"{sim.sum().item():.5f}")
    print("LOSS vectors", f"{model.inp.weight.norm().item():.5f}", f"{model.out.weight.norm().item():.5f}",
          f"{F.cosine_similarity(model.inp.weight[0], model.inp.weight[1], dim=0).item():.5f}")
