"""The autograd tutorial: a one-layer net's gradients, backward(gradient=...) on a non-scalar
output, requires_grad_(), detach, no_grad, retain_grad(), gradients accumulating over two
backward calls and x.grad.zero_()."""
import numpy as np
import torch

rng = np.random.default_rng(1)
x = torch.ones(5)
y = torch.zeros(3)
w = torch.from_numpy(rng.normal(size=(5, 3)).astype(np.float32)).requires_grad_()
b = torch.tensor(rng.normal(size=3).astype(np.float32), requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
assert z.grad_fn is not None and loss.grad_fn is not None
loss.backward()
print("LOSS bce", loss.item())
print("LOSS w_grad", w.grad.sum().item(), w.grad.abs().sum().item())
print("LOSS b_grad", b.grad[0].item(), b.grad[2].item())

with torch.no_grad():
    z = torch.matmul(x, w) + b
print("LOSS no_grad", float(z.requires_grad))
z_det = (torch.matmul(x, w) + b).detach()
print("LOSS detach", float(z_det.requires_grad), z_det.sum().item())

# non-scalar output: backward(gradient=...) computes a vector-Jacobian product
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print("LOSS first_call", inp.grad.sum().item(), inp.grad[0, 0].item())
out.backward(torch.ones_like(out), retain_graph=True)
print("LOSS second_call", inp.grad.sum().item(), inp.grad[0, 0].item())
inp.grad.zero_()
out.backward(torch.ones_like(out))
print("LOSS call_after_zeroing", inp.grad.sum().item())

# gradient= with non-uniform weights; retain_grad on an intermediate
a = torch.tensor([2.0, 3.0, 4.0], requires_grad=True)
h = a * a
h.retain_grad()
q = 3 * h ** 2 - a
q.backward(gradient=torch.tensor([0.1, 1.0, 0.0001]))
print("LOSS vjp", a.grad[0].item(), a.grad[1].item(), a.grad[2].item())
print("LOSS retained", h.grad[0].item(), h.grad[1].item())
assert q.grad is None and a.is_leaf and not h.is_leaf

# requires_grad_ on a tensor that was created without, detach_ cutting the graph
c = torch.linspace(-1.0, 1.0, 7)
c.requires_grad_(True)
s = torch.sin(c)
t = s.detach()
t2 = (t * c).sum()
t2.backward()
print("LOSS detach_grad", c.grad[1].item(), c.grad[5].item())

# a small fit where the loss's gradient is accumulated over two half-batches
X = torch.from_numpy(rng.normal(size=(16, 5)).astype(np.float32))
Y = (X[:, :1] * 2.0 - X[:, 1:2]).clone()
lin = torch.nn.Linear(5, 1)
with torch.no_grad():
    lin.weight.copy_(torch.from_numpy(rng.normal(size=(1, 5)).astype(np.float32)))
    lin.bias.fill_(0.1)
for step in range(6):
    total = 0.0
    for xb, yb in ((X[:8], Y[:8]), (X[8:], Y[8:])):
        l_half = ((lin(xb) - yb) ** 2).mean() / 2
        l_half.backward()
        total += l_half.item()
    with torch.no_grad():
        for p in lin.parameters():
            p -= 0.1 * p.grad
            p.grad.zero_()
    print(f"LOSS {step} {total:.8f}")
