"""Data pipelines the way the torch.utils.data docs and notebooks write them: an
IterableDataset that splits its range by get_worker_info() (None in the main process), a
DataLoader(num_workers=0) over it, a worker_init_fn-free stream of generated samples, a
batch_sampler=BatchSampler(SequentialSampler, drop_last=True), Subset of a ConcatDataset,
a StackDataset of named datasets,
random_split with a seeded generator (sizes and order-free sums only), and a model trained on
the streamed batches."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    IterableDataset,
    SequentialSampler,
    StackDataset,
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


class RangeStream(IterableDataset):
    """Yields (features, target) for start <= i < end, split across workers as in the docs."""

    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def _sample(self, i):
        t = torch.arange(4, dtype=torch.float32) + i
        x = torch.stack([torch.sin(0.3 * t), torch.cos(0.2 * t)], dim=0).flatten()
        y = torch.tensor([math.sin(0.3 * (i + 5))], dtype=torch.float32)
        return x, y

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            lo, hi = self.start, self.end
        else:
            per = int(math.ceil((self.end - self.start) / float(info.num_workers)))
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        return iter(self._sample(i) for i in range(lo, hi))


stream = RangeStream(0, 50)
print("LOSS worker_info", get_worker_info() is None, len(list(stream)))
loader = DataLoader(stream, batch_size=8, num_workers=0)
shapes = [tuple(x.shape) for x, _ in loader]
print("LOSS stream_batches", len(shapes), shapes[0], shapes[-1])

model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
init_weights(model)
opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
for epoch in range(4):
    total, n = 0.0, 0
    for x, y in loader:
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(y)
        n += len(y)
    print(f"LOSS epoch{epoch} {total / n:.6f} {n}")

# a map-style view of the same data
xs, ys = zip(*RangeStream(0, 30))
ds_a = TensorDataset(torch.stack(xs), torch.stack(ys))
xs, ys = zip(*RangeStream(100, 112))
ds_b = TensorDataset(torch.stack(xs), torch.stack(ys))
both = ConcatDataset([ds_a, ds_b])
every_third = Subset(both, list(range(0, len(both), 3)))
print("LOSS concat", len(both), both.cumulative_sizes, len(every_third),
      f"{every_third[5][0].sum().item():.6f}", f"{both[31][1].item():.6f}")

bs = BatchSampler(SequentialSampler(every_third), batch_size=4, drop_last=True)
print("LOSS batch_sampler", len(bs), list(bs)[1])
pairs = StackDataset(inputs=ds_a, shifted=Subset(ds_b, list(range(10)) + [0] * 20))
first = next(iter(DataLoader(pairs, batch_size=4)))
print("LOSS stack_dataset", len(pairs), sorted(first), f"{first['shifted'][0].sum().item():.6f}",
      tuple(first["inputs"][1].shape))
with torch.no_grad():
    ev = [F.mse_loss(model(x), y).item() for x, y in DataLoader(every_third, batch_sampler=bs)]
print("LOSS eval_batches", len(ev), " ".join(f"{v:.6f}" for v in ev))

gen = torch.Generator().manual_seed(42)
train_ds, val_ds = random_split(both, [0.75, 0.25], generator=gen)
with torch.no_grad():
    total_val = sum(F.mse_loss(model(x), y, reduction="sum").item()
                    for x, y in DataLoader(val_ds, batch_size=5))
    total_train = sum(F.mse_loss(model(x), y, reduction="sum").item()
                      for x, y in DataLoader(train_ds, batch_size=5))
print(f"LOSS random_split {len(train_ds)} {len(val_ds)} {total_val + total_train:.5f} "
      f"{sorted(train_ds.indices + val_ds.indices) == list(range(len(both)))}")
