"""A classifier written with torch.nn.functional: cross_entropy with weight= and
label_smoothing, one_hot, normalize, cosine_similarity, dropout(training=...)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class ProtoNet(nn.Module):
    def __init__(self, d_in=8, d=16, classes=3):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d)
        self.fc2 = nn.Linear(d, d)
        self.prototypes = nn.Parameter(torch.randn(classes, d))
        self.scale = nn.Parameter(torch.tensor(5.0))

    def forward(self, x):
        h = F.gelu(self.fc1(x))
        h = F.dropout(h, p=0.3, training=self.training)
        h = F.layer_norm(self.fc2(h), (h.shape[-1],))
        z = F.normalize(h, p=2, dim=1)
        protos = F.normalize(self.prototypes, dim=-1)
        sims = F.cosine_similarity(z.unsqueeze(1), protos.unsqueeze(0), dim=-1)
        return self.scale * sims, z


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)
centers = rng.standard_normal((3, 8)) * 2
labels = rng.integers(0, 3, 120)
X = torch.tensor(centers[labels] + rng.standard_normal((120, 8)), dtype=torch.float32)
y = torch.from_numpy(labels)
counts = torch.bincount(y, minlength=3).float()
class_weight = counts.sum() / (3 * counts)
model = ProtoNet()
init_weights(model)
opt = torch.optim.RMSprop(model.parameters(), lr=1e-2, alpha=0.9)
for step in range(20):
    model.eval()  # deterministic for the comparison; dropout is exercised below
    logits, z = model(X)
    ce = F.cross_entropy(logits, y, weight=class_weight, label_smoothing=0.1)
    target = F.one_hot(y, num_classes=3).float()
    mse = F.mse_loss(F.softmax(logits, dim=1), target, reduction="sum") / X.size(0)
    nll = F.nll_loss(F.log_softmax(logits, dim=1), y, reduction="mean")
    loss = ce + 0.1 * mse + 0.0 * nll
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS {step} {loss.item():.6f}")

model.train()
a, _ = model(X)
b, _ = model(X)
assert not torch.allclose(a, b), "dropout(training=True) should differ between calls"
model.eval()
with torch.no_grad():
    a, z = model(X)
    b, _ = model(X)
assert torch.equal(a, b)
assert torch.allclose(z.norm(dim=1), torch.ones(120), atol=1e-5)
print("ACC", (a.argmax(1) == y).float().mean().item())
print("PAIRWISE", F.pairwise_distance(z[:2], z[2:4]).shape, F.kl_div(F.log_softmax(a, 1), F.softmax(b, 1), reduction="batchmean").item() >= -1e-6)
