"""A capsule network with dynamic routing (the CapsNet re-implementations on toy digits): a
Conv2d primary-capsule layer reshaped with .view(x.size(0), 32 * 6 * 6 -> n, -1), squash()
with (squared_norm / (1 + squared_norm)) * x / torch.sqrt(squared_norm), prediction vectors
u_hat from a 5-D weight W[None] @ x[..., None] broadcast by torch.matmul, routing logits
b_ij = torch.zeros(...) updated with (u_hat * v_j).sum(-1, keepdim=True) over three iterations
with F.softmax(b_ij, dim=2), the margin loss F.relu(0.9 - v_c) ** 2 + 0.5 * F.relu(v_c - 0.1) ** 2,
a reconstruction decoder masked with the one-hot of the true class (torch.eye(n)[y]), and
torch.norm(v, dim=-1) as class scores."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(19)
NCLS, IMG = 3, 10
protos = rng.normal(size=(NCLS, 1, IMG, IMG)).astype(np.float32)
labels = rng.integers(0, NCLS, size=30)
images = torch.from_numpy(protos[labels] + 0.3 * rng.normal(size=(30, 1, IMG, IMG)).astype(np.float32))
labels = torch.from_numpy(labels)


def squash(x, dim=-1):
    squared_norm = (x ** 2).sum(dim=dim, keepdim=True)
    scale = squared_norm / (1 + squared_norm)
    return scale * x / torch.sqrt(squared_norm + 1e-8)


class PrimaryCaps(nn.Module):
    def __init__(self, in_channels=8, num_caps=4, caps_dim=4):
        super().__init__()
        self.caps_dim = caps_dim
        self.conv = nn.Conv2d(in_channels, num_caps * caps_dim, kernel_size=3, stride=2)

    def forward(self, x):
        out = self.conv(x)
        b = out.size(0)
        out = out.view(b, -1, self.caps_dim, out.size(2), out.size(3)).permute(0, 1, 3, 4, 2)
        return squash(out.reshape(b, -1, self.caps_dim))


class DigitCaps(nn.Module):
    def __init__(self, num_routes, in_dim=4, num_caps=NCLS, out_dim=6, routing_iters=3):
        super().__init__()
        self.num_routes, self.num_caps, self.routing_iters = num_routes, num_caps, routing_iters
        self.W = nn.Parameter(0.1 * torch.randn(1, num_routes, num_caps, out_dim, in_dim))

    def forward(self, x):
        batch_size = x.size(0)
        x = x[:, :, None, :, None]
        u_hat = torch.matmul(self.W, x).squeeze(-1)  # (B, routes, caps, out_dim)
        b_ij = torch.zeros(batch_size, self.num_routes, self.num_caps, 1)
        for iteration in range(self.routing_iters):
            c_ij = F.softmax(b_ij, dim=2)
            s_j = (c_ij * u_hat).sum(dim=1, keepdim=True)
            v_j = squash(s_j)
            if iteration < self.routing_iters - 1:
                b_ij = b_ij + (u_hat * v_j).sum(dim=-1, keepdim=True)
        return v_j.squeeze(1), c_ij


class CapsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3)
        self.primary = PrimaryCaps()
        self.digits = DigitCaps(num_routes=4 * 3 * 3)
        self.decoder = nn.Sequential(nn.Linear(6 * NCLS, 32), nn.ReLU(inplace=True), nn.Linear(32, IMG * IMG), nn.Sigmoid())

    def forward(self, x, y=None):
        x = F.relu(self.conv1(x))
        v, c = self.digits(self.primary(x))
        classes = torch.norm(v, dim=-1)
        if y is None:
            y = classes.argmax(dim=1)
        mask = torch.eye(NCLS).index_select(dim=0, index=y)
        recon = self.decoder((v * mask[:, :, None]).view(x.size(0), -1))
        return classes, recon.view(-1, 1, IMG, IMG), c


def margin_loss(classes, y):
    t = F.one_hot(y, NCLS).float()
    left = F.relu(0.9 - classes) ** 2
    right = F.relu(classes - 0.1) ** 2
    return (t * left + 0.5 * (1.0 - t) * right).sum(dim=1).mean()


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
model = CapsNet()
init_weights(model)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
target_imgs = torch.sigmoid(images)
for epoch in range(5):
    model.train()
    total, correct = 0.0, 0
    for i in range(0, 30, 10):
        x, y = images[i:i + 10], labels[i:i + 10]
        classes, recon, _ = model(x, y)
        loss = margin_loss(classes, y) + 0.0005 * F.mse_loss(recon, target_imgs[i:i + 10], reduction="sum")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
        correct += (classes.argmax(1) == y).sum().item()
    print(f"LOSS epoch{epoch} {total:.6f} {correct}")
model.eval()
with torch.no_grad():
    classes, recon, c = model(images)
print("LOSS eval", f"{classes.max(1)[0].mean().item():.6f}", f"{recon.mean().item():.6f}", tuple(c.shape),
      f"{c.sum(2).mean().item():.6f}", f"{c.max().item():.6f}")
