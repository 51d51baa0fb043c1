"""Custom autograd Functions as the "extending PyTorch" docs write them: a clamp with a
straight-through gradient (ctx.save_for_backward, ctx.saved_tensors), a linear function that
checks ctx.needs_input_grad before computing each gradient (bias optional, None returned for
it), a sort that returns its indices marked with ctx.mark_non_differentiable, a function with a
non-tensor argument stored on ctx, @staticmethod forward/backward, ctx.set_materialize_grads
(False) with a None gradient handled; the functions used inside a model and trained, and
checked with torch.autograd.gradcheck in float64."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Function, gradcheck

rng = np.random.default_rng(61)


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


class LinearFunction(Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class StraightThroughClamp(Function):
    @staticmethod
    def forward(ctx, x, low, high):
        ctx.low, ctx.high = low, high
        ctx.save_for_backward(x)
        return x.clamp(low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = ((x > ctx.low - 1) & (x < ctx.high + 1)).to(grad.dtype)
        return grad * inside, None, None


class SortWithIndices(Function):
    @staticmethod
    def forward(ctx, x):
        values, idx = x.sort(dim=1, descending=True)
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    def backward(ctx, grad_values, grad_idx):
        (idx,) = ctx.saved_tensors
        return torch.zeros_like(grad_values).scatter_(1, idx, grad_values)


class SplitScale(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.set_materialize_grads(False)
        ctx.scale = scale
        return x * scale, x * 2

    @staticmethod
    def backward(ctx, g1, g2):
        grad = None
        if g1 is not None:
            grad = g1 * ctx.scale
        if g2 is not None:
            grad = g2 * 2 if grad is None else grad + g2 * 2
        return grad, None


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(16, 6))
        self.b1 = nn.Parameter(torch.empty(16))
        self.w2 = nn.Parameter(torch.empty(3, 8))
        nn.init.uniform_(self.w1, -0.4, 0.4)
        nn.init.zeros_(self.b1)
        nn.init.uniform_(self.w2, -0.3, 0.3)

    def forward(self, x):
        h = StraightThroughClamp.apply(LinearFunction.apply(x, self.w1, self.b1), -1.0, 1.0)
        top, idx = SortWithIndices.apply(h)
        return LinearFunction.apply(top[:, :8], self.w2), idx


X = torch.from_numpy(rng.normal(size=(40, 6)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 3, size=40))
net = Net()
init_weights(net)
opt = torch.optim.SGD(net.parameters(), lr=0.2)
for step in range(12):
    out, idx = net(X)
    loss = nn.functional.cross_entropy(out, Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"LOSS step{step} {loss.item():.5f} {net.w1.grad.abs().sum().item():.5f} "
              f"{idx.requires_grad} {idx.dtype == torch.int64}")

x = torch.from_numpy(rng.normal(size=(4, 3))).requires_grad_()
w = torch.from_numpy(rng.normal(size=(5, 3))).requires_grad_()
b = torch.from_numpy(rng.normal(size=(5,))).requires_grad_()
print("LOSS gradcheck", gradcheck(LinearFunction.apply, (x, w, b), eps=1e-6, atol=1e-4),
      gradcheck(LinearFunction.apply, (x, w), eps=1e-6, atol=1e-4))
frozen = torch.from_numpy(rng.normal(size=(5, 3)))  # no grad wanted: needs_input_grad False
LinearFunction.apply(x, frozen).pow(2).sum().backward()
print("LOSS needs_input_grad", f"{x.grad.sum().item():.6f}", frozen.grad is None)
a, b2 = SplitScale.apply(x, 3.0)
a.sum().backward()  # b2 unused: its gradient arrives as None
print("LOSS materialize", f"{x.grad.sum().item():.6f}")
a, b2 = SplitScale.apply(x, 3.0)
(a.sum() + b2.pow(2).sum()).backward()
print("LOSS both", f"{x.grad.sum().item():.6f}")
print("LOSS grad_fn", a.grad_fn.name(), out.grad_fn.name(), repr(idx.grad_fn))
