"""Time-series forecasting as tutorials write it: a noisy seasonal series cut into sliding
windows with Tensor.unfold, a GRU encoder over the input window, a GRUCell decoder that rolls
out several steps, fed the true previous value during training (teacher forcing) and its own
prediction at evaluation, trained with MSE; per-horizon errors at the end."""
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


rng = np.random.default_rng(604)
t = np.arange(260)
series = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 7) + rng.normal(scale=0.1, size=t.size)
series = torch.from_numpy(series.astype(np.float32))
IN, OUT = 24, 6
windows = series.unfold(0, IN + OUT, 3)  # (num_windows, IN + OUT)
x, y = windows[:, :IN].unsqueeze(-1), windows[:, IN:]
n_train = 60


class Seq2SeqForecaster(nn.Module):
    def __init__(self, hidden=24):
        super().__init__()
        self.encoder = nn.GRU(1, hidden, batch_first=True)
        self.decoder = nn.GRUCell(1, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, src, horizon, target=None):
        _, h = self.encoder(src)
        h = h[0]
        step_in = src[:, -1]
        outs = []
        for k in range(horizon):
            h = self.decoder(step_in, h)
            pred = self.head(h)
            outs.append(pred)
            step_in = target[:, k:k + 1] if target is not None else pred
        return torch.cat(outs, dim=1)


model = Seq2SeqForecaster()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(6):
    for i in range(0, n_train, 20):
        pred = model(x[i:i + 20], OUT, target=y[i:i + 20])
        loss = F.mse_loss(pred, y[i:i + 20])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        free = model(x[n_train:], OUT)
    print(f"LOSS epoch{epoch} {loss.item():.5f} {F.mse_loss(free, y[n_train:]).item():.5f}")
print("LOSS windows", tuple(windows.shape), torch.equal(windows[1, :3], series[3:6]))
with torch.no_grad():
    err = (model(x[n_train:], OUT) - y[n_train:]).pow(2).mean(0)
print("LOSS horizon", " ".join(f"{v:.5f}" for v in err.tolist()))
