"""A matrix-factorisation recommender as the "sparse gradients" posts write it: user and item
nn.Embedding(sparse=True) tables trained by torch.optim.SparseAdam, the dense biases by Adam.
glassnet has no sparse gradients: it must refuse sparse=True by name before any step."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(82)
users = torch.from_numpy(rng.integers(0, 30, size=200))
items = torch.from_numpy(rng.integers(0, 40, size=200))
ratings = torch.from_numpy(rng.uniform(1, 5, size=200).astype(np.float32))


class MF(nn.Module):
    def __init__(self):
        super().__init__()
        self.user = nn.Embedding(30, 8, sparse=True)
        self.item = nn.Embedding(40, 8, sparse=True)
        self.bias = nn.Parameter(torch.tensor(3.0))

    def forward(self, u, i):
        return (self.user(u) * self.item(i)).sum(-1) + self.bias


model = MF()
sparse_opt = torch.optim.SparseAdam(list(model.user.parameters()) + list(model.item.parameters()),
                                    lr=0.05)
dense_opt = torch.optim.Adam([model.bias], lr=0.05)
for epoch in range(3):
    loss = F.mse_loss(model(users, items), ratings)
    sparse_opt.zero_grad()
    dense_opt.zero_grad()
    loss.backward()
    sparse_opt.step()
    dense_opt.step()
    print(f"LOSS epoch{epoch} {loss.item():.4f} {model.user.weight.grad.is_sparse}")
