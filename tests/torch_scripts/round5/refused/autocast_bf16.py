"""Mixed precision on the CPU as the performance guides write it: the forward pass under
torch.autocast("cpu", dtype=torch.bfloat16), the loss in float32. glassnet computes in
float32/float64 only (no bfloat16 dtype): it must refuse with a NotImplementedError naming
torch.bfloat16 rather than run at another precision (the runner checks that refusal; under
torch the script trains)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.normal(size=(32, 8)).astype(np.float32))
Y = torch.from_numpy(rng.normal(size=(32, 1)).astype(np.float32))
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range(3):
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        out = model(X)
    loss = F.mse_loss(out.float(), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS step{step} {loss.item():.4f} {out.dtype}")
