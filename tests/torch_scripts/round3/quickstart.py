"""The Quickstart / "Build the model" / "Optimization" tutorials on made-up 28x28 images: a
Dataset with a transform and the tutorial's target transform
(torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)), NeuralNetwork
with nn.Flatten and nn.Sequential, nn.Softmax(dim=1)(logits).argmax(1), train_loop /
test_loop with model.train()/model.eval(), (pred.argmax(1) == y).type(torch.float).sum(),
and BCEWithLogitsLoss against the one-hot targets."""
# ruff: noqa: B007  (the tutorial's own style, kept as written)
import os

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(0)
IMAGES = rng.integers(0, 256, size=(48, 28, 28)).astype(np.uint8)
LABELS = (IMAGES[:, :14].mean((1, 2)) > IMAGES[:, 14:].mean((1, 2))).astype(np.int64) * 3 + (
    IMAGES[:, :, :14].mean((1, 2)) > 127).astype(np.int64)


class ToFloatTensor:
    def __call__(self, image):
        return torch.from_numpy(image.astype(np.float32) / 255.0).unsqueeze(0)


class OneHot:
    def __call__(self, y):
        return torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)


class FakeFashion(Dataset):
    def __init__(self, lo, hi, transform=None, target_transform=None):
        self.lo, self.hi = lo, hi
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return self.hi - self.lo

    def __getitem__(self, idx):
        image, label = IMAGES[self.lo + idx], int(LABELS[self.lo + idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
training_data = FakeFashion(0, 32, transform=ToFloatTensor())
test_data = FakeFashion(32, 48, transform=ToFloatTensor())
onehot_data = FakeFashion(0, 32, transform=ToFloatTensor(), target_transform=OneHot())
train_dataloader = DataLoader(training_data, batch_size=8)
test_dataloader = DataLoader(test_data, batch_size=8)
X, y = next(iter(test_dataloader))
print("SHAPES", tuple(X.shape), X.dtype == torch.float32, tuple(y.shape), y.dtype == torch.int64)
model = NeuralNetwork().to(device)
init_weights(model)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print("LOSS predict", pred_probab.sum().item(), y_pred.tolist())
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train_loop(dataloader, model, loss_fn, optimizer):
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return loss.item()


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    return test_loss, correct


for t in range(4):
    last = train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loss, correct = test_loop(test_dataloader, model, loss_fn)
    print(f"LOSS {t} {last:.6f} {test_loss:.6f} {100 * correct:.2f}")

bce = nn.BCEWithLogitsLoss()
for t in range(3):
    total = 0.0
    for X, y in DataLoader(onehot_data, batch_size=8):
        loss = bce(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"LOSS onehot{t} {total:.6f}", tuple(y.shape), y.sum().item())
for name, param in list(model.named_parameters())[:2]:
    print(f"LOSS param_{name} {param[:2].sum().item():.6f}", tuple(param.size()))
