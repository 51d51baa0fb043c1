"""Learning PyTorch with Examples: a third-order polynomial fitted to sin(x) four ways (raw
tensors with a hand-written backward, autograd, a custom autograd.Function
LegendrePolynomial3 with ctx.save_for_backward, nn.Sequential with Flatten(0, 1))."""
import math

import torch

dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
start = [0.1, -0.2, 0.3, -0.05]

# 1. raw tensors, gradients by hand
a, b, c, d = (torch.tensor(v, device=device, dtype=dtype) for v in start)
learning_rate = 1e-6
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum().item()
    if t % 60 == 59:
        print(f"LOSS raw{t} {loss:.6f}")
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d
print(f"LOSS raw_result {a.item():.6f} {b.item():.6f} {c.item():.6f} {d.item():.6f}")

# 2. autograd
a, b, c, d = (torch.tensor(v, device=device, dtype=dtype, requires_grad=True) for v in start)
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 60 == 59:
        print(f"LOSS auto{t} {loss.item():.6f}")
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f"LOSS auto_result {a.item():.6f} {b.item():.6f} {c.item():.6f} {d.item():.6f}")


# 3. a custom autograd Function
class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
for t in range(300):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 60 == 59:
        print(f"LOSS legendre{t} {loss.item():.6f}")
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= learning_rate * p.grad
            p.grad = None
print(f"LOSS legendre_result {a.item():.6f} {b.item():.6f} {c.item():.6f} {d.item():.6f}")

# 4. nn.Sequential with Flatten(0, 1) on x.unsqueeze(-1).pow(p)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
assert xx.shape == (2000, 3)
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([start[1:]]))
    model[0].bias.fill_(start[0])
loss_fn = torch.nn.MSELoss(reduction="sum")
learning_rate = 1e-6
for t in range(300):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 60 == 59:
        print(f"LOSS nn{t} {loss.item():.6f}")
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
linear_layer = model[0]
print(f"LOSS nn_result {linear_layer.bias.item():.6f} {linear_layer.weight[:, 0].item():.6f} "
      f"{linear_layer.weight[:, 1].item():.6f} {linear_layer.weight[:, 2].item():.6f}")
