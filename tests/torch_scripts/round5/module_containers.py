"""Models built from nn.ModuleDict, nn.ParameterList and nn.ParameterDict (a multi-task model
with one head per task looked up by name, per-expert scale parameters, named biases), buffers
registered with register_buffer (a persistent running statistic, persistent=False scratch),
and state_dict round trips as the checkpoint-migration answers write them:
load_state_dict(strict=False) reporting missing_keys and unexpected_keys, a renamed key, a
buffer kept out of the state_dict, named_parameters/named_buffers listings."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(71)


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


class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(6, 20), nn.Tanh())
        self.heads = nn.ModuleDict({"reg": nn.Linear(20, 1), "cls": nn.Linear(20, 3)})
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(20)) for _ in range(3)])
        self.biases = nn.ParameterDict({"reg": nn.Parameter(torch.zeros(1)),
                                        "cls": nn.Parameter(torch.zeros(3))})
        self.register_buffer("feature_mean", torch.zeros(6))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.register_buffer("scratch", torch.zeros(6), persistent=False)

    def forward(self, x, task):
        if self.training:
            with torch.no_grad():
                self.feature_mean.mul_(0.9).add_(0.1 * x.mean(0))
                self.calls += 1
        h = self.trunk(x - self.feature_mean)
        for s in self.scales:
            h = h * s
        return self.heads[task](h) + self.biases[task]


X = torch.from_numpy(rng.normal(loc=1.0, size=(64, 6)).astype(np.float32))
y_reg = torch.from_numpy(rng.normal(size=(64, 1)).astype(np.float32))
y_cls = torch.from_numpy(rng.integers(0, 3, size=64))
model = MultiTask()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(16):
    task = "reg" if step % 2 == 0 else "cls"
    out = model(X, task)
    loss = F.mse_loss(out, y_reg) if task == "reg" else F.cross_entropy(out, y_cls)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 4 < 2:
        print(f"LOSS {task}{step} {loss.item():.5f} {model.scales[1].sum().item():.5f}")

state = model.state_dict()
print("LOSS keys", len(state), "scratch" in state, "heads.cls.weight" in state,
      "scales.2" in state, "biases.reg" in state, int(model.calls))
print("LOSS named", len(list(model.named_parameters())), len(list(model.named_buffers())),
      " ".join(n for n, _ in model.named_buffers()))

fresh = MultiTask()
renamed = {("heads.classify.weight" if k == "heads.cls.weight" else k): v for k, v in state.items()}
renamed.pop("feature_mean")
result = fresh.load_state_dict(renamed, strict=False)
print("LOSS strict_false", sorted(result.missing_keys), sorted(result.unexpected_keys))
try:
    fresh.load_state_dict(renamed)
except RuntimeError as e:
    print("LOSS strict", isinstance(e, RuntimeError), "Missing key(s)" in str(e), "Unexpected key(s)" in str(e))
fresh.load_state_dict(state)
fresh.eval()
model.eval()
with torch.no_grad():
    print("LOSS reload", f"{(fresh(X, 'cls') - model(X, 'cls')).abs().max().item():.6f}",
          f"{fresh(X, 'reg').sum().item():.5f}", int(fresh.calls))
model.heads["aux"] = nn.Linear(20, 2)
model.scales.append(nn.Parameter(torch.full((20,), 0.5)))
model.biases.update({"aux": nn.Parameter(torch.ones(2))})
print("LOSS grown", list(model.heads.keys()), len(model.scales), sorted(model.biases.keys()),
      sum(p.numel() for p in model.parameters()))
