"""Imbalanced tabular classification: per-column nn.Embedding in an nn.ModuleList, numeric
features standardised with mean/std(unbiased=False), class weights from torch.bincount for
CrossEntropyLoss(weight=...), a BCEWithLogitsLoss(pos_weight=...) auxiliary head, an AUROC computed
with argsort / cumsum, F.one_hot targets, torch.utils.data.TensorDataset + DataLoader(drop_last),
nn.init.trunc_normal_ in model.apply, and model.eval() metrics."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(9)
rng = np.random.default_rng(9)
n, cards = 400, [4, 7, 3]
cats = np.stack([rng.integers(0, c, n) for c in cards], 1)
nums = rng.standard_normal((n, 4)).astype(np.float32) * np.array([1.0, 5.0, 0.1, 2.0], np.float32) + 3
score = nums[:, 0] - 3 + 0.2 * (nums[:, 1] - 3) + (cats[:, 1] == 2) * 1.5 - 1.5
label = (score + 0.3 * rng.standard_normal(n) > 1.0).astype(np.int64)
cats_t, nums_t, y_t = torch.from_numpy(cats), torch.from_numpy(nums), torch.from_numpy(label)
mean, std = nums_t[:300].mean(0), nums_t[:300].std(0, unbiased=False)
nums_t = (nums_t - mean) / std


class TabularNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Embedding(c, min(4, (c + 1) // 2)) for c in cards])
        emb_dim = sum(e.embedding_dim for e in self.embeds)
        self.mlp = nn.Sequential(nn.Linear(emb_dim + 4, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.0))
        self.cls = nn.Linear(32, 2)
        self.aux = nn.Linear(32, 1)

    def forward(self, cat, num):
        embs = [emb(cat[:, i]) for i, emb in enumerate(self.embeds)]
        h = self.mlp(torch.cat(embs + [num], dim=1))
        return self.cls(h), self.aux(h).squeeze(1)


def init_fn(m):
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.1)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


def auroc(scores, targets):
    order = torch.argsort(scores, descending=True)
    t = targets[order].float()
    tps, fps = torch.cumsum(t, 0), torch.cumsum(1 - t, 0)
    tpr, fpr = tps / tps[-1], fps / fps[-1]
    return torch.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2).item()


counts = torch.bincount(y_t[:300], minlength=2)
class_weights = counts.sum() / (2.0 * counts.float())
pos_weight = (counts[0] / counts[1]).reshape(1).float()
loader = DataLoader(TensorDataset(cats_t[:300], nums_t[:300], y_t[:300]), batch_size=64, shuffle=False, drop_last=True)
assert len(loader) == 4
model = TabularNet()
model.apply(init_fn)
init_weights(model)
ce = nn.CrossEntropyLoss(weight=class_weights)
bce = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
step = 0
for epoch in range(4):
    model.train()
    for cat, num, yb in loader:
        logits, aux = model(cat, num)
        onehot = F.one_hot(yb, num_classes=2).float()
        loss = ce(logits, yb) + 0.5 * bce(aux, onehot[:, 1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"LOSS {step} {loss.item():.6f}")
        step += 1
    model.eval()
    with torch.no_grad():
        logits, aux = model(cats_t[300:], nums_t[300:])
        probs = logits.softmax(dim=-1)[:, 1]
        acc = (logits.argmax(1) == y_t[300:]).float().mean().item()
    print(f"LOSS auc{epoch} {auroc(probs, y_t[300:]):.6f}")
    print(f"LOSS acc{epoch} {acc:.6f}")
