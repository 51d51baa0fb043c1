# ruff: noqa: UP008, UP032  (written the way PyTorch tutorials write it)
"""Polynomial regression with a hand-written SGD step, in the style of pytorch/examples' regression.

Two updates every introductory tutorial uses: ``p -= lr * p.grad`` under ``no_grad()``,
and ``p.data.add_(-lr * p.grad)``.
"""

import torch
import torch.nn.functional as F

POLY_DEGREE = 3
torch.manual_seed(0)
W_target = torch.randn(POLY_DEGREE, 1) * 2
b_target = torch.randn(1) * 2


def make_features(x):
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    return x.mm(W_target) + b_target.item()


def get_batch(batch_size=32):
    random = torch.randn(batch_size)
    x = make_features(random)
    return x, f(x)


fc = torch.nn.Linear(W_target.size(0), 1)
lr = 0.02
for batch_idx in range(1, 3001):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    if batch_idx % 2:
        with torch.no_grad():
            for param in fc.parameters():
                param -= lr * param.grad
    else:
        for param in fc.parameters():
            param.data.add_(-lr * param.grad)
    if loss < 1e-3:
        break
print("Loss: {:.6f} after {} batches".format(loss, batch_idx))
print("learned", [round(w, 2) for w in fc.weight.view(-1).tolist()], round(fc.bias.item(), 2))
print("actual ", [round(w, 2) for w in W_target.view(-1).tolist()], round(b_target.item(), 2))
