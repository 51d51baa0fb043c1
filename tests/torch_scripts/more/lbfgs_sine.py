"""Time-sequence prediction as in pytorch/examples: two stacked LSTMCells in double precision
unrolled by hand over sine waves, optim.LBFGS with a closure, then predicting the future by
feeding the output back in (torch.no_grad), with torch.chunk/torch.cat/torch.stack."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class Sequence(nn.Module):
    def __init__(self, hidden=12):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        n = input.size(0)
        h_t = torch.zeros(n, self.hidden, dtype=torch.double)
        c_t = torch.zeros(n, self.hidden, dtype=torch.double)
        h_t2 = torch.zeros(n, self.hidden, dtype=torch.double)
        c_t2 = torch.zeros(n, self.hidden, dtype=torch.double)
        for input_t in input.chunk(input.size(1), dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(2)
torch.manual_seed(0)
T, L, N = 20, 40, 12
x = np.empty((N, L), np.int64)
x[:] = np.array(range(L)) + rng.integers(-4 * T, 4 * T, N).reshape(N, 1)
data = np.sin(x / 1.0 / T).astype("float64")
input = torch.from_numpy(data[3:, :-1])
target = torch.from_numpy(data[3:, 1:])
test_input = torch.from_numpy(data[:3, :-1])
test_target = torch.from_numpy(data[:3, 1:])

seq = Sequence()
seq.double()
init_weights(seq)
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=6)
calls = []
for i in range(5):
    calls.clear()

    def closure():
        optimizer.zero_grad()
        out = seq(input)
        loss = criterion(out, target)
        calls.append(loss.item())
        loss.backward()
        return loss

    final = optimizer.step(closure)
    print(f"LOSS {i} {final.item():.8f}")
    print(f"LOSS calls{i} {len(calls)} last {calls[-1]:.8f}")
    with torch.no_grad():
        future = 10
        pred = seq(test_input, future=future)
        loss = criterion(pred[:, :-future], test_target)
        print(f"LOSS test{i} {loss.item():.8f}")
        y = pred.detach().numpy()
assert y.shape == (3, L - 1 + 10)
state = optimizer.state_dict()
assert {"d", "t", "old_dirs", "old_stps", "ro", "H_diag"} <= set(state["state"][0])
print(f"LOSS n_iter {state['state'][0]['n_iter']}")
