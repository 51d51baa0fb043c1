"""Module bookkeeping as fine-tuning notebooks print and patch it: print(model.load_state_dict(...))
("<All keys matched successfully>" or the missing/unexpected keys with strict=False), an old
checkpoint without BatchNorm's num_batches_tracked loaded strictly, register_module and
add_module, forward hooks registered with_kwargs=True / prepend=True that read a keyword
argument, a forward pre-hook with kwargs that rewrites one, model.type(torch.float64) (integer
buffers too), share_memory() before a (single-process) training loop, and a short training."""
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


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_module("conv", nn.Conv1d(2, 6, 3, padding=1))
        self.add_module("bn", nn.BatchNorm1d(6))
        self.pool = nn.AdaptiveAvgPool1d(1)

    def forward(self, x, temperature=1.0):
        return self.pool(torch.tanh(self.bn(self.conv(x)) / temperature)).flatten(1)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Linear(6, 3)

    def forward(self, x, temperature=1.0):
        return self.head(self.backbone(x, temperature=temperature))


rng = np.random.default_rng(86)
X = torch.from_numpy(rng.normal(size=(24, 2, 10)))
y = torch.from_numpy(rng.integers(0, 3, size=24))

model = Classifier()
init_weights(model)
model.type(torch.float64)
print("LOSS type", model.head.weight.dtype == torch.float64,
      str(model.backbone.bn.num_batches_tracked.dtype).replace("torch.", ""))

pretrained = {k: v.clone() for k, v in model.backbone.state_dict().items()}
print("LOSS load_full", model.backbone.load_state_dict(pretrained))
old_style = {k: v for k, v in pretrained.items() if not k.endswith("num_batches_tracked")}
print("LOSS load_old", model.backbone.load_state_dict(old_style))
result = model.load_state_dict({"head.weight": model.head.weight.detach().clone(),
                                "extra.bias": torch.zeros(1)}, strict=False)
print("LOSS load_partial", len(result.missing_keys), result.unexpected_keys,
      sorted(result.missing_keys)[:3])

features, calls = {}, []
model.backbone.register_forward_hook(
    lambda m, args, kwargs, out: features.update(feat=out.detach(), t=kwargs["temperature"]),
    with_kwargs=True)
model.backbone.register_forward_hook(lambda m, args, out: calls.append("second"))
model.backbone.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
model.register_forward_pre_hook(
    lambda m, args, kwargs: (args, {"temperature": max(kwargs.get("temperature", 1.0), 0.5)}),
    with_kwargs=True)

model.share_memory()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(5):
    model.train()
    logits = model(X, temperature=0.2)
    loss = F.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS epoch{epoch} {loss.item():.6f} {features['t']} {features['feat'].abs().sum().item():.6f} "
          f"{model.backbone.bn.num_batches_tracked.item()}")
print("LOSS hooks", calls[:3], len(calls))
