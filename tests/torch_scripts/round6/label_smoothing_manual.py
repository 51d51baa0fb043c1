"""Label-smoothing cross-entropy written by hand as in many repos: log_softmax, the
true-class term by gather(dim=1, index=target.unsqueeze(1)), the uniform term by mean over
classes, mixed with epsilon; compared with F.cross_entropy(label_smoothing=eps) and with a
smoothed one-hot target (scatter_ of 1 - eps), an nn.Module version with ignore_index handled
by masked mean, used to train a small classifier."""
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


rng = np.random.default_rng(608)
C = 5
X = torch.from_numpy(rng.normal(size=(48, 12)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, C, size=48))


def smooth_ce(logits, target, eps=0.1):
    logp = F.log_softmax(logits, dim=-1)
    nll = -logp.gather(dim=1, index=target.unsqueeze(1)).squeeze(1)
    uniform = -logp.mean(dim=-1)
    return ((1 - eps) * nll + eps * uniform).mean()


def smooth_ce_onehot(logits, target, eps=0.1):
    n_classes = logits.size(-1)
    with torch.no_grad():
        true_dist = torch.full_like(logits, eps / (n_classes - 1))
        true_dist.scatter_(1, target.data.unsqueeze(1), 1 - eps)
    return torch.mean(torch.sum(-true_dist * F.log_softmax(logits, dim=-1), dim=-1))


class LabelSmoothingLoss(nn.Module):
    def __init__(self, smoothing=0.1, ignore_index=-100):
        super().__init__()
        self.smoothing = smoothing
        self.ignore_index = ignore_index

    def forward(self, logits, target):
        keep = target != self.ignore_index
        safe = target.masked_fill(~keep, 0)
        logp = logits.log_softmax(-1)
        nll = -logp.gather(-1, safe[:, None]).squeeze(-1)
        loss = (1 - self.smoothing) * nll - self.smoothing * logp.mean(-1)
        return (loss * keep).sum() / keep.sum()


model = nn.Sequential(nn.Linear(12, 24), nn.Softplus(), nn.Linear(24, C))
init_weights(model)
opt = torch.optim.SGD(model.parameters(), lr=0.3)
criterion = LabelSmoothingLoss(0.1, ignore_index=-1)
y_masked = y.clone()
y_masked[::7] = -1
for step in range(10):
    logits = model(X)
    loss = criterion(logits, y_masked)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"LOSS step{step} {loss.item():.6f}")
logits = model(X)
a = smooth_ce(logits, y)
b = F.cross_entropy(logits, y, label_smoothing=0.1)
c = smooth_ce_onehot(logits, y, eps=0.1)
d = F.cross_entropy(logits, y_masked, label_smoothing=0.1, ignore_index=-1)
print(f"LOSS compare {a.item():.6f} {b.item():.6f} {c.item():.6f} {d.item():.6f} "
      f"{criterion(logits, y_masked).item():.6f}")
g1 = torch.autograd.grad(a, logits, retain_graph=True)[0]
g2 = torch.autograd.grad(b, logits)[0]
print(f"LOSS grads {(g1 - g2).abs().max().item():.8f} {g1.abs().sum().item():.6f}")
