"""The "Automatic Differentiation" tutorial printed whole: a one-layer network with w and b
requiring grad, the loss from binary_cross_entropy_with_logits, the gradients of w and b after
backward(), requires_grad before and after torch.no_grad() and detach(), and the Jacobian-vector
product section (inp.grad accumulating over two backward calls and after zero_())."""
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


class Weights(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(5, 3))
        self.b = nn.Parameter(torch.randn(3))


params = Weights()
init_weights(params)

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w, b = params.w, params.b
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Loss: {loss.item():.6f}")
print(z.detach())

loss.backward()
print(w.grad)
print(b.grad)
print(w.is_leaf, z.is_leaf, z.requires_grad, x.requires_grad)

z = torch.matmul(x, w) + b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)
print(z_det)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

a = torch.tensor([2.0, 3.0], requires_grad=True)
print(a)
q = 3 * a ** 3 - b.detach()[:2] ** 2
q.backward(gradient=torch.tensor([1.0, 1.0]))
print(a.grad)
print(9 * a.detach() ** 2 == a.grad)
print(torch.allclose(9 * a.detach() ** 2, a.grad))
print(a.grad_fn, a.grad.requires_grad)
h = torch.relu(w)
print(h[1])
print(h[:, 0])
print(torch.sigmoid(w).detach()[0])
print(torch.tanh(b))
