"""Activation checkpointing in the non-reentrant form recent code uses: a transformer-ish
stack of pre-norm MLP blocks whose forward wraps each block in
torch.utils.checkpoint.checkpoint(block, x, use_reentrant=False) while training (and calls it
directly in eval), a block taking an extra keyword argument through checkpoint, a
checkpoint_sequential(segments=2, use_reentrant=False) over an nn.Sequential, and inputs
that do not require grad; gradients are compared with the un-checkpointed model and the
model is trained with AdamW and a cosine schedule."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint, checkpoint_sequential


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


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x, scale=1.0):
        return x + scale * self.fc2(F.gelu(self.fc1(self.norm(x))))


class Net(nn.Module):
    def __init__(self, d=16, depth=4, use_ckpt=True):
        super().__init__()
        self.inp = nn.Linear(6, d)
        self.blocks = nn.ModuleList(Block(d) for _ in range(depth))
        self.tail = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Linear(d, 1))
        self.use_ckpt = use_ckpt

    def forward(self, x):
        h = self.inp(x)
        for i, blk in enumerate(self.blocks):
            if self.use_ckpt and self.training:
                h = checkpoint(blk, h, use_reentrant=False, scale=0.5 + 0.1 * i)
            else:
                h = blk(h, scale=0.5 + 0.1 * i)
        if self.use_ckpt and self.training:
            return checkpoint_sequential(self.tail, 2, h, use_reentrant=False).squeeze(-1)
        return self.tail(h).squeeze(-1)


rng = np.random.default_rng(713)
X = torch.from_numpy(rng.normal(size=(128, 6)).astype(np.float32))
y = torch.from_numpy(np.tanh(X.numpy()[:, :3].sum(1) - X.numpy()[:, 3:].prod(1)).astype(np.float32))
net = Net()
init_weights(net)
plain = Net(use_ckpt=False)
plain.load_state_dict(net.state_dict())

F.mse_loss(net(X), y).backward()
F.mse_loss(plain(X), y).backward()
diff = max((a.grad - b.grad).abs().max().item() for a, b in zip(net.parameters(), plain.parameters()))
print("LOSS same_grads", f"{diff < 1e-6}", f"{net.blocks[0].fc1.weight.grad.norm().item():.6f}",
      f"{net.tail[1].bias.grad.sum().item():.6f}")

x_nograd = X[:4]
out = checkpoint(net.blocks[1], net.inp(x_nograd), use_reentrant=False)
print("LOSS nograd_input", out.requires_grad, tuple(out.shape))

net.zero_grad()
opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=0.01)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40)
for step in range(40):
    idx = torch.from_numpy(rng.choice(128, size=32, replace=False))
    net.train()
    loss = F.mse_loss(net(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 8 == 0:
        net.eval()
        with torch.no_grad():
            full = F.mse_loss(net(X), y)
        print("LOSS step", step, f"{loss.item():.5f}", f"{full.item():.5f}",
              f"{sched.get_last_lr()[0]:.6f}")
