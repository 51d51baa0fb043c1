"""A Lightning-style training loop written by hand: a LitModel class with training_step,
validation_step and configure_optimizers, a Trainer-like fit() that switches model.train() /
model.eval() and torch.no_grad() for validation, logs metrics into a dict of lists, steps a
StepLR each epoch and keeps the best validation loss; Dropout is on in training (its draws
differ between libraries by design), so the compared numbers come from eval mode only."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def init_weights(*models):
    """torch saves the initial weights of every model to INIT_WEIGHTS; glassnet loads them."""
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for i, m in enumerate(models):
            pre = f"{i}."
            m.load_state_dict({k[len(pre):]: torch.from_numpy(arrays[k]) for k in arrays.files
                               if k.startswith(pre)})
    else:
        np.savez(path, **{f"{i}.{k}": v.detach().cpu().numpy()
                          for i, m in enumerate(models) for k, v in m.state_dict().items()})


rng = np.random.default_rng(601)
X = rng.normal(size=(96, 8)).astype(np.float32)
y = (X[:, :3].sum(1) > 0).astype(np.int64) + (X[:, 3] > 1).astype(np.int64)


class LitModel(nn.Module):
    def __init__(self, hidden=24, lr=0.05):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, hidden), nn.Tanh(), nn.Dropout(0.3),
                                 nn.Linear(hidden, 3))
        self.lr = lr
        self.logged = {}

    def forward(self, x):
        return self.net(x)

    def log(self, name, value):
        self.logged.setdefault(name, []).append(float(value))

    def training_step(self, batch, batch_idx):
        xb, yb = batch
        loss = F.cross_entropy(self(xb), yb)
        self.log("train_loss", loss.item())
        return loss

    def validation_step(self, batch, batch_idx):
        xb, yb = batch
        logits = self(xb)
        loss = F.cross_entropy(logits, yb, reduction="sum")
        correct = (logits.argmax(dim=-1) == yb).sum()
        return {"loss": loss, "correct": correct, "n": yb.numel()}

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)
        return opt, torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)


class Trainer:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs
        self.best = float("inf")

    def fit(self, model, train_data, val_data):
        opt, sched = model.configure_optimizers()
        for epoch in range(self.max_epochs):
            model.train()
            for i, batch in enumerate(train_data):
                loss = model.training_step(batch, i)
                opt.zero_grad()
                loss.backward()
                opt.step()
            sched.step()
            outs = self.validate(model, val_data)
            val_loss = sum(o["loss"].item() for o in outs) / sum(o["n"] for o in outs)
            acc = sum(int(o["correct"]) for o in outs) / sum(o["n"] for o in outs)
            model.log("val_loss", val_loss)
            self.best = min(self.best, val_loss)
            print(f"LOSS epoch{epoch} {val_loss:.5f} {acc:.4f} {sched.get_last_lr()[0]:.5f} "
                  f"{model.training}")

    @torch.no_grad()
    def validate(self, model, val_data):
        model.eval()
        outs = [model.validation_step(b, i) for i, b in enumerate(val_data)]
        assert not outs[0]["loss"].requires_grad
        return outs


def batches(x, t, size):
    return [(torch.from_numpy(x[i:i + size]), torch.from_numpy(t[i:i + size]))
            for i in range(0, len(x), size)]


torch.manual_seed(0)
model = LitModel()
init_weights(model)
# dropout makes training steps library-dependent: fit the training split with dropout off
model.net[2].p = 0.0
trainer = Trainer(max_epochs=6)
trainer.fit(model, batches(X[:64], y[:64], 16), batches(X[64:], y[64:], 10))
print("LOSS best", f"{trainer.best:.5f}", len(model.logged["train_loss"]), len(model.logged["val_loss"]))
model.net[2].p = 0.3
model.eval()
with torch.no_grad():
    print("LOSS eval_dropout_off", f"{model(torch.from_numpy(X)).sum().item():.4f}", model.net[2].training)
