"""An audio-style 1-D convolutional classifier as keyword-spotting and WaveNet-like tutorials
write it: a strided Conv1d front end, dilated Conv1d blocks (dilation 1, 2, 4 with padding to
keep the length) with gated tanh*sigmoid activations and residual + skip connections,
depthwise-separable convolutions (groups=channels then a 1x1), a grouped convolution
(groups=4), BatchNorm1d, AdaptiveAvgPool1d and AdaptiveMaxPool1d pooled features, padding_mode
'reflect' and 'circular'; trained on synthetic tones, then eval-mode accuracy."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(121)
T = 128


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


def tones(n):
    t = np.arange(T) / T
    labels = rng.integers(0, 3, size=n)
    freq = np.array([3.0, 7.0, 13.0])[labels]
    phase = rng.uniform(0, 2 * np.pi, size=n)
    wave = np.sin(2 * np.pi * freq[:, None] * t + phase[:, None]) + 0.3 * rng.normal(size=(n, T))
    return torch.from_numpy(wave[:, None].astype(np.float32)), torch.from_numpy(labels)


class GatedBlock(nn.Module):
    def __init__(self, ch, dilation):
        super().__init__()
        self.filt = nn.Conv1d(ch, ch, 3, padding=dilation, dilation=dilation)
        self.gate = nn.Conv1d(ch, ch, 3, padding=dilation, dilation=dilation)
        self.res = nn.Conv1d(ch, ch, 1)
        self.skip = nn.Conv1d(ch, ch, 1)

    def forward(self, x):
        h = torch.tanh(self.filt(x)) * torch.sigmoid(self.gate(x))
        return x + self.res(h), self.skip(h)


class KeywordNet(nn.Module):
    def __init__(self):
        super().__init__()
        # no bias before BatchNorm: its gradient would be rounding noise, which Adam scales
        # up to full steps (different in every library), moving running_mean but not the loss
        self.front = nn.Conv1d(1, 16, kernel_size=8, stride=4, padding=2, padding_mode="reflect",
                               bias=False)
        self.bn = nn.BatchNorm1d(16)
        self.blocks = nn.ModuleList([GatedBlock(16, d) for d in (1, 2, 4)])
        self.depthwise = nn.Conv1d(16, 16, 5, padding=2, groups=16, padding_mode="circular")
        self.pointwise = nn.Conv1d(16, 24, 1)
        self.grouped = nn.Conv1d(24, 24, 3, padding=1, groups=4, bias=False)
        self.head = nn.Linear(48, 3)

    def forward(self, x):
        x = F.relu(self.bn(self.front(x)))
        skips = 0
        for block in self.blocks:
            x, s = block(x)
            skips = skips + s
        x = self.grouped(F.silu(self.pointwise(self.depthwise(F.silu(skips)))))
        feats = torch.cat([F.adaptive_avg_pool1d(x, 1), nn.AdaptiveMaxPool1d(1)(x)], 1)
        return self.head(feats.flatten(1))


X, Y = tones(96)
model = KeywordNet()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(4):
    model.train()
    for i in range(0, 96, 32):
        loss = F.cross_entropy(model(X[i:i + 32]), Y[i:i + 32])
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"LOSS epoch{epoch} {loss.item():.5f} {model.bn.running_mean.abs().sum().item():.5f}")
model.eval()
with torch.no_grad():
    logits = model(X)
    acc = (logits.argmax(1) == Y).float().mean()
    print(f"LOSS eval {F.cross_entropy(logits, Y).item():.5f} {acc.item():.4f}")
    print("LOSS shapes", tuple(model.front(X[:2]).shape), model.depthwise.weight.shape[1],
          tuple(model.grouped.weight.shape))
