"""Dtype conversions without half precision, as people move a model and its data to float64
for a gradient check or a numerically delicate fit: model.double(), .to(torch.float64),
.type(torch.DoubleTensor), .type(torch.float64), x.type() strings, .float() back, dtype
checks of parameters and of the optimizer's state after conversion, integer tensors kept
integer, torch.set_default_dtype(torch.float64) for new tensors and layers and back."""
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


rng = np.random.default_rng(614)
Xf = torch.from_numpy(rng.normal(size=(30, 3)).astype(np.float32))
Yf = torch.from_numpy(rng.normal(size=(30, 1)).astype(np.float32))
idx = torch.from_numpy(rng.integers(0, 30, size=10))

model = nn.Sequential(nn.Linear(3, 12), nn.Tanh(), nn.Linear(12, 1))
init_weights(model)
print("LOSS types", Xf.type(), Xf.double().type(), idx.type(), idx.double().type(), idx.float().dtype == torch.float32)
Xd = Xf.type(torch.DoubleTensor)
Yd = Yf.to(torch.float64)
m64 = model.double()
print("LOSS converted", m64 is model, model[0].weight.dtype == torch.float64, Xd.dtype == torch.float64,
      Yd.dtype == torch.float64, Xf.type(torch.float64).dtype == torch.float64, idx.to(torch.float64).sum().item(),
      idx.to(dtype=torch.long).dtype == torch.int64)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(8):
    loss = F.mse_loss(model(Xd), Yd)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 2 == 0:
        print(f"LOSS step{step} {loss.item():.9f} {str(loss.dtype).split('.')[-1]}")
state = opt.state_dict()["state"][0]
print("LOSS opt_state", str(state["exp_avg"].dtype).split(".")[-1], model[0].weight.grad.dtype == torch.float64)
model.float()
with torch.no_grad():
    out32 = model(Xf)
    out64 = model.to(torch.float64)(Xd)
print("LOSS back", out32.dtype == torch.float32, f"{(out32.double() - out64).abs().max().item() < 1e-5}",
      f"{out64.sum().item():.6f}", model[2].bias.dtype == torch.float64)
torch.set_default_dtype(torch.float64)
fresh = nn.Linear(2, 2)
t = torch.tensor([1.5, 2.0])
z = torch.zeros(2)
torch.set_default_dtype(torch.float32)
print("LOSS default", fresh.weight.dtype == torch.float64, t.dtype == torch.float64, z.dtype == torch.float64,
      torch.tensor([1.0]).dtype == torch.float32, torch.get_default_dtype() == torch.float32)
mixed = Xf.double() + torch.ones(1, dtype=torch.float32)
print("LOSS promote", mixed.dtype == torch.float64, (idx + 0.5).dtype == torch.float32,
      torch.result_type(idx, Xd) == torch.float64, (idx * 2).dtype == torch.int64)
