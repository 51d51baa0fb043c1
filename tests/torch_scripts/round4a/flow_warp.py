"""Optical-flow style warping (the backward-warp helper of unsupervised flow repos): a base grid
from torch.meshgrid(..., indexing='ij') stacked as (x, y), flow added and normalised to [-1, 1]
with 2 * v / (size - 1) - 1, F.grid_sample(align_corners=True, padding_mode='border') and the
valid mask from warping ones with padding_mode='zeros'; a small flow net predicts the flow and
is trained with a masked photometric L1 loss and a smoothness term on flow differences; then
flow given as an nn.Parameter optimised directly, nearest sampling, and affine_grid for a
rotation compared with the meshgrid warp."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(14)
H = W = 12
yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
frames = []
for i in range(8):
    dx, dy = rng.uniform(-1.5, 1.5, size=2)
    f1 = np.sin(0.7 * xx + 0.3 * yy + i) + np.cos(0.5 * yy - 0.2 * xx)
    f2 = np.sin(0.7 * (xx + dx) + 0.3 * (yy + dy) + i) + np.cos(0.5 * (yy + dy) - 0.2 * (xx + dx))
    frames.append(np.stack([f1, f2]))
frames = torch.from_numpy(np.stack(frames).astype(np.float32))  # (N, 2, H, W): target, source


def warp(x, flo, padding_mode="border", mode="bilinear"):
    B, C, H, W = x.size()
    gy, gx = torch.meshgrid(torch.arange(0, H), torch.arange(0, W), indexing="ij")
    grid = torch.stack((gx, gy), 0).float().unsqueeze(0).repeat(B, 1, 1, 1)
    vgrid = grid + flo
    vgrid[:, 0, :, :] = 2.0 * vgrid[:, 0, :, :].clone() / max(W - 1, 1) - 1.0
    vgrid[:, 1, :, :] = 2.0 * vgrid[:, 1, :, :].clone() / max(H - 1, 1) - 1.0
    vgrid = vgrid.permute(0, 2, 3, 1)
    output = F.grid_sample(x, vgrid, mode=mode, padding_mode=padding_mode, align_corners=True)
    mask = F.grid_sample(torch.ones_like(x), vgrid, padding_mode="zeros", align_corners=True)
    mask = (mask > 0.999).float()
    return output, mask


class FlowNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(2, 16, 3, padding=1), nn.LeakyReLU(0.1),
                                 nn.Conv2d(16, 16, 3, padding=2, dilation=2), nn.LeakyReLU(0.1),
                                 nn.Conv2d(16, 2, 3, padding=1))

    def forward(self, pair):
        return self.net(pair)


def smoothness(flow):
    dx = flow[:, :, :, 1:] - flow[:, :, :, :-1]
    dy = flow[:, :, 1:, :] - flow[:, :, :-1, :]
    return dx.abs().mean() + dy.abs().mean()


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
model = FlowNet()
init_weights(model)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(5):
    total = 0.0
    for i in range(0, 8, 4):
        pair = frames[i:i + 4]
        flow = model(pair)
        warped, mask = warp(pair[:, 1:2], flow)
        photo = ((warped - pair[:, 0:1]).abs() * mask).sum() / mask.sum().clamp(min=1)
        loss = photo + 0.1 * smoothness(flow)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"LOSS epoch{epoch} {total:.6f} {mask.mean().item():.6f}")

# the flow itself as the parameter
flow = nn.Parameter(torch.zeros(1, 2, H, W))
opt = torch.optim.SGD([flow], lr=2.0, momentum=0.5)
for step in range(5):
    warped, mask = warp(frames[:1, 1:2], flow, padding_mode="zeros")
    loss = F.mse_loss(warped, frames[:1, 0:1]) + 0.01 * smoothness(flow)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS direct{step} {loss.item():.6f} {flow.grad.abs().sum().item():.6f} {flow.mean().item():.6f}")

with torch.no_grad():
    const = torch.full((1, 2, H, W), 0.5)
    nearest, _ = warp(frames[:2, 1:2], const.expand(2, -1, -1, -1), mode="nearest")
    angle = math.pi / 12
    theta = torch.tensor([[math.cos(angle), -math.sin(angle), 0.0], [math.sin(angle), math.cos(angle), 0.0]])
    grid = F.affine_grid(theta.unsqueeze(0), (1, 1, H, W), align_corners=True)
    rotated = F.grid_sample(frames[:1, :1], grid, align_corners=True, padding_mode="reflection")
    px = (grid[..., 0] + 1) * (W - 1) / 2 - torch.arange(W).float()
    py = (grid[..., 1] + 1) * (H - 1) / 2 - torch.arange(H).float().unsqueeze(1)
    by_warp, _ = warp(frames[:1, :1], torch.stack([px, py], 1), padding_mode="reflection")
print("LOSS sampling", f"{nearest.sum().item():.5f}", f"{rotated.sum().item():.5f}",
      torch.allclose(rotated, by_warp, atol=1e-4), tuple(grid.shape))
