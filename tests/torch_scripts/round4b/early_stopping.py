"""Early stopping and checkpoints as the training-loop templates write them: an EarlyStopping
class (patience, min_delta) on the validation loss that torch.save's the best
{"epoch", "model_state_dict", "optimizer_state_dict", "scheduler_state_dict", "best_val"}
into a temp directory, a last.pt every epoch, ReduceLROnPlateau stepped on the metric; after
stopping the best checkpoint is torch.load'ed into a fresh model (weights_only=True) and
evaluated; training resumed from last.pt into fresh optimizer and scheduler objects follows the
uninterrupted run."""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0, path="checkpoint.pt"):
        self.patience, self.min_delta, self.path = patience, min_delta, path
        self.counter, self.best, self.early_stop = 0, None, False

    def __call__(self, val_loss, checkpoint):
        if self.best is None or val_loss < self.best - self.min_delta:
            self.best = val_loss
            self.counter = 0
            torch.save(checkpoint, self.path)
        else:
            self.counter += 1
            if self.counter >= self.patience:
                self.early_stop = True


rng = np.random.default_rng(14)
X = torch.from_numpy(rng.normal(size=(60, 5)).astype(np.float32))
Y = X[:, :2].sum(1, keepdim=True) + torch.from_numpy(0.3 * rng.normal(size=(60, 1))).float()
Xtr, Ytr, Xva, Yva = X[:20], Y[:20], X[40:], Y[40:]


def make():
    model = nn.Sequential(nn.Linear(5, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 1))
    init_weights(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    return model, optimizer, scheduler


def run_epoch(model, optimizer):
    model.train()
    for i in range(0, 20, 5):
        loss = F.mse_loss(model(Xtr[i:i + 5]), Ytr[i:i + 5])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        return loss.item(), F.mse_loss(model(Xva), Yva).item()


with tempfile.TemporaryDirectory() as tmp:
    model, optimizer, scheduler = make()
    stopper = EarlyStopping(patience=4, min_delta=1e-3, path=os.path.join(tmp, "best.pt"))
    history = []
    for epoch in range(40):
        train_loss, val_loss = run_epoch(model, optimizer)
        scheduler.step(val_loss)
        state = {"epoch": epoch, "model_state_dict": model.state_dict(),
                 "optimizer_state_dict": optimizer.state_dict(),
                 "scheduler_state_dict": scheduler.state_dict(), "best_val": stopper.best,
                 "history": list(history)}
        torch.save(state, os.path.join(tmp, "last.pt"))
        stopper(val_loss, state)
        history.append(val_loss)
        print(f"LOSS epoch{epoch} {train_loss:.6f} {val_loss:.6f} "
              f"{optimizer.param_groups[0]['lr']:.6g} {stopper.counter}")
        if epoch == 5:
            torch.save(state, os.path.join(tmp, "epoch5.pt"))
        if stopper.early_stop:
            print(f"LOSS stopped {epoch}")
            break

    best = torch.load(os.path.join(tmp, "best.pt"), weights_only=True)
    fresh, _, _ = make()
    fresh.load_state_dict(best["model_state_dict"])
    fresh.eval()
    with torch.no_grad():
        best_val = F.mse_loss(fresh(Xva), Yva).item()
    print(f"LOSS best {best['epoch']} {best_val:.6f} {min(history):.6f} "
          f"{len(best['history'])} {sorted(best.keys())}")

    # resume from the epoch-5 checkpoint and follow the first run
    ckpt = torch.load(os.path.join(tmp, "epoch5.pt"))
    model, optimizer, scheduler = make()
    model.load_state_dict(ckpt["model_state_dict"])
    optimizer.load_state_dict(ckpt["optimizer_state_dict"])
    scheduler.load_state_dict(ckpt["scheduler_state_dict"])
    start = ckpt["epoch"] + 1
    print(f"LOSS resume {start} {optimizer.param_groups[0]['lr']:.6g} {scheduler.num_bad_epochs} "
          f"{scheduler.best:.6f}")
    for epoch in range(start, min(start + 4, len(history))):
        train_loss, val_loss = run_epoch(model, optimizer)
        scheduler.step(val_loss)
        print(f"LOSS resumed{epoch} {train_loss:.6f} {val_loss:.6f} "
              f"{abs(val_loss - history[epoch]) < 1e-6}")
