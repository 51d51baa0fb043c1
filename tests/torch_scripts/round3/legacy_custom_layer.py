"""An old-style custom layer, as in many pre-1.0 tutorials and the "extending PyTorch" note:
parameters made with nn.Parameter(torch.Tensor(out, in)) then reset_parameters() with
init.kaiming_uniform_(a=math.sqrt(5)) and init._calculate_fan_in_and_fan_out; a
torch.autograd.Function LinearFunction with ctx.needs_input_grad and .t()/.mm; accumulators
made with torch.Tensor([0]); a hand-written training loop. The initial values are loaded from
torch's run afterwards (init draws from glassnet's own generator)."""
# ruff: noqa: UP032  (the tutorial's own style, kept as written)
import math
import os

import numpy as np
import torch
import torch.nn as nn
from torch.nn import init


class LinearFunction(torch.autograd.Function):
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


class MyLinear(nn.Module):
    def __init__(self, input_features, output_features, bias=True):
        super().__init__()
        self.input_features = input_features
        self.output_features = output_features
        self.weight = nn.Parameter(torch.Tensor(output_features, input_features))
        if bias:
            self.bias = nn.Parameter(torch.Tensor(output_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return "input_features={}, output_features={}, bias={}".format(
            self.input_features, self.output_features, self.bias is not None)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


model = nn.Sequential(MyLinear(6, 12), nn.Tanh(), MyLinear(12, 3, bias=False))
w = model[0].weight
bound = math.sqrt(6 / ((1 + 5) * 6))
print("INIT", tuple(w.shape), bool((w.abs() <= bound + 1e-6).all()), w.dtype == torch.float32,
      model[2].bias is None, repr(model[0]).startswith("MyLinear(input_features=6"))
init_weights(model)
rng = np.random.default_rng(0)
X = torch.from_numpy(rng.normal(size=(24, 6)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 3, 24))
criterion = nn.CrossEntropyLoss()
lr = 0.2
for epoch in range(8):
    running = torch.Tensor([0])
    correct = torch.Tensor([0])
    for i in range(0, 24, 8):
        out = model(X[i:i + 8])
        loss = criterion(out, Y[i:i + 8])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data.add_(p.grad.data, alpha=-lr)
        running += loss.detach()
        correct += (out.argmax(1) == Y[i:i + 8]).sum()
    print(f"LOSS {epoch} {running.item():.6f} {correct.item():.1f}", running.dtype == torch.float32)
x = X[:3].clone().requires_grad_()
y = LinearFunction.apply(x, model[0].weight.detach(), None)
y.pow(2).sum().backward()
print(f"LOSS input_grad {x.grad.abs().sum().item():.6f}")
