"""Custom autograd Functions in the forms that advanced code uses: a Function whose backward
reuses its output (ctx.save_for_backward(result), exp-like), one with @once_differentiable on
backward returning numpy-computed gradients, a sort-based top-k straight-through estimator
whose integer index output is ctx.mark_non_differentiable, a torch-2 style Function with a
separate setup_context(ctx, inputs, output) and non-tensor arguments (ctx.scale), one
returning None for an input that needs no gradient (ctx.needs_input_grad), all trained
together in a small model and checked with torch.autograd.gradcheck in float64."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Function
from torch.autograd.function import once_differentiable


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


class SoftExp(Function):
    @staticmethod
    def forward(ctx, x):
        y = torch.exp(x.clamp(max=3.0)) - 1
        ctx.save_for_backward(y, x)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        return grad * (y + 1) * (x < 3.0).to(grad.dtype)


class NumpyTanh(Function):
    @staticmethod
    def forward(ctx, x):
        out = torch.from_numpy(np.tanh(x.detach().numpy()))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return torch.from_numpy(grad.numpy() * (1 - out.numpy() ** 2))


class TopKMask(Function):
    """Keep the k largest entries per row; the gradient passes straight through to them."""

    @staticmethod
    def forward(ctx, x, k):
        vals, idx = torch.sort(x, dim=1, descending=True)
        keep = idx[:, :k]
        mask = torch.zeros_like(x).scatter_(1, keep, 1.0)
        ctx.save_for_backward(mask)
        ctx.mark_non_differentiable(keep)
        return x * mask, keep

    @staticmethod
    def backward(ctx, grad, grad_idx):
        (mask,) = ctx.saved_tensors
        return grad * mask, None


class ScaledSquare(Function):
    @staticmethod
    def forward(x, w, scale):
        return scale * x * x * w

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, w, scale = inputs
        ctx.save_for_backward(x, w)
        ctx.scale = scale

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        gx = grad * 2 * ctx.scale * x * w if ctx.needs_input_grad[0] else None
        gw = (grad * ctx.scale * x * x).sum(0) if ctx.needs_input_grad[1] else None
        return gx, gw, None


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.w = nn.Parameter(torch.ones(16))
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        h = NumpyTanh.apply(self.fc1(x))
        h = ScaledSquare.apply(h, self.w, 0.5) + SoftExp.apply(h)
        h, idx = TopKMask.apply(h, 6)
        return self.fc2(h), idx


xs = [torch.randn(3, 4, dtype=torch.float64, requires_grad=True) for _ in range(2)]
w = torch.randn(4, dtype=torch.float64, requires_grad=True)
ok = [torch.autograd.gradcheck(SoftExp.apply, (xs[0] * 0.5,)),
      torch.autograd.gradcheck(NumpyTanh.apply, (xs[1],)),
      torch.autograd.gradcheck(lambda a, b: ScaledSquare.apply(a, b, 1.5), (xs[0], w))]
print("LOSS gradcheck", *ok)

rng = np.random.default_rng(708)
X = torch.from_numpy(rng.normal(size=(96, 8))).double()
y = torch.from_numpy(rng.integers(0, 3, size=96))
net = Net().double()
init_weights(net)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(30):
    logits, idx = net(X)
    loss = F.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 6 == 0:
        print("LOSS step", step, f"{loss.item():.6f}", f"{net.w.grad.abs().sum().item():.6f}",
              idx.requires_grad, idx.dtype == torch.int64)

logits, idx = net(X[:4])
print("LOSS final", f"{logits.sum().item():.6f}", idx.tolist()[0], logits.grad_fn is not None)
a = torch.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=torch.float64)
b = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
ScaledSquare.apply(a, b, 2.0).sum().backward()
print("LOSS needs_input_grad", b.grad.tolist(), a.grad is None)
