"""Stochastic weight averaging as in the PyTorch blog post and torch.optim's docs:
AveragedModel(model) updated from swa_start on, SWALR annealing to swa_lr (cos, then linear
with a per-group swa_lr) and a CosineAnnealingLR before it, update_bn(loader, swa_model) for
the BatchNorm statistics, evaluation of the averaged model; an EMA with
AveragedModel(multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True) and one with a custom
avg_fn; n_averaged and the averaged model's state_dict keys."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 24), nn.BatchNorm1d(24), nn.ReLU(),
                                  nn.Linear(24, 12), nn.BatchNorm1d(12, momentum=0.2),
                                  nn.ReLU())
        self.head = nn.Linear(12, 1)

    def forward(self, x):
        return self.head(self.body(x))


rng = np.random.default_rng(5)
X = torch.from_numpy(rng.normal(size=(80, 5)).astype(np.float32))
Y = (X[:, :1] * X[:, 1:2] + X[:, 2:3].sin()).float()
train_loader = DataLoader(TensorDataset(X[:64], Y[:64]), batch_size=16, shuffle=False)
val_x, val_y = X[64:], Y[64:]


def evaluate(model):
    model.eval()
    with torch.no_grad():
        return F.mse_loss(model(val_x), val_y).item()


model = Net()
init_weights(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
swa_model = AveragedModel(model)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
swa_start = 4
swa_scheduler = SWALR(optimizer, swa_lr=0.02, anneal_epochs=3, anneal_strategy="cos")
print("LOSS swa_init", [k for k in swa_model.state_dict()][:3], swa_model.n_averaged.item(),
      f"{optimizer.param_groups[0]['lr']:.7g}")
for epoch in range(9):
    model.train()
    for xb, yb in train_loader:
        loss = F.mse_loss(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if epoch > swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    else:
        scheduler.step()
    print(f"LOSS swa{epoch} {loss.item():.6f} {optimizer.param_groups[0]['lr']:.7g} "
          f"{swa_model.n_averaged.item()} {evaluate(model):.6f}")

before = evaluate(swa_model)
running = swa_model.module.body[1].running_mean.sum().item()
update_bn(train_loader, swa_model)
bn = swa_model.module.body[1]
print(f"LOSS update_bn {before:.6f} {evaluate(swa_model):.6f} {running:.6f} "
      f"{bn.running_mean.sum().item():.6f} {bn.running_var.sum().item():.6f} "
      f"{swa_model.module.body[4].momentum} {swa_model.training} "
      f"{bn.num_batches_tracked.item()}")
with torch.no_grad():
    manual = swa_model.module.head.weight.sum().item()
print(f"LOSS swa_head {manual:.6f}", len(list(swa_model.parameters())),
      len(swa_model.state_dict()))

# SWALR, linear, one swa_lr per group
model = Net()
init_weights(model)
optimizer = torch.optim.Adam([{"params": model.body.parameters(), "lr": 0.01},
                              {"params": model.head.parameters(), "lr": 0.03}])
swa_scheduler = SWALR(optimizer, swa_lr=[0.001, 0.005], anneal_epochs=4,
                      anneal_strategy="linear")
for epoch in range(6):
    model.train()
    for xb, yb in train_loader:
        loss = F.mse_loss(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    swa_scheduler.step()
    print(f"LOSS swalr{epoch} {loss.item():.6f}",
          *[f"{lr:.7g}" for lr in swa_scheduler.get_last_lr()])

# EMA through AveragedModel, buffers averaged too
model = Net()
init_weights(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True)
custom = AveragedModel(model, avg_fn=lambda avg, cur, n: 0.5 * avg + 0.5 * cur)
for step, (xb, yb) in enumerate(list(train_loader) * 2):
    model.train()
    loss = F.mse_loss(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    ema_model.update_parameters(model)
    custom.update_parameters(model)
    bn = ema_model.module.body[1]
    print(f"LOSS ema{step} {loss.item():.6f} {evaluate(ema_model):.6f} "
          f"{evaluate(custom):.6f} {bn.running_mean.sum().item():.6f} "
          f"{bn.num_batches_tracked.item()}")
