"""Gradient accumulation (loss / accum_steps) with OneCycleLR stepped per optimizer step,
clip_grad_value_, zero_grad(set_to_none=True), model.apply(init_fn) with nn.init.kaiming_normal_
and xavier_uniform_, and a mid-run checkpoint of model + optimizer + scheduler with torch.save,
loaded with torch.load(map_location=device) into fresh objects that resume the run."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def make_model():
    model = nn.Sequential(
        nn.Linear(12, 48), nn.GELU(), nn.LayerNorm(48),
        nn.Linear(48, 24), nn.SiLU(), nn.Dropout(p=0.0),
        nn.Linear(24, 4),
    )

    def init_fn(m):
        if isinstance(m, nn.Linear):
            if m.out_features == 4:
                nn.init.xavier_uniform_(m.weight)
            else:
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(m.bias)

    model.apply(init_fn)
    return model.to(device)


def make_optimizer(model):
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, total_steps=TOTAL, pct_start=0.3)
    return optimizer, scheduler


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(1)
X = torch.from_numpy(rng.standard_normal((192, 12)).astype(np.float32))
W = torch.from_numpy(rng.standard_normal((12, 4)).astype(np.float32))
Y = (X @ W + 0.3 * torch.from_numpy(rng.standard_normal((192, 4)).astype(np.float32))).argmax(dim=1)
accum_steps, micro = 3, 16
TOTAL = 192 // (micro * accum_steps) * 4


def train_epoch(model, optimizer, scheduler, epoch):
    model.train()
    optimizer.zero_grad(set_to_none=True)
    for i in range(0, 192, micro):
        xb, yb = X[i:i + micro].to(device), Y[i:i + micro].to(device)
        loss = F.cross_entropy(model(xb), yb) / accum_steps
        loss.backward()
        if (i // micro + 1) % accum_steps == 0:
            torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            print(f"LOSS e{epoch}s{i} {loss.item() * accum_steps:.6f}")
            print(f"LOSS lr{epoch}s{i} {scheduler.get_last_lr()[0]:.8f}")


model = make_model()
init_weights(model)
optimizer, scheduler = make_optimizer(model)
ckpt = "checkpoint.pt"
for epoch in range(2):
    train_epoch(model, optimizer, scheduler, epoch)
torch.save({"epoch": 2, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "scheduler_state_dict": scheduler.state_dict()}, ckpt)
for p in model.parameters():
    assert p.grad is None

model2 = make_model()
optimizer2, scheduler2 = make_optimizer(model2)
checkpoint = torch.load(ckpt, map_location=device, weights_only=True)
model2.load_state_dict(checkpoint["model_state_dict"])
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
scheduler2.load_state_dict(checkpoint["scheduler_state_dict"])
assert scheduler2.get_last_lr() == scheduler.get_last_lr()
for epoch in range(checkpoint["epoch"], 4):
    train_epoch(model2, optimizer2, scheduler2, epoch)

model2.eval()
with torch.no_grad():
    logits = model2(X.to(device))
    acc = (logits.argmax(dim=1) == Y).float().mean()
    print(f"LOSS acc {acc.item():.6f}")
    print(f"LOSS final {F.cross_entropy(logits, Y).item():.6f}")
os.remove(ckpt)
