"""Knowledge distillation with a frozen teacher: teacher.requires_grad_(False) and eval(),
nn.KLDivLoss(reduction='batchmean') on temperature-scaled log_softmax / softmax (T**2 scaling),
a feature-matching term read through register_forward_hook (handles removed afterwards),
named_modules / named_parameters filtering, a Conv2d + MaxPool2d + AdaptiveAvgPool2d + Flatten
student, SGD with StepLR, and x.view(x.size(0), -1) flattening."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)


class Teacher(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(16 * 3 * 3, 4)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))


class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.pool = nn.AdaptiveAvgPool2d((3, 3))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 9, 4))

    def forward(self, x):
        return self.head(self.pool(F.relu(self.bn(self.conv(x)))))


def init_weights(models):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for name, model in models.items():
            model.load_state_dict({k[len(name) + 1:]: torch.from_numpy(arrays[k])
                                   for k in arrays.files if k.startswith(name + ".")})
    else:
        np.savez(path, **{f"{name}.{k}": v.detach().cpu().numpy()
                          for name, model in models.items() for k, v in model.state_dict().items()})


rng = np.random.default_rng(21)
images = rng.random((96, 1, 12, 12)).astype(np.float32)
labels = rng.integers(0, 4, 96)
for i, c in enumerate(labels):
    images[i, 0, 3 * c:3 * c + 3, :] += 1.0
X, Y = torch.from_numpy(images), torch.from_numpy(labels)

teacher, student = Teacher(), Student()
init_weights({"teacher": teacher, "student": student})
teacher.eval()
teacher.requires_grad_(False)
assert not any(p.requires_grad for p in teacher.parameters())

features = {}


def save_output(name):
    def hook(module, inputs, output):
        features[name] = output
    return hook


handles = [teacher.features[-1].register_forward_hook(save_output("teacher")),
           student.pool.register_forward_hook(save_output("student"))]
proj = nn.Conv2d(16, 16, kernel_size=1, bias=False)
with torch.no_grad():
    proj.weight.copy_(torch.eye(16).view(16, 16, 1, 1))
decay = [p for n, p in student.named_parameters() if not n.startswith("bn")]
no_decay = [p for n, p in student.named_parameters() if n.startswith("bn")]
optimizer = torch.optim.SGD([{"params": decay, "weight_decay": 1e-4}, {"params": no_decay},
                             {"params": proj.parameters(), "lr": 0.01}], lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
kd = nn.KLDivLoss(reduction="batchmean")
T, alpha = 3.0, 0.7
n_convs = sum(1 for _, m in student.named_modules() if isinstance(m, nn.Conv2d))
for epoch in range(10):
    student.train()
    for i in range(0, 96, 32):
        xb, yb = X[i:i + 32], Y[i:i + 32]
        with torch.no_grad():
            t_logits = teacher(xb)
        s_logits = student(xb)
        loss_kd = kd(F.log_softmax(s_logits / T, dim=1), F.softmax(t_logits / T, dim=1)) * T * T
        loss_ce = F.cross_entropy(s_logits, yb)
        loss_feat = F.mse_loss(proj(features["student"]), features["teacher"])
        loss = alpha * loss_kd + (1 - alpha) * loss_ce + 0.1 * loss_feat
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()
    print(f"LOSS {epoch} {loss.item():.6f}")
    print(f"LOSS kd{epoch} {loss_kd.item():.6f}")
for h in handles:
    h.remove()
features.clear()
student.eval()
with torch.no_grad():
    acc = (student(X).argmax(1) == Y).float().mean().item()
assert not features and n_convs == 1
print(f"LOSS acc {acc:.6f}")
