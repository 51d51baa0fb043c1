"""Actor-critic (as pytorch/examples/reinforcement_learning) on a tiny deterministic corridor:
torch.distributions.Categorical for log_prob and entropy, discounted returns normalised with
std + eps, F.smooth_l1_loss for the critic, torch.stack(...).sum(), saved actions as a
namedtuple. The actions are drawn by inverse CDF from seeded NumPy uniforms, so that torch and
glassnet take the same ones."""
import os
from collections import namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

torch.manual_seed(543)
SavedAction = namedtuple("SavedAction", ["log_prob", "value"])
gamma = 0.9
eps = np.finfo(np.float32).eps.item()
rng = np.random.default_rng(11)


class Corridor:
    """Walk left/right/stay on 7 cells; reward 1 at the right end, -0.1 per step."""

    def __init__(self):
        self.pos = 0

    def reset(self):
        self.pos = 3
        return self.obs()

    def obs(self):
        o = np.zeros(7, dtype=np.float32)
        o[self.pos] = 1.0
        return o

    def step(self, action):
        self.pos = int(np.clip(self.pos + (action - 1), 0, 6))
        done = self.pos == 6
        return self.obs(), (1.0 if done else -0.1), done


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(7, 32)
        self.action_head = nn.Linear(32, 3)
        self.value_head = nn.Linear(32, 1)
        self.saved_actions = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        action_prob = F.softmax(self.action_head(x), dim=-1)
        state_values = self.value_head(x)
        return action_prob, state_values


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


model = Policy()
init_weights(model)
optimizer = optim.Adam(model.parameters(), lr=1e-2)
env = Corridor()


def select_action(state, u):
    state = torch.from_numpy(state).float()
    probs, state_value = model(state)
    m = Categorical(probs)
    cdf = torch.cumsum(probs.detach(), dim=0)
    action = torch.clamp((cdf < u).sum(), max=2)
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    return action.item(), m.entropy()


def finish_episode(entropies):
    R = 0
    saved_actions = model.saved_actions
    policy_losses, value_losses, returns = [], [], []
    for r in model.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for (log_prob, value), R in zip(saved_actions, returns):
        advantage = R - value.item()
        policy_losses.append(-log_prob * advantage)
        value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
    optimizer.zero_grad()
    loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum() - 0.01 * torch.stack(entropies).mean()
    loss.backward()
    optimizer.step()
    del model.rewards[:]
    del model.saved_actions[:]
    return loss.item()


running_reward = 0.0
for i_episode in range(15):
    state, ep_reward, entropies = env.reset(), 0.0, []
    for t in range(1, 12):
        action, ent = select_action(state, rng.random())
        entropies.append(ent)
        state, reward, done = env.step(action)
        model.rewards.append(reward)
        ep_reward += reward
        ep_len = t
        if done:
            break
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
    loss = finish_episode(entropies)
    print(f"LOSS {i_episode} {loss:.6f}")
    print(f"LOSS len{i_episode} {ep_len}")
print(f"LOSS running {running_reward:.6f}")
