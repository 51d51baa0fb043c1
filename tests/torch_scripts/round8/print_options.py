"""How tensors print: torch.set_printoptions (precision, sci_mode, linewidth, threshold,
edgeitems, profile="full"/"short"/"default"), big tensors summarised with "...", 3-D tensors,
integer and bool tensors with their dtype suffixes, float64/float16/int32/uint8 tensors, empty
tensors, scientific notation chosen for wide ranges, whole-number floats ("1."), inf and nan,
0-d tensors and f-string formats of them, and Parameter containing: ... with requires_grad."""
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
    def __init__(self):
        super().__init__()
        self.register_buffer("small", torch.randn(3, 4))
        self.register_buffer("cube", torch.rand(2, 3, 4))
        self.register_buffer("big", torch.randn(40, 50))


d = Draws()
init_weights(d)
print(d.small)
print(d.cube)
print(d.big)
print(d.big[0])
print(torch.arange(2000).reshape(40, 50))
print(torch.arange(1001.))
print(d.small * 1e5)
print(d.small * 1e-6)
print(torch.tensor([1e-8, 1.0, 1e9]))
print(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.5, 100.0]))
print(torch.tensor([float("inf"), -float("inf"), float("nan"), 1.5]))
print(torch.tensor([1, -20, 300]), torch.tensor([True, False, True]))
print(torch.zeros(2, 3, dtype=torch.int32), torch.ones(2, dtype=torch.uint8))
print(torch.ones(2, 2, dtype=torch.float64), torch.full((2,), 0.1, dtype=torch.float16))
print(torch.tensor([]), torch.zeros(0, 3), torch.zeros(2, 0, dtype=torch.int64))
print(torch.tensor(3.5), torch.tensor(7), torch.tensor(True), torch.tensor(2.0, dtype=torch.float64))
s = d.small.sum()
print(f"{s:.3f} {s.item():.3f} {d.small[0, 0]:.2e}")
print(d.small > 0)
print((d.small > 0).int())
print(d.small.long(), d.small.to(torch.int8))

torch.set_printoptions(precision=2)
print(d.small)
torch.set_printoptions(sci_mode=True)
print(d.small)
torch.set_printoptions(precision=6, sci_mode=False)
print(d.small[0])
torch.set_printoptions(linewidth=40)
print(d.small)
torch.set_printoptions(threshold=10, edgeitems=2)
print(d.cube)
print(torch.arange(20))
torch.set_printoptions(profile="short")
print(d.big)
torch.set_printoptions(profile="full")
print(d.big[:3, :12])
torch.set_printoptions(profile="default")
print(d.small)

layer = nn.Linear(3, 2)
with torch.no_grad():
    layer.weight.copy_(d.small[:2, :3])
    layer.bias.zero_()
print(layer.weight)
print(layer.bias)
print(layer.weight.data)
print(list(layer.parameters()))
print(layer.state_dict())
print(d.small.requires_grad_())
print(d.small.detach().numpy().dtype, d.small.tolist()[0][:2] == d.small[0, :2].tolist())
