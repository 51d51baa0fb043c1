"""PixelCNN on tiny 4-level images (as in the masked-convolution tutorials): a MaskedConv2d
subclass of nn.Conv2d that registers its 'A' or 'B' mask with register_buffer('mask', ...),
built with self.weight.data.clone().fill_(1) and slicing, and multiplies self.weight.data by
it before calling super().forward; the model's logits reshaped to (N, levels, C, H, W) for
CrossEntropyLoss over a 5-D input; bits-per-dim with math.log(2); then greedy pixel-by-pixel
generation in a double loop with torch.zeros and argmax."""
# ruff: noqa: UP008  (the tutorial's own style, kept as written)
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LEVELS, H, W = 4, 8, 8
rng = np.random.default_rng(3)


def make_images(n):
    yy, xx = np.mgrid[0:H, 0:W]
    out = np.zeros((n, 1, H, W), dtype=np.int64)
    for i in range(n):
        phase = rng.integers(0, 4)
        out[i, 0] = ((xx + yy + phase) // 2) % LEVELS
        flip = rng.random((H, W)) < 0.05
        out[i, 0][flip] = rng.integers(0, LEVELS, size=flip.sum())
    return torch.from_numpy(out)


class MaskedConv2d(nn.Conv2d):
    def __init__(self, mask_type, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assert mask_type in {"A", "B"}
        self.register_buffer("mask", self.weight.data.clone())
        _, _, kH, kW = self.weight.size()
        self.mask.fill_(1)
        self.mask[:, :, kH // 2, kW // 2 + (mask_type == "B"):] = 0
        self.mask[:, :, kH // 2 + 1:] = 0

    def forward(self, x):
        self.weight.data *= self.mask
        return super(MaskedConv2d, self).forward(x)


fm = 16
net = nn.Sequential(
    MaskedConv2d("A", 1, fm, 5, 1, 2, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
    MaskedConv2d("B", fm, fm, 3, 1, 1, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
    MaskedConv2d("B", fm, fm, 3, 1, 1, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True),
    nn.Conv2d(fm, LEVELS, 1),
)


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
init_weights(net)
print("LOSS masks", int(net[0].mask.sum().item()), int(net[3].mask.sum().item()),
      sorted(k for k in net.state_dict() if k.endswith("mask")))
train = make_images(32)
test = make_images(8)
optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
for epoch in range(5):
    net.train()
    err_tr = []
    for i in range(0, 32, 8):
        target = train[i:i + 8]
        input = target.float() / (LEVELS - 1)
        logits = net(input)
        loss = F.cross_entropy(logits.view(-1, LEVELS, 1, H, W), target)
        err_tr.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        logits = net(test.float() / (LEVELS - 1))
        test_loss = F.cross_entropy(logits.unsqueeze(2), test).item()
    print(f"LOSS epoch{epoch} {np.mean(err_tr):.6f} {test_loss:.6f} bpd {test_loss / math.log(2):.6f}")

# receptive field check: the output at a pixel must not depend on that pixel or later ones
x = torch.zeros(1, 1, H, W, requires_grad=True)
out = net(x)
out[0, :, 4, 4].sum().backward()
dep = (x.grad[0, 0] != 0).nonzero().tolist()
print("LOSS causal", all(r * W + c < 4 * W + 4 for r, c in dep), len(dep) > 0)

sample = torch.zeros(2, 1, H, W)
sample[1, 0, 0, 0] = 1.0
with torch.no_grad():
    for i in range(H):
        for j in range(W):
            out = net(sample)
            probs = F.softmax(out[:, :, i, j], dim=1)
            sample[:, :, i, j] = probs.argmax(dim=1, keepdim=True).float() / (LEVELS - 1)
print("LOSS sample", (sample * (LEVELS - 1)).round().long().flatten(1).tolist()[0][:16],
      f"{sample.mean().item():.6f}")
