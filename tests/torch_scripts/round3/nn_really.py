"""What is torch.nn really?: logistic regression on 28x28 images with hand-made weights
(requires_grad_(), a manual no_grad step), then refactored step by step into nn.Module,
nn.Linear, optim, TensorDataset, DataLoader, and a CNN with xb.view(-1, 1, 28, 28), a Lambda
module and nn.AdaptiveAvgPool2d."""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
n, n_valid = 96, 32
x_all = rng.random((n + n_valid, 784)).astype(np.float32)
y_all = (x_all[:, :392].mean(1) * 10 + x_all[:, ::7].sum(1)).astype(np.int64) % 10
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (x_all[:n], y_all[:n], x_all[n:], y_all[n:])
)
assert x_train.shape == (n, 784) and y_train.dtype == torch.int64
bs = 32
lr = 0.5
epochs = 2


def init_weights(model, tag):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    path = f"{path}.{tag}.npz"
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


# from scratch
weights = torch.from_numpy(rng.normal(size=(784, 10)).astype(np.float32)) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


loss_func = nll
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
    print(f"LOSS scratch{epoch} {loss_func(model(x_valid), y_valid).item():.6f} "
          f"{accuracy(model(x_valid), y_valid).item():.4f}")
print(f"LOSS cross_entropy {F.cross_entropy(x_valid @ weights + bias, y_valid).item():.6f}")


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


def get_model():
    model = Mnist_Logistic()
    init_weights(model, "logistic")
    return model, optim.SGD(model.parameters(), lr=lr)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=False),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


def fit(epochs, model, loss_func, opt, train_dl, valid_dl, tag):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print(f"LOSS {tag}{epoch} {val_loss:.6f}")


train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl, "logistic")


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 8, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(8, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))


model = Mnist_CNN()
init_weights(model, "cnn")
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl, "cnn")

model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(8, 8, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(8, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
init_weights(model, "seq")
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl, "seq")


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield self.func(*b)


dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
train_dl2 = WrappedDataLoader(train_dl, lambda x, y: (x.view(-1, 1, 28, 28).to(dev), y.to(dev)))
valid_dl2 = WrappedDataLoader(valid_dl, lambda x, y: (x.view(-1, 1, 28, 28).to(dev), y.to(dev)))
model = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(8, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d((2, 3)),
    nn.Flatten(),
    nn.Linear(60, 10),
)
init_weights(model, "wrapped")
model.to(dev)
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
fit(epochs, model, F.cross_entropy, opt, train_dl2, valid_dl2, "wrapped")
