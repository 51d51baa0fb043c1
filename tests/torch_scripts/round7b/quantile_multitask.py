"""Quantile (pinball) regression and multi-task learning with learned loss weights, as the
forecasting and "multi-task uncertainty weighting" (Kendall et al.) notebooks write them: a
shared trunk with a 3-quantile head and a classification head, the pinball loss by
torch.max(q * e, (q - 1) * e), log-variance parameters in an nn.Parameter weighting each task
loss by exp(-s) + s, optimizer parameter groups with their own lr for the weights, and
coverage of the predicted interval under no_grad. It runs in float64 (model.double()): the
pinball loss's gradient is piecewise constant, and a float32 rounding that moves one sample
across a quantile would change Adam's next step."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(76)
X = rng.uniform(-2, 2, size=(96, 3))
noise = rng.normal(size=96) * (0.2 + 0.3 * np.abs(X[:, 0]))
y_reg = torch.from_numpy(np.sin(X[:, 0]) + 0.5 * X[:, 1] + noise).unsqueeze(1)
y_cls = torch.from_numpy(((X[:, 1] + X[:, 2]) > 0).astype(np.int64))
X = torch.from_numpy(X)
QUANTILES = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)


def pinball_loss(pred, target, quantiles):
    err = target - pred  # (N, Q)
    return torch.max(quantiles * err, (quantiles - 1) * err).mean()


class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(3, 32), nn.SiLU(), nn.Linear(32, 32), nn.SiLU())
        self.quantile_head = nn.Linear(32, len(QUANTILES))
        self.class_head = nn.Linear(32, 2)
        self.log_vars = nn.Parameter(torch.zeros(2))

    def forward(self, x):
        h = self.trunk(x)
        return self.quantile_head(h), self.class_head(h)


model = MultiTask()
init_weights(model)
model = model.double()
body = [p for n, p in model.named_parameters() if n != "log_vars"]
opt = torch.optim.Adam([{"params": body}, {"params": [model.log_vars], "lr": 0.05}], lr=0.01)
for epoch in range(6):
    total = 0.0
    for i in range(0, 96, 32):
        q_pred, logits = model(X[i:i + 32])
        losses = torch.stack([pinball_loss(q_pred, y_reg[i:i + 32], QUANTILES),
                              F.cross_entropy(logits, y_cls[i:i + 32])])
        loss = (torch.exp(-model.log_vars) * losses + model.log_vars).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"LOSS epoch{epoch} {total / 3:.5f} {losses[0].item():.5f} {losses[1].item():.5f} "
          f"{model.log_vars[0].item():.5f} {model.log_vars[1].item():.5f}")

model.eval()
with torch.no_grad():
    q_pred, logits = model(X)
    inside = ((y_reg[:, 0] >= q_pred[:, 0]) & (y_reg[:, 0] <= q_pred[:, 2])).float()
    crossing = (q_pred[:, 0] > q_pred[:, 1]).sum()
    per_q = [pinball_loss(q_pred[:, k:k + 1], y_reg, QUANTILES[k]).item() for k in range(3)]
    weights = torch.exp(-model.log_vars)
print(f"LOSS eval {' '.join(f'{v:.5f}' for v in per_q)} {weights.sum().item():.5f} "
      f"{(q_pred[:, 2] - q_pred[:, 0]).mean().item():.5f}")
print(f"LOSS coverage {inside.sum().item():.0f} {crossing.item()} {F.cross_entropy(logits, y_cls).item():.5f}")
