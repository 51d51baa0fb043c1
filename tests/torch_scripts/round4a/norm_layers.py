"""Normalisation layers side by side (the "BatchNorm vs LayerNorm vs GroupNorm vs InstanceNorm"
blog-post experiment): the same small CNN built with each norm through a make_norm(kind, C)
factory after bias-free convolutions (a bias before a norm gets a gradient of pure rounding
noise, which Adam would turn into steps of size lr) (nn.GroupNorm(4, C), nn.InstanceNorm2d(C, affine=True), nn.InstanceNorm2d with
track_running_stats=True, nn.LayerNorm([C, H, W]), nn.BatchNorm2d), trained a few steps each;
the GroupNorm output checked against a hand-written x.view(N, G, -1) mean/var(unbiased=False)
version; InstanceNorm1d and GroupNorm on (N, C, L); LayerNorm(elementwise_affine=False) and
bias=False; LocalResponseNorm; and a spectrally normalised discriminator
(torch.nn.utils.parametrizations.spectral_norm) whose power-iteration vectors come from the
loaded state_dict."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm

rng = np.random.default_rng(11)
X = torch.from_numpy((rng.normal(size=(16, 3, 8, 8)) * rng.uniform(0.5, 3, size=(16, 1, 1, 1))).astype(np.float32))
Y = torch.from_numpy((X[:, 0].mean((1, 2)) > X[:, 1].mean((1, 2))).long().numpy())


def make_norm(kind, c, hw):
    if kind == "group":
        return nn.GroupNorm(4, c)
    if kind == "instance":
        return nn.InstanceNorm2d(c, affine=True)
    if kind == "instance_tracked":
        return nn.InstanceNorm2d(c, affine=True, track_running_stats=True, momentum=0.2)
    if kind == "layer":
        return nn.LayerNorm([c, hw, hw])
    return nn.BatchNorm2d(c)


class Net(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), make_norm(kind, 8, 8), nn.ReLU(),
                                  nn.Conv2d(8, 8, 3, stride=2, padding=1, bias=False), make_norm(kind, 8, 4), nn.ReLU())
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.body(x).mean((2, 3)))


KINDS = ["group", "instance", "instance_tracked", "layer", "batch"]
models = {k: Net(k) for k in KINDS}
disc = nn.Sequential(spectral_norm(nn.Linear(12, 16)), nn.LeakyReLU(0.2), spectral_norm(nn.Linear(16, 1)))
extras = nn.ModuleDict({"gn1d": nn.GroupNorm(2, 6), "in1d": nn.InstanceNorm1d(6, affine=True),
                        "ln_noaff": nn.LayerNorm(5, elementwise_affine=False), "ln_nobias": nn.LayerNorm(5, bias=False)})


def init_weights(modules):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for tag, m in modules.items():
            m.load_state_dict({k[len(tag) + 1:]: torch.from_numpy(arrays[k]) for k in arrays.files
                               if k.startswith(tag + ".")})
    else:
        np.savez(path, **{f"{tag}.{k}": v.detach().numpy() for tag, m in modules.items()
                          for k, v in m.state_dict().items()})


torch.manual_seed(0)
init_weights({**models, "disc": disc, "extras": extras})
for kind, model in models.items():
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for step in range(6):
        i = (step % 2) * 8
        loss = F.cross_entropy(model(X[i:i + 8]), Y[i:i + 8])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        ev = F.cross_entropy(model(X), Y).item()
    print(f"LOSS {kind} {losses[0]:.6f} {losses[-1]:.6f} {ev:.6f}")
tracked = models["instance_tracked"].body[1]
print(f"LOSS tracked {tracked.running_mean.sum().item():.6f} {tracked.running_var.sum().item():.6f}",
      tracked.num_batches_tracked.item())

with torch.no_grad():
    gn = models["group"].body[1]
    h = models["group"].body[0](X)
    N, C, H, W = h.shape
    hg = h.view(N, 4, -1)
    mean = hg.mean(-1, keepdim=True)
    var = hg.var(-1, unbiased=False, keepdim=True)
    by_hand = ((hg - mean) / (var + gn.eps).sqrt()).view(N, C, H, W) * gn.weight.view(1, -1, 1, 1) + gn.bias.view(1, -1, 1, 1)
    print("LOSS gn_by_hand", torch.allclose(by_hand, gn(h), atol=1e-5), f"{gn(h).std().item():.6f}")
    seq = X[:, :, 0, :].reshape(16, 6, 4)
    e = [extras["gn1d"](seq), extras["in1d"](seq), extras["ln_noaff"](X[:, 0, :5, :5]),
         extras["ln_nobias"](X[:, 0, :5, :5]), nn.LocalResponseNorm(2)(X), F.local_response_norm(X, 3, alpha=1e-2, beta=0.5, k=2.0)]
    print("LOSS extras", *[f"{t.abs().mean().item():.6f}" for t in e], extras["ln_nobias"].bias is None)

z = torch.from_numpy(rng.normal(size=(8, 12)).astype(np.float32))
target = torch.from_numpy((rng.random(8) < 0.5).astype(np.float32)).unsqueeze(1)
opt = torch.optim.Adam(disc.parameters(), lr=1e-2, betas=(0.0, 0.9))
for step in range(4):
    out = disc(z)
    loss = F.binary_cross_entropy_with_logits(out, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sigma = torch.linalg.matrix_norm(disc[0].weight.detach(), ord=2)
    print(f"LOSS sn{step} {loss.item():.6f} {sigma.item():.5f}")
disc.eval()
print("LOSS sn_keys", *sorted(k for k in disc.state_dict() if k.startswith("0.")))
