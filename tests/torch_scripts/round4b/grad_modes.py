"""Gradient modes as context managers and decorators: @torch.no_grad() on an evaluate
function and on a generator, @torch.inference_mode() and inference_mode(False),
torch.set_grad_enabled(is_train) shared by a train/val loop and called as a function,
torch.enable_grad() inside no_grad (and as a decorator), torch.is_grad_enabled(), requires_grad
of results, a parameter update under no_grad, and autograd.grad without create_graph (an
input gradient for a saliency score)"""
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


rng = np.random.default_rng(15)
X = torch.from_numpy(rng.normal(size=(32, 4)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 2, size=32))
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
init_weights(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)


@torch.no_grad()
def evaluate(model, x, y):
    out = model(x)
    return F.cross_entropy(out, y).item(), out.requires_grad, torch.is_grad_enabled()


@torch.inference_mode()
def predict(model, x):
    out = model(x)
    return out, torch.is_grad_enabled()


@torch.no_grad()
def batches(x, size):
    for i in range(0, len(x), size):
        yield model(x[i:i + size]), torch.is_grad_enabled()


@torch.enable_grad()
def grad_inside(x):
    y = (x * 2).sum()
    return y.requires_grad, torch.is_grad_enabled()


def run(phase, x, y):
    is_train = phase == "train"
    model.train(is_train)
    with torch.set_grad_enabled(is_train):
        out = model(x)
        loss = F.cross_entropy(out, y)
        if is_train:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item(), out.requires_grad


for epoch in range(4):
    tr = run("train", X[:24], Y[:24])
    va = run("val", X[24:], Y[24:])
    ev = evaluate(model, X, Y)
    print(f"LOSS phase{epoch} {tr[0]:.6f} {tr[1]} {va[0]:.6f} {va[1]} {ev[0]:.6f} {ev[1]} "
          f"{ev[2]} {torch.is_grad_enabled()}")

out, enabled = predict(model, X)
print(f"LOSS inference {out.sum().item():.6f} {enabled} {out.requires_grad} "
      f"{torch.is_inference_mode_enabled()}")
with torch.inference_mode(mode=False):
    z = model(X).sum()
print(f"LOSS inference_false {z.requires_grad} {z.item():.6f}")
sizes = [(tuple(o.shape), g, o.requires_grad) for o, g in batches(X, 10)]
print("LOSS generator", sizes, torch.is_grad_enabled())

with torch.no_grad():
    a = model(X)
    with torch.enable_grad():
        b = model(X)
    inner = grad_inside(torch.ones(3, requires_grad=True))
print(f"LOSS nested {a.requires_grad} {b.requires_grad} {inner} {torch.is_grad_enabled()}")

torch.set_grad_enabled(False)
c = model(X)
torch.set_grad_enabled(True)
print(f"LOSS set_fn {c.requires_grad} {torch.is_grad_enabled()}")

# a manual SGD step under no_grad, then a leaf's grad after
for step in range(3):
    loss = F.cross_entropy(model(X), Y)
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    print(f"LOSS manual{step} {loss.item():.6f} {model[0].weight.requires_grad} "
          f"{model[0].weight.grad_fn is None}")

# saliency: gradient of the top score with respect to the input, no graph kept
x = X[:6].clone().requires_grad_(True)
scores = model(x)
top = scores.gather(1, scores.argmax(1, keepdim=True)).sum()
(grad,) = torch.autograd.grad(top, x)
print(f"LOSS saliency {grad.abs().sum().item():.6f} {grad.requires_grad} {x.grad is None}")
grads = torch.autograd.grad(F.cross_entropy(model(X), Y), list(model.parameters()))
print("LOSS param_grads", [f"{g.norm().item():.6f}" for g in grads])
