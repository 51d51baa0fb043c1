"""Sub-pixel super-resolution (as pytorch/examples/super_resolution): conv layers, nn.PixelShuffle
upscaling, orthogonal init through init.orthogonal_ and init.calculate_gain, a nearest and a
bilinear F.interpolate baseline, MSELoss and PSNR with math.log10, Adam with a MultiStepLR."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.optim as optim

torch.manual_seed(123)
upscale = 2


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        return self.pixel_shuffle(self.conv4(x))

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv4.weight)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(9)
yy, xx = np.mgrid[0:16, 0:16] / 16.0
phases = rng.uniform(0, 2 * np.pi, (48, 3))
hr = np.sin(6 * xx + phases[:, :1, None]) * np.cos(4 * yy + phases[:, 1:2, None]) * 0.5 + 0.5
hr = torch.tensor(hr[:, None], dtype=torch.float32)
lr_imgs = F.avg_pool2d(hr, kernel_size=upscale)

model = Net(upscale)
init_weights(model)
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=3e-3)
scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[6, 10], gamma=0.3)

with torch.no_grad():
    for mode in ("nearest", "bilinear"):
        kw = {} if mode == "nearest" else {"align_corners": False}
        base = F.interpolate(lr_imgs, scale_factor=upscale, mode=mode, **kw)
        mse = criterion(base, hr).item()
        print(f"LOSS {mode} {mse:.6f}")

for epoch in range(12):
    epoch_loss = 0.0
    for i in range(0, 48, 16):
        input, target = lr_imgs[i:i + 16], hr[i:i + 16]
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()
    scheduler.step()
    print(f"LOSS {epoch} {epoch_loss / 3:.6f}")
    with torch.no_grad():
        mse = criterion(model(lr_imgs[:8]), hr[:8])
        psnr = 10 * math.log10(1 / mse.item())
    print(f"LOSS psnr{epoch} {psnr:.5f}")
print("lr now", scheduler.get_last_lr())
