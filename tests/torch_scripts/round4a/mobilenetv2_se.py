"""MobileNetV2 inverted residual blocks with squeeze-and-excitation, as in the torchvision-style
re-implementations: _make_divisible for channel counts, ConvBNReLU as an nn.Sequential
subclass, depthwise Conv2d(groups=hidden_dim), nn.ReLU6, a linear bottleneck, use_res_connect,
an SE block (AdaptiveAvgPool2d(1), 1x1 convs, nn.Hardsigmoid) and nn.Hardswish in the
classifier; weights initialised through self.modules() with kaiming_normal_(mode='fan_out'),
then trained with SGD(nesterov) and evaluated with BatchNorm2d in eval mode; running stats and
a momentum=None (cumulative average) BatchNorm compared."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(4)
X = rng.normal(size=(40, 3, 16, 16)).astype(np.float32)
Y = (X[:, 0, :8].mean((1, 2)) > X[:, 1, 8:].mean((1, 2))).astype(np.int64) + 2 * (X[:, 2].std((1, 2)) > 1).astype(np.int64)


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvBNReLU(nn.Sequential):
    def __init__(self, in_planes, out_planes, kernel_size=3, stride=1, groups=1):
        padding = (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, groups=groups, bias=False),
            nn.BatchNorm2d(out_planes),
            nn.ReLU6(inplace=True),
        )


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_factor=4):
        super().__init__()
        squeeze_channels = _make_divisible(input_channels // squeeze_factor, 8)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)

    def _scale(self, input):
        scale = F.adaptive_avg_pool2d(input, 1)
        scale = self.fc1(scale)
        scale = F.relu(scale, inplace=True)
        scale = self.fc2(scale)
        return F.hardsigmoid(scale, inplace=True)

    def forward(self, input):
        scale = self._scale(input)
        return scale * input


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio, use_se=False):
        super().__init__()
        self.stride = stride
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU(inp, hidden_dim, kernel_size=1))
        layers.extend([ConvBNReLU(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim)])
        if use_se:
            layers.append(SqueezeExcitation(hidden_dim))
        layers.extend([nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)])
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=4, width_mult=0.5):
        super().__init__()
        input_channel = _make_divisible(16 * width_mult, 8)
        last_channel = _make_divisible(64 * width_mult, 8)
        setting = [[1, 8, 1, 1, False], [4, 16, 2, 2, True], [4, 16, 1, 1, True]]
        features = [ConvBNReLU(3, input_channel, stride=1)]
        for t, c, n, s, se in setting:
            output_channel = _make_divisible(c * width_mult, 8)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(InvertedResidual(input_channel, output_channel, stride, expand_ratio=t, use_se=se))
                input_channel = output_channel
        features.append(ConvBNReLU(input_channel, last_channel, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Linear(last_channel, 16), nn.Hardswish(inplace=True),
                                        nn.Dropout(0.0), nn.Linear(16, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


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
model = MobileNetV2()
init_weights(model)
n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
depthwise = [m.groups for m in model.modules() if isinstance(m, nn.Conv2d) and m.groups > 1]
print("LOSS arch", n_params, depthwise, _make_divisible(37.5, 8), _make_divisible(3, 8))
xb_all, yb_all = torch.from_numpy(X), torch.from_numpy(Y)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=4e-5)
criterion = nn.CrossEntropyLoss()
for epoch in range(4):
    model.train()
    running = 0.0
    for i in range(0, 40, 10):
        out = model(xb_all[i:i + 10])
        loss = criterion(out, yb_all[i:i + 10])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
    model.eval()
    with torch.no_grad():
        out = model(xb_all)
        acc = (out.argmax(1) == yb_all).float().mean().item()
    print(f"LOSS epoch{epoch} {running:.6f} {criterion(out, yb_all).item():.6f} {acc:.4f}")
bn = model.features[0][1]
print(f"LOSS bn {bn.running_mean.abs().sum().item():.6f} {bn.running_var.sum().item():.6f} {bn.num_batches_tracked.item()}")

cumulative = nn.BatchNorm2d(3, momentum=None)
for i in range(0, 40, 10):
    cumulative(xb_all[i:i + 10] * (1 + i / 10))
print(f"LOSS cumulative {cumulative.running_mean.sum().item():.6f} {cumulative.running_var.sum().item():.6f}")
