"""The "Tensors" tutorial of Learn the Basics, printed line for line: tensors from data, NumPy
arrays and other tensors (ones_like, rand_like replaced by values drawn once and shared through
the saved weights), shape/dtype/device attributes, indexing and slicing, torch.cat and stack,
matrix and element-wise products, single-element tensors, in-place operations, and the bridge
to NumPy in both directions (a change in one shows in the other)."""
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


class Draws(nn.Module):
    """The tutorial's torch.rand calls, drawn once under torch and replayed from the saved file."""

    def __init__(self):
        super().__init__()
        self.register_buffer("rand_like", torch.rand(2, 2))
        self.register_buffer("rand", torch.rand(2, 3))
        self.register_buffer("tensor", torch.rand(3, 4))
        self.register_buffer("mat", torch.rand(4, 4))


draws = Draws()
init_weights(draws)

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_np)

x_ones = torch.ones_like(x_data)  # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = draws.rand_like  # torch.rand_like(x_data, dtype=torch.float)
print(f"Random Tensor: \n {x_rand} \n")

shape = (2, 3,)
rand_tensor = draws.rand
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Random Tensor: \n {rand_tensor} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

tensor = draws.tensor
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
print(f"Datatype of x_data: {x_data.dtype}")

if torch.cuda.is_available():
    tensor = tensor.to("cuda")

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
print(torch.stack([x_data, x_ones]).shape)
print(torch.cat([x_data, x_ones], dim=0))

# matrix multiplication: y1, y2, y3 have the same value
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1)
print(torch.equal(y1, y2), torch.equal(y1, y3))

# element-wise product: z1, z2, z3 have the same value
z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z1)
print(torch.equal(z1, z3))

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
print(agg)

print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

m = draws.mat
print(m @ m.T)
print(m.T)
print(m.mean(), m.std(), m.max(), m.argmax())
print(m.sum(dim=0), m.sum(dim=1, keepdim=True))

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
print(t.dtype, torch.tensor(n).dtype, torch.as_tensor(n, dtype=torch.float32).dtype)
