"""Policy-gradient training with torch.distributions, as the RL tutorials write it: a
Categorical policy built from logits (and from probs) and a diagonal Normal policy (Independent
over the action dimensions, a learnt log_std) for continuous actions; log_prob, entropy,
discounted returns normalised by mean/std, REINFORCE with an entropy bonus, PPO's clipped
ratio against the old policy's log-probabilities (detached) and kl_divergence between the old
and the new policy. The actions come from a numpy behaviour stream (sampling differs between
libraries by design), so every number compared is deterministic."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical, Independent, Normal, kl_divergence

# the policy losses are differences of terms of size ~1 that nearly cancel: float64 keeps the
# printed digits clear of float32 rounding
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(141)
S, A, AC = 4, 3, 2


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


class ActorCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(S, 32), nn.Tanh())
        self.logits = nn.Linear(32, A)
        self.mu = nn.Linear(32, AC)
        self.log_std = nn.Parameter(torch.zeros(AC))
        self.value = nn.Linear(32, 1)

    def forward(self, s):
        h = self.body(s)
        cont = Independent(Normal(self.mu(h), self.log_std.exp()), 1)
        return Categorical(logits=self.logits(h)), cont, self.value(h).squeeze(-1)


def returns_of(rewards, gamma=0.95):
    out, g = [], 0.0
    for r in reversed(rewards):
        g = r + gamma * g
        out.insert(0, g)
    out = torch.tensor(out)
    return (out - out.mean()) / (out.std() + 1e-8)


net = ActorCritic()
init_weights(net)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
T = 20
for episode in range(6):
    states = torch.from_numpy(rng.normal(size=(T, S)))
    actions = torch.from_numpy(rng.integers(0, A, size=T))
    cont_actions = torch.from_numpy(rng.normal(size=(T, AC)))
    rewards = (states[:, 0] * (actions == 1).double() - 0.1 * cont_actions.pow(2).sum(1)).tolist()
    ret = returns_of(rewards)
    dist, cont, value = net(states)
    logp = dist.log_prob(actions) + cont.log_prob(cont_actions)
    adv = ret - value.detach()
    if episode < 3:  # REINFORCE with a baseline and an entropy bonus
        loss = -(logp * adv).mean() - 0.01 * dist.entropy().mean() + 0.5 * (ret - value).pow(2).mean()
        tag = "reinforce"
    else:  # PPO: two epochs of clipped updates against the old policy
        old_logp = logp.detach()
        old_dist = Categorical(logits=dist.logits.detach())
        for _ in range(2):
            dist, cont, value = net(states)
            ratio = (dist.log_prob(actions) + cont.log_prob(cont_actions) - old_logp).exp()
            clipped = torch.clamp(ratio, 0.8, 1.2) * adv
            loss = -torch.min(ratio * adv, clipped).mean() + 0.5 * (ret - value).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        kl = kl_divergence(old_dist, net(states)[0]).mean()
        tag = f"ppo {kl.item():.7f}"
    if episode < 3:
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"LOSS ep{episode} {tag} {loss.item():.7f} {logp.sum().item():.5f} "
          f"{cont.entropy().mean().item():.6f}")

with torch.no_grad():
    dist, cont, _ = net(states[:5])
    same = Categorical(probs=dist.probs)
    print("LOSS dists", " ".join(f"{v:.5f}" for v in dist.probs[0].tolist()),
          f"{same.log_prob(actions[:5]).sum().item():.5f}", f"{dist.entropy().sum().item():.5f}")
    print("LOSS normal", tuple(cont.batch_shape), tuple(cont.event_shape),
          f"{cont.mean.sum().item():.5f}", f"{cont.stddev.sum().item():.5f}",
          f"{cont.base_dist.cdf(torch.zeros(5, AC)).sum().item():.5f}")
    base = Normal(torch.zeros(AC), torch.ones(AC))
    print("LOSS kl_normal", f"{kl_divergence(cont.base_dist, base).sum().item():.5f}")
