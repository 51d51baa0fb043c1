"""An LSTM sequence classifier in the style of the well-known tutorials.

Task: is the running sum of a noisy sequence positive at the end? Synthetic data from
``torch.randn``, so the script needs no files. ``--init`` / ``--save-init`` as in mnist_cnn.py.
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
from safetensors.numpy import load_file, save_file
from torch.utils.data import DataLoader, TensorDataset


class LSTMClassifier(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


def make_data(n, steps, features):
    x = torch.randn(n, steps, features)
    y = (x.sum(dim=(1, 2)) > 0).long()
    return x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10**9)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--no-shuffle", action="store_true")
    parser.add_argument("--init", default=None)
    parser.add_argument("--save-init", default=None)
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--print-losses", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(args.data_seed)
    x, y = make_data(256, 8, 3)
    if args.init:  # data the same under any framework: read it from the init file too
        saved = load_file(args.init)
        x, y = torch.tensor(saved.pop("data.x")), torch.tensor(saved.pop("data.y"))
    train_loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=not args.no_shuffle)
    model = LSTMClassifier(3, 16, 2, 2)
    if args.save_init:
        state = {k: np.asarray(v) for k, v in model.state_dict().items()}
        state.update({"data.x": np.asarray(x), "data.y": np.asarray(y)})
        save_file(state, args.save_init)
        return
    if args.init:
        model.load_state_dict({k: torch.tensor(v) for k, v in saved.items()})
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    step = 0
    for epoch in range(args.epochs):
        for seqs, labels in train_loader:
            if step >= args.steps:
                break
            outputs = model(seqs)
            loss = criterion(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            step += 1
            if args.print_losses:
                print(f"loss {loss.item():.8e}")
        print(f"Epoch [{epoch + 1}/{args.epochs}], Loss: {loss.item():.4f}")
    with torch.no_grad():
        _, predicted = torch.max(model(x), 1)
        correct = (predicted == y).sum().item()
    print(f"Accuracy: {100 * correct / y.size(0):.1f}%")


if __name__ == "__main__":
    main()
