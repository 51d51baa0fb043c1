"""Adjusting the learning rate (torch.optim's documentation examples): each scheduler stepped
after optimizer.step() over a small regression, the learning rates printed per epoch, with
two parameter groups (a different lr for the head), ReduceLROnPlateau fed the validation
loss, SequentialLR / ChainedScheduler combinations, OneCycleLR stepped per batch and
optimizer.add_param_group during training."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.optim import lr_scheduler


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)
X = torch.from_numpy(rng.normal(size=(32, 4)).astype(np.float32))
Y = (X @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]])).tanh()


def make_model():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    init_weights(model)
    return model


def groups(model, lr):
    return [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": lr * 3}]


SCHEDULERS = {
    "step": (lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5), "sgd"),
    "multistep": (lambda o: lr_scheduler.MultiStepLR(o, milestones=[1, 3, 4], gamma=0.3), "sgd"),
    "exp": (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.8), "adam"),
    "cosine": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=1e-3), "sgd"),
    "lambda": (lambda o: lr_scheduler.LambdaLR(o, lr_lambda=[lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]), "sgd"),
    "mult": (lambda o: lr_scheduler.MultiplicativeLR(o, lr_lambda=lambda e: 0.95), "adam"),
    "linear": (lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=3), "adamw"),
    "sequential": (lambda o: lr_scheduler.SequentialLR(o, schedulers=[
        lr_scheduler.ConstantLR(o, factor=0.5, total_iters=2),
        lr_scheduler.ExponentialLR(o, gamma=0.7)], milestones=[2]), "sgd"),
    "chained": (lambda o: lr_scheduler.ChainedScheduler([
        lr_scheduler.ConstantLR(o, factor=0.2, total_iters=2),
        lr_scheduler.ExponentialLR(o, gamma=0.9)]), "adam"),
    "cyclic": (lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2,
                                               mode="triangular2"), "sgd_momentum"),
}


def make_optimizer(kind, params, lr):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if kind == "sgd_momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr)
    return torch.optim.Adam(params, lr=lr)


for name, (make, kind) in SCHEDULERS.items():
    model = make_model()
    optimizer = make_optimizer(kind, groups(model, 0.05), 0.05)
    scheduler = make(optimizer)
    for epoch in range(6):
        loss = nn.functional.mse_loss(model(X), Y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        lrs = [g["lr"] for g in optimizer.param_groups]
        print(f"LOSS {name}{epoch} {loss.item():.7f} {lrs[0]:.7g} {lrs[1]:.7g} "
              f"{scheduler.get_last_lr()[0]:.7g}")

# ReduceLROnPlateau on a validation loss that stalls
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
plateau = lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1,
                                         threshold=0.05, threshold_mode="rel", cooldown=1,
                                         min_lr=0.01)
val_losses = [1.0, 0.9, 0.89, 0.88, 0.95, 0.5, 0.49, 0.49, 0.48, 0.48]
for epoch, val in enumerate(val_losses):
    loss = nn.functional.mse_loss(model(X), Y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    plateau.step(val)
    print(f"LOSS plateau{epoch} {loss.item():.7f} {optimizer.param_groups[0]['lr']:.7g}")

# OneCycleLR stepped per batch, with momentum cycling; then add_param_group
model = make_model()
optimizer = torch.optim.SGD(model[0].parameters(), lr=0.01, momentum=0.9)
onecycle = lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, epochs=2, steps_per_epoch=4,
                                   anneal_strategy="cos", pct_start=0.25)
for epoch in range(2):
    for i in range(4):
        xb, yb = X[i * 8:(i + 1) * 8], Y[i * 8:(i + 1) * 8]
        loss = nn.functional.mse_loss(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        onecycle.step()
        g = optimizer.param_groups[0]
        print(f"LOSS onecycle{epoch}_{i} {loss.item():.7f} {g['lr']:.7g} {g['momentum']:.7g}")
optimizer = torch.optim.Adam(model[0].parameters(), lr=0.01)
for epoch in range(4):
    if epoch == 2:
        optimizer.add_param_group({"params": model[2].parameters(), "lr": 0.02})
    loss = nn.functional.mse_loss(model(X), Y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"LOSS addgroup{epoch} {loss.item():.7f} {len(optimizer.param_groups)}")
