"""k-fold cross-validation as the forum answers write it: a TensorDataset, fold indices cut
from a numpy permutation, Subset for each fold's train and validation sets, DataLoaders with
shuffle=False, a fresh model per fold re-initialised from the same initial state
(copy.deepcopy of a template, then reset with load_state_dict), per-fold metrics averaged;
random_split with a seeded torch.Generator and with fractions checked for its sizes only (the
generator's stream differs between libraries by design), and ConcatDataset of two folds."""
import copy
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import ConcatDataset, DataLoader, Subset, TensorDataset, random_split

rng = np.random.default_rng(161)
K = 4


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


Xn = rng.normal(size=(60, 5)).astype(np.float32)
yn = (Xn[:, 0] + 0.5 * Xn[:, 1] ** 2 > 0.5).astype(np.int64)
dataset = TensorDataset(torch.from_numpy(Xn), torch.from_numpy(yn))
template = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 2))
init_weights(template)
initial = copy.deepcopy(template.state_dict())
perm = rng.permutation(len(dataset))
folds = np.array_split(perm, K)
scores = []
for k in range(K):
    val_idx = folds[k].tolist()
    train_idx = np.concatenate([folds[j] for j in range(K) if j != k]).tolist()
    train_loader = DataLoader(Subset(dataset, train_idx), batch_size=15, shuffle=False)
    val_loader = DataLoader(Subset(dataset, val_idx), batch_size=8)
    model = copy.deepcopy(template)
    model.load_state_dict(initial)
    opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.5)
    for _epoch in range(8):
        for xb, yb in train_loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    correct, total_loss = 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = model(xb)
            total_loss += F.cross_entropy(out, yb, reduction="sum").item()
            correct += (out.argmax(1) == yb).sum().item()
    scores.append(correct / len(val_idx))
    print(f"LOSS fold{k} {loss.item():.5f} {total_loss / len(val_idx):.5f} {correct} "
          f"{len(train_loader)} {len(val_loader)}")
print(f"LOSS cv {np.mean(scores):.5f} {np.std(scores):.5f}")
print("LOSS template_unchanged", all(torch.equal(template.state_dict()[k], v) for k, v in initial.items()))

gen = torch.Generator().manual_seed(42)
parts = random_split(dataset, [0.5, 0.3, 0.2], generator=gen)
sizes = [len(p) for p in parts]
again = random_split(dataset, [40, 20], generator=torch.Generator().manual_seed(0))
covered = sorted(i for p in parts for i in p.indices)
print("LOSS random_split", sizes, [len(p) for p in again], covered == list(range(60)))
both = ConcatDataset([Subset(dataset, folds[0].tolist()), Subset(dataset, folds[1].tolist())])
xb, yb = next(iter(DataLoader(both, batch_size=len(both))))
print("LOSS concat", len(both), f"{xb.sum().item():.5f}", int(yb.sum()))
