"""A deep-equilibrium (implicit) layer: z* = tanh(W z* + U x) found by fixed-point iteration
under torch.no_grad, then one differentiable application f(z*, x) whose gradient is corrected
with a backward hook (z.register_hook) that solves the adjoint fixed point
g = grad + J_f^T g by repeated torch.autograd.grad(f0, z0, g, retain_graph=True) calls (all
first order); the implicit gradient is checked against unrolled backprop through many
iterations, then the layer is trained on a regression task with the residual norms reported."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


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



class DEQ(nn.Module):
    def __init__(self, d_in, d_z, iters=60, tol=1e-10):
        super().__init__()
        self.W = nn.Linear(d_z, d_z, bias=False)
        self.U = nn.Linear(d_in, d_z)
        self.iters, self.tol = iters, tol
        self.last_residual = None

    def f(self, z, x):
        return torch.tanh(self.W(z) + self.U(x))

    def forward(self, x):
        with torch.no_grad():
            z = torch.zeros(x.shape[0], self.W.in_features, dtype=x.dtype)
            for _ in range(self.iters):
                z_next = self.f(z, x)
                res = (z_next - z).norm()
                z = z_next
                if res < self.tol:
                    break
            self.last_residual = res
        z = self.f(z, x)
        if torch.is_grad_enabled():
            z0 = z.clone().detach().requires_grad_()
            f0 = self.f(z0, x)

            def backward_hook(grad):
                g = grad
                for _ in range(self.iters):
                    g_next = torch.autograd.grad(f0, z0, g, retain_graph=True)[0] + grad
                    if (g_next - g).norm() < self.tol:
                        g = g_next
                        break
                    g = g_next
                return g

            z.register_hook(backward_hook)
        return z


def unrolled(deq, x, n=200):
    z = torch.zeros(x.shape[0], deq.W.in_features, dtype=x.dtype)
    for _ in range(n):
        z = deq.f(z, x)
    return z


rng = np.random.default_rng(709)
X = torch.from_numpy(rng.normal(size=(48, 4)))
Y = torch.from_numpy(np.sin(X.numpy() @ rng.normal(size=(4, 2))))
deq = DEQ(4, 12).double()
head = nn.Linear(12, 2).double()
init_weights(deq, head)
with torch.no_grad():
    deq.W.weight.mul_(0.5 / torch.linalg.matrix_norm(deq.W.weight, ord=2))

loss_i = F.mse_loss(head(deq(X)), Y)
gi = torch.autograd.grad(loss_i, [deq.W.weight, deq.U.weight])
loss_u = F.mse_loss(head(unrolled(deq, X)), Y)
gu = torch.autograd.grad(loss_u, [deq.W.weight, deq.U.weight])
print("LOSS implicit_vs_unrolled", f"{loss_i.item():.8f}", f"{loss_u.item():.8f}",
      f"{max((a - b).abs().max().item() for a, b in zip(gi, gu)) < 1e-8}",
      f"{gi[0].norm().item():.8f}")

opt = torch.optim.Adam(list(deq.parameters()) + list(head.parameters()), lr=1e-2)
for step in range(25):
    loss = F.mse_loss(head(deq(X)), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():  # keep the map a contraction
        n = torch.linalg.matrix_norm(deq.W.weight, ord=2)
        if n > 0.9:
            deq.W.weight.mul_(0.9 / n)
    if step % 5 == 0:
        print("LOSS step", step, f"{loss.item():.6f}", f"{deq.last_residual.item() < 1e-9}",
              f"{torch.linalg.matrix_norm(deq.W.weight, ord=2).item():.6f}")
