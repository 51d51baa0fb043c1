"""OneCycleLR and ReduceLROnPlateau as the fine-tuning blog posts use them: OneCycleLR with
Adam (its betas cycled in place of momentum), three_phase=True, anneal_strategy="linear",
div_factor/final_div_factor and total_steps, a max_lr per parameter group; ReduceLROnPlateau
on a validation accuracy (mode="max") with threshold_mode="abs", cooldown, a min_lr per group
and eps, its num_bad_epochs and state_dict round trip."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import OneCycleLR, ReduceLROnPlateau


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(1)
X = torch.from_numpy(rng.normal(size=(48, 6)).astype(np.float32))
Y = torch.from_numpy((rng.normal(size=48) > 0).astype(np.int64))


def make_model():
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
    init_weights(model)
    return model


# OneCycleLR with Adam: the first beta follows the momentum schedule
model = make_model()
optimizer = torch.optim.Adam([
    {"params": model[0].parameters()},
    {"params": model[2].parameters(), "lr": 1e-3},
], lr=1e-3, betas=(0.9, 0.99))
scheduler = OneCycleLR(optimizer, max_lr=[0.02, 0.05], total_steps=12, three_phase=True,
                       anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0,
                       base_momentum=0.8, max_momentum=0.95)
print("LOSS onecycle_start", *[f"{g['lr']:.7g}" for g in optimizer.param_groups],
      optimizer.param_groups[0]["betas"][0], optimizer.param_groups[0]["initial_lr"])
loss_fn = nn.CrossEntropyLoss()
for step in range(12):
    xb, yb = X[(step % 4) * 12:(step % 4 + 1) * 12], Y[(step % 4) * 12:(step % 4 + 1) * 12]
    loss = loss_fn(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    g0, g1 = optimizer.param_groups
    print(f"LOSS onecycle{step} {loss.item():.6f} {g0['lr']:.7g} {g1['lr']:.7g} "
          f"{g0['betas'][0]:.7g} {g0['betas'][1]:.7g}")
print("LOSS onecycle_last", *[f"{lr:.7g}" for lr in scheduler.get_last_lr()])

# SGD + OneCycleLR with epochs/steps_per_epoch, cosine, momentum cycled
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
scheduler = OneCycleLR(optimizer, max_lr=0.2, epochs=3, steps_per_epoch=3, pct_start=0.4)
for epoch in range(3):
    for i in range(3):
        loss = loss_fn(model(X[i * 16:(i + 1) * 16]), Y[i * 16:(i + 1) * 16])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    g = optimizer.param_groups[0]
    print(f"LOSS sgdcycle{epoch} {loss.item():.6f} {g['lr']:.7g} {g['momentum']:.7g}")


# ReduceLROnPlateau on validation accuracy
def accuracy(model):
    with torch.no_grad():
        return (model(X[32:]).argmax(1) == Y[32:]).float().mean().item()


model = make_model()
optimizer = torch.optim.SGD([
    {"params": model[0].parameters()},
    {"params": model[2].parameters(), "lr": 0.2},
], lr=0.1, momentum=0.9)
plateau = ReduceLROnPlateau(optimizer, mode="max", factor=0.3, patience=1, threshold=0.02,
                            threshold_mode="abs", cooldown=2, min_lr=[0.005, 0.02], eps=1e-4)
fake_acc = [0.50, 0.60, 0.61, 0.615, 0.70, 0.70, 0.69, 0.71, 0.71, 0.70, 0.72, 0.71, 0.71,
            0.70]
for epoch, acc in enumerate(fake_acc):
    loss = loss_fn(model(X[:32]), Y[:32])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    real = accuracy(model)
    plateau.step(acc)
    lrs = [f"{g['lr']:.7g}" for g in optimizer.param_groups]
    print(f"LOSS plateau{epoch} {loss.item():.6f} {real:.4f}", *lrs, plateau.num_bad_epochs,
          plateau.cooldown_counter, f"{plateau.best:.4f}")

state = plateau.state_dict()
again = ReduceLROnPlateau(optimizer, mode="max", factor=0.3, patience=1)
again.load_state_dict(state)
print("LOSS plateau_state", again.patience, again.cooldown, again.threshold_mode,
      f"{again.best:.4f}", again.num_bad_epochs, again.last_epoch,
      *[f"{x:.7g}" for x in again.min_lrs])
again.step(0.5)
again.step(0.5)
print("LOSS plateau_again", *[f"{g['lr']:.7g}" for g in optimizer.param_groups],
      *[f"{x:.7g}" for x in again.get_last_lr()])
