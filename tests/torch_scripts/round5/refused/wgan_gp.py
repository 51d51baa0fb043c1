"""WGAN-GP's gradient penalty as the GAN tutorials write it: the critic's gradient at points
interpolated between real and fake samples, taken with torch.autograd.grad(create_graph=True)
so that the penalty (||grad|| - 1)^2 can itself be differentiated. glassnet has no
higher-order gradients: it must refuse create_graph=True with a NotImplementedError naming it
(the runner checks that refusal; under torch the script trains)."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
real = torch.from_numpy(rng.normal(loc=2.0, size=(32, 2)).astype(np.float32))
critic = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
gen = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
noise = torch.from_numpy(rng.normal(size=(32, 4)).astype(np.float32))
alpha = torch.from_numpy(rng.uniform(size=(32, 1)).astype(np.float32))
for step in range(3):
    fake = gen(noise).detach()
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mixed)
    grads = torch.autograd.grad(outputs=score, inputs=mixed, grad_outputs=torch.ones_like(score),
                                create_graph=True, retain_graph=True)[0]
    penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean()
    loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
    opt_c.zero_grad()
    loss.backward()
    opt_c.step()
    print(f"LOSS step{step} {loss.item():.5f} {penalty.item():.5f}")
