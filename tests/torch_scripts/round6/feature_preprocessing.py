"""Feature preprocessing with torch ops before a model, as data-science users write it:
torch.unique(return_inverse=True, return_counts=True) to encode a categorical column,
torch.bucketize / torch.searchsorted against torch.quantile cut points, torch.histc,
nanmean/nan_to_num for missing values, std(unbiased=False) and var(correction=0)
standardisation, one_hot(num_classes=-1), nonzero(as_tuple=True), masked_select,
argsort(stable=True), cumsum / diff; the features then fit a logistic regression."""
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


rng = np.random.default_rng(617)
N = 80
age = rng.normal(40, 12, size=N)
income = np.exp(rng.normal(10, 0.5, size=N))
income[rng.random(N) < 0.1] = np.nan
city = rng.choice(np.array([3, 7, 7, 11, 42]), size=N)
target = ((age > 45) ^ (city == 7)).astype(np.float32)

age_t = torch.from_numpy(age)
inc_t = torch.from_numpy(income)
city_t = torch.from_numpy(city)
codes, inverse, counts = torch.unique(city_t, return_inverse=True, return_counts=True)
print("LOSS unique", codes.tolist(), counts.tolist(), inverse[:8].tolist(),
      torch.unique(city_t, sorted=True).tolist())
cuts = torch.quantile(age_t, torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64))
age_bin = torch.bucketize(age_t, cuts)
age_bin_r = torch.bucketize(age_t, cuts, right=True)
ss = torch.searchsorted(cuts, age_t.contiguous())
print("LOSS bins", " ".join(f"{v:.6f}" for v in cuts.tolist()), torch.bincount(age_bin).tolist(),
      torch.equal(age_bin, ss), torch.equal(age_bin, age_bin_r),
      torch.histc(age_t.float(), bins=5, min=10, max=70).tolist())
missing = torch.isnan(inc_t)
fill = torch.nanmean(inc_t.log())
log_inc = torch.where(missing, fill, inc_t.log())
print("LOSS missing", int(missing.sum()), f"{fill.item():.6f}", f"{torch.nan_to_num(inc_t, nan=0.0).log1p().sum().item():.4f}",
      missing.nonzero(as_tuple=True)[0][:3].tolist(), f"{inc_t.masked_select(~missing).log().mean().item():.6f}")
feats = torch.stack([age_t, log_inc], dim=1)
mu, sd = feats.mean(0), feats.std(0, unbiased=False)
print("LOSS stats", " ".join(f"{v:.6f}" for v in torch.cat([mu, sd, feats.var(0, correction=0), feats.var(0)]).tolist()))
feats = (feats - mu) / sd
onehot_city = F.one_hot(inverse, num_classes=-1).double()
onehot_bin = F.one_hot(age_bin)
order = torch.argsort(age_t, stable=True)
print("LOSS order", order[:5].tolist(), f"{torch.diff(age_t[order]).min().item():.6f}", tuple(onehot_bin.shape),
      f"{torch.cumsum(counts, 0)[-1].item()}")
X = torch.cat([feats, onehot_city, onehot_bin.double()], dim=1)
y = torch.from_numpy(target).double()
model = nn.Linear(X.shape[1], 1).double()
init_weights(model)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
for step in range(12):
    loss = F.binary_cross_entropy_with_logits(model(X).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 4 == 0:
        print(f"LOSS step{step} {loss.item():.8f}")
