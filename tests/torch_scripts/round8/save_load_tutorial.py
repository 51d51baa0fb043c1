"""The "Save and Load the Model" tutorial plus the checkpoint code of typical notebooks, printed
whole: print(model.state_dict().keys()) (odict_keys), each tensor's size from the state dict,
print(optimizer.state_dict()) keys and param_groups, torch.save/torch.load of the weights and
of a whole checkpoint dict, load_state_dict's "<All keys matched successfully>", model.eval()
printing the module, and the same predictions before and after the round trip."""
import os
import tempfile

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


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(4 * 3 * 3, 16)
        self.drop = nn.Dropout(0.0)  # no random draws: both runs must print the same
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn(self.conv1(x))))
        x = torch.flatten(x, 1)
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


rng = np.random.default_rng(81)
X = torch.from_numpy(rng.normal(size=(12, 1, 8, 8)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 3, size=12))

model = Net()
init_weights(model)
print(model.state_dict().keys())
for param_tensor in model.state_dict():
    print(param_tensor, "\t", model.state_dict()[param_tensor].size())

optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.5f}")

print(optimizer.state_dict().keys())
print({k: optimizer.state_dict()["param_groups"][0][k] for k in ("lr", "betas", "eps", "amsgrad", "params")})
print(sorted(optimizer.state_dict()["state"][0].keys()))
print(model.bn.running_mean)
print(model.bn.num_batches_tracked)

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "model_weights.pth")
    torch.save(model.state_dict(), path)
    model2 = Net()
    print(model2.load_state_dict(torch.load(path, weights_only=True)))
    print(model2.eval())
    model.eval()
    with torch.no_grad():
        print(torch.equal(model(X), model2(X)))
        print(model2(X[:2]))

    ckpt = os.path.join(folder, "checkpoint.tar")
    torch.save({"epoch": 3, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": loss.item()}, ckpt)
    checkpoint = torch.load(ckpt, weights_only=True)
    print(sorted(checkpoint.keys()))
    print(checkpoint["epoch"], f"{checkpoint['loss']:.5f}")
    optimizer2 = torch.optim.Adam(model2.parameters(), lr=0.5)
    optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
    print(optimizer2)
    print(optimizer2.param_groups[0]["lr"], len(optimizer2.state_dict()["state"]))
print(model.training, model2.training, model2.fc1.training)
model2.train()
print(model2.drop.training)
