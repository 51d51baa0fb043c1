"""Activation checkpointing as the memory-saving guides use it: a residual block wrapped in
torch.utils.checkpoint.checkpoint(self.block, x, use_reentrant=False) only in training,
a function with two tensor inputs and a keyword, checkpoint_sequential over an nn.Sequential in
segments, preserve_rng_state; the losses and gradients equal the plain run's; an
inference pass under no_grad through the same code path."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint, checkpoint_sequential


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        return x + self.ff(self.norm(x))


def gated(x, gate, scale=1.0):
    return x * torch.sigmoid(gate) * scale


class Net(nn.Module):
    def __init__(self, use_checkpoint):
        super().__init__()
        self.use_checkpoint = use_checkpoint
        self.inp = nn.Linear(6, 16)
        self.blocks = nn.ModuleList([Block(16) for _ in range(3)])
        self.gate = nn.Linear(16, 16)
        self.tail = nn.Sequential(nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                                  nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))

    def forward(self, x):
        x = self.inp(x)
        for block in self.blocks:
            if self.use_checkpoint and self.training:
                x = checkpoint(block, x, use_reentrant=False)
            else:
                x = block(x)
        g = self.gate(x)
        if self.use_checkpoint and self.training:
            x = checkpoint(gated, x, g, use_reentrant=False, scale=0.5)
            return checkpoint_sequential(self.tail, 3, x, use_reentrant=False)
        return self.tail(gated(x, g, scale=0.5))


rng = np.random.default_rng(8)
X = torch.from_numpy(rng.normal(size=(40, 6)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 2, size=40))

plain, ckpt = Net(False), Net(True)
init_weights(plain)
init_weights(ckpt)
opt_plain = torch.optim.Adam(plain.parameters(), lr=5e-3)
opt_ckpt = torch.optim.Adam(ckpt.parameters(), lr=5e-3)
for step in range(8):
    xb, yb = X[(step % 4) * 10:(step % 4 + 1) * 10], Y[(step % 4) * 10:(step % 4 + 1) * 10]
    losses, grads = [], []
    for model, opt in ((plain, opt_plain), (ckpt, opt_ckpt)):
        model.train()
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        grads.append(model.blocks[0].ff[0].weight.grad.norm().item())
        opt.step()
        losses.append(loss.item())
    print(f"LOSS ckpt{step} {losses[0]:.6f} {losses[1]:.6f} {grads[0]:.6f} {grads[1]:.6f}")

# input gradients through a checkpointed function
x = X[:5].clone().requires_grad_(True)
out = checkpoint(ckpt.blocks[1], x @ ckpt.inp.weight.T, use_reentrant=False)
out.pow(2).mean().backward()
print(f"LOSS input_grad {x.grad.abs().sum().item():.6f} {out.requires_grad}")

ckpt.eval()
with torch.no_grad():
    a = plain(X).argmax(1)
    b = ckpt(X).argmax(1)
    c = checkpoint(ckpt.blocks[0], ckpt.inp(X), use_reentrant=False)
print("LOSS eval", (a == b).float().mean().item(), c.requires_grad, tuple(c.shape))
