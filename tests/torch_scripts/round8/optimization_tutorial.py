"""The "Optimizing Model Parameters" tutorial on a small synthetic FashionMNIST stand-in,
printed whole: print(optimizer) for SGD, the train_loop's "loss: ... [current/size]" lines,
the test_loop's "Test Error: Accuracy: ..%, Avg loss: ..." lines, epochs separated by dashes,
print(scheduler.get_last_lr()) after each epoch, and "Done!"."""
import os

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8 * 8, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 10),
        )

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


rng = np.random.default_rng(8)
centres = rng.normal(size=(10, 8, 8)).astype(np.float32)
labels = rng.integers(0, 10, size=320)
images = centres[labels] + 0.8 * rng.normal(size=(320, 8, 8)).astype(np.float32)
training_data = TensorDataset(torch.from_numpy(images[:256]), torch.from_numpy(labels[:256]))
test_data = TensorDataset(torch.from_numpy(images[256:]), torch.from_numpy(labels[256:]))
print(len(training_data), len(test_data))

learning_rate = 1e-2
batch_size = 32
epochs = 4
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
print(len(train_dataloader), len(test_dataloader))

model = NeuralNetwork()
init_weights(model)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
print(optimizer)
print(scheduler.get_last_lr())


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 3 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


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
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
    scheduler.step()
    print(scheduler.get_last_lr(), optimizer.param_groups[0]["lr"])
print("Done!")
print(optimizer.state_dict()["param_groups"][0]["momentum"], len(optimizer.state))
