"""Spatial transformer network: a localisation net predicts a 2x3 affine matrix (initialised to
the identity), F.affine_grid + F.grid_sample warp the input, then a small classifier. In float64:
float32 rounding flips near-ties in max pooling (1e-7 apart) on about one draw in twenty."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self, align_corners=False, padding_mode="zeros", mode="bilinear"):
        super().__init__()
        self.align_corners = align_corners
        self.padding_mode = padding_mode
        self.mode = mode
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.conv2 = nn.Conv2d(6, 8, kernel_size=5)
        self.conv2_drop = nn.Dropout2d(p=0.0)
        self.fc1 = nn.Linear(32, 20)
        self.fc2 = nn.Linear(20, 4)
        self.localization = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(4, 6, kernel_size=3),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
        )
        self.fc_loc = nn.Sequential(nn.Linear(6 * 3 * 3, 16), nn.ReLU(True), nn.Linear(16, 3 * 2))
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 6 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=self.align_corners)
        x = F.grid_sample(x, grid, mode=self.mode, padding_mode=self.padding_mode,
                          align_corners=self.align_corners)
        return x

    def forward(self, x):
        x = self.stn(x)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 32)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def init_weights(model, tag):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    path = f"{path}.{tag}.npz"
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)
images = torch.from_numpy(rng.random((24, 1, 20, 20)))
labels = torch.from_numpy(rng.integers(0, 4, 24))

for tag, kwargs in [("ac0", {}), ("ac1", {"align_corners": True}),
                    ("border", {"padding_mode": "border"}), ("nearest", {"mode": "nearest"}),
                    ("reflect", {"padding_mode": "reflection", "align_corners": True})]:
    model = Net(**kwargs).double()
    init_weights(model, tag)
    # nudge the affine head off the identity so the warp matters
    with torch.no_grad():
        model.fc_loc[2].bias.add_(torch.tensor([0.05, 0.1, -0.1, -0.08, 0.02, 0.07]))
        model.fc_loc[2].weight.add_(0.01)
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    model.train()
    for step in range(3):
        for i in range(0, 24, 8):
            data, target = images[i:i + 8], labels[i:i + 8]
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
        print(f"LOSS {tag}{step} {loss.item():.6f}")
    with torch.no_grad():
        warped = model.stn(images[:4])
        print(f"LOSS {tag}_warp {warped.sum().item():.5f} {warped.abs().max().item():.6f}")
