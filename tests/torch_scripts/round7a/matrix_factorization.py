"""A matrix-factorisation recommender on synthetic ratings: user and item nn.Embedding tables
(sparse=False) with per-user/per-item bias embeddings and a global bias, the prediction as
(u * v).sum(1), MSE on observed (user, item, rating) triples served by a TensorDataset, a
Subset in a numpy-shuffled order (so both frameworks see the same batches) and a DataLoader;
AdamW with weight decay on the factor tables only, RMSE on a held-out
split, then top-k recommendation for a user with the items already rated masked to -inf."""
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


class MF(nn.Module):
    def __init__(self, n_users, n_items, k=8):
        super().__init__()
        self.user = nn.Embedding(n_users, k, sparse=False)
        self.item = nn.Embedding(n_items, k, sparse=False)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        self.mu = nn.Parameter(torch.zeros(1))
        nn.init.normal_(self.user.weight, std=0.1)
        nn.init.normal_(self.item.weight, std=0.1)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)

    def forward(self, u, i):
        dot = (self.user(u) * self.item(i)).sum(dim=1)
        return dot + self.user_bias(u).squeeze(1) + self.item_bias(i).squeeze(1) + self.mu

    def scores(self, u):
        return self.user(u) @ self.item.weight.T + self.item_bias.weight.T + self.mu + self.user_bias(u)


rng = np.random.default_rng(706)
NU, NI = 40, 30
pu, qi = rng.normal(size=(NU, 3)), rng.normal(size=(NI, 3))
pairs = rng.choice(NU * NI, size=600, replace=False)
users, items = pairs // NI, pairs % NI
ratings = np.clip(3 + (pu[users] * qi[items]).sum(1) + rng.normal(scale=0.3, size=600), 1, 5)
u_t, i_t = torch.from_numpy(users), torch.from_numpy(items)
r_t = torch.from_numpy(ratings.astype(np.float32))
train = TensorDataset(u_t[:500], i_t[:500], r_t[:500])

model = MF(NU, NI)
init_weights(model)
decay = [model.user.weight, model.item.weight]
rest = [p for n, p in model.named_parameters() if n not in ("user.weight", "item.weight")]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                         {"params": rest, "weight_decay": 0.0}], lr=0.05)
for epoch in range(8):
    order = rng.permutation(500)
    loader = DataLoader(torch.utils.data.Subset(train, order.tolist()), batch_size=50)
    total = 0.0
    for u, i, r in loader:
        loss = F.mse_loss(model(u, i), r)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(r)
    with torch.no_grad():
        rmse = torch.sqrt(F.mse_loss(model(u_t[500:], i_t[500:]), r_t[500:]))
    print("LOSS epoch", epoch, f"{total / 500:.5f}", f"{rmse.item():.5f}")

with torch.no_grad():
    user = torch.tensor([3])
    s = model.scores(user).squeeze(0).double()
    rated = i_t[:500][u_t[:500] == 3]
    s[rated] = float("-inf")
    top = torch.topk(s, 5)
    print("LOSS topk", f"{top.values.sum().item():.5f}", f"{torch.isinf(s).sum().item()}",
          f"{model.user.weight.norm().item():.5f}", f"{model.mu.item():.5f}")
    print("LOSS grads", f"{model.item_bias.weight.abs().max().item():.5f}",
          f"{F.embedding(torch.tensor([[1, 2], [3, 4]]), model.item.weight).sum().item():.5f}")
