"""Image augmentation with tensor ops only (no grid_sample), as small-dataset notebooks do:
random flips, 90-degree rotations and circular shifts chosen by a numpy rng (so both runs
pick the same), written with torch.flip, torch.rot90 (k and dims), torch.roll (shifts and
dims tuples), Tensor.flip / Tensor.roll methods, a test-time-augmentation average over the
eight dihedral transforms, and a small CNN trained on the augmented batches."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


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


rng = np.random.default_rng(611)
N = 24
imgs = rng.normal(size=(N, 1, 8, 8)).astype(np.float32)
imgs[:, :, 2:6, 3:5] += 2.0 * rng.integers(0, 2, size=(N, 1, 1, 1))
labels = (imgs[:, 0, 2:6, 3:5].mean((1, 2)) > 1.0).astype(np.int64)
X, y = torch.from_numpy(imgs), torch.from_numpy(labels)


def augment(batch, choice):
    flip_h, flip_v, k, dy, dx = choice
    out = batch
    if flip_h:
        out = torch.flip(out, dims=[3])
    if flip_v:
        out = out.flip(2)
    out = torch.rot90(out, k, dims=(2, 3))
    return torch.roll(out, shifts=(dy, dx), dims=(2, 3))


def dihedral(batch):
    views = []
    for k in range(4):
        r = torch.rot90(batch, k, [2, 3])
        views += [r, r.flip(-1)]
    return views


x0 = X[:1]
print("LOSS ops", torch.equal(torch.rot90(x0, 4, (2, 3)), x0), torch.equal(torch.rot90(x0, -1, (2, 3)), torch.rot90(x0, 3, (2, 3))),
      torch.equal(x0.roll(8, 3), x0), torch.equal(torch.roll(x0.flatten(), 5).view_as(x0), x0.flatten().roll(5).view(x0.shape)),
      f"{(torch.rot90(x0, 1, (2, 3))[0, 0, 0] - x0[0, 0, :, -1]).abs().max().item():.6f}")
model = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.Tanh(), nn.AvgPool2d(2),
                      nn.Conv2d(6, 8, 3, padding=1), nn.Tanh(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                      nn.Linear(8, 2))
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(10):
    choice = (rng.random() < 0.5, rng.random() < 0.5, int(rng.integers(0, 4)), int(rng.integers(-2, 3)),
              int(rng.integers(-2, 3)))
    xb = augment(X, choice)
    loss = F.cross_entropy(model(xb), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 2 == 0:
        print(f"LOSS step{step} {loss.item():.6f} {xb[0, 0, 0, :3].sum().item():.6f}")
model.eval()
with torch.no_grad():
    tta = torch.stack([model(v).softmax(-1) for v in dihedral(X)]).mean(0)
    print("LOSS tta", f"{tta[:, 1].sum().item():.6f}", f"{F.nll_loss(tta.log(), y).item():.6f}")
# gradients flow back through the rotations and shifts
xg = X[:4].clone().requires_grad_(True)
model(torch.roll(torch.rot90(xg, 1, (2, 3)), 1, 2).flip(3)).sum().backward()
print("LOSS xgrad", f"{xg.grad.abs().sum().item():.6f}", f"{xg.grad[0, 0, 0, 0].item():.7f}")
