"""Pruning and fusion for deployment (the pruning tutorial and the "fuse Conv + BN" recipe):
a LeNet-style net pruned with prune.l1_unstructured (weight_orig / weight_mask and the
forward pre-hook), iterative pruning with prune.ln_structured(n=2, dim=0) on top (a
PruningContainer), a pruning method of one's own (BasePruningMethod subclass with
compute_mask(t, default_mask)), prune.global_unstructured(..., pruning_method=
prune.L1Unstructured, amount=0.2) over several layers with the sparsity per layer printed,
fine-tuning the pruned net (the masked weights get no gradient), prune.remove to make it
permanent, then a conv + BatchNorm2d block folded with torch.nn.utils.fuse_conv_bn_eval and a
linear + BatchNorm1d with fuse_linear_bn_eval, checked against the unfused eval outputs."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune
from torch.nn.utils import fuse_conv_bn_eval, fuse_linear_bn_eval

rng = np.random.default_rng(20)
X = torch.from_numpy(rng.normal(size=(32, 1, 12, 12)).astype(np.float32))
Y = torch.from_numpy(((X[:, 0, :6].mean((1, 2)) > 0).long() + (X[:, 0, :, :6].mean((1, 2)) > 0).long()).numpy())


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 8, 3)
        self.fc1 = nn.Linear(8, 16)
        self.bn3 = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.bn3(self.fc1(x)))
        return self.fc2(x)


class FooBarPruningMethod(prune.BasePruningMethod):
    """Prune every other entry in a tensor"""
    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask


def foobar_unstructured(module, name):
    FooBarPruningMethod.apply(module, name)
    return module


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().numpy() for k, v in model.state_dict().items()})


def train(model, steps, lr=0.05):
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr, momentum=0.9)
    model.train()
    for step in range(steps):
        i = (step % 4) * 8
        loss = F.cross_entropy(model(X[i:i + 8]), Y[i:i + 8])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


torch.manual_seed(0)
model = LeNet()
init_weights(model)
print(f"LOSS pretrain {train(model, 8):.6f}")
module = model.conv1
prune.l1_unstructured(module, name="weight", amount=0.3)
print("LOSS l1", list(dict(module.named_parameters()).keys()), list(dict(module.named_buffers()).keys())[:1],
      int((module.weight == 0).sum()), len(module._forward_pre_hooks), prune.is_pruned(model))
prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
hook = next(iter(module._forward_pre_hooks.values()))
print("LOSS ln", int((module.weight == 0).sum()), int((module.weight.abs().sum((1, 2, 3)) == 0).sum()),
      type(hook).__name__, [type(m).__name__ for m in hook])
prune.l1_unstructured(model.fc2, name="bias", amount=1)
foobar_unstructured(model.fc1, name="bias")
print("LOSS custom", model.fc1.bias_mask.tolist()[:6], int((model.fc2.bias == 0).sum()))

parameters_to_prune = ((model.conv2, "weight"), (model.fc1, "weight"), (model.fc2, "weight"))
prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)
for m, name in parameters_to_prune:
    w = getattr(m, name)
    print(f"LOSS sparsity_{type(m).__name__}{tuple(w.shape)[0]} {100. * float(torch.sum(w == 0)) / float(w.nelement()):.4f}")
print("LOSS state_keys", *sorted(k for k in model.state_dict() if "conv1" in k or "fc2" in k))

before = model.conv2.weight_mask.clone()
print(f"LOSS finetune {train(model, 8, lr=0.02):.6f}",
      torch.equal((model.conv2.weight == 0), before == 0), f"{model.conv2.weight_orig.grad.abs().sum().item():.6f}",
      bool((model.conv2.weight_orig.grad[before == 0] == 0).all()))
for m, name in parameters_to_prune + ((module, "weight"), (model.fc1, "bias"), (model.fc2, "bias")):
    prune.remove(m, name)
print("LOSS removed", prune.is_pruned(model), sorted(n for n, _ in model.conv1.named_parameters()),
      int((model.conv1.weight == 0).sum()), len(model.state_dict()))

model.eval()
with torch.no_grad():
    ref = model(X)
    fused_conv = fuse_conv_bn_eval(model.conv1, model.bn1)
    fused_fc = fuse_linear_bn_eval(model.fc1, model.bn3)
    a = F.max_pool2d(F.relu(fused_conv(X)), 2)
    a = F.max_pool2d(F.relu(model.conv2(a)), 2).flatten(1)
    out = model.fc2(F.relu(fused_fc(a)))
print("LOSS fused", torch.allclose(out, ref, atol=1e-5), f"{ref.abs().sum().item():.5f}", f"{out.abs().sum().item():.5f}",
      f"{fused_conv.bias.sum().item():.6f}", f"{fused_fc.weight.abs().sum().item():.6f}", fused_conv.weight.requires_grad)
