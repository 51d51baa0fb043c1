"""Mixup and CutMix training (the timm / Kaggle recipes) with the random parts fixed by a seeded
NumPy generator: lam from np.random.beta, a permutation index turned into torch.from_numpy,
mixed_x = lam * x + (1 - lam) * x[index, :], the loss as lam * criterion(pred, y_a) + (1 - lam)
* criterion(pred, y_b); CutMix's rand_bbox pasting a box with x[:, :, bbx1:bbx2, bby1:bby2] =
x[index, :, ...] on a clone and lam re-computed from the box area; soft targets through
CrossEntropyLoss with class-probability targets and label_smoothing; F.one_hot mixed targets."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

np_rng = np.random.default_rng(8)
X = np_rng.normal(size=(48, 3, 12, 12)).astype(np.float32)
Y = np.argmax(X[:, :, 3:9, 3:9].mean((2, 3)), axis=1).astype(np.int64)
X, Y = torch.from_numpy(X), torch.from_numpy(Y)


def rand_bbox(size, lam):
    W = size[2]
    H = size[3]
    cut_rat = np.sqrt(1.0 - lam)
    cut_w = int(W * cut_rat)
    cut_h = int(H * cut_rat)
    cx = np_rng.integers(W)
    cy = np_rng.integers(H)
    bbx1 = np.clip(cx - cut_w // 2, 0, W)
    bby1 = np.clip(cy - cut_h // 2, 0, H)
    bbx2 = np.clip(cx + cut_w // 2, 0, W)
    bby2 = np.clip(cy + cut_h // 2, 0, H)
    return bbx1, bby1, bbx2, bby2


def mixup_data(x, y, alpha=1.0):
    lam = np_rng.beta(alpha, alpha) if alpha > 0 else 1
    batch_size = x.size()[0]
    index = torch.from_numpy(np_rng.permutation(batch_size))
    mixed_x = lam * x + (1 - lam) * x[index, :]
    y_a, y_b = y, y[index]
    return mixed_x, y_a, y_b, lam


def mixup_criterion(criterion, pred, y_a, y_b, lam):
    return lam * criterion(pred, y_a) + (1 - lam) * criterion(pred, y_b)


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 12, 3, padding=1), nn.BatchNorm2d(12), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(12, 16, 3), nn.ReLU(),
                                      nn.AdaptiveMaxPool2d((2, 2)))
        self.fc = nn.Linear(64, 3)

    def forward(self, x):
        return self.fc(self.features(x).view(x.size(0), -1))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().numpy() for k, v in model.state_dict().items()})


torch.manual_seed(0)
net = SmallNet()
init_weights(net)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
for epoch in range(3):
    net.train()
    train_loss, correct = 0.0, 0.0
    for i in range(0, 48, 12):
        inputs, targets = X[i:i + 12], Y[i:i + 12]
        inputs, targets_a, targets_b, lam = mixup_data(inputs, targets, alpha=0.4)
        outputs = net(inputs)
        loss = mixup_criterion(criterion, outputs, targets_a, targets_b, lam)
        train_loss += loss.item()
        _, predicted = torch.max(outputs.data, 1)
        correct += (lam * predicted.eq(targets_a.data).cpu().sum().float()
                    + (1 - lam) * predicted.eq(targets_b.data).cpu().sum().float()).item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"LOSS mixup{epoch} {train_loss:.6f} {correct:.5f}")

for epoch in range(3):
    total = 0.0
    for i in range(0, 48, 12):
        input, target = X[i:i + 12].clone(), Y[i:i + 12]
        lam = np_rng.beta(1.0, 1.0)
        rand_index = torch.from_numpy(np_rng.permutation(input.size()[0]))
        target_a = target
        target_b = target[rand_index]
        bbx1, bby1, bbx2, bby2 = rand_bbox(input.size(), lam)
        input[:, :, bbx1:bbx2, bby1:bby2] = input[rand_index, :, bbx1:bbx2, bby1:bby2]
        lam = 1 - ((bbx2 - bbx1) * (bby2 - bby1) / (input.size()[-1] * input.size()[-2]))
        output = net(input)
        loss = criterion(output, target_a) * lam + criterion(output, target_b) * (1.0 - lam)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"LOSS cutmix{epoch} {total:.6f} {lam:.6f}")

# mixed one-hot targets fed to CrossEntropyLoss as probabilities, with label smoothing
soft_ce = nn.CrossEntropyLoss(label_smoothing=0.1)
for step in range(3):
    lam = 0.7
    index = torch.from_numpy(np_rng.permutation(48))
    y1 = F.one_hot(Y, num_classes=3).float()
    mixed_y = lam * y1 + (1 - lam) * y1[index]
    mixed_x = lam * X + (1 - lam) * X[index]
    out = net(mixed_x)
    loss = soft_ce(out, mixed_y)
    by_hand = -(mixed_y * 0.9 + 0.1 / 3) * F.log_softmax(out, dim=1)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"LOSS soft{step} {loss.item():.6f} {by_hand.sum(1).mean().item():.6f}")
net.eval()
with torch.no_grad():
    print(f"LOSS eval {criterion(net(X), Y).item():.6f} {(net(X).argmax(1) == Y).float().mean().item():.4f}")
