"""The optimizer comparison notebooks: the same small regression trained from the same
weights by every less common torch.optim class with non-default options: NAdam
(momentum_decay, decoupled_weight_decay), RAdam (decoupled_weight_decay), Adamax, Adagrad
(lr_decay, initial_accumulator_value), Adadelta (rho), Rprop (etas, step_sizes), ASGD (t0,
lambd), RMSprop (centered, momentum) and SGD (dampening, maximize=True on a negated loss);
the optimizer state's keys and step counts, a state_dict round trip continued, and AdamW
given named_parameters() pairs."""
import copy
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


rng = np.random.default_rng(77)
X = torch.from_numpy(rng.normal(size=(64, 5)).astype(np.float32))
y = torch.from_numpy((np.tanh(X.numpy() @ rng.normal(size=(5, 1))) * 2).astype(np.float32))
base = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 1))
init_weights(base)

recipes = {
    "nadam": lambda p: torch.optim.NAdam(p, lr=0.01, momentum_decay=0.004, weight_decay=0.01,
                                         decoupled_weight_decay=True),
    "radam": lambda p: torch.optim.RAdam(p, lr=0.01, weight_decay=0.01,
                                         decoupled_weight_decay=True),
    "adamax": lambda p: torch.optim.Adamax(p, lr=0.02, weight_decay=1e-3),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.05, lr_decay=0.01,
                                             initial_accumulator_value=0.1),
    "adadelta": lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.8),
    "rprop": lambda p: torch.optim.Rprop(p, lr=0.005, etas=(0.4, 1.3), step_sizes=(1e-5, 0.1)),
    "asgd": lambda p: torch.optim.ASGD(p, lr=0.05, lambd=1e-3, t0=5),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, centered=True, momentum=0.5),
    "sgd_max": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, maximize=True),
}
for name, make in recipes.items():
    model = copy.deepcopy(base)
    opt = make(model.parameters())
    losses = []
    for _ in range(15):
        loss = F.mse_loss(model(X), y)
        objective = -loss if name == "sgd_max" else loss
        opt.zero_grad()
        objective.backward()
        opt.step()
        losses.append(loss.item())
    state = opt.state[model[0].weight]
    keys = sorted(state.keys())
    print(f"LOSS {name} {losses[0]:.5f} {losses[7]:.5f} {losses[-1]:.5f} {keys}")

# a state_dict round trip in the middle of NAdam and ASGD training
for name in ("nadam", "asgd", "rprop"):
    model = copy.deepcopy(base)
    opt = recipes[name](model.parameters())
    for step in range(10):
        if step == 5:
            saved_model, saved_opt = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
            model = copy.deepcopy(base)
            model.load_state_dict(saved_model)
            opt = recipes[name](model.parameters())
            opt.load_state_dict(saved_opt)
        loss = F.mse_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    step_count = opt.state[model[2].bias]["step"]
    print(f"LOSS resumed_{name} {loss.item():.5f} {float(step_count):.0f}")

# torch 2.5+: named parameters straight into the optimizer, groups split by name
model = copy.deepcopy(base)
named = list(model.named_parameters())
opt = torch.optim.AdamW([{"params": [(n, p) for n, p in named if n.endswith("weight")],
                          "weight_decay": 0.05},
                         {"params": [(n, p) for n, p in named if n.endswith("bias")],
                          "weight_decay": 0.0}], lr=0.02)
for _ in range(8):
    loss = F.mse_loss(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
groups = opt.state_dict()["param_groups"]
print(f"LOSS named_adamw {loss.item():.5f}", [g["param_names"] for g in groups],
      [g["params"] for g in groups])
