"""Hooks for watching training, as the debugging posts use them: p.register_hook on every
parameter logging gradient norms into a dict (and one hook that clamps the gradient it
returns), register_forward_hook recording activation statistics per layer (dead-ReLU
fraction), register_full_backward_hook logging grad_output norms, a forward pre-hook scaling
the input, retain_grad() on an intermediate, handle.remove() part-way through, and
register_post_accumulate_grad_hook counting accumulations."""
import os
from collections import defaultdict

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


rng = np.random.default_rng(16)
X = torch.from_numpy(rng.normal(size=(32, 6)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 4, size=32))
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                      nn.Linear(16, 4))
init_weights(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)

grad_norms = defaultdict(list)
handles = []
for name, p in model.named_parameters():
    handles.append(p.register_hook(lambda g, name=name: grad_norms[name].append(g.norm().item())))
clamp_handle = model[4].weight.register_hook(lambda g: g.clamp(-0.05, 0.05))

activations = {}


def save_stats(name):
    def hook(module, inputs, output):
        activations[name] = ((output <= 0).float().mean().item(), output.abs().mean().item())
    return hook


fwd = [model[i].register_forward_hook(save_stats(f"relu{i}")) for i in (1, 3)]
backward_log = []
bwd = model[2].register_full_backward_hook(
    lambda module, grad_input, grad_output: backward_log.append(
        (grad_output[0].norm().item(), grad_input[0] is not None)))
pre = model[0].register_forward_pre_hook(lambda module, args: (args[0] * 0.5,))
accumulated = defaultdict(int)
for name, p in model.named_parameters():
    p.register_post_accumulate_grad_hook(lambda p, name=name: accumulated.__setitem__(
        name, accumulated[name] + 1))

for step in range(8):
    xb, yb = X[(step % 4) * 8:(step % 4 + 1) * 8], Y[(step % 4) * 8:(step % 4 + 1) * 8]
    hidden = model[1](model[0](xb))
    hidden.retain_grad()
    out = model[4](model[3](model[2](hidden)))
    loss = F.cross_entropy(out, yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    clamped = model[4].weight.grad.abs().max().item()
    print(f"LOSS step{step} {loss.item():.6f} {grad_norms['0.weight'][-1]:.6f} "
          f"{grad_norms['4.weight'][-1]:.6f} {clamped:.6f} {hidden.grad.norm().item():.6f} "
          f"{activations['relu1'][0]:.4f} {activations['relu3'][1]:.6f} "
          f"{backward_log[-1][0]:.6f} {backward_log[-1][1]} {len(grad_norms['2.bias'])}")
    if step == 3:
        for h in handles + fwd + [bwd, pre, clamp_handle]:
            h.remove()
        print("LOSS removed", len(grad_norms["0.weight"]), len(backward_log), sorted(accumulated.items()))

# two backward passes accumulate before one step
loss = F.cross_entropy(model(X[:8]), Y[:8]) + F.cross_entropy(model(X[8:16]), Y[8:16])
optimizer.zero_grad()
F.cross_entropy(model(X[:8]), Y[:8]).backward()
F.cross_entropy(model(X[8:16]), Y[8:16]).backward()
print("LOSS accumulate", sorted(accumulated.items()), f"{model[0].bias.grad.norm().item():.6f}",
      len(grad_norms["0.weight"]))
