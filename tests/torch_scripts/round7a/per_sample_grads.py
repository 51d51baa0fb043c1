"""Per-sample gradients with torch.func as the tutorials write them: a model's parameters
detached into a dict, a loss through functional_call, vmap(grad(loss), in_dims=(None, 0, 0))
over the batch, checked against a Python loop of per-example backward passes; then DP-SGD
style training (per-sample gradient norms clipped, averaged, Gaussian noise from a fixed numpy
stream) applied by hand, grad_and_value with has_aux, jacrev of a small model's output, and a
model ensemble through stack_module_state + vmap."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, grad_and_value, jacrev, stack_module_state, vmap


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


rng = np.random.default_rng(704)
X = torch.from_numpy(rng.normal(size=(64, 6)).astype(np.float32))
w_true = rng.normal(size=(6, 3))
Y = torch.from_numpy((X.numpy() @ w_true + rng.normal(scale=0.5, size=(64, 3))).argmax(1))

model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
members = [nn.Linear(6, 3) for _ in range(4)]
init_weights(model, *members)
params = {k: v.detach() for k, v in model.named_parameters()}


def loss_fn(p, x, y):
    logits = functional_call(model, p, (x.unsqueeze(0),))
    return F.cross_entropy(logits, y.unsqueeze(0))


per_sample = vmap(grad(loss_fn), in_dims=(None, 0, 0))(params, X[:8], Y[:8])
loop = []
for i in range(8):
    model.zero_grad()
    F.cross_entropy(model(X[i:i + 1]), Y[i:i + 1]).backward()
    loop.append({k: p.grad.clone() for k, p in model.named_parameters()})
err = max((per_sample[k][i] - loop[i][k]).abs().max().item() for k in params for i in range(8))
print("LOSS persample", f"{err < 1e-6}", tuple(per_sample["0.weight"].shape),
      f"{per_sample['2.bias'].abs().sum().item():.6f}", f"{per_sample['0.weight'].norm().item():.6f}")

clip, sigma, lr = 1.0, 0.5, 0.5
for step in range(6):
    idx = torch.from_numpy(rng.choice(64, size=16, replace=False))
    g = vmap(grad(loss_fn), in_dims=(None, 0, 0))(params, X[idx], Y[idx])
    norms = torch.sqrt(sum(g[k].flatten(1).pow(2).sum(1) for k in g))
    factor = (clip / (norms + 1e-6)).clamp(max=1.0)
    new = {}
    for k, v in params.items():
        clipped = (g[k] * factor.view(-1, *([1] * (g[k].dim() - 1)))).sum(0)
        noise = torch.from_numpy(rng.normal(scale=sigma * clip, size=tuple(v.shape)).astype(np.float32))
        new[k] = v - lr * (clipped + noise) / 16
    params = new
    with torch.no_grad():
        full = F.cross_entropy(functional_call(model, params, (X,)), Y)
    print("LOSS dpsgd", step, f"{full.item():.5f}", f"{norms.max().item():.5f}",
          f"{(norms > clip).sum().item()}")


def loss_aux(p, x, y):
    logits = functional_call(model, p, (x,))
    loss = F.cross_entropy(logits, y)
    return loss, (logits.argmax(1) == y).float().mean()


grads, (value, acc) = grad_and_value(loss_aux, has_aux=True)(params, X, Y)
print("LOSS grad_and_value", f"{value.item():.5f}", f"{acc.item():.4f}",
      f"{grads['2.weight'].abs().sum().item():.5f}")

jac = jacrev(lambda x: functional_call(model, params, (x,)))(X[0])
print("LOSS jacrev", tuple(jac.shape), f"{jac.sum().item():.5f}", f"{jac.abs().max().item():.5f}")

stacked, buffers = stack_module_state(members)
base = members[0]
out = vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))(
    stacked, buffers, X[:5])
ref = torch.stack([m(X[:5]) for m in members])
print("LOSS ensemble", tuple(out.shape), f"{(out - ref).abs().max().item() < 1e-6}",
      f"{out.mean().item():.5f}")
