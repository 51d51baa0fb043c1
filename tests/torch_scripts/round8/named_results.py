"""Named results and reductions as users print them: x.max(1) and torch.max(x, dim=1) printed
whole (torch.return_types.max(values=..., indices=...)), unpacked values and indices, .values
and .indices, min, sort (descending), topk, kthvalue, median, mode, cummax, aminmax, std_mean
and var_mean tuples, argmax/argmin, unique with counts, and torch.return_types fields by
index; all on float tensors drawn once and shared through the saved weights."""
import os

import numpy as np
import torch
from torch import nn


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})



class Draws(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("x", torch.randn(4, 5))
        self.register_buffer("v", torch.rand(7))


draws = Draws()
init_weights(draws)
x, v = draws.x, draws.v
print(x)
print(x.max(1))
print(torch.max(x, dim=1))
values, indices = x.max(dim=1)
print(values, indices)
print(x.max(), x.min(), x.argmax(), x.argmin(dim=0))
print(x.min(dim=0).values)
print(x.min(dim=0, keepdim=True).indices)
print(torch.sort(v))
print(torch.sort(v, descending=True).indices)
print(v.topk(3))
print(torch.topk(x, 2, dim=1, largest=False))
print(v.kthvalue(2))
print(x.median(dim=1))
print(torch.cummax(v, dim=0))
print(torch.aminmax(x))
print(torch.std_mean(x, dim=0))
print(torch.var_mean(v))
r = x.max(1)
print(r[0].shape, r[1].dtype, len(r))
print(r.values.sum(), r.indices.tolist())
labels = torch.tensor([2, 0, 2, 1, 0, 2])
print(torch.mode(labels))
print(torch.unique(labels, return_counts=True))
print(torch.unique(labels, sorted=True, return_inverse=True))
print(labels.bincount())
print(torch.argsort(v), v.argmax().item())
print(torch.max(x, torch.zeros_like(x)))
print(x.sum(0), x.mean(1), x.prod(1), x.norm())
print(x.abs().sum(), x.var(), x.std(1))
print(x.cumsum(1))
print(x.logsumexp(1))
print(x.all(), (x > 0).any(1), (x > 0).sum(), (x > 0).float().mean())
