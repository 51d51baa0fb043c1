"""Flat parameter vectors, as in loss-landscape plots, evolution strategies and
trust-region code: parameters_to_vector / vector_to_parameters, the loss along the line
between the initial and the trained weights, a flat gradient from torch.cat of p.grad.view(-1),
a finite-difference check of it along a direction, a hand-written SGD step on the vector,
and a weight-space average of two models (model soup) loaded back with vector_to_parameters."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector, vector_to_parameters


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(17)
X = torch.from_numpy(rng.normal(size=(40, 3)).astype(np.float64))
Y = torch.from_numpy(np.cos(rng.normal(size=(40, 1))))
model = nn.Sequential(nn.Linear(3, 10), nn.Tanh(), nn.Linear(10, 1))
init_weights(model)
model = model.double()


def loss_at(vec):
    vector_to_parameters(vec, model.parameters())
    with torch.no_grad():
        return F.mse_loss(model(X), Y).item()


theta0 = parameters_to_vector(model.parameters()).detach().clone()
print("LOSS flat", theta0.numel(), sum(p.numel() for p in model.parameters()),
      theta0.dtype == torch.float64, theta0.requires_grad)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for _ in range(15):
    loss = F.mse_loss(model(X), Y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
theta1 = parameters_to_vector(model.parameters()).detach().clone()
print(f"LOSS trained {loss.item():.8f} {(theta1 - theta0).norm().item():.8f}")

for alpha in (0.0, 0.25, 0.5, 0.75, 1.0, 1.25):
    print(f"LOSS line{alpha} {loss_at((1 - alpha) * theta0 + alpha * theta1):.8f}")
vector_to_parameters(theta1, model.parameters())

# the flat gradient and a finite-difference check along a direction
loss = F.mse_loss(model(X), Y)
model.zero_grad()
loss.backward()
flat_grad = torch.cat([p.grad.view(-1) for p in model.parameters()])
direction = torch.linspace(-1, 1, theta1.numel(), dtype=torch.float64)
direction = direction / direction.norm()
eps = 1e-5
numeric = (loss_at(theta1 + eps * direction) - loss_at(theta1 - eps * direction)) / (2 * eps)
print(f"LOSS fd {(flat_grad @ direction).item():.8f} {numeric:.8f} {flat_grad.norm().item():.8f}")

# SGD on the vector by hand
theta = theta1.clone()
for step in range(5):
    vector_to_parameters(theta, model.parameters())
    loss = F.mse_loss(model(X), Y)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    g = parameters_to_vector(grads)
    theta = theta - 0.1 * g
    print(f"LOSS vecsgd{step} {loss.item():.8f} {g.norm().item():.8f}")

# a model soup: the average of two fine-tuned copies
soups = []
for lr in (0.02, 0.08):
    vector_to_parameters(theta1.clone(), model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(6):
        loss = F.mse_loss(model(X[:20]), Y[:20])
        opt.zero_grad()
        loss.backward()
        opt.step()
    soups.append(parameters_to_vector(model.parameters()).detach().clone())
    print(f"LOSS ingredient{lr} {loss_at(soups[-1]):.8f}")
print(f"LOSS soup {loss_at(torch.stack(soups).mean(0)):.8f} {model[0].weight.is_leaf}")

# the parameters are views of the vector: an optimizer step moves it, and so does an edit
flat = theta1.clone()
vector_to_parameters(flat, model.parameters())
for name, opt in (("sgd", torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)),
                  ("adam", torch.optim.Adam(model.parameters(), lr=0.01))):
    for step in range(3):
        loss = F.mse_loss(model(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"LOSS shared_{name}{step} {loss.item():.8f} {(flat - theta1).norm().item():.8f}")
with torch.no_grad():
    flat.mul_(0.5)
print(f"LOSS shared_edit {model[2].bias.item():.8f} {flat[-1].item():.8f}")
