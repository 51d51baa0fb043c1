"""Second-order MAML on sine-wave regression, written the way the tutorials do it: the inner
step takes torch.autograd.grad(loss, params, create_graph=True), the adapted weights are
params - lr * grad, the query loss is computed through torch.func.functional_call with them,
and the meta-gradient (through the inner gradient, so with second derivatives) is
accumulated by backward() into the meta-parameters' .grad; a Hessian-free check at the end
compares backward(create_graph=True) with autograd.grad of the gradient norm."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.func import functional_call


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


net = nn.Sequential(nn.Linear(1, 24), nn.Tanh(), nn.Linear(24, 24), nn.Tanh(), nn.Linear(24, 1))
init_weights(net)
rng = np.random.default_rng(11)
meta_opt = torch.optim.Adam(net.parameters(), lr=3e-3)
inner_lr = 0.05


def task_batch(n_tasks=3):
    for _ in range(n_tasks):
        amp, phase = rng.uniform(0.5, 2.0), rng.uniform(0, np.pi)
        xs = rng.uniform(-3, 3, size=(2, 10, 1)).astype(np.float32)
        ys = amp * np.sin(xs + phase)
        yield [torch.from_numpy(a.astype(np.float32)) for a in (xs[0], ys[0], xs[1], ys[1])]


for step in range(6):
    meta_opt.zero_grad()
    total = 0.0
    for xs, ys, xq, yq in task_batch():
        params = dict(net.named_parameters())
        support = nn.functional.mse_loss(functional_call(net, params, (xs,)), ys)
        grads = torch.autograd.grad(support, list(params.values()), create_graph=True)
        fast = {k: p - inner_lr * g for (k, p), g in zip(params.items(), grads)}
        query = nn.functional.mse_loss(functional_call(net, fast, (xq,)), yq)
        query.backward()
        total += query.item()
    meta_opt.step()
    print(f"LOSS step{step} {total / 3:.5f}")

x = torch.linspace(-2, 2, 8).unsqueeze(1)
loss = net(x).pow(2).mean()
loss.backward(create_graph=True)
penalty = sum(p.grad.pow(2).sum() for p in net.parameters())
w = net[0].weight
(dpen,) = torch.autograd.grad(penalty, w)
print(f"LOSS penalty {penalty.item():.6f} {dpen.abs().sum().item():.6f}")
