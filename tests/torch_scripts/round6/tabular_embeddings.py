"""A tabular model as Kaggle notebooks write it: categorical columns each through its own
nn.Embedding held in an nn.ModuleList (sizes by the rule min(50, (n + 1) // 2)), the embeddings
concatenated with standardised numeric features and a BatchNorm1d of them, an MLP head; a
TensorDataset of (categorical long, numeric float, target) and a DataLoader without shuffling."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


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


rng = np.random.default_rng(603)
N = 120
cardinalities = [5, 12, 3]
cats = np.stack([rng.integers(0, c, size=N) for c in cardinalities], axis=1)
nums = rng.normal(loc=[3.0, -1.0, 10.0, 0.0], scale=[1.0, 2.0, 5.0, 0.5], size=(N, 4))
effect = [rng.normal(size=c) for c in cardinalities]
target = (sum(effect[j][cats[:, j]] for j in range(3)) + 0.3 * nums[:, 0] - 0.1 * nums[:, 2]
          + rng.normal(scale=0.1, size=N))
mean, std = nums.mean(0), nums.std(0)
nums = (nums - mean) / std


class TabularModel(nn.Module):
    def __init__(self, cardinalities, n_numeric, hidden=(32, 16)):
        super().__init__()
        sizes = [(c, min(50, (c + 1) // 2)) for c in cardinalities]
        self.embeds = nn.ModuleList([nn.Embedding(c, d) for c, d in sizes])
        self.bn_num = nn.BatchNorm1d(n_numeric)
        n_in = sum(d for _, d in sizes) + n_numeric
        layers = []
        for h in hidden:
            layers += [nn.Linear(n_in, h), nn.Tanh(), nn.LayerNorm(h)]
            n_in = h
        self.mlp = nn.Sequential(*layers)
        self.out = nn.Linear(n_in, 1)

    def forward(self, x_cat, x_num):
        emb = [e(x_cat[:, i]) for i, e in enumerate(self.embeds)]
        x = torch.cat(emb + [self.bn_num(x_num)], dim=1)
        return self.out(self.mlp(x)).squeeze(-1)


ds = TensorDataset(torch.from_numpy(cats), torch.from_numpy(nums.astype(np.float32)),
                   torch.from_numpy(target.astype(np.float32)))
train = DataLoader(ds, batch_size=30, shuffle=False)
model = TabularModel(cardinalities, 4)
init_weights(model)
opt = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.01)
for epoch in range(5):
    model.train()
    total = 0.0
    for xc, xn, t in train:
        loss = F.mse_loss(model(xc, xn), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(t)
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(xc, xn) for xc, xn, _ in train])
    print(f"LOSS epoch{epoch} {total / N:.5f} {F.l1_loss(pred, ds.tensors[2]).item():.5f}")
print("LOSS shapes", [tuple(e.weight.shape) for e in model.embeds], model.bn_num.num_batches_tracked.item(),
      f"{model.bn_num.running_mean.abs().sum().item():.5f}")
print("LOSS embed_norms", " ".join(f"{e.weight.norm().item():.5f}" for e in model.embeds))
