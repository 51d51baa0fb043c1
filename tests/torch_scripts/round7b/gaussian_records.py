"""A generative classifier written as a statistics notebook writes it: a Dataset whose
samples are namedtuples (Record(features, label)) collated by the DataLoader into a Record
of batched tensors (batch.features, batch.label), class means and covariances by torch.cov,
Gaussian log-likelihoods through torch.linalg.slogdet(...).logabsdet and
torch.linalg.solve, a learnable full-covariance model (a Cholesky factor from tril plus a
softplus diagonal) trained by Adam on the negative log-likelihood, and torch.histogram of the
scores read through .hist / .bin_edges."""
import collections
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


Record = collections.namedtuple("Record", ["features", "label"])
rng = np.random.default_rng(85)
centers = np.array([[0.0, 0.0, 0.0], [2.0, 1.0, -1.0], [-1.0, 2.0, 1.0]])
mix = [np.eye(3), np.array([[1.0, 0.6, 0.0], [0.0, 0.8, 0.3], [0.0, 0.0, 0.5]]),
       np.array([[0.7, 0.0, 0.0], [0.4, 1.2, 0.0], [0.1, 0.2, 0.9]])]
labels = np.repeat(np.arange(3), 30)
points = np.stack([centers[c] + mix[c] @ rng.normal(size=3) for c in labels])


class Records(Dataset):
    def __len__(self):
        return len(labels)

    def __getitem__(self, i):
        return Record(torch.tensor(points[i]), int(labels[i]))


loader = DataLoader(Records(), batch_size=30, shuffle=False)
batch = next(iter(loader))
print("LOSS batch", type(batch).__name__, tuple(batch.features.shape), batch.features.dtype,
      batch.label[:3].tolist(), batch._fields)

X = torch.cat([b.features for b in loader])
y = torch.cat([b.label for b in loader])
means = torch.stack([X[y == c].mean(0) for c in range(3)])
covs = torch.stack([torch.cov(X[y == c].T) for c in range(3)])


def gaussian_loglik(x, mean, cov):
    d = x - mean
    quad = (d * torch.linalg.solve(cov, d.T).T).sum(-1)
    logdet = torch.linalg.slogdet(cov).logabsdet
    return -0.5 * (quad + logdet + x.shape[-1] * math.log(2 * math.pi))


ll = torch.stack([gaussian_loglik(X, means[c], covs[c]) for c in range(3)], dim=1)
sign, logabs = torch.slogdet(covs)
print(f"LOSS closed_form {F.cross_entropy(ll, y).item():.6f} {sign.tolist()} "
      f"{logabs.sum().item():.6f} {covs[1].slogdet().logabsdet.item():.6f}")


class LearnedGaussians(nn.Module):
    def __init__(self):
        super().__init__()
        self.mean = nn.Parameter(torch.zeros(3, 3, dtype=torch.float64))
        self.raw = nn.Parameter(torch.zeros(3, 3, 3, dtype=torch.float64))
        self.logits = nn.Parameter(torch.zeros(3, dtype=torch.float64))

    def covariances(self):
        L = torch.tril(self.raw, diagonal=-1)
        L = L + torch.diag_embed(F.softplus(torch.diagonal(self.raw, dim1=-2, dim2=-1)) + 1e-3)
        return L @ L.transpose(-1, -2)

    def forward(self, x):
        cov = self.covariances()
        ll = torch.stack([gaussian_loglik(x, self.mean[c], cov[c]) for c in range(3)], dim=1)
        return ll + F.log_softmax(self.logits, 0)


model = LearnedGaussians()
init_weights(model)
with torch.no_grad():
    model.mean.add_(means * 0.5)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(5):
    total = 0.0
    for b in loader:
        joint = model(b.features)
        nll = -joint.gather(1, b.label[:, None]).mean()
        opt.zero_grad()
        nll.backward()
        opt.step()
        total += nll.item()
    print(f"LOSS epoch{epoch} {total / len(loader):.6f} "
          f"{torch.linalg.slogdet(model.covariances()).logabsdet.sum().item():.6f}")

with torch.no_grad():
    scores = torch.logsumexp(model(X), dim=1)
    h = torch.histogram(scores, bins=5)
    hist, edges = torch.histogram(scores, bins=4, range=(-8.0, 0.0))
print("LOSS histogram", h.hist.tolist(), f"{h.bin_edges[0].item():.6f} {h.bin_edges[-1].item():.6f}",
      hist.tolist(), edges.tolist())
