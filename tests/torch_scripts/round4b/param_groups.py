"""Parameter groups the way fine-tuning recipes build them: no weight decay for biases and
norm weights (split by named_parameters and p.ndim), a lower lr for the backbone,
AdamW with per-group weight_decay; optimizer.add_param_group for a new head mid-training;
optimizer.state_dict() saved mid-run (through torch.save to a BytesIO), loaded into a fresh
optimizer, training continued and matched against the uninterrupted run; param_groups'
keys and the state's step counts."""
import copy
import io
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


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(6, 16), nn.LayerNorm(16), nn.GELU(),
                                      nn.Linear(16, 16), nn.LayerNorm(16), nn.GELU())
        self.head = nn.Linear(16, 3)
        self.aux = nn.Linear(16, 1)

    def forward(self, x):
        h = self.backbone(x)
        return self.head(h), self.aux(h).squeeze(1)


rng = np.random.default_rng(6)
X = torch.from_numpy(rng.normal(size=(48, 6)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 3, size=48))
Z = X[:, 0] - X[:, 1]


def param_groups(model, weight_decay=0.05):
    decay, no_decay = [], []
    for name, p in model.backbone.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim == 1 or name.endswith(".bias") else decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay, "lr": 1e-3},
        {"params": no_decay, "weight_decay": 0.0, "lr": 1e-3},
        {"params": model.head.parameters()},
    ]


def step(model, optimizer, i, aux=False):
    out, z = model(X[i * 12:(i + 1) * 12])
    loss = F.cross_entropy(out, Y[i * 12:(i + 1) * 12])
    if aux:
        loss = loss + 0.5 * F.mse_loss(z, Z[i * 12:(i + 1) * 12])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


model = Net()
init_weights(model)
optimizer = torch.optim.AdamW(param_groups(model), lr=5e-3, betas=(0.9, 0.95))
names = [n for n, p in model.backbone.named_parameters() if p.ndim == 1]
print("LOSS groups", len(optimizer.param_groups[0]["params"]),
      len(optimizer.param_groups[1]["params"]), names,
      [g["weight_decay"] for g in optimizer.param_groups], [g["lr"] for g in optimizer.param_groups],
      sorted(k for k in optimizer.param_groups[2] if k != "params"
             and k not in ("foreach", "fused", "capturable", "differentiable", "maximize",
                           "decoupled_weight_decay")))
for epoch in range(4):
    loss = step(model, optimizer, epoch % 4)
    print(f"LOSS adamw{epoch} {loss:.6f}")

optimizer.add_param_group({"params": model.aux.parameters(), "lr": 2e-2, "weight_decay": 0.0})
print("LOSS added", len(optimizer.param_groups), optimizer.param_groups[3]["betas"],
      optimizer.param_groups[3]["eps"])
for epoch in range(4, 7):
    loss = step(model, optimizer, epoch % 4, aux=True)
    print(f"LOSS addgroup{epoch} {loss:.6f}")

# save the optimizer mid-run; resume in a fresh one and compare with the uninterrupted run
buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, buffer)
reference = copy.deepcopy(model)
ref_opt = torch.optim.AdamW(param_groups(reference), lr=5e-3, betas=(0.9, 0.95))
ref_opt.add_param_group({"params": reference.aux.parameters(), "lr": 2e-2, "weight_decay": 0.0})
buffer.seek(0)
checkpoint = torch.load(buffer)
ref_opt.load_state_dict(checkpoint["optimizer"])
sd = ref_opt.state_dict()
steps = sorted({int(s["step"]) for s in sd["state"].values()})
print("LOSS loaded", len(sd["state"]), steps, [g["params"] for g in sd["param_groups"]][3],
      sorted(sd["state"][0].keys()))
for epoch in range(7, 11):
    a = step(model, optimizer, epoch % 4, aux=True)
    b = step(reference, ref_opt, epoch % 4, aux=True)
    print(f"LOSS resumed{epoch} {a:.6f} {b:.6f}")

# change a group's lr and weight decay by hand mid-run, and zero_grad(set_to_none=False)
for g in optimizer.param_groups[:2]:
    g["lr"] *= 0.5
optimizer.param_groups[0]["weight_decay"] = 0.2
optimizer.zero_grad(set_to_none=False)
print("LOSS zeroed", model.head.weight.grad is not None, model.head.weight.grad.abs().sum().item())
for epoch in range(11, 14):
    loss = step(model, optimizer, epoch % 4, aux=True)
    print(f"LOSS changed{epoch} {loss:.6f} {model.backbone[0].weight.norm().item():.6f}")
