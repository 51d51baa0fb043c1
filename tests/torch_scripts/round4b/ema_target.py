"""An exponential moving average of the weights and a target network, written by hand:
ema = copy.deepcopy(model) with requires_grad_(False), updated under torch.no_grad() with
ema_p.mul_(decay).add_(p, alpha=1 - decay) and a warm-up decay min(decay, (1 + n) / (10 + n)),
buffers copied with copy_; a DQN-style target network refreshed with load_state_dict every
few steps and a Polyak soft update with lerp_; torch._foreach_mul_/_foreach_add_ for the
fused form; evaluation of the EMA weights."""
import copy
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.bn = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.bn(self.fc1(x))))


rng = np.random.default_rng(4)
X = torch.from_numpy(rng.normal(size=(64, 6)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 3, size=64))
model = Net()
init_weights(model)
ema = copy.deepcopy(model)
ema.requires_grad_(False)
ema.eval()
print("LOSS ema_copy", sum(p.requires_grad for p in ema.parameters()),
      sum(p.requires_grad for p in model.parameters()), ema.fc1.weight is model.fc1.weight,
      ema.training, model.training)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


@torch.no_grad()
def ema_update(ema, model, decay, num_updates):
    decay = min(decay, (1 + num_updates) / (10 + num_updates))
    for ema_p, p in zip(ema.parameters(), model.parameters()):
        ema_p.mul_(decay).add_(p.detach(), alpha=1 - decay)
    for ema_b, b in zip(ema.buffers(), model.buffers()):
        ema_b.copy_(b)
    return decay


for step in range(12):
    i = step % 4
    loss = F.cross_entropy(model(X[i * 16:(i + 1) * 16]), Y[i * 16:(i + 1) * 16])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    d = ema_update(ema, model, 0.99, step)
    with torch.no_grad():
        ema_loss = F.cross_entropy(ema(X), Y).item()
    print(f"LOSS ema{step} {loss.item():.6f} {ema_loss:.6f} {d:.6f} "
          f"{ema.fc1.weight.sum().item():.6f} {ema.bn.num_batches_tracked.item()}")

# a target network: hard refresh and soft (Polyak) update
policy = Net()
init_weights(policy)
target = copy.deepcopy(policy)
target.load_state_dict(policy.state_dict())
target.eval()
policy.eval()
opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
gamma, tau = 0.9, 0.05
for step in range(10):
    i = step % 4
    s, s2 = X[i * 16:(i + 1) * 16], X[(i * 16 + 5) % 48:(i * 16 + 5) % 48 + 16]
    a = Y[i * 16:(i + 1) * 16]
    r = s[:, 0]
    q = policy(s).gather(1, a.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        q_next = target(s2).max(1).values
    loss = F.smooth_l1_loss(q, r + gamma * q_next)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 4 == 3:
        target.load_state_dict(policy.state_dict())
    else:
        with torch.no_grad():
            for tp, pp in zip(target.parameters(), policy.parameters()):
                tp.lerp_(pp, tau)
    gap = sum((tp - pp).abs().sum() for tp, pp in zip(target.parameters(), policy.parameters()))
    print(f"LOSS target{step} {loss.item():.6f} {gap.item():.6f}")

# the fused form with the _foreach_ functions
ema_params = [p.detach().clone() for p in policy.parameters()]
for step in range(5):
    i = step % 4
    loss = F.cross_entropy(policy(X[i * 16:(i + 1) * 16]), Y[i * 16:(i + 1) * 16])
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        torch._foreach_mul_(ema_params, 0.8)
        torch._foreach_add_(ema_params, [p.detach() for p in policy.parameters()], alpha=0.2)
    print(f"LOSS foreach{step} {loss.item():.6f} {sum(e.sum() for e in ema_params).item():.6f}")
