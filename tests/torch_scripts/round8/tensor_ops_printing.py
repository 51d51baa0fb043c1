"""The tensor operations of beginner notebooks printed whole: dtypes of mixed arithmetic,
in-place ops (add_, mul_, clamp_, fill_, zero_, index_fill_, masked_fill_), views and copies
(view, reshape, permute, transpose, contiguous, squeeze/unsqueeze, expand, flatten), indexing
with masks and index tensors, torch.where, gather and scatter, arange/linspace/eye/full,
concatenation and splitting (chunk, split, stack, hstack, vstack), comparisons, type
conversions and .numpy()/.tolist()/.item() values."""
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
        self.register_buffer("a", torch.randn(3, 4))
        self.register_buffer("b", torch.rand(4))


d = Draws()
init_weights(d)
a, b = d.a.clone(), d.b.clone()
i = torch.tensor([[1, 2], [3, 4]])
print(i.dtype, (i / 2).dtype, (i * 1.5).dtype, (i // 3).dtype, (i + True).dtype)
print(i / 2, i // 3, i % 3, i ** 2, -i)
print((i > 2).dtype, (i == 2).sum(), i.float().mean())
print(torch.tensor([1, 2], dtype=torch.int32) + torch.tensor([1.5, 2.5]))
print(torch.arange(5), torch.arange(1, 2, 0.25), torch.linspace(0, 1, steps=5))
print(torch.eye(3), torch.full((2, 2), 7), torch.full((2,), 1.5))
print(torch.zeros_like(a).shape, torch.empty(2, 3).shape, torch.ones(2, 3).dtype)

x = a.clone()
x.add_(1).mul_(2)
print(x)
x.clamp_(min=0.5, max=2.5)
print(x)
x[0].fill_(-1)
x[:, 1].zero_()
print(x)
print(x.masked_fill(x > 2, 0.0))
print(x.index_fill(1, torch.tensor([0, 3]), 9.0))
y = a.view(4, 3)
print(y.shape, a.reshape(-1).shape, a.permute(1, 0).shape, a.t().is_contiguous())
print(a.unsqueeze(0).shape, a.unsqueeze(-1).shape, a[None].squeeze().shape)
print(b.expand(3, 4))
print(a.flatten(), a.view(-1)[:3])
print(a[a > 0])
print(a[[0, 2]])
print(a[:, torch.tensor([1, 3])])
print(torch.where(a > 0, a, torch.zeros_like(a)))
print(torch.where(b > 0.5))
print(torch.nonzero(a > 0))
idx = torch.tensor([[0, 1], [2, 3], [1, 1]])
print(torch.gather(a, 1, idx))
print(torch.zeros(3, 4).scatter_(1, idx, 1.0))
print(torch.zeros(5).index_add_(0, torch.tensor([0, 2, 2]), torch.tensor([1.0, 2.0, 3.0])))
print(torch.chunk(torch.arange(7), 3))
print(torch.split(torch.arange(7), [2, 5]))
print(torch.stack([b, b], dim=1))
print(torch.hstack([b, b]), torch.vstack([b, b]).shape)
print(torch.cat((a, a), 0).shape, torch.cat([a, a], dim=-1).shape)
print(a.T @ a)
print(torch.mm(a, a.T).diag(), torch.dot(b, b), torch.outer(b[:2], b[:3]))
print(a.exp().log().allclose(a), torch.isclose(b, b + 1e-9).all())
print(torch.round(a * 100) / 100, a.floor(), a.ceil(), a.sign())
print(a.numpy().shape, type(a.tolist()), round(a[0, 0].item(), 4) == round(float(a[0, 0]), 4))
print(torch.from_numpy(np.arange(4)).dtype, torch.from_numpy(np.arange(4.0)).dtype)
print(torch.tensor(np.array([1, 2], dtype=np.int32)), torch.as_tensor([1.0, 2.0]).dtype)
print(torch.float32 == torch.float, torch.int64 is torch.long, a.dtype is torch.float32)
print(a.is_floating_point(), i.is_floating_point(), a.dim(), a.numel(), a.element_size())
print(a.size(0), a.size(-1), a.size(), tuple(a.shape), list(a.shape), a.shape[1])
print(torch.Size([2, 3]) == (2, 3), torch.Size([2, 3]).numel(), len(a.shape))
