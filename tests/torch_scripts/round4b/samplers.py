"""Samplers for imbalanced data as the class-imbalance posts write them: class weights
1 / bincount, per-sample weights for WeightedRandomSampler(weights, num_samples, replacement),
a DataLoader over it (only order-independent numbers printed: lengths, batch shapes, which
indices a without-replacement pass covers, the loss summed over a whole pass without
replacement), SubsetRandomSampler for a train/val split by index, RandomSampler with
replacement and num_samples, and training with a SequentialSampler where the order matters."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import (
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(13)
X = torch.from_numpy(rng.normal(size=(40, 3)).astype(np.float32))
labels = torch.tensor([0] * 30 + [1] * 7 + [2] * 3)
ds = TensorDataset(X, labels)

class_count = torch.bincount(labels)
class_weights = 1.0 / class_count.float()
sample_weights = class_weights[labels]
print("LOSS weights", class_count.tolist(), f"{sample_weights.sum().item():.6f}",
      [f"{w:.6f}" for w in class_weights.tolist()])

sampler = WeightedRandomSampler(sample_weights, num_samples=len(sample_weights),
                                replacement=True)
loader = DataLoader(ds, batch_size=16, sampler=sampler)
print("LOSS weighted_len", len(sampler), len(loader), [len(y) for _, y in loader],
      sum(len(y) for _, y in loader))

model = nn.Linear(3, 3)
init_weights(model)
full_pass = WeightedRandomSampler(sample_weights.tolist(), num_samples=40, replacement=False)
seen = []
with torch.no_grad():
    total = 0.0
    for x, y in DataLoader(ds, batch_size=10, sampler=full_pass):
        total += F.cross_entropy(model(x), y, reduction="sum").item()
        seen += y.tolist()
print(f"LOSS without_replacement {total:.5f} {sorted(seen) == sorted(labels.tolist())}")

few = WeightedRandomSampler([0.0] * 35 + [1.0] * 5, num_samples=5, replacement=False)
print("LOSS few", sorted(int(i) for i in few), len(few))

# a split by index lists
indices = list(range(40))
train_idx, val_idx = indices[:32], indices[32:]
train_loader = DataLoader(ds, batch_size=8, sampler=SubsetRandomSampler(train_idx))
val_loader = DataLoader(ds, batch_size=8, sampler=SubsetRandomSampler(val_idx))
with torch.no_grad():
    covered = sorted(i for _, y in train_loader for i in y.tolist())
    val_sum = sum(F.cross_entropy(model(x), y, reduction="sum").item() for x, y in val_loader)
print(f"LOSS subset_sampler {len(train_loader)} {len(val_loader)} {val_sum:.5f} "
      f"{covered == sorted(labels[:32].tolist())}")

rs = RandomSampler(ds, replacement=True, num_samples=100)
print("LOSS random_sampler", len(rs), len(list(rs)), len(DataLoader(ds, batch_size=32, sampler=rs)),
      len(RandomSampler(ds)))

# training where the order matters uses a SequentialSampler; weighted loss instead of sampling
optimizer = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.5)
ordered = DataLoader(ds, batch_size=10, sampler=SequentialSampler(ds))
criterion = nn.CrossEntropyLoss(weight=class_weights / class_weights.sum() * 3)
for epoch in range(5):
    for x, y in ordered:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        pred = model(X).argmax(1)
        recall = [(pred[labels == c] == c).float().mean().item() for c in range(3)]
    print(f"LOSS seq_epoch{epoch} {loss.item():.6f}", *[f"{r:.4f}" for r in recall])
