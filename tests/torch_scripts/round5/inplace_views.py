"""In-place operations on views and indexed writes inside the autograd graph, as research code
writes them: x[:, 0].add_(...) on a clone, masked_fill_ with a bool mask built from the data,
index_add_ and index_copy_ for scatter-style pooling, scatter_reduce_ with 'sum', 'amax',
'mean' and include_self=False, Tensor.scatter_add_, narrow(...).mul_(...), a row assignment
out[i] = ...; a graph-pooling model trained through them, then the gradients of each op
printed against the same program written out of place."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)  # amax picks among near-equal values: no float32 ties
rng = np.random.default_rng(91)


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


N_NODES, G = 30, 6
graph_of = torch.from_numpy(np.sort(rng.integers(0, G, size=N_NODES)))
feats = torch.from_numpy(rng.normal(size=(N_NODES, 4)))
target = torch.from_numpy(rng.normal(size=(G, 1)))


class Pool(nn.Module):
    def __init__(self):
        super().__init__()
        self.node = nn.Linear(4, 8)
        self.out = nn.Linear(24, 1)

    def forward(self, x):
        h = self.node(x).clone()
        h[:, 0].add_(x[:, 0])  # in place on a view of h
        h.masked_fill_(x[:, 1:2] > 1.5, 0.0)
        h.narrow(1, 2, 2).mul_(0.5)
        summed = torch.zeros(G, 8).index_add_(0, graph_of, h)
        idx = graph_of.unsqueeze(1).expand(-1, 8)
        top = torch.full((G, 8), -1e9).scatter_reduce_(0, idx, h, reduce="amax", include_self=False)
        mean = torch.zeros(G, 8).scatter_reduce_(0, idx, h, reduce="mean", include_self=False)
        return self.out(torch.cat([summed, top, mean], 1))


model = Pool()
init_weights(model)
opt = torch.optim.SGD(model.parameters(), lr=0.02)
for step in range(20):
    loss = F.mse_loss(model(feats), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 4 == 0:
        print(f"LOSS step{step} {loss.item():.6f} {model.node.weight.grad.abs().sum().item():.6f}")

# each op's gradient, in place and out of place
src = torch.from_numpy(rng.normal(size=(5, 3))).requires_grad_()
w = torch.from_numpy(rng.normal(size=(5, 3)))
index = torch.tensor([0, 2, 1, 2, 0])
y = src.clone()
y[1] = y[1] * 3
y[:, 2].sub_(src[:, 0])
y.index_copy_(0, torch.tensor([4]), src[:1] * 2)
sums = torch.zeros(3, 3).scatter_add_(0, index.unsqueeze(1).expand(-1, 3), y)
prod = torch.ones(3, 3).scatter_reduce(0, index.unsqueeze(1).expand(-1, 3), y, reduce="prod")
(sums * w[:3]).sum().add(prod.sum()).backward()
g_inplace = src.grad.clone()
src.grad = None
z = torch.cat([src[:1], src[1:2] * 3, src[2:4]])
z = torch.cat([z[:, :2], (z[:, 2] - src[:4, 0]).unsqueeze(1)], 1)
z = torch.cat([z, src[:1] * 2])  # index_copy_ replaced row 4 after the subtraction
ref = torch.zeros(3, 3)
ref_prod = torch.ones(3, 3)
for i in range(5):
    ref = torch.cat([ref[:index[i]], ref[index[i]:index[i] + 1] + z[i:i + 1], ref[index[i] + 1:]])
    ref_prod = torch.cat([ref_prod[:index[i]], ref_prod[index[i]:index[i] + 1] * z[i:i + 1],
                          ref_prod[index[i] + 1:]])
(ref * w[:3]).sum().add(ref_prod.sum()).backward()
print("LOSS grads", f"{g_inplace.sum().item():.6f}", f"{(g_inplace - src.grad).abs().max().item():.1e}",
      f"{sums.sum().item():.6f}", f"{prod.sum().item():.6f}")
a = torch.from_numpy(rng.normal(size=(4, 3))).requires_grad_()
b = a * 1
b.masked_fill_(b < 0, 0.1)
b.index_fill_(1, torch.tensor([1]), 2.0)
b.pow(2).sum().backward()
print("LOSS fills", f"{a.grad.sum().item():.6f}", f"{b.sum().item():.6f}", b._version > 0)
