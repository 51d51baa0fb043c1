"""Multi-label classification as the tagging tutorials write it: a sigmoid per label,
BCEWithLogitsLoss(pos_weight=...) from the label frequencies of the training set (negatives /
positives), the same loss with per-sample weights and reduction='none', MultiLabelSoftMarginLoss
with a class weight, F.binary_cross_entropy on probabilities; metrics by threshold 0.5
(exact-match, Hamming accuracy, per-label F1) under torch.no_grad()."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(31)
N, D, L = 96, 10, 5


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


W_true = rng.normal(size=(D, L))
Xn = rng.normal(size=(N, D)).astype(np.float32)
Yn = (Xn @ W_true + rng.normal(size=(N, L)) * 0.5 > np.array([0.5, 1.0, 1.5, 2.0, 0.0])).astype(np.float32)
X, Y = torch.from_numpy(Xn), torch.from_numpy(Yn)
positives = Y.sum(0)
pos_weight = (N - positives) / positives.clamp(min=1)
print("LOSS pos_weight", " ".join(f"{w:.4f}" for w in pos_weight.tolist()))

model = nn.Sequential(nn.Linear(D, 32), nn.Tanh(), nn.Linear(32, L))
init_weights(model)
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
per_sample = nn.BCEWithLogitsLoss(reduction="none")
soft_margin = nn.MultiLabelSoftMarginLoss(weight=torch.linspace(0.5, 1.5, L))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
sample_w = torch.from_numpy(rng.uniform(0.5, 1.5, size=(N, 1)).astype(np.float32))
for epoch in range(30):
    for i in range(0, N, 32):
        logits = model(X[i:i + 32])
        loss = criterion(logits, Y[i:i + 32])
        weighted = (per_sample(logits, Y[i:i + 32]) * sample_w[i:i + 32]).mean()
        total = loss + 0.5 * weighted + 0.1 * soft_margin(logits, Y[i:i + 32])
        opt.zero_grad()
        total.backward()
        opt.step()
    if epoch % 6 == 0:
        print(f"LOSS epoch{epoch} {loss.item():.5f} {weighted.item():.5f} {total.item():.5f}")

model.eval()
with torch.no_grad():
    probs = torch.sigmoid(model(X))
    bce = F.binary_cross_entropy(probs, Y, weight=torch.ones(L) * 2)
    pred = (probs > 0.5).float()
    exact = (pred == Y).all(1).float().mean()
    hamming = (pred == Y).float().mean()
    tp = (pred * Y).sum(0)
    f1 = 2 * tp / (pred.sum(0) + Y.sum(0)).clamp(min=1)
print(f"LOSS eval {bce.item():.5f} {exact.item():.4f} {hamming.item():.4f}")
print("LOSS f1", " ".join(f"{v:.4f}" for v in f1.tolist()))
print("LOSS probs", f"{probs.sum().item():.4f}", f"{probs[:3].max().item():.5f}")
