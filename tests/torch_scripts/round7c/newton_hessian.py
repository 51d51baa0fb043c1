"""Newton's method on a logistic-regression likelihood with the Hessian from
torch.autograd.functional.hessian (and a Hessian-vector product from hvp): second
derivatives of binary_cross_entropy_with_logits through a linear model."""
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd.functional import hessian, hvp


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


rng = np.random.default_rng(716)
X = torch.from_numpy(rng.normal(size=(100, 3)))
y = torch.from_numpy((rng.random(100) < 1 / (1 + np.exp(-X.numpy() @ [1.0, -2.0, 0.5]))).astype(np.float64))


def nll(w):
    return F.binary_cross_entropy_with_logits(X @ w, y, reduction="sum")


w = torch.zeros(3, dtype=torch.float64)
for it in range(4):
    H = hessian(nll, w)
    g = torch.autograd.functional.jacobian(nll, w)
    w = w - torch.linalg.solve(H, g)
    _, hv = hvp(nll, w, torch.ones(3, dtype=torch.float64))
    if it > 0:
        print("LOSS newton", it, f"{nll(w).item():.6f}", f"{hv.sum().item():.6f}")
