"""A tiny mixture-of-experts classifier with top-k gating: topk over gate logits, a dense gate
built with scatter_ / scatter, gather, einsum over stacked expert weights, a load-balancing loss
from F.one_hot counts, index_select, repeat_interleave, bmm, torch.where, and
view/permute/contiguous/expand/flatten reshapes; trained with Adagrad and a LambdaLR."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)


class MoE(nn.Module):
    def __init__(self, d_in=8, d_hidden=16, n_experts=4, k=2, n_classes=3):
        super().__init__()
        self.k, self.n_experts = k, n_experts
        self.gate = nn.Linear(d_in, n_experts, bias=False)
        self.w1 = nn.Parameter(torch.randn(n_experts, d_in, d_hidden) * 0.3)
        self.b1 = nn.Parameter(torch.zeros(n_experts, d_hidden))
        self.w2 = nn.Parameter(torch.randn(n_experts, d_hidden, n_classes) * 0.3)
        self.register_buffer("expert_ids", torch.arange(n_experts))

    def forward(self, x):
        logits = self.gate(x)                                        # (B, E)
        top_val, top_idx = logits.topk(self.k, dim=-1)              # (B, k)
        top_w = F.softmax(top_val, dim=-1)
        dense = torch.zeros_like(logits).scatter(1, top_idx, top_w)  # (B, E)
        h = torch.einsum("bd,edh->beh", x, self.w1) + self.b1.unsqueeze(0)
        h = F.relu(h)
        out = torch.einsum("beh,ehc->bec", h, self.w2)              # (B, E, C)
        chosen = out.gather(1, top_idx.unsqueeze(-1).expand(-1, -1, out.size(-1)))  # (B, k, C)
        mixed = torch.bmm(top_w.unsqueeze(1), chosen).squeeze(1)    # (B, C)
        check = (dense.unsqueeze(-1) * out).sum(1)
        counts = F.one_hot(top_idx.flatten(), self.n_experts).float().sum(0)
        importance = F.softmax(logits, dim=-1).mean(0)
        balance = self.n_experts * (importance * counts / counts.sum()).sum()
        return mixed, check, balance


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(4)
X = torch.from_numpy(rng.standard_normal((120, 8)).astype(np.float32))
cls = torch.where(X[:, 0] > 0.5, torch.tensor(2), torch.where(X[:, 1] * X[:, 2] > 0, 1, 0))
model = MoE()
init_weights(model)
optimizer = torch.optim.Adagrad(model.parameters(), lr=0.05)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda ep: 0.9 ** ep)
for step in range(15):
    perm = torch.from_numpy(rng.permutation(120)[:40])
    xb = X.index_select(0, perm)
    yb = cls[perm]
    mixed, check, balance = model(xb)
    assert torch.allclose(mixed, check, atol=1e-5)
    target = torch.zeros(40, 3).scatter_(1, yb.view(-1, 1), 1.0)
    logp = F.log_softmax(mixed, dim=-1)
    loss = -(target * logp).sum(dim=1).mean() + 0.01 * balance
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    print(f"LOSS {step} {loss.item():.6f}")

with torch.no_grad():
    mixed, _, _ = model(X)
    pred = mixed.argmax(-1)
    per_class = torch.stack([(pred[cls == c] == c).float().mean() for c in range(3)])
    print(f"LOSS per_class {per_class.tolist()[0]:.6f}")
    reps = torch.arange(3).repeat_interleave(torch.tensor([1, 2, 3]))
    print("reps", reps.tolist())
    grid = X[:6].view(2, 3, 8).permute(1, 0, 2).contiguous().view(3, -1)
    print(f"LOSS grid {grid.sum().item():.6f}")
    print(f"LOSS balance {model(X)[2].item():.6f}")
