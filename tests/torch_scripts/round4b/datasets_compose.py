"""Dataset plumbing from the data-loading tutorials: TensorDataset, Subset by index lists,
ConcatDataset of two sources (cumulative_sizes, indexing across the seam), random_split with
a seeded torch.Generator and with fractions (only the sizes compared: the permutation is the
generator's), an IterableDataset streaming windows of a series (get_worker_info is None in the
main process) batched by the DataLoader with drop_last, and a Dataset + Dataset sum; a model
trained on the concatenation with shuffle=False."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    get_worker_info,
    random_split,
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


rng = np.random.default_rng(12)
XA = torch.from_numpy(rng.normal(size=(30, 4)).astype(np.float32))
YA = (XA.sum(1) > 0).long()
XB = rng.normal(size=(14, 4)).astype(np.float32)


class NumpySource(Dataset):
    def __init__(self, x):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        x = torch.from_numpy(self.x[i])
        return x, torch.tensor(int(x.sum() > 0))


a = TensorDataset(XA, YA)
b = NumpySource(XB)
both = ConcatDataset([a, b])
x29, y29 = both[29]
x30, y30 = both[30]
print("LOSS concat", len(both), both.cumulative_sizes, y29.item(), y30.item(), tuple(x30.shape),
      torch.equal(x30, torch.from_numpy(XB[0])), len(a + b))
first_ten = Subset(both, list(range(10)))
tail = Subset(both, range(25, 44))
print("LOSS subset", len(first_ten), len(tail), tail[5][1].item(),
      [int(i) for i in tail.indices[:3]])

train_set, val_set = random_split(both, [34, 10], generator=torch.Generator().manual_seed(42))
parts = random_split(range(44), [0.5, 0.3, 0.2], generator=torch.Generator().manual_seed(0))
print("LOSS split", len(train_set), len(val_set), [len(p) for p in parts],
      sorted(list(parts[0]) + list(parts[1]) + list(parts[2])) == list(range(44)),
      type(train_set).__name__)

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
init_weights(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
loader = DataLoader(both, batch_size=8, shuffle=False)
for epoch in range(4):
    total, seen = 0.0, 0
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        seen += len(y)
    print(f"LOSS concat_epoch{epoch} {total / seen:.6f} {seen} {len(loader)} {y.dtype == torch.int64}")

# a random split: only order-independent numbers (the full-set loss after an epoch on it)
split_loader = DataLoader(train_set, batch_size=len(train_set), shuffle=True,
                          generator=torch.Generator().manual_seed(1))
for x, y in split_loader:
    full = F.cross_entropy(model(x), y, reduction="sum")
val_x = torch.stack([val_set[i][0] for i in range(len(val_set))])
print(f"LOSS split_loss {len(x)} {tuple(val_x.shape)}")


class Windows(IterableDataset):
    """Sliding windows over a series, generated lazily."""

    def __init__(self, series, width):
        self.series, self.width = series, width

    def __iter__(self):
        info = get_worker_info()
        assert info is None
        for start in range(len(self.series) - self.width):
            window = self.series[start:start + self.width]
            yield torch.from_numpy(window[:-1]), torch.from_numpy(window[-1:])


series = np.sin(np.arange(60) / 4).astype(np.float32)
stream = DataLoader(Windows(series, 5), batch_size=16, drop_last=True)
net = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape))
opt = torch.optim.Adam(net.parameters(), lr=0.02)
for epoch in range(4):
    sizes = []
    for x, y in stream:
        loss = F.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sizes.append(len(x))
    print(f"LOSS stream{epoch} {loss.item():.6f}", sizes)
print("LOSS stream_nodrop", [len(x) for x, _ in DataLoader(Windows(series, 5), batch_size=16)])
