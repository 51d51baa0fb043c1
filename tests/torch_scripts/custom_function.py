"""A custom Module with a custom autograd Function, as in PyTorch's "Extending PyTorch" notes."""

import torch
import torch.nn as nn


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
    def __init__(self, input_features, output_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(output_features, input_features))
        self.bias = nn.Parameter(torch.empty(output_features))
        self.register_buffer("calls", torch.zeros(1))
        nn.init.uniform_(self.weight, -0.1, 0.1)
        nn.init.uniform_(self.bias, -0.1, 0.1)

    def forward(self, input):
        self.calls += 1
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return f"input_features={self.weight.size(1)}, output_features={self.weight.size(0)}"


def main():
    torch.manual_seed(0)
    model = nn.Sequential(MyLinear(4, 16), nn.Tanh(), MyLinear(16, 1))
    x = torch.randn(64, 4)
    y = x.pow(2).sum(1, keepdim=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    first = None
    for _ in range(200):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
    print(model)
    print(f"loss {first:.4f} -> {loss.item():.4f}")
    print("calls", int(model[0].calls.item()), "in state_dict", "0.calls" in model.state_dict())
    inp = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    w = torch.randn(2, 4, dtype=torch.double, requires_grad=True)
    print(
        "gradcheck", torch.autograd.gradcheck(LinearFunction.apply, (inp, w), eps=1e-6, atol=1e-4)
    )


if __name__ == "__main__":
    main()
