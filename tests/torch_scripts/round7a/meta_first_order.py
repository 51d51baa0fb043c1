"""First-order meta-learning on sine-wave regression tasks (amplitude and phase drawn with
numpy): first-order MAML, where the inner loop adapts a copy of the weights by
torch.autograd.grad steps (create_graph=False) through torch.func.functional_call and the
query-set gradient at the adapted weights is applied to the meta-parameters, and Reptile,
where a copy.deepcopy of the model is trained with SGD and the meta-parameters move towards
it; both are evaluated by fine-tuning on held-out tasks for a few steps."""
import copy
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
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


rng = np.random.default_rng(712)


def task(rng):
    amp, phase = rng.uniform(0.5, 3.0), rng.uniform(0, np.pi)
    xs = rng.uniform(-5, 5, size=(20, 1))
    x = torch.from_numpy(xs.astype(np.float32))
    y = torch.from_numpy((amp * np.sin(xs + phase)).astype(np.float32))
    return x[:10], y[:10], x[10:], y[10:]


def make():
    return nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))


fomaml, reptile = make(), make()
init_weights(fomaml, reptile)
meta_opt = torch.optim.Adam(fomaml.parameters(), lr=1e-3)
inner_lr = 0.01
for it in range(30):
    meta_opt.zero_grad()
    qloss_total = 0.0
    for _ in range(4):
        xs, ys, xq, yq = task(rng)
        fast = dict(fomaml.named_parameters())
        for _ in range(2):
            loss = F.mse_loss(functional_call(fomaml, fast, (xs,)), ys)
            grads = torch.autograd.grad(loss, list(fast.values()))
            fast = {k: (v - inner_lr * g).detach().requires_grad_() for (k, v), g in
                    zip(fast.items(), grads)}
        qloss = F.mse_loss(functional_call(fomaml, fast, (xq,)), yq)
        qgrads = torch.autograd.grad(qloss, list(fast.values()))
        for p, g in zip(fomaml.parameters(), qgrads):
            p.grad = g / 4 if p.grad is None else p.grad + g / 4
        qloss_total += qloss.item()
    meta_opt.step()
    if it % 6 == 0:
        print("LOSS fomaml", it, f"{qloss_total / 4:.5f}")

eps = 0.1
for it in range(30):
    xs, ys, xq, yq = task(rng)
    learner = copy.deepcopy(reptile)
    opt = torch.optim.SGD(learner.parameters(), lr=0.02)
    for _ in range(3):
        loss = F.mse_loss(learner(torch.cat([xs, xq])), torch.cat([ys, yq]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        for p, q in zip(reptile.parameters(), learner.parameters()):
            p.add_(eps * (q - p))
    if it % 6 == 0:
        print("LOSS reptile", it, f"{loss.item():.5f}")

for name, model in [("fomaml", fomaml), ("reptile", reptile)]:
    before, after = 0.0, 0.0
    test_rng = np.random.default_rng(7120)
    for _ in range(5):
        xs, ys, xq, yq = task(test_rng)
        tuned = copy.deepcopy(model)
        opt = torch.optim.SGD(tuned.parameters(), lr=0.01)
        with torch.no_grad():
            before += F.mse_loss(tuned(xq), yq).item()
        for _ in range(5):
            opt.zero_grad()
            F.mse_loss(tuned(xs), ys).backward()
            opt.step()
        with torch.no_grad():
            after += F.mse_loss(tuned(xq), yq).item()
    print("LOSS finetune", name, f"{before / 5:.5f}", f"{after / 5:.5f}")
