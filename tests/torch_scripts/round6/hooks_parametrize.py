"""Hooks and parametrizations as intermediate users write them: a register_forward_pre_hook
that rescales a layer's input (returning a new tuple), a register_full_backward_hook that
records grad_output norms and scales grad_input, handles removed with .remove();
torch.nn.utils.parametrize.register_parametrization with a custom Symmetric module
(X.triu() + X.triu(1).transpose(-1, -2)) on a square Linear weight, parametrize.cached(),
the original under parametrizations.weight.original, is_parametrized, state_dict keys, and
remove_parametrizations(leave_parametrized=True)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as parametrize


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


rng = np.random.default_rng(615)
X = torch.from_numpy(rng.normal(size=(20, 6)).astype(np.float32))
Y = torch.from_numpy(rng.normal(size=(20, 2)).astype(np.float32))


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(6, 6)
        self.sym = nn.Linear(6, 6)
        self.out = nn.Linear(6, 2)

    def forward(self, x):
        return self.out(torch.tanh(self.sym(torch.tanh(self.inp(x)))))


model = Net()
init_weights(model)
parametrize.register_parametrization(model.sym, "weight", Symmetric())
W = model.sym.weight
print("LOSS sym", torch.equal(W, W.T), parametrize.is_parametrized(model.sym), parametrize.is_parametrized(model.sym, "bias"),
      sorted(k for k in model.state_dict() if k.startswith("sym")), type(model.sym).__name__)

seen = []


def pre_hook(module, args):
    (x,) = args
    return (x * 0.5,)


def backward_hook(module, grad_input, grad_output):
    seen.append(round(grad_output[0].norm().item(), 5))
    return (grad_input[0] * 2.0,)


h1 = model.sym.register_forward_pre_hook(pre_hook)
h2 = model.inp.register_full_backward_hook(backward_hook)
x_in = X.clone().requires_grad_(True)
model(x_in).pow(2).mean().backward()
print("LOSS hooks", len(seen), f"{seen[0]:.5f}", f"{x_in.grad.norm().item():.6f}",
      f"{model.sym.parametrizations.weight.original.grad.norm().item():.6f}")
h1.remove()
h2.remove()

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for step in range(10):
    loss = F.mse_loss(model(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        w = model.sym.weight
        print(f"LOSS step{step} {loss.item():.6f} {torch.equal(w, w.T)} {w.sum().item():.6f}")
with parametrize.cached():
    a = model.sym.weight
    b = model.sym.weight
    print("LOSS cached", a is b, f"{model(X).sum().item():.6f}")
orig = model.sym.parametrizations.weight.original
print("LOSS original", torch.equal(orig, orig.T), f"{orig.triu().sum().item():.6f}", len(seen))
parametrize.remove_parametrizations(model.sym, "weight", leave_parametrized=True)
print("LOSS removed", parametrize.is_parametrized(model.sym), type(model.sym.weight).__name__,
      torch.equal(model.sym.weight, model.sym.weight.T), sorted(model.sym.state_dict().keys()),
      f"{F.mse_loss(model(X), Y).item():.6f}")
