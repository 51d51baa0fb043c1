"""The "Neural Networks" tutorial: LeNet with F.max_pool2d(x, (2, 2)) and an int kernel,
torch.flatten(x, 1), net.parameters(), out.backward(gradient) after net.zero_grad(), the
grad_fn chain (next_functions), conv1.bias.grad before and after backward, and the update
written by hand then with optim.SGD."""
# ruff: noqa: UP008  (the tutorial's own style, kept as written)
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


net = Net()
init_weights(net)
params = list(net.parameters())
print("PARAMS", len(params), tuple(params[0].size()))
rng = np.random.default_rng(0)
input = torch.from_numpy(rng.normal(size=(1, 1, 32, 32)).astype(np.float32))
out = net(input)
print("LOSS out", out.sum().item(), tuple(out.shape))
net.zero_grad()
out.backward(torch.from_numpy(rng.normal(size=(1, 10)).astype(np.float32)))
print("LOSS backward", net.conv1.bias.grad.sum().item(), net.fc3.weight.grad.abs().sum().item())

output = net(input)
target = torch.from_numpy(rng.normal(size=10).astype(np.float32))
target = target.view(1, -1)
criterion = nn.MSELoss()
loss = criterion(output, target)
print("LOSS mse", loss.item())
fn = loss.grad_fn
assert fn is not None and callable(getattr(fn, "name", None)) or fn is not None
nxt = fn.next_functions
assert isinstance(nxt, tuple) and len(nxt) >= 1 and nxt[0][0] is not None
assert nxt[0][0].next_functions[0][0] is not None
net.zero_grad()
before = net.conv1.bias.grad
print("BEFORE", before is None or float(before.abs().sum()) == 0.0)
loss.backward()
print("LOSS conv1_bias_grad", net.conv1.bias.grad[0].item(), net.conv1.bias.grad.norm().item())

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
print("LOSS manual_step", criterion(net(input), target).item())

optimizer = optim.SGD(net.parameters(), lr=0.01)
batch = torch.from_numpy(rng.normal(size=(4, 1, 32, 32)).astype(np.float32))
targets = torch.from_numpy(rng.normal(size=(4, 10)).astype(np.float32))
for step in range(5):
    optimizer.zero_grad()
    output = net(batch)
    loss = criterion(output, targets)
    loss.backward()
    optimizer.step()
    print(f"LOSS {step} {loss.item():.8f}")
