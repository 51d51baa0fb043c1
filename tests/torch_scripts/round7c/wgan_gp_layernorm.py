"""WGAN-GP with a normalised convolutional critic, as WGAN-GP code writes it (no batch norm in
the critic, LayerNorm and InstanceNorm instead): the critic's gradient at images interpolated
between real and fake ones, from torch.autograd.grad(create_graph=True,
grad_outputs=ones_like), its per-sample norm in a (||grad|| - 1)^2 penalty, and the critic
trained through that penalty (a backward of conv2d, layer_norm, instance_norm, leaky_relu,
avg_pool2d and linear differentiated again); the generator (ConvTranspose2d) steps every second
critic step."""
import os

import numpy as np
import torch
import torch.nn as nn


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


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, stride=2, padding=1)
        self.norm1 = nn.LayerNorm([8, 4, 4])
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.norm2 = nn.InstanceNorm2d(16, affine=True)
        self.head = nn.Linear(16 * 2 * 2, 1)

    def forward(self, x):
        h = nn.functional.leaky_relu(self.norm1(self.conv1(x)), 0.2)
        h = nn.functional.leaky_relu(self.norm2(self.conv2(h)), 0.2)
        h = nn.functional.avg_pool2d(h, 2)
        return self.head(h.flatten(1))


gen = nn.Sequential(nn.Linear(6, 16 * 2 * 2), nn.Unflatten(1, (16, 2, 2)), nn.ReLU(),
                    nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1), nn.ReLU(),
                    nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1), nn.Tanh())
critic = Critic()
init_weights(critic, gen)
rng = np.random.default_rng(7)
yy, xx = np.mgrid[0:8, 0:8]
blobs = [np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 4.0) for cx, cy in rng.uniform(2, 6, (16, 2))]
real = torch.from_numpy(np.stack(blobs)[:, None].astype(np.float32) * 2 - 1)
noise = torch.from_numpy(rng.normal(size=(16, 6)).astype(np.float32))
alpha = torch.from_numpy(rng.uniform(size=(16, 1, 1, 1)).astype(np.float32))
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
opt_g = torch.optim.Adam(gen.parameters(), lr=1e-3, betas=(0.5, 0.9))


def gradient_penalty(real, fake):
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mixed)
    grads = torch.autograd.grad(outputs=score, inputs=mixed, grad_outputs=torch.ones_like(score),
                                create_graph=True, retain_graph=True)[0]
    grads = grads.view(grads.size(0), -1)
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()


for step in range(6):
    fake = gen(noise).detach()
    penalty = gradient_penalty(real, fake)
    loss_c = critic(fake).mean() - critic(real).mean() + 10 * penalty
    opt_c.zero_grad()
    loss_c.backward()
    opt_c.step()
    if step % 2 == 1:
        loss_g = -critic(gen(noise)).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    print(f"LOSS step{step} {loss_c.item():.5f} {penalty.item():.5f}")
