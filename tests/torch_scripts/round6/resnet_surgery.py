"""A ResNet-style model built with nn.Sequential(OrderedDict(...)) and then edited the way
fine-tuning posts do: a named_modules() walk that swaps every nn.ReLU for nn.SiLU with setattr
on the parent, model.apply(init_fn) with kaiming_normal_(mode="fan_out",
nonlinearity="relu") for convolutions, trunc_normal_ for the classifier and orthogonal_ for a
projection, BatchNorm weights to ones (the last of each block zero-init), named children,
parameter counts; then a few SGD steps in float64 (BatchNorm over 8 samples amplifies float32
rounding)."""
import os
from collections import OrderedDict

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


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.body = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(cin, cout, 3, stride, 1, bias=False)),
            ("bn1", nn.BatchNorm2d(cout)),
            ("act1", nn.ReLU(inplace=True)),
            ("conv2", nn.Conv2d(cout, cout, 3, 1, 1, bias=False)),
            ("bn2", nn.BatchNorm2d(cout)),
        ]))
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(OrderedDict([
                ("conv", nn.Conv2d(cin, cout, 1, stride, bias=False)), ("bn", nn.BatchNorm2d(cout))]))
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.body(x) + self.shortcut(x))


model = nn.Sequential(OrderedDict([
    ("stem", nn.Sequential(OrderedDict([("conv", nn.Conv2d(3, 8, 3, padding=1, bias=False)),
                                        ("bn", nn.BatchNorm2d(8)), ("relu", nn.ReLU())]))),
    ("layer1", BasicBlock(8, 8)),
    ("layer2", BasicBlock(8, 16, stride=2)),
    ("pool", nn.AdaptiveAvgPool2d(1)),
    ("flatten", nn.Flatten()),
    ("proj", nn.Linear(16, 16)),
    ("fc", nn.Linear(16, 3)),
]))
print("LOSS names", list(dict(model.named_children()).keys()), model.layer2.body.conv1.stride,
      isinstance(model.stem.relu, nn.ReLU))

# swap every ReLU for SiLU: find the parent by the dotted name and setattr on it
for name, module in list(model.named_modules()):
    if isinstance(module, nn.ReLU):
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, nn.SiLU())
kinds = [type(m).__name__ for _, m in model.named_modules()]
print("LOSS swapped", kinds.count("ReLU"), kinds.count("SiLU"), len(kinds),
      type(model.layer1.body.act1).__name__, list(model.layer1.body._modules)[2])


def init_fn(m):
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02, a=-0.04, b=0.04)
        nn.init.zeros_(m.bias)


model.apply(init_fn)
nn.init.orthogonal_(model.proj.weight)
for block in (model.layer1, model.layer2):
    nn.init.zeros_(block.body.bn2.weight)
w = model.proj.weight.detach()
print("LOSS init_shapes", torch.allclose(w @ w.T, torch.eye(16), atol=1e-5),
      bool(model.fc.weight.abs().max() <= 0.04), model.layer1.body.bn2.weight.sum().item(),
      sum(p.numel() for p in model.parameters()), sum(p.numel() for p in model.parameters() if p.dim() > 1))
init_weights(model)  # the random draws differ between libraries: compare from torch's draw

rng = np.random.default_rng(605)
X = torch.from_numpy(rng.normal(size=(8, 3, 8, 8)))
y = torch.from_numpy(rng.integers(0, 3, size=8))
model = model.double()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for step in range(6):
    loss = F.cross_entropy(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS step{step} {loss.item():.7f} {model.layer2.body.bn2.weight.norm().item():.7f}")
model.eval()
with torch.no_grad():
    print("LOSS eval", f"{model(X).sum().item():.6f}", f"{model.stem.bn.running_var.mean().item():.6f}")
