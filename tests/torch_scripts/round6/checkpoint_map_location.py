"""A training checkpoint as a dict of model, optimizer and scheduler state_dicts plus epoch
and a metric history, written with torch.save and read back with
torch.load(map_location="cpu") (and map_location=torch.device("cpu")), a fresh model,
optimizer and scheduler resumed from it with load_state_dict, and the resumed run checked
against an uninterrupted one step for step."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


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


rng = np.random.default_rng(613)
X = torch.from_numpy(rng.normal(size=(50, 4)).astype(np.float32))
Y = torch.from_numpy(np.sin(X.numpy() @ rng.normal(size=(4, 1))).astype(np.float32))


def make():
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.02, betas=(0.8, 0.95))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8)
    return model, opt, sched


def epoch(model, opt, sched):
    for i in range(0, 50, 10):
        loss = F.mse_loss(model(X[i:i + 10]), Y[i:i + 10])
        opt.zero_grad()
        loss.backward()
        opt.step()
    sched.step()
    return loss.item()


model, opt, sched = make()
init_weights(model)
start = {k: v.clone() for k, v in model.state_dict().items()}
history = [epoch(model, opt, sched) for _ in range(3)]
torch.save({"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
            "scheduler_state_dict": sched.state_dict(), "history": history}, "ckpt.pt")
uninterrupted = history + [epoch(model, opt, sched) for _ in range(3)]
print("LOSS uninterrupted", " ".join(f"{v:.6f}" for v in uninterrupted))

ckpt = torch.load("ckpt.pt", map_location="cpu")
model2, opt2, sched2 = make()
model2.load_state_dict(ckpt["model_state_dict"])
opt2.load_state_dict(ckpt["optimizer_state_dict"])
sched2.load_state_dict(ckpt["scheduler_state_dict"])
print("LOSS loaded", ckpt["epoch"], sorted(ckpt.keys()), f"{sched2.get_last_lr()[0]:.6f}",
      len(ckpt["optimizer_state_dict"]["state"]), ckpt["optimizer_state_dict"]["param_groups"][0]["betas"])
resumed = ckpt["history"] + [epoch(model2, opt2, sched2) for _ in range(3)]
print("LOSS resumed", " ".join(f"{v:.6f}" for v in resumed))
print("LOSS same", max(abs(a - b) for a, b in zip(resumed, uninterrupted)) < 1e-6,
      all(torch.allclose(a, b) for a, b in zip(model.parameters(), model2.parameters())))

# a weights-only checkpoint loaded onto a device object, and the start weights restored
torch.save(model.state_dict(), "weights.pt")
state = torch.load("weights.pt", map_location=torch.device("cpu"), weights_only=True)
model3, _, _ = make()
model3.load_state_dict(state)
model3.load_state_dict(start)
with torch.no_grad():
    print("LOSS reload", f"{F.mse_loss(model(X), Y).item():.6f}", f"{F.mse_loss(model3(X), Y).item():.6f}",
          next(iter(state.values())).device.type)
