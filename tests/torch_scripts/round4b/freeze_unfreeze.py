"""Transfer-learning style freezing: backbone.requires_grad_(False) with the optimizer given
filter(lambda p: p.requires_grad, model.parameters()), the frozen BatchNorm kept in eval mode by
an overridden train(), a count of trainable parameters (p.numel()), then unfreezing the last
backbone layer with requires_grad = True and optimizer.add_param_group at a lower lr; the frozen
weights checked unchanged; gradients stay None for frozen parameters; torch.no_grad feature
extraction then a float64 linear probe fitted by LBFGS."""
import os

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


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv1d(2, 8, 3, padding=1, bias=False), nn.BatchNorm1d(8), nn.ReLU(),
            nn.Conv1d(8, 8, 3, padding=1, bias=False), nn.BatchNorm1d(8), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.classifier = nn.Linear(8, 3)
        self.freeze_bn = False

    def train(self, mode=True):
        super().train(mode)
        if mode and self.freeze_bn:
            for m in self.backbone.modules():
                if isinstance(m, nn.BatchNorm1d):
                    m.eval()
        return self

    def forward(self, x):
        return self.classifier(self.backbone(x))


rng = np.random.default_rng(9)
X = torch.from_numpy(rng.normal(size=(48, 2, 12)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 3, size=48))
model = Net()
init_weights(model)


def count(model, trainable=True):
    return sum(p.numel() for p in model.parameters() if p.requires_grad == trainable)


model.backbone.requires_grad_(False)
model.freeze_bn = True
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1,
                            momentum=0.9)
frozen0 = model.backbone[0].weight.detach().clone()
running0 = model.backbone[1].running_mean.clone()
print("LOSS frozen", count(model), count(model, False), len(optimizer.param_groups[0]["params"]))
for epoch in range(4):
    model.train()
    for i in range(4):
        loss = F.cross_entropy(model(X[i * 12:(i + 1) * 12]), Y[i * 12:(i + 1) * 12])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"LOSS head{epoch} {loss.item():.6f} {model.backbone[0].weight.grad is None} "
          f"{torch.equal(model.backbone[0].weight, frozen0)} "
          f"{torch.equal(model.backbone[1].running_mean, running0)} {model.backbone[1].training}")

# unfreeze the last conv block with a lower lr, BatchNorm still frozen
for p in model.backbone[3].parameters():
    p.requires_grad = True
optimizer.add_param_group({"params": model.backbone[3].parameters(), "lr": 0.01})
print("LOSS unfrozen", count(model), [n for n, p in model.named_parameters() if p.requires_grad])
for epoch in range(4, 8):
    model.train()
    for i in range(4):
        loss = F.cross_entropy(model(X[i * 12:(i + 1) * 12]), Y[i * 12:(i + 1) * 12])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"LOSS finetune{epoch} {loss.item():.6f} {model.backbone[3].weight.norm().item():.6f} "
          f"{torch.equal(model.backbone[0].weight, frozen0)}")

# unfreeze everything, BatchNorm back to training
model.requires_grad_(True)
model.freeze_bn = False
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(8, 10):
    model.train()
    loss = F.cross_entropy(model(X), Y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"LOSS all{epoch} {loss.item():.6f} {model.backbone[1].running_mean.sum().item():.6f}")

# feature extraction with no_grad, then a linear probe
model.eval()
with torch.no_grad():
    feats = model.backbone(X).double()  # float64: LBFGS would amplify float32 rounding
probe = nn.Linear(8, 3).double()
with torch.no_grad():
    probe.weight.copy_(model.classifier.weight)
    probe.bias.zero_()
opt = torch.optim.LBFGS(probe.parameters(), lr=0.5, max_iter=5)


def closure():
    opt.zero_grad()
    loss = F.cross_entropy(probe(feats), Y)
    loss.backward()
    return loss


for epoch in range(3):
    loss = opt.step(closure)
    print(f"LOSS probe{epoch} {loss.item():.6f} {feats.requires_grad}")
