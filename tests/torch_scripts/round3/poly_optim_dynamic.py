"""Learning PyTorch with Examples, continued: optim.RMSprop on the polynomial, a custom
nn.Module, and the dynamic net that reuses its fourth-order weight a random number of times
(Python's random, seeded, picks the same counts under either framework)."""
import math
import os
import random

import numpy as np
import torch


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    path = path + "." + type(model).__name__ + ".npz"
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


torch.manual_seed(0)
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
init_weights(model)
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(400):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 80 == 79:
        print(f"LOSS rms{t} {loss.item():.6f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"


model = Polynomial3()
init_weights(model)
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(300):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 60 == 59:
        print(f"LOSS poly{t} {loss.item():.6f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
assert model.string().startswith("y = ")


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y


random.seed(0)
xs = torch.linspace(-1.5, 1.5, 200)
ys = torch.sin(xs)
model = DynamicNet()
init_weights(model)
with torch.no_grad():
    model.e.mul_(0.01)
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
for t in range(300):
    y_pred = model(xs)
    loss = criterion(y_pred, ys)
    if t % 30 == 29:
        print(f"LOSS dyn{t} {loss.item():.6f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
