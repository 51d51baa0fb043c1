"""The DQN tutorial's learning step on a made-up environment: a ReplayMemory of namedtuple
Transitions (a deque, random.sample with Python's seeded random), batches built with
torch.cat, a non-final mask from map(lambda ...), policy_net(...).gather(1, action_batch),
target_net(...).max(1).values under no_grad, SmoothL1Loss, clip_grad_value_, AdamW with
amsgrad, and the soft update of the target net through state_dict()."""
# ruff: noqa: B007, UP004, UP008  (the tutorial's own style, kept as written)
import math
import os
import random
from collections import deque, namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))


class ReplayMemory(object):
    def __init__(self, capacity):
        self.memory = deque([], maxlen=capacity)

    def push(self, *args):
        self.memory.append(Transition(*args))

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


class DQN(nn.Module):
    def __init__(self, n_observations, n_actions):
        super(DQN, self).__init__()
        self.layer1 = nn.Linear(n_observations, 32)
        self.layer2 = nn.Linear(32, 32)
        self.layer3 = nn.Linear(32, n_actions)

    def forward(self, x):
        x = nn.functional.relu(self.layer1(x))
        x = nn.functional.relu(self.layer2(x))
        return self.layer3(x)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


BATCH_SIZE, GAMMA, EPS_START, EPS_END, EPS_DECAY, TAU, LR = 16, 0.99, 0.9, 0.05, 100, 0.005, 1e-3
device = torch.device("cpu")
n_actions, n_observations = 2, 4
policy_net = DQN(n_observations, n_actions).to(device)
init_weights(policy_net)
target_net = DQN(n_observations, n_actions).to(device)
target_net.load_state_dict(policy_net.state_dict())
optimizer = optim.AdamW(policy_net.parameters(), lr=LR, amsgrad=True)
memory = ReplayMemory(200)
steps_done = 0
random.seed(0)


def select_action(state):
    global steps_done
    sample = random.random()
    eps_threshold = EPS_END + (EPS_START - EPS_END) * math.exp(-1.0 * steps_done / EPS_DECAY)
    steps_done += 1
    if sample > eps_threshold:
        with torch.no_grad():
            return policy_net(state).max(1).indices.view(1, 1)
    return torch.tensor([[random.randrange(n_actions)]], device=device, dtype=torch.long)


def env_step(obs, action):
    """A made-up deterministic environment: the state drifts with the action."""
    nxt = 0.9 * obs + (0.1 if action == 1 else -0.1) * np.array([1.0, -0.5, 0.25, 0.0])
    reward = 1.0 - abs(nxt[0])
    terminated = abs(nxt[0]) > 0.9
    return nxt.astype(np.float32), reward, terminated


def optimize_model():
    if len(memory) < BATCH_SIZE:
        return None
    transitions = memory.sample(BATCH_SIZE)
    batch = Transition(*zip(*transitions))
    non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)),
                                  device=device, dtype=torch.bool)
    non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
    state_batch = torch.cat(batch.state)
    action_batch = torch.cat(batch.action)
    reward_batch = torch.cat(batch.reward)
    state_action_values = policy_net(state_batch).gather(1, action_batch)
    next_state_values = torch.zeros(BATCH_SIZE, device=device)
    with torch.no_grad():
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
    expected_state_action_values = (next_state_values * GAMMA) + reward_batch
    criterion = nn.SmoothL1Loss()
    loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
    optimizer.step()
    return loss.item()


obs_rng = np.random.default_rng(0)
for i_episode in range(6):
    obs = obs_rng.uniform(-0.5, 0.5, 4).astype(np.float32)
    state = torch.tensor(obs, dtype=torch.float32, device=device).unsqueeze(0)
    losses = []
    for t in range(30):
        action = select_action(state)
        obs, reward, terminated = env_step(obs, action.item())
        reward = torch.tensor([reward], device=device)
        next_state = None if terminated else torch.tensor(obs, dtype=torch.float32, device=device).unsqueeze(0)
        memory.push(state, action, next_state, reward)
        state = next_state
        loss = optimize_model()
        if loss is not None:
            losses.append(loss)
        target_net_state_dict = target_net.state_dict()
        policy_net_state_dict = policy_net.state_dict()
        for key in policy_net_state_dict:
            target_net_state_dict[key] = policy_net_state_dict[key] * TAU + target_net_state_dict[key] * (1 - TAU)
        target_net.load_state_dict(target_net_state_dict)
        if terminated:
            break
    print(f"LOSS {i_episode} {np.mean(losses) if losses else 0.0:.6f} {t}")
with torch.no_grad():
    probe = torch.tensor([[0.1, -0.2, 0.3, 0.0]])
    print("LOSS q", policy_net(probe).sum().item(), target_net(probe).sum().item())
