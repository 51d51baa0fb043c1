"""An image decoder and upsampling layers as the autoencoder and super-resolution tutorials
write them: ConvTranspose2d with stride 2 and output_padding=1 (odd output sizes), a
ConvTranspose2d with groups and dilation, nn.Upsample(mode='bilinear', align_corners=False and
True), F.interpolate with scale_factor and with size (mode 'nearest' and 'bicubic'),
nn.PixelShuffle / PixelUnshuffle, AdaptiveAvgPool2d in the encoder and AdaptiveMaxPool2d to an
odd size; trained as an autoencoder with MSE. Smooth activations (no max-pool near-ties in the
compared training numbers)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)  # the adaptive max pool picks among close values
rng = np.random.default_rng(131)


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


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Conv2d(1, 8, 3, stride=2, padding=1)  # 13 -> 7
        self.unshuffle = nn.PixelUnshuffle(2)  # (8, 7, 7) is odd: pooled to 6 first
        self.pool = nn.AdaptiveAvgPool2d((6, 6))
        self.enc2 = nn.Conv2d(32, 8, 1)
        self.dec1 = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1)  # 3 -> 6
        self.dec2 = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=2, dilation=2, output_padding=1,
                                       groups=2)  # 6 -> 12
        self.up = nn.Upsample(size=(13, 13), mode="bilinear", align_corners=False)
        self.shuffle = nn.PixelShuffle(2)
        self.out = nn.Conv2d(2, 1, 3, padding=1)

    def forward(self, x):
        h = F.softplus(self.enc1(x))
        h = self.unshuffle(self.pool(h))  # (32, 3, 3)
        z = torch.tanh(self.enc2(h))
        h = F.softplus(self.dec1(z))
        h = F.softplus(self.dec2(h))
        h = self.up(h)  # (8, 13, 13)
        h = self.shuffle(h)  # (2, 26, 26)
        h = F.interpolate(h, size=(13, 13), mode="bilinear", align_corners=True)
        return self.out(h), z


x = np.zeros((24, 1, 13, 13))
yy, xx = np.mgrid[0:13, 0:13]
for i in range(24):
    cy, cx, r = rng.uniform(3, 10), rng.uniform(3, 10), rng.uniform(1.5, 4)
    x[i, 0] = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r ** 2))
X = torch.from_numpy(x)
model = AutoEncoder()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(18):
    recon, z = model(X)
    loss = F.mse_loss(recon, X)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"LOSS step{step} {loss.item():.7f} {z.abs().mean().item():.6f}")

with torch.no_grad():
    recon, z = model(X[:4])
    print("LOSS shapes", tuple(recon.shape), tuple(z.shape), tuple(model.dec1(z).shape))
    img = X[:2]
    near = F.interpolate(img, scale_factor=2, mode="nearest")
    near_exact = F.interpolate(img, size=(20, 20), mode="nearest-exact")
    cubic = F.interpolate(img, scale_factor=1.5, mode="bicubic", align_corners=False)
    bil_t = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)(img)
    print("LOSS interp", f"{near.sum().item():.6f}", f"{near_exact.sum().item():.6f}",
          f"{cubic.sum().item():.6f}", f"{bil_t.sum().item():.6f}", tuple(cubic.shape))
    pooled = nn.AdaptiveMaxPool2d((5, 3))(img + 0.01 * torch.arange(169.0).view(13, 13))
    print("LOSS adaptive_max", f"{pooled.sum().item():.6f}", tuple(pooled.shape))
    print("LOSS roundtrip", torch.equal(nn.PixelShuffle(3)(nn.PixelUnshuffle(3)(X[:2, :, :12, :12])),
                                        X[:2, :, :12, :12]))
