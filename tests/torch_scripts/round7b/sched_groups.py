"""Learning-rate schedules on several parameter groups, with the groups edited mid-run the
way fine-tuning notebooks do: LambdaLR with one lambda per group, CyclicLR
(mode="triangular2", cycle_momentum cycling SGD's momentum, per-group base/max lr),
PolynomialLR(power=2), ReduceLROnPlateau(mode="max") on a validation accuracy, a group's lr
and weight_decay changed through optimizer.param_groups, add_param_group for a head added
later, get_last_lr(), the scheduler's state_dict keys, and the deprecated
scheduler.step(epoch) of old tutorials."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
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


rng = np.random.default_rng(78)
X = torch.from_numpy(rng.normal(size=(60, 4)).astype(np.float32))
y = torch.from_numpy((X.numpy()[:, 0] + X.numpy()[:, 1] ** 2 > 0.8).astype(np.int64))
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2), nn.Linear(2, 2))
init_weights(model)


def lrs(opt):
    return " ".join(f"{g['lr']:.6f}" for g in opt.param_groups)


def train_step(opt):
    loss = F.cross_entropy(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


# 1. LambdaLR, one lambda per group; the second group's weight_decay edited at epoch 3
opt = torch.optim.SGD([{"params": model[0].parameters()},
                       {"params": model[2].parameters(), "lr": 0.05}], lr=0.1, momentum=0.9)
sched = lr_scheduler.LambdaLR(opt, lr_lambda=[lambda e: 0.9 ** e, lambda e: 1.0 / (1 + e)])
for epoch in range(6):
    loss = train_step(opt)
    sched.step()
    if epoch == 3:
        opt.param_groups[1]["weight_decay"] = 0.01
        opt.param_groups[0]["momentum"] = 0.5
    print(f"LOSS lambda{epoch} {loss:.5f} {lrs(opt)} {sched.get_last_lr()[1]:.6f}")
print("LOSS lambda_state", sorted(k for k in sched.state_dict() if not k.startswith("_")),
      sched.last_epoch)

# 2. CyclicLR on per-group bounds, momentum cycled inversely; a head added with add_param_group
opt = torch.optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters()}],
                      lr=0.01, momentum=0.9)
sched = lr_scheduler.CyclicLR(opt, base_lr=[0.005, 0.01], max_lr=[0.05, 0.1], step_size_up=3,
                              step_size_down=2, mode="triangular2", cycle_momentum=True,
                              base_momentum=0.8, max_momentum=0.95)
for it in range(12):
    loss = train_step(opt)
    sched.step()
    if it % 3 == 2:
        print(f"LOSS cyclic{it} {loss:.5f} {lrs(opt)} {opt.param_groups[0]['momentum']:.4f}")

# 3. PolynomialLR over 8 steps, a third group added mid-way (it keeps its own lr)
opt = torch.optim.Adam(model[0].parameters(), lr=0.01)
sched = lr_scheduler.PolynomialLR(opt, total_iters=8, power=2.0)
for it in range(10):
    if it == 4:
        opt.add_param_group({"params": model[3].parameters(), "lr": 0.003})
    loss = train_step(opt)
    sched.step()
    if it % 2 == 1:
        print(f"LOSS poly{it} {loss:.5f} {lrs(opt)} {len(opt.param_groups)}")

# 4. ReduceLROnPlateau(mode="max") on the training accuracy (in float64, no near-ties)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1, threshold=0.01)
for epoch in range(8):
    loss = train_step(opt)
    with torch.no_grad():
        acc = (model.double()(X.double()).argmax(1) == y).double().mean().item()
        model.float()
    plateau.step(acc)
    print(f"LOSS plateau{epoch} {loss:.5f} {acc:.4f} {lrs(opt)} {plateau.num_bad_epochs}")

# 5. the pre-1.1 tutorial form: scheduler.step(epoch) at the top of each epoch (deprecated,
# with a warning; the closed form at that epoch), and plateau.step(metrics, epoch)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
old_style = lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.3)
cosine = lr_scheduler.CosineAnnealingLR(torch.optim.SGD(model[3].parameters(), lr=0.1), T_max=3)
for epoch in range(1, 7):
    old_style.step(epoch)
    cosine.step(epoch)
    loss = train_step(opt)
    print(f"LOSS old_style{epoch} {loss:.5f} {lrs(opt)} {cosine.get_last_lr()[0]:.6f}")
plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="min", patience=0, factor=0.5)
plateau.step(metrics=1.0)
plateau.step(2.0, epoch=10)
print("LOSS plateau_epoch", plateau.last_epoch, lrs(opt))
