"""State-dict surgery from the model-porting recipes: register_buffer(persistent=False) (in
named_buffers, not in the state_dict), load_state_dict(strict=False) and its
missing_keys/unexpected_keys, the strict=True error, stripping a DataParallel "module." prefix,
renaming keys, loading only the entries whose shapes match, a new head initialised while the
body is loaded; training continues from the loaded weights."""
import os
from collections import OrderedDict

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


class Encoder(nn.Module):
    def __init__(self, n_out):
        super().__init__()
        self.embed = nn.Linear(4, 12)
        self.norm = nn.LayerNorm(12)
        self.register_buffer("scale", torch.tensor(0.5))
        self.register_buffer("positions", torch.arange(12).float() / 12, persistent=False)
        self.head = nn.Linear(12, n_out)

    def forward(self, x):
        h = torch.tanh(self.norm(self.embed(x)) + self.positions) * self.scale
        return self.head(h)


class Wrapper(nn.Module):  # what nn.DataParallel's state_dict looks like: "module." first
    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x)


rng = np.random.default_rng(10)
X = torch.from_numpy(rng.normal(size=(36, 4)).astype(np.float32))
Y3 = torch.from_numpy(rng.integers(0, 3, size=36))
Y5 = torch.from_numpy(rng.integers(0, 5, size=36))

source = Encoder(3)
init_weights(source)
opt = torch.optim.Adam(source.parameters(), lr=1e-2)
for step in range(3):
    loss = F.cross_entropy(source(X), Y3)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS source{step} {loss.item():.6f}")
sd = source.state_dict()
print("LOSS keys", list(sd.keys()), [n for n, _ in source.named_buffers()],
      "positions" in sd, sd["scale"].item())

# a checkpoint saved from a wrapped model: strip "module."
wrapped_sd = Wrapper(source).state_dict()
print("LOSS wrapped", list(wrapped_sd.keys())[:2])
clean = OrderedDict((k[len("module."):] if k.startswith("module.") else k, v)
                    for k, v in wrapped_sd.items())
target = Encoder(3)
result = target.load_state_dict(clean)
print("LOSS clean", list(result.missing_keys), list(result.unexpected_keys),
      torch.equal(target.head.weight, source.head.weight))

# strict=True refuses a mismatch, strict=False reports it
renamed = {k.replace("embed.", "proj."): v for k, v in sd.items()}
renamed["extra.weight"] = torch.ones(2)
try:
    Encoder(3).load_state_dict(renamed)
    print("LOSS strict no_error")
except RuntimeError as e:
    print("LOSS strict", isinstance(e, RuntimeError), "proj.weight" in str(e))
target = Encoder(3)
init_weights(target)
incompatible = target.load_state_dict(renamed, strict=False)
print("LOSS nonstrict", sorted(incompatible.missing_keys), sorted(incompatible.unexpected_keys),
      torch.equal(target.head.bias, source.head.bias))

# a new 5-class head: load only entries whose shapes match
new = Encoder(5)
own = new.state_dict()
matching = {k: v for k, v in sd.items() if k in own and v.shape == own[k].shape}
missing, unexpected = new.load_state_dict(matching, strict=False)
print("LOSS partial", sorted(missing), list(unexpected), sorted(matching))
with torch.no_grad():
    new.head.weight.copy_(torch.linspace(-0.2, 0.2, 60).reshape(5, 12))
    new.head.bias.fill_(0.01)
new.scale.fill_(0.75)
opt = torch.optim.SGD(new.parameters(), lr=0.1)
for step in range(5):
    loss = F.cross_entropy(new(X), Y5)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS newhead{step} {loss.item():.6f} {new.scale.item()}")

# keep_vars and the state_dict being views of the parameters
live = new.state_dict(keep_vars=True)
print("LOSS keep_vars", live["head.weight"].requires_grad, new.state_dict()["head.weight"].requires_grad,
      live["head.weight"] is new.head.weight)
detached = new.state_dict()["embed.bias"]
with torch.no_grad():
    new.embed.bias.add_(1.0)
print(f"LOSS shares {torch.equal(detached, new.embed.bias)}")
