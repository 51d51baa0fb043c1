"""A Dataset returning dicts, a custom collate into a dict batch, early stopping on validation
loss with the best state_dict kept by copy.deepcopy."""
import copy
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class TabularDataset(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.features = rng.standard_normal((n, 6)).astype(np.float32)
        self.category = rng.integers(0, 3, n)
        w = np.array([1.0, -2.0, 0.5, 0.0, 1.5, -1.0], dtype=np.float32)
        self.target = (self.features @ w + self.category - 1 + 0.1 * rng.standard_normal(n)).astype(np.float32)

    def __len__(self):
        return len(self.target)

    def __getitem__(self, idx):
        return {
            "x": torch.from_numpy(self.features[idx]),
            "cat": torch.tensor(self.category[idx], dtype=torch.long),
            "y": torch.tensor(self.target[idx]),
            "id": idx,
        }


def collate(samples):
    batch = {key: torch.stack([s[key] for s in samples]) for key in ("x", "cat", "y")}
    batch["id"] = [s["id"] for s in samples]
    return batch


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cat_emb = nn.Embedding(3, 4)
        self.mlp = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.0), nn.Linear(32, 1))

    def forward(self, batch):
        h = torch.cat([batch["x"], self.cat_emb(batch["cat"])], dim=-1)
        return self.mlp(h).squeeze(-1)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


train_loader = DataLoader(TabularDataset(256, 0), batch_size=32, shuffle=False, collate_fn=collate)
val_loader = DataLoader(TabularDataset(64, 1), batch_size=64, collate_fn=collate)
model = Net()
init_weights(model)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
loss_fn = nn.MSELoss()
best_loss, best_state, patience, bad_epochs = float("inf"), None, 3, 0
for epoch in range(30):
    model.train()
    for batch in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(batch), batch["y"])
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val = sum(loss_fn(model(b), b["y"]).item() * len(b["id"]) for b in val_loader) / 64
    scheduler.step(val)
    print(f"LOSS {epoch} {val:.6f}")
    if val < best_loss - 1e-4:
        best_loss, best_state, bad_epochs = val, copy.deepcopy(model.state_dict()), 0
    else:
        bad_epochs += 1
        if bad_epochs >= patience:
            print("early stop at epoch", epoch)
            break
model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    b = next(iter(val_loader))
    final = loss_fn(model(b), b["y"]).item()
print(f"BEST {best_loss:.6f} reloaded {final:.6f}")
assert abs(final - best_loss) < 1e-5
