"""Classification metrics computed with torch ops as people write their own metrics module:
accuracy, per-class precision / recall / F1 (macro and weighted), a confusion matrix by
bincount of true * C + pred, the same by scatter_add_ and by one_hot products, top-k accuracy,
running metric accumulation over batches; used to report on a small trained classifier."""
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


C = 4
rng = np.random.default_rng(602)
centers = rng.normal(scale=2.0, size=(C, 6))
labels = rng.integers(0, C, size=160)
X = torch.from_numpy((centers[labels] + rng.normal(scale=1.5, size=(160, 6))).astype(np.float32))
y = torch.from_numpy(labels)


def confusion_bincount(pred, target, num_classes):
    return torch.bincount(target * num_classes + pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def confusion_scatter(pred, target, num_classes):
    cm = torch.zeros(num_classes * num_classes, dtype=torch.long)
    cm.scatter_add_(0, target * num_classes + pred, torch.ones_like(pred))
    return cm.view(num_classes, num_classes)


def confusion_onehot(pred, target, num_classes):
    return F.one_hot(target, num_classes).T.float() @ F.one_hot(pred, num_classes).float()


def prf(cm):
    cm = cm.float()
    tp = cm.diag()
    precision = tp / cm.sum(0).clamp(min=1)
    recall = tp / cm.sum(1).clamp(min=1)
    f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-12)
    support = cm.sum(1)
    return precision, recall, f1, (f1 * support).sum() / support.sum()


def topk_accuracy(logits, target, k):
    top = logits.topk(k, dim=1).indices
    return (top == target.unsqueeze(1)).any(dim=1).float().mean().item()


class RunningMetrics:
    def __init__(self, num_classes):
        self.cm = torch.zeros(num_classes, num_classes, dtype=torch.long)

    def update(self, logits, target):
        self.cm += confusion_bincount(logits.argmax(dim=1), target, self.cm.shape[0])

    def compute(self):
        return self.cm.diag().sum().item() / self.cm.sum().item()


model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, C))
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=0.02)
for epoch in range(4):
    for i in range(0, 160, 40):
        loss = F.cross_entropy(model(X[i:i + 40]), y[i:i + 40])
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"LOSS epoch{epoch} {loss.item():.5f}")

model.eval()
with torch.no_grad():
    logits = model(X)
# decisions near a tie can flip between libraries: the metrics use rows with a clear margin
top2 = logits.topk(2, dim=1).values
clear = (top2[:, 0] - top2[:, 1]) > 1e-3
pred, target = logits.argmax(dim=1)[clear], y[clear]
cm = confusion_bincount(pred, target, C)
print("LOSS cm_equal", torch.equal(cm, confusion_scatter(pred, target, C)),
      torch.equal(cm.float(), confusion_onehot(pred, target, C)), cm.dtype == torch.int64)
precision, recall, f1, weighted = prf(cm)
print("LOSS prf", " ".join(f"{v:.4f}" for v in torch.cat([precision, recall, f1]).tolist()),
      f"{f1.mean().item():.4f} {weighted.item():.4f}")
print("LOSS acc", f"{(pred == target).float().mean().item():.4f}",
      f"{topk_accuracy(logits[clear], target, 2):.4f}", int(clear.sum()))
running = RunningMetrics(C)
for i in range(0, int(clear.sum()), 32):
    running.update(logits[clear][i:i + 32], target[i:i + 32])
print("LOSS running", f"{running.compute():.4f}", torch.equal(running.cm, cm))
print("LOSS counts", torch.bincount(y).tolist(), torch.bincount(y, weights=torch.ones(160) * 0.5).tolist())
