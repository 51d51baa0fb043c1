"""Saving and loading a general checkpoint (the tutorial's recipe): a dict with the epoch,
the model's and the optimizer's state_dict and the loss, torch.save to a file, a fresh model
and optimizer (Adam with amsgrad, SGD with momentum and nesterov) built and loaded from it
with weights_only=True, training resumed; a scheduler's state_dict too; the resumed losses
equal an uninterrupted run's."""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 16)
        self.bn = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)
X = torch.from_numpy(rng.normal(size=(40, 5)).astype(np.float32))
Y = torch.from_numpy(rng.normal(size=(40, 1)).astype(np.float32))


def make(kind):
    model = Net()
    init_weights(model)
    if kind == "adam":
        opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True, weight_decay=1e-3)
    else:
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    return model, opt, sched


def train(model, opt, sched, epochs, tag, start=0):
    model.train()
    for epoch in range(start, start + epochs):
        for i in range(0, 40, 10):
            loss = nn.functional.mse_loss(model(X[i:i + 10]), Y[i:i + 10])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        print(f"LOSS {tag}{epoch} {loss.item():.7f} {opt.param_groups[0]['lr']:.6g}")
    return loss


with tempfile.TemporaryDirectory() as tmp:
    for kind in ("adam", "sgd"):
        model, opt, sched = make(kind)
        loss = train(model, opt, sched, 2, f"{kind}_first")
        path = os.path.join(tmp, f"{kind}.pt")
        torch.save({
            "epoch": 2,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict(),
            "scheduler_state_dict": sched.state_dict(),
            "loss": loss,
        }, path)
        model2, opt2, sched2 = make(kind)
        checkpoint = torch.load(path, weights_only=True)
        model2.load_state_dict(checkpoint["model_state_dict"])
        opt2.load_state_dict(checkpoint["optimizer_state_dict"])
        sched2.load_state_dict(checkpoint["scheduler_state_dict"])
        epoch = checkpoint["epoch"]
        print(f"LOSS {kind}_saved_loss {float(checkpoint['loss']):.7f} {epoch}")
        train(model2, opt2, sched2, 2, f"{kind}_resumed", start=epoch)
        train(model, opt, sched, 2, f"{kind}_continued", start=2)
        model2.eval()
        model.eval()
        with torch.no_grad():
            diff = (model(X) - model2(X)).abs().max().item()
        print(f"LOSS {kind}_diff {diff:.3g} {model2.bn.num_batches_tracked.item()}")
    torch.save([model.fc1.weight, {"b": model.fc1.bias}], os.path.join(tmp, "t.pt"))
    back = torch.load(os.path.join(tmp, "t.pt"), weights_only=True)
    print(f"LOSS list_roundtrip {back[0].sum().item():.6f} {back[1]['b'].sum().item():.6f}")
