"""An Attention U-Net gate (Oktay et al., as in the popular PyTorch re-implementations):
Attention_block with W_g and W_x 1x1 Conv2d + BatchNorm2d, psi = Sigmoid(BN(Conv(ReLU(g1 + x1)))),
the skip multiplied by psi; up-convolutions as nn.Upsample(scale_factor=2) + conv; a soft Dice
loss written by hand from softmax probabilities and F.one_hot(target).permute(0, 3, 1, 2),
summed with CrossEntropyLoss; gradients clipped with clip_grad_norm_; and the attention maps
read back with a forward hook on psi."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(17)
N, HW = 12, 16
yy, xx = np.mgrid[0:HW, 0:HW]
imgs = rng.normal(0, 0.4, size=(N, 1, HW, HW)).astype(np.float32)
masks = np.zeros((N, HW, HW), dtype=np.int64)
for i in range(N):
    cy, cx = rng.integers(4, 12, size=2)
    blob = (np.abs(yy - cy) + np.abs(xx - cx)) <= 3
    masks[i][blob] = 1
    imgs[i, 0][blob] += 1.2
images, masks = torch.from_numpy(imgs), torch.from_numpy(masks)


class conv_block(nn.Module):
    def __init__(self, ch_in, ch_out):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(ch_in, ch_out, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(ch_out), nn.ReLU(inplace=True),
            nn.Conv2d(ch_out, ch_out, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(ch_out), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.conv(x)


class up_conv(nn.Module):
    def __init__(self, ch_in, ch_out):
        super().__init__()
        self.up = nn.Sequential(nn.Upsample(scale_factor=2),
                                nn.Conv2d(ch_in, ch_out, kernel_size=3, stride=1, padding=1, bias=False),
                                nn.BatchNorm2d(ch_out), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.up(x)


class Attention_block(nn.Module):
    def __init__(self, F_g, F_l, F_int):
        super().__init__()
        self.W_g = nn.Sequential(nn.Conv2d(F_g, F_int, kernel_size=1, bias=False), nn.BatchNorm2d(F_int))
        self.W_x = nn.Sequential(nn.Conv2d(F_l, F_int, kernel_size=1, bias=False), nn.BatchNorm2d(F_int))
        self.psi = nn.Sequential(nn.Conv2d(F_int, 1, kernel_size=1, bias=False), nn.BatchNorm2d(1), nn.Sigmoid())
        self.relu = nn.ReLU(inplace=True)

    def forward(self, g, x):
        g1 = self.W_g(g)
        x1 = self.W_x(x)
        psi = self.relu(g1 + x1)
        psi = self.psi(psi)
        return x * psi


class AttU_Net(nn.Module):
    def __init__(self, img_ch=1, output_ch=2):
        super().__init__()
        self.Maxpool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.Conv1 = conv_block(img_ch, 8)
        self.Conv2 = conv_block(8, 16)
        self.Conv3 = conv_block(16, 32)
        self.Up3 = up_conv(32, 16)
        self.Att3 = Attention_block(F_g=16, F_l=16, F_int=8)
        self.Up_conv3 = conv_block(32, 16)
        self.Up2 = up_conv(16, 8)
        self.Att2 = Attention_block(F_g=8, F_l=8, F_int=4)
        self.Up_conv2 = conv_block(16, 8)
        self.Conv_1x1 = nn.Conv2d(8, output_ch, kernel_size=1)

    def forward(self, x):
        x1 = self.Conv1(x)
        x2 = self.Conv2(self.Maxpool(x1))
        x3 = self.Conv3(self.Maxpool(x2))
        d3 = self.Up3(x3)
        x2 = self.Att3(g=d3, x=x2)
        d3 = self.Up_conv3(torch.cat((x2, d3), dim=1))
        d2 = self.Up2(d3)
        x1 = self.Att2(g=d2, x=x1)
        d2 = self.Up_conv2(torch.cat((x1, d2), dim=1))
        return self.Conv_1x1(d2)


def dice_loss(logits, target, eps=1.0):
    probs = F.softmax(logits, dim=1)
    onehot = F.one_hot(target, num_classes=logits.shape[1]).permute(0, 3, 1, 2).float()
    dims = (0, 2, 3)
    inter = torch.sum(probs * onehot, dims)
    card = torch.sum(probs + onehot, dims)
    return 1.0 - ((2.0 * inter + eps) / (card + eps)).mean()


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
model = AttU_Net()
init_weights(model)
maps = {}
handle = model.Att2.psi.register_forward_hook(lambda m, inp, out: maps.__setitem__("att2", out.detach()))
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
ce = nn.CrossEntropyLoss()
for epoch in range(5):
    model.train()
    total = 0.0
    for i in range(0, N, 4):
        logits = model(images[i:i + 4])
        loss = ce(logits, masks[i:i + 4]) + dice_loss(logits, masks[i:i + 4])
        optimizer.zero_grad()
        loss.backward()
        gnorm = nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        optimizer.step()
        total += loss.item()
    print(f"LOSS epoch{epoch} {total:.6f} {gnorm.item():.5f}")
model.eval()
with torch.no_grad():
    logits = model(images)
    pred = logits.argmax(1)
    inter = ((pred == 1) & (masks == 1)).sum().item()
    dice = 2 * inter / ((pred == 1).sum().item() + (masks == 1).sum().item())
handle.remove()
att = maps["att2"]
print("LOSS eval", f"{dice_loss(logits, masks).item():.6f}", f"{dice:.5f}", tuple(att.shape),
      f"{att.mean().item():.6f}", f"{att[masks.unsqueeze(1) == 1].mean().item():.6f}")
