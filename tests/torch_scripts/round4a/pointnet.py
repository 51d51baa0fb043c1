"""PointNet on toy point clouds (the common PyTorch reimplementation): a T-Net (STN3d) of
Conv1d(k=1) + BatchNorm1d layers, torch.max(x, 2, keepdim=True)[0] as the symmetric function,
the predicted 3x3 matrix plus an identity built with torch.eye(3).flatten().view(1, 9).repeat(B, 1),
torch.bmm(x.transpose(2, 1), trans) to align points, a feature transform of size k=16 with
the regulariser ||I - A A^T|| via torch.norm(..., dim=(1, 2)), NLLLoss on log_softmax, and
an order-invariance check with a permutation of the points. SGD rather than the repo's Adam:
the biases in front of each BatchNorm get gradients of pure rounding noise, which Adam would
turn into steps of size lr in a direction no two libraries agree on."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(15)
NPTS = 32


def make_clouds(n):
    clouds, labels = [], []
    for i in range(n):
        kind = i % 3
        u = rng.uniform(-1, 1, size=(NPTS, 3))
        if kind == 0:  # sphere
            pts = u / np.linalg.norm(u, axis=1, keepdims=True)
        elif kind == 1:  # flat disc
            pts = u * np.array([1.0, 1.0, 0.05])
        else:  # line
            pts = np.outer(u[:, 0], [1.0, 0.5, -0.3]) + 0.05 * u
        angle = rng.uniform(0, 2 * np.pi)
        rot = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
        clouds.append((pts @ rot.T).T)
        labels.append(kind)
    return torch.from_numpy(np.stack(clouds).astype(np.float32)), torch.tensor(labels)


class STNkd(nn.Module):
    def __init__(self, k=3):
        super().__init__()
        self.conv1 = nn.Conv1d(k, 16, 1)
        self.conv2 = nn.Conv1d(16, 32, 1)
        self.fc1 = nn.Linear(32, 16)
        self.fc2 = nn.Linear(16, k * k)
        self.relu = nn.ReLU()
        self.bn1 = nn.BatchNorm1d(16)
        self.bn2 = nn.BatchNorm1d(32)
        self.bn3 = nn.BatchNorm1d(16)
        self.k = k

    def forward(self, x):
        batchsize = x.size()[0]
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = torch.max(x, 2, keepdim=True)[0]
        x = x.view(-1, 32)
        x = F.relu(self.bn3(self.fc1(x)))
        x = self.fc2(x)
        iden = torch.eye(self.k).flatten().view(1, self.k * self.k).repeat(batchsize, 1)
        x = x + iden
        return x.view(-1, self.k, self.k)


class PointNetCls(nn.Module):
    def __init__(self, k=3, feature_transform=True):
        super().__init__()
        self.stn = STNkd(3)
        self.conv1 = nn.Conv1d(3, 16, 1)
        self.conv2 = nn.Conv1d(16, 32, 1)
        self.bn1 = nn.BatchNorm1d(16)
        self.bn2 = nn.BatchNorm1d(32)
        self.feature_transform = feature_transform
        if self.feature_transform:
            self.fstn = STNkd(k=16)
        self.fc = nn.Sequential(nn.Linear(32, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(p=0.0), nn.Linear(16, k))

    def forward(self, x):
        trans = self.stn(x)
        x = x.transpose(2, 1)
        x = torch.bmm(x, trans)
        x = x.transpose(2, 1)
        x = F.relu(self.bn1(self.conv1(x)))
        trans_feat = None
        if self.feature_transform:
            trans_feat = self.fstn(x)
            x = torch.bmm(x.transpose(2, 1), trans_feat).transpose(2, 1)
        x = self.bn2(self.conv2(x))
        x = torch.max(x, 2, keepdim=True)[0].view(-1, 32)
        return F.log_softmax(self.fc(x), dim=1), trans, trans_feat


def feature_transform_regularizer(trans):
    d = trans.size()[1]
    I = torch.eye(d)[None, :, :]
    return torch.mean(torch.norm(torch.bmm(trans, trans.transpose(2, 1)) - I, dim=(1, 2)))


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
classifier = PointNetCls()
init_weights(classifier)
points, target = make_clouds(30)
optimizer = torch.optim.SGD(classifier.parameters(), lr=0.05, momentum=0.9)
for epoch in range(5):
    classifier.train()
    total, reg = 0.0, 0.0
    for i in range(0, 30, 10):
        optimizer.zero_grad()
        pred, trans, trans_feat = classifier(points[i:i + 10])
        loss = F.nll_loss(pred, target[i:i + 10])
        r = feature_transform_regularizer(trans_feat)
        loss = loss + r * 0.001
        loss.backward()
        optimizer.step()
        total += loss.item()
        reg += r.item()
    classifier.eval()
    with torch.no_grad():
        pred, _, _ = classifier(points)
        correct = pred.data.max(1)[1].eq(target.data).cpu().sum().item()
    print(f"LOSS epoch{epoch} {total:.6f} {reg:.6f} {correct}")

with torch.no_grad():
    perm = torch.from_numpy(rng.permutation(NPTS))
    a, ta, _ = classifier(points[:6])
    b, _, _ = classifier(points[:6, :, perm])
print("LOSS invariant", torch.allclose(a, b, atol=1e-5), f"{a.exp().sum(1).mean().item():.6f}",
      f"{torch.linalg.det(ta).mean().item():.6f}", tuple(ta.shape))
