"""Small ResNet: skip connections, nn.Identity, AdaptiveAvgPool2d, kaiming init, param groups
without decay on biases/norms, a frozen stem, LambdaLR warm-up."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class TinyResNet(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, stride=2))
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5))
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


model = TinyResNet()
init_weights(model)
for p in model.stem.parameters():
    p.requires_grad_(False)
decay, no_decay = [], []
for name, p in model.named_parameters():
    if not p.requires_grad:
        continue
    if p.ndim == 1 or name.endswith(".bias") or "bn" in name:
        no_decay.append(p)
    else:
        decay.append(p)
optimizer = torch.optim.SGD(
    [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0, "lr": 0.05}],
    lr=0.1, momentum=0.9, nesterov=True,
)
warmup = 5
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=[lambda s: min(1.0, (s + 1) / warmup), lambda s: 1.0])
n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
print("TRAINABLE", n_trainable, len(decay), len(no_decay))

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.standard_normal((64, 1, 12, 12)).astype(np.float32))
Y = torch.from_numpy((X.mean(dim=(1, 2, 3)).numpy() > 0).astype(np.int64) + 2 * (X[:, 0, :6].mean(dim=(1, 2)).numpy() > 0))
stem_before = model.stem[0].weight.detach().clone()
for step in range(12):
    model.train()
    xb, yb = X[(step * 16) % 64:(step * 16) % 64 + 16], Y[(step * 16) % 64:(step * 16) % 64 + 16]
    loss = F.cross_entropy(model(xb), yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    scheduler.step()
    print(f"LOSS {step} {loss.item():.6f} lr={[round(g['lr'], 6) for g in optimizer.param_groups]}")
assert torch.equal(stem_before, model.stem[0].weight)
assert model.stem[0].weight.grad is None
model.eval()
with torch.no_grad():
    acc = (model(X).argmax(1) == Y).float().mean()
print("EVAL", round(acc.item(), 4), scheduler.get_last_lr())
