# ruff: noqa: UP008, UP032  (written the way PyTorch tutorials write it)
"""An MNIST CNN in the style of pytorch/examples' mnist/main.py (Adadelta, StepLR, DataLoader).

Written for glassnet's tests: it runs unchanged under PyTorch (``python mnist_cnn.py``)
and under ``glassnet run mnist_cnn.py``. ``--save-init FILE`` writes the initial weights
and 20 batches of images as safetensors; ``--init FILE`` trains from them, so a torch run
and a glassnet run start from the same weights and see the same batches.
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from safetensors.numpy import load_file, save_file
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import TensorDataset


class Net(nn.Module):
    def __init__(self, dropout):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.fc1 = nn.Linear(2304, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def train(args, model, device, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        if batch_idx >= args.steps:
            break
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if args.print_losses:
            print(f"loss {loss.item():.8e}")
        if batch_idx % args.log_interval == 0:
            print("Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(data), len(loader.dataset),
                100.0 * batch_idx / len(loader), loss.item()))  # fmt: skip
            if args.dry_run:
                break


def test(model, device, loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(loader.dataset)
    print("Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)".format(
        test_loss, correct, len(loader.dataset), 100.0 * correct / len(loader.dataset)))  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description="MNIST CNN")
    parser.add_argument("--data", default="../data")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--test-batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10**9)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--dropout", type=float, default=0.25)
    parser.add_argument("--no-shuffle", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-interval", type=int, default=10)
    parser.add_argument("--init", default=None)
    parser.add_argument("--save-init", default=None)
    parser.add_argument("--print-losses", action="store_true")
    parser.add_argument("--save-model", default=None)
    args = parser.parse_args()

    use_cuda = torch.cuda.is_available()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if use_cuda else "cpu")

    if args.init:  # the comparison runs: images and weights from one safetensors file
        saved = load_file(args.init)
        images, labels = torch.tensor(saved.pop("data.x")), torch.tensor(saved.pop("data.y"))
        train_set = test_set = TensorDataset(images, labels)
    else:
        from torchvision import datasets, transforms

        transform = transforms.Compose(
            [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]
        )
        train_set = datasets.MNIST(args.data, train=True, download=False, transform=transform)
        test_set = datasets.MNIST(args.data, train=False, transform=transform)
    kwargs = {"num_workers": 1, "pin_memory": True} if use_cuda else {}
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=args.batch_size, shuffle=not args.no_shuffle, **kwargs
    )
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=args.test_batch_size, **kwargs)

    model = Net(args.dropout)
    if args.save_init:
        state = {k: np.asarray(v) for k, v in model.state_dict().items()}
        x, y = next(iter(torch.utils.data.DataLoader(train_set, batch_size=args.batch_size * 20)))
        state.update({"data.x": np.asarray(x), "data.y": np.asarray(y)})
        save_file(state, args.save_init)
        return
    if args.init:
        model.load_state_dict({k: torch.tensor(v) for k, v in saved.items()})
    model = model.to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()
    if args.save_model:
        torch.save(model.state_dict(), args.save_model)


if __name__ == "__main__":
    main()
