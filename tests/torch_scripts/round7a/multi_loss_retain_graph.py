"""Several losses through one graph, the ways people combine them: a shared encoder with two
heads where loss_a.backward(retain_graph=True) then loss_b.backward() accumulates into .grad,
compared with (loss_a + loss_b).backward(); torch.autograd.backward([la, lb], grad_tensors=...)
weighting; torch.autograd.grad with allow_unused=True and materialize_grads-free None checks,
with grad_outputs on a non-scalar output, with inputs= to backward() restricting which leaves
accumulate; a GradNorm-like per-task gradient-norm balancing of two task weights using
autograd.grad on the shared layer's weight (retain_graph=True) and the weights' own
gradient taken by torch.autograd.grad, trained for a few steps."""
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



class TwoHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = nn.Sequential(nn.Linear(5, 24), nn.Tanh(), nn.Linear(24, 16), nn.Tanh())
        self.reg = nn.Linear(16, 1)
        self.cls = nn.Linear(16, 3)
        self.unused = nn.Linear(16, 2)

    def forward(self, x):
        h = self.shared(x)
        return self.reg(h).squeeze(1), self.cls(h)


rng = np.random.default_rng(711)
X = torch.from_numpy(rng.normal(size=(80, 5)).astype(np.float32))
yr = torch.from_numpy((X.numpy() @ rng.normal(size=5)).astype(np.float32))
yc = torch.from_numpy(rng.integers(0, 3, size=80))
model = TwoHead()
init_weights(model)


def losses(m):
    r, c = m(X)
    return F.mse_loss(r, yr), F.cross_entropy(c, yc)


la, lb = losses(model)
la.backward(retain_graph=True)
first = model.shared[0].weight.grad.clone()
lb.backward()
two = model.shared[0].weight.grad.clone()
model.zero_grad()
sum(losses(model)).backward()
print("LOSS retain", f"{la.item():.6f}", f"{lb.item():.6f}", f"{first.norm().item():.6f}",
      f"{(two - model.shared[0].weight.grad).abs().max().item() < 1e-6}")

model.zero_grad()
la, lb = losses(model)
torch.autograd.backward([la, lb], grad_tensors=[torch.tensor(0.3), torch.tensor(2.0)])
weighted = model.shared[2].bias.grad.clone()
model.zero_grad()
la, lb = losses(model)
(0.3 * la + 2.0 * lb).backward()
print("LOSS grad_tensors", f"{(weighted - model.shared[2].bias.grad).abs().max().item() < 1e-6}",
      f"{weighted.abs().sum().item():.6f}")

model.zero_grad()
r, c = model(X)
g_reg, g_unused = torch.autograd.grad(r.sum(), [model.reg.weight, model.unused.weight],
                                      allow_unused=True, retain_graph=True)
(g_c,) = torch.autograd.grad(c, model.cls.bias, grad_outputs=torch.ones_like(c) / 80)
print("LOSS allow_unused", g_unused is None, f"{g_reg.sum().item():.6f}", f"{g_c.sum().item():.6f}",
      model.reg.weight.grad is None)

la, lb = losses(model)
(la + lb).backward(inputs=[model.cls.weight, model.cls.bias])
print("LOSS inputs", model.shared[0].weight.grad is None, model.reg.weight.grad is None,
      f"{model.cls.weight.grad.abs().sum().item():.6f}")

model.zero_grad()
w = torch.ones(2, requires_grad=True)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
opt_w = torch.optim.SGD([w], lr=0.05)
alpha = 0.5
L0 = None
for step in range(12):
    la, lb = losses(model)
    task = torch.stack([la, lb])
    if L0 is None:
        L0 = task.detach()
    shared_w = model.shared[2].weight
    G = torch.stack([torch.autograd.grad(task[i], shared_w, retain_graph=True)[0].norm()
                     for i in range(2)])
    norms = w * G  # |grad of w_i L_i| = w_i |grad of L_i| for w_i > 0, first order in w
    ratio = (task.detach() / L0)
    target = (norms.mean() * (ratio / ratio.mean()) ** alpha).detach()
    gn_loss = (norms - target).abs().sum()
    (gw,) = torch.autograd.grad(gn_loss, w, retain_graph=True)
    opt.zero_grad()
    (w.detach() * task).sum().backward()
    opt.step()
    w.grad = gw
    opt_w.step()
    with torch.no_grad():
        w.mul_(2 / w.sum())
    if step % 3 == 0:
        print("LOSS gradnorm", step, f"{la.item():.6f}", f"{lb.item():.6f}",
              f"{w[0].item():.6f}", f"{gn_loss.item():.6f}")
