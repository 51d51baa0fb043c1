"""A denoising convolutional autoencoder (the Kaggle "denoise dirty documents" style): Gaussian
noise from a seeded NumPy bank added with torch.clip(x + noise, 0., 1.), an encoder with
AvgPool2d and stride-2 convs, a decoder mixing nn.Upsample(scale_factor=2, mode='bilinear',
align_corners=False), F.interpolate(size=..., mode='nearest'), mode='bicubic' with
align_corners=True and mode='area', an L1 + MSE loss, PSNR per image with 10 * log10, and
F.interpolate with a fractional scale_factor and recompute_scale_factor=True, and antialiased
bilinear / bicubic thumbnails (antialias=True)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(7)
yy, xx = np.mgrid[0:16, 0:16] / 16.0
clean = np.stack([0.5 + 0.5 * np.sin(2 * np.pi * (f * xx + g * yy)) for f, g in rng.uniform(0.5, 2, size=(32, 2))])
clean = torch.from_numpy(clean[:, None].astype(np.float32))
NOISE = torch.from_numpy(rng.normal(0, 0.2, size=(4, 32, 1, 16, 16)).astype(np.float32))


class DenoisingAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
            nn.AvgPool2d(2),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.up1 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.dec1 = nn.Conv2d(16, 8, 3, padding=1)
        self.dec2 = nn.Conv2d(8, 8, 3, padding=1)
        self.out = nn.Conv2d(8 + 1, 1, 3, padding=1)

    def forward(self, x):
        z = self.encoder(x)
        h = F.relu(self.dec1(self.up1(z)))
        h = F.interpolate(h, size=(16, 16), mode="nearest")
        h = F.relu(self.dec2(h))
        coarse = F.interpolate(F.interpolate(x, scale_factor=0.5, mode="area"), size=16, mode="bicubic",
                               align_corners=True)
        return torch.sigmoid(self.out(torch.cat([h, coarse], 1)))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().numpy() for k, v in model.state_dict().items()})


def psnr(a, b):
    mse = ((a - b) ** 2).mean(dim=(1, 2, 3))
    return 10 * torch.log10(1.0 / mse)


torch.manual_seed(0)
model = DenoisingAE()
init_weights(model)
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
l1 = nn.L1Loss()
mse = nn.MSELoss()
for epoch in range(4):
    noisy = torch.clip(clean + NOISE[epoch], 0.0, 1.0)
    total = 0.0
    for i in range(0, 32, 8):
        out = model(noisy[i:i + 8])
        loss = l1(out, clean[i:i + 8]) + mse(out, clean[i:i + 8])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    with torch.no_grad():
        p = psnr(model(noisy), clean)
    print(f"LOSS epoch{epoch} {total:.6f} {p.mean().item():.5f} {psnr(noisy, clean).mean().item():.5f}")

with torch.no_grad():
    x = clean[:2]
    a = F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=False, recompute_scale_factor=True)
    b = F.interpolate(x, scale_factor=0.75, mode="nearest")
    c = F.interpolate(x, size=(10, 7), mode="bilinear", align_corners=True)
    d = F.interpolate(x, size=(9, 11), mode="bicubic", align_corners=False)
    e = F.interpolate(x, size=(5, 6), mode="area")
    f = nn.Upsample(size=(20, 20), mode="nearest-exact")(x)
    g = F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=False)
    h = F.interpolate(x, size=(7, 5), mode="bilinear", antialias=True)
    i = F.interpolate(x, scale_factor=0.4, mode="bicubic", antialias=True)
for name, t in zip("abcdefghi", (a, b, c, d, e, f, g, h, i)):
    print(f"LOSS interp_{name}", tuple(t.shape), f"{t.sum().item():.5f}", f"{(t * t).mean().item():.6f}")
