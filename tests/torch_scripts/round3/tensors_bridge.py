"""The Tensors tutorial: the NumPy bridge shares memory both ways, in-place ops, torch.cat,
``@``, ``.T``, ``item()``, then a least-squares fit written with those pieces."""
import numpy as np
import torch

# NumPy bridge: a CPU tensor and its NumPy array share memory
t = torch.ones(5)
n = t.numpy()
t.add_(1)
print("LOSS bridge_t2n", float(n.sum()))  # 10.0: n sees t's change
n2 = np.ones(5)
t2 = torch.from_numpy(n2)
np.add(n2, 1, out=n2)
print("LOSS bridge_n2t", t2.sum().item())  # 10.0: t2 sees n2's change
n2[0] = 7.0
print("LOSS bridge_n2t_index", t2[0].item())
t2.mul_(2)
print("LOSS bridge_mul", float(n2[0]))
assert t2.dtype == torch.float64

# in-place ops, cat, matmul, transpose, item
data = [[1.0, 2.0], [3.0, 4.0]]
x_data = torch.tensor(data)
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data)
assert x_rand.shape == x_data.shape
shape = (2, 3)
zeros = torch.zeros(shape)
tensor = torch.ones(4, 4)
tensor[:, 1] = 0
print("LOSS first_row", tensor[0].sum().item())
print("LOSS last_col", tensor[..., -1].sum().item())
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print("LOSS cat", t1.sum().item(), tuple(t1.shape))
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print("LOSS matmul", y1.sum().item(), float((y1 - y2).abs().max()), float((y1 - y3).abs().max()))
z1 = tensor * tensor
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print("LOSS mul_out", z3.sum().item(), z1.sum().item())
agg = tensor.sum()
agg_item = agg.item()
assert isinstance(agg_item, float)
tensor.add_(5)
print("LOSS add_", agg_item, tensor.sum().item())
u = torch.ones(3)
un = u.numpy()
u.copy_(torch.tensor([1.0, 2.0, 3.0]))
print("LOSS copy_", float(un.sum()))
u.zero_()
print("LOSS zero_", float(un.sum()))
u.fill_(0.5)
u.clamp_(max=0.25)
print("LOSS clamp_", float(un.sum()))

# a tiny least-squares fit with these pieces
rng = np.random.default_rng(0)
A = torch.from_numpy(rng.normal(size=(40, 3)).astype(np.float32))
w_true = torch.tensor([[1.5], [-2.0], [0.5]])
b = A @ w_true + 0.01 * torch.from_numpy(rng.normal(size=(40, 1)).astype(np.float32))
Ab = torch.cat([A, torch.ones(40, 1)], dim=1)
w = torch.zeros(4, 1)
for step in range(8):
    r = Ab @ w - b
    g = Ab.T @ r / 40
    w -= 0.3 * g
    print(f"LOSS {step} {(r ** 2).mean().item():.8f}")
wn = w.numpy()
w += 1
print("LOSS shared_w", float(wn.sum()), w.sum().item())
