"""FGSM adversarial examples: data.requires_grad = True, the input's gradient sign,
torch.clamp, accuracy under several epsilons, and the denormalize step of the tutorial."""
# ruff: noqa: B006, B007  (the tutorial's own style, kept as written)
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 5 * 5, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


def fgsm_attack(image, epsilon, data_grad):
    sign_data_grad = data_grad.sign()
    perturbed_image = image + epsilon * sign_data_grad
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    return perturbed_image


def denorm(batch, mean=[0.1307], std=[0.3081]):
    if isinstance(mean, list):
        mean = torch.tensor(mean)
    if isinstance(std, list):
        std = torch.tensor(std)
    return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


rng = np.random.default_rng(0)
images = rng.random((40, 1, 14, 14)).astype(np.float32)
labels = (images[:, 0, :7].mean((1, 2)) * 30).astype(np.int64) % 10
X = (torch.from_numpy(images) - 0.1307) / 0.3081
Y = torch.from_numpy(labels)
model = Net()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
model.eval()  # dropout off, so both frameworks train the same network
for step in range(10):
    loss = F.nll_loss(model(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"LOSS train {loss.item():.6f}")


def test(model, epsilon):
    correct = 0
    total_change = 0.0
    for i in range(0, 40, 10):
        data, target = X[i:i + 10].clone(), Y[i:i + 10]
        data.requires_grad = True
        output = model(data)
        init_pred = output.max(1, keepdim=True)[1]
        loss = F.nll_loss(output, target)
        model.zero_grad()
        loss.backward()
        data_grad = data.grad.data
        data_denorm = denorm(data)
        perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)
        perturbed_data_normalized = (perturbed_data - 0.1307) / 0.3081
        output = model(perturbed_data_normalized)
        final_pred = output.max(1, keepdim=True)[1]
        correct += (final_pred.squeeze(1) == target).sum().item()
        total_change += (final_pred != init_pred).sum().item()
        last = (output.detach(), data_grad, perturbed_data.detach())
    return correct / 40, total_change, last


for eps in [0, 0.05, 0.1, 0.3]:
    acc, changed, (out, grad, pert) = test(model, eps)
    print(f"LOSS eps{eps} {acc:.4f} {changed} {out.sum().item():.5f} "
          f"{grad.abs().sum().item():.6e} {pert.sum().item():.4f}")
