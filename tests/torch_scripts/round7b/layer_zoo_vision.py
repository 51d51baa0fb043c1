"""The less common layers of torch.nn as vision notebooks mix them into a small CNN: Mish,
GLU gating, CELU, SELU with AlphaDropout in eval, Softmin, Threshold, Hardshrink,
Softshrink, Tanhshrink, LogSigmoid, Softsign, LPPool2d, MaxPool2d(return_indices=True) with
MaxUnpool2d, ChannelShuffle, nn.Bilinear fusing two feature vectors, Softmax2d, CrossMapLRN-free
LocalResponseNorm, and AdaptiveMaxPool2d; trained a few steps with SGD, all in float64 (the
max-pool argmax and the shrink/threshold kinks then have no near-ties)."""
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


rng = np.random.default_rng(84)
images = torch.from_numpy(rng.normal(size=(8, 3, 12, 12)))
side = torch.from_numpy(rng.normal(size=(8, 5)))
labels = torch.from_numpy(rng.integers(0, 3, size=8))


class ZooNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.act1 = nn.Mish()
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.shuffle = nn.ChannelShuffle(2)
        self.glu = nn.GLU(dim=1)  # 8 -> 4 channels
        self.lrn = nn.LocalResponseNorm(3)
        self.lp = nn.LPPool2d(2, kernel_size=2)
        self.amax = nn.AdaptiveMaxPool2d((2, 2))
        self.side = nn.Sequential(nn.Linear(5, 6), nn.CELU(alpha=0.7), nn.Linear(6, 6), nn.SELU(),
                                  nn.AlphaDropout(0.2), nn.Softsign())
        self.fuse = nn.Bilinear(16, 6, 10)
        self.head = nn.Sequential(nn.Tanhshrink(), nn.Linear(10, 3))

    def forward(self, x, s):
        h = self.act1(self.conv1(x))
        p, idx = self.pool(h)
        h = h + self.unpool(p, idx, output_size=h.shape)
        h = self.glu(self.shuffle(self.conv2(h)))
        h = self.lrn(h)
        h = self.amax(self.lp(F.softplus(h)))  # LPPool of positive values
        z = self.fuse(h.flatten(1), self.side(s))
        return self.head(z)


model = ZooNet()
init_weights(model)
model = model.double()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for step in range(12):
    model.train()
    model.side[4].eval()  # AlphaDropout off: its mask would come from glassnet's generator
    logits = model(images, side)
    loss = F.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 2:
        print(f"LOSS step{step} {loss.item():.6f} {model.fuse.weight.grad.abs().sum().item():.6f}")

model.eval()
x = torch.linspace(-2, 2, 9, dtype=torch.float64)
with torch.no_grad():
    acts = {
        "softmin": nn.Softmin(dim=0)(x).max(), "threshold": nn.Threshold(0.3, -1.0)(x).sum(),
        "hardshrink": nn.Hardshrink(0.6)(x).sum(), "softshrink": nn.Softshrink(0.6)(x).abs().sum(),
        "tanhshrink": nn.Tanhshrink()(x).sum(), "logsigmoid": nn.LogSigmoid()(x).sum(),
        "softsign": nn.Softsign()(x).abs().sum(), "mish": nn.Mish()(x).sum(),
        "celu": nn.CELU(0.5)(x).sum(), "selu": nn.SELU()(x).sum(),
        "softmax2d": nn.Softmax2d()(images[:2, :, :3, :3]).sum(),
        "glu": F.glu(x[:8], dim=0).sum(),
    }
    out = model(images, side)
print("LOSS acts " + " ".join(f"{k} {v.item():.6f}" for k, v in acts.items()))
print(f"LOSS eval {F.cross_entropy(out, labels).item():.6f} {tuple(out.shape)}")
