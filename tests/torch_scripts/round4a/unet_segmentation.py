"""A small U-Net for toy segmentation, as in the many "U-Net from scratch" posts: DoubleConv
blocks (Conv2d + BatchNorm2d + ReLU twice), MaxPool2d down, ConvTranspose2d(kernel_size=2,
stride=2) up, skips joined with torch.cat([skip, x], dim=1) after F.pad to the skip's size,
CrossEntropyLoss on (N, C, H, W) logits with class weights and ignore_index=255 on a border,
mean IoU per class from argmax(dim=1), and predictions in model.eval()."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)
N, H, W = 12, 18, 18


def make_masks():
    images = rng.normal(0, 0.3, size=(N, 1, H, W)).astype(np.float32)
    masks = np.zeros((N, H, W), dtype=np.int64)
    yy, xx = np.mgrid[0:H, 0:W]
    for i in range(N):
        cy, cx, r = rng.integers(5, 13), rng.integers(5, 13), rng.integers(2, 5)
        disk = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        bar = (np.abs(yy - (i % 7 + 3)) <= 1) & ~disk
        masks[i][disk] = 1
        masks[i][bar] = 2
        images[i, 0][disk] += 1.0
        images[i, 0][bar] -= 1.0
    masks[:, 0, :] = 255  # an "unlabelled" border row, ignored by the loss
    return torch.from_numpy(images), torch.from_numpy(masks)


class DoubleConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
        self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        diffY = x2.size()[2] - x1.size()[2]
        diffX = x2.size()[3] - x1.size()[3]
        x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        x = torch.cat([x2, x1], dim=1)
        return self.conv(x)


class UNet(nn.Module):
    def __init__(self, n_channels, n_classes):
        super().__init__()
        self.inc = DoubleConv(n_channels, 8)
        self.down1 = Down(8, 16)
        self.down2 = Down(16, 32)
        self.up1 = Up(32, 16)
        self.up2 = Up(16, 8)
        self.outc = nn.Conv2d(8, n_classes, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x = self.up1(x3, x2)
        x = self.up2(x, x1)
        return self.outc(x)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


def mean_iou(pred, target, n_classes):
    valid = target != 255
    ious = []
    for c in range(n_classes):
        p = (pred == c) & valid
        t = (target == c) & valid
        inter = (p & t).sum().item()
        union = (p | t).sum().item()
        ious.append(inter / union if union else float("nan"))
    return ious


torch.manual_seed(0)
images, masks = make_masks()
model = UNet(1, 3)
init_weights(model)
counts = torch.bincount(masks[masks != 255].flatten(), minlength=3).float()
class_weights = counts.sum() / (3 * counts)
criterion = nn.CrossEntropyLoss(weight=class_weights, ignore_index=255)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
print("LOSS weights", *[f"{w:.6f}" for w in class_weights.tolist()])

for epoch in range(6):
    model.train()
    epoch_loss = 0.0
    for i in range(0, N, 4):
        x, y = images[i:i + 4], masks[i:i + 4]
        logits = model(x)
        loss = criterion(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    print(f"LOSS epoch{epoch} {epoch_loss:.6f}")

model.eval()
with torch.no_grad():
    logits = model(images)
    pred = logits.argmax(dim=1)
    probs = F.softmax(logits, dim=1)
    per_pixel = F.cross_entropy(logits, masks, ignore_index=255, reduction="none")
ious = mean_iou(pred, masks, 3)
print("LOSS eval", f"{criterion(logits, masks).item():.6f}", f"{probs[:, 1].mean().item():.6f}",
      f"{per_pixel.sum().item():.5f}", tuple(per_pixel.shape), (per_pixel[:, 0] == 0).all().item())
print("LOSS bn", f"{model.inc.double_conv[1].running_mean.sum().item():.6f}",
      f"{model.inc.double_conv[1].running_var.sum().item():.6f}",
      model.inc.double_conv[1].num_batches_tracked.item())
print("IOU", ious, (pred == masks).float().mean().item())
