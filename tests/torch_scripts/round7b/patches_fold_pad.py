"""Patch extraction and padding the way image-restoration notebooks do it: nn.Unfold into
overlapping patches, a per-patch MLP, nn.Fold back with the overlap count divided out (a
Fold of ones), F.pad in "reflect", "replicate", "circular" and "constant" modes on 3-D and
4-D inputs, F.interpolate with scale_factor and recompute_scale_factor, nn.ReflectionPad2d /
ReplicationPad1d / CircularPad2d / ZeroPad2d modules, and a small denoiser trained on it."""
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


rng = np.random.default_rng(80)
yy, xx = np.meshgrid(np.linspace(-1, 1, 12), np.linspace(-1, 1, 12), indexing="ij")
clean = np.stack([np.sin(3 * xx + k) * np.cos(2 * yy - k) for k in range(6)])[:, None]
clean = torch.from_numpy(clean.astype(np.float32))  # (6, 1, 12, 12)
noisy = clean + torch.from_numpy(rng.normal(scale=0.3, size=clean.shape).astype(np.float32))

K, S = 4, 2
unfold = nn.Unfold(kernel_size=K, stride=S, padding=1)
fold = nn.Fold(output_size=(12, 12), kernel_size=K, stride=S, padding=1)
patches = unfold(noisy)
overlap = fold(torch.ones_like(patches))
print("LOSS unfold", tuple(patches.shape), tuple(overlap.shape), overlap.min().item(),
      overlap.max().item(), f"{(fold(patches) / overlap - noisy).abs().max().item():.6f}")


class PatchDenoiser(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(K * K, 32), nn.GELU(), nn.Linear(32, K * K))
        self.refine = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(1, 4, 3),
                                    nn.Tanh(), nn.ReplicationPad2d((1, 1, 1, 1)),
                                    nn.Conv2d(4, 1, 3))

    def forward(self, x):
        p = unfold(x).transpose(1, 2)  # (N, L, K*K)
        p = p + self.mlp(p)
        out = fold(p.transpose(1, 2)) / overlap[:1]
        return out + 0.1 * self.refine(out)


model = PatchDenoiser()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=0.005)
for step in range(25):
    loss = F.mse_loss(model(noisy), clean)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 4:
        print(f"LOSS step{step} {loss.item():.6f}")

x3 = clean[:2, :, 0, :]  # (2, 1, 12)
x4 = noisy[:2]
with torch.no_grad():
    pads = {mode: F.pad(x4, (2, 1, 1, 3), mode=mode) for mode in ("reflect", "replicate", "circular")}
    pads["constant"] = F.pad(x4, (2, 1, 1, 3), mode="constant", value=-0.5)
    p1 = [F.pad(x3, (3, 2), mode=m) for m in ("reflect", "replicate", "circular")]
    mods = [nn.ReplicationPad1d(2)(x3), nn.CircularPad2d((1, 2, 0, 1))(x4), nn.ZeroPad2d(1)(x4)]
print("LOSS pad4d", " ".join(f"{m} {list(v.shape)} {v.sum().item():.5f}" for m, v in pads.items()))
print("LOSS pad3d", " ".join(f"{list(v.shape)} {v.sum().item():.5f}" for v in p1 + mods))

with torch.no_grad():
    up = F.interpolate(x4, scale_factor=1.7, mode="bilinear", align_corners=False,
                       recompute_scale_factor=True)
    up2 = F.interpolate(x4, scale_factor=1.7, mode="bilinear", align_corners=False)
    down = F.interpolate(x4, size=(5, 7), mode="area")
    near = F.interpolate(x3, scale_factor=2.5, mode="nearest-exact")
print(f"LOSS interpolate {tuple(up.shape)} {up.sum().item():.4f} {up2.sum().item():.4f} "
      f"{tuple(down.shape)} {down.sum().item():.5f} {tuple(near.shape)} {near.sum().item():.5f}")
