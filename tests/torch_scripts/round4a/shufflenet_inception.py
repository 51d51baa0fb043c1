"""ShuffleNet and Inception pieces, as architecture-zoo notebooks write them: channel_shuffle
via x.view(b, groups, c // groups, h, w), torch.transpose(x, 1, 2).contiguous() and a flatten
back; grouped 1x1 convolutions; an Inception block whose branches use padding='same' (odd and
even kernels, a dilated one) and are concatenated; padding_mode='reflect', 'replicate' and
'circular' convolutions; nn.PixelUnshuffle as a space-to-depth stem; F.unfold / F.fold for a
local-window average; model.apply(init_fn) with nn.init.dirac_ (identity convs), eye_,
constant_ and a zero-initialised last BatchNorm gamma; the model in channels_last memory
format."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(18)
X = torch.from_numpy(rng.normal(size=(16, 3, 12, 12)).astype(np.float32))
Y = torch.from_numpy(((X[:, 0, ::2].mean((1, 2)) > 0).long() + (X[:, 1, :, :6].std((1, 2)) > 1).long()).numpy())


def channel_shuffle(x, groups):
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batchsize, -1, height, width)


class ShuffleUnit(nn.Module):
    def __init__(self, channels, groups=2):
        super().__init__()
        self.groups = groups
        self.gconv1 = nn.Conv2d(channels, channels, 1, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.dwconv = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False, padding_mode="reflect")
        self.bn2 = nn.BatchNorm2d(channels)
        self.gconv2 = nn.Conv2d(channels, channels, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.gconv1(x)))
        out = channel_shuffle(out, self.groups)
        out = self.bn2(self.dwconv(out))
        out = self.bn3(self.gconv2(out))
        return F.relu(x + out)


class Inception(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.b1 = nn.Conv2d(cin, 4, 1)
        self.b2 = nn.Sequential(nn.Conv2d(cin, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding="same"))
        self.b3 = nn.Sequential(nn.Conv2d(cin, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 4, padding="same"))
        self.b4 = nn.Conv2d(cin, 4, 3, padding="same", dilation=2, padding_mode="replicate")
        self.pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(cin, 4, 1, padding_mode="circular"))
        self.wrap = nn.Conv2d(cin, 4, 3, padding=1, padding_mode="circular")

    def forward(self, x):
        return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x), self.pool(x), self.wrap(x)], 1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(12, 12, 1))
        self.unit = ShuffleUnit(12, groups=3)
        self.inception = Inception(12)
        self.fc = nn.Linear(24, 3)
        self.proj = nn.Linear(24, 24)

    def forward(self, x):
        x = self.unit(self.stem(x))
        x = F.relu(self.inception(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x + self.proj(x))


def init_fn(m):
    if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) and m.groups == 1 and m.in_channels == m.out_channels:
        nn.init.dirac_(m.weight)
    elif isinstance(m, nn.Conv2d):
        nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
    elif isinstance(m, nn.Linear) and m.in_features == m.out_features:
        nn.init.eye_(m.weight)
        nn.init.constant_(m.bias, 0.01)
    if isinstance(m, ShuffleUnit):
        nn.init.zeros_(m.bn3.weight)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().numpy() for k, v in model.state_dict().items()})


torch.manual_seed(0)
model = Net()
model.apply(init_fn)
print("LOSS init", model.unit.bn3.weight.abs().sum().item(), model.proj.weight.trace().item(),
      f"{model.proj.bias.sum().item():.4f}")
dirac = nn.Conv2d(4, 4, 3, padding=1, bias=False)
nn.init.dirac_(dirac.weight)
ramp = torch.arange(2 * 4 * 5 * 5, dtype=torch.float32).view(2, 4, 5, 5)
print("LOSS dirac", torch.equal(dirac(ramp), ramp), dirac.weight.sum().item())
init_weights(model)
model = model.to(memory_format=torch.channels_last)
xs = X.to(memory_format=torch.channels_last)
print("LOSS channels_last", xs.is_contiguous(memory_format=torch.channels_last), tuple(model.stem(xs).shape))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(5):
    model.train()
    total = 0.0
    for i in range(0, 16, 8):
        loss = F.cross_entropy(model(xs[i:i + 8]), Y[i:i + 8])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"LOSS epoch{epoch} {total:.6f} {model.unit.bn3.weight.abs().sum().item():.6f}")

with torch.no_grad():
    shuffled = channel_shuffle(torch.arange(6.0).view(1, 6, 1, 1), 2).flatten().tolist()
    cols = F.unfold(X[:2], kernel_size=3, padding=1)
    ones = F.fold(F.unfold(torch.ones(1, 1, 12, 12), 3, padding=1), (12, 12), 3, padding=1)
    local_mean = F.fold(cols, (12, 12), kernel_size=3, padding=1) / ones
    print("LOSS unfold", tuple(cols.shape), shuffled, f"{local_mean.sum().item():.5f}",
          f"{ones.sum().item():.1f}", torch.allclose(F.avg_pool2d(X[:2], 3, 1, 1, count_include_pad=False), local_mean, atol=1e-5))
