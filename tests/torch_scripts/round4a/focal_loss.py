"""Focal losses written by hand, as Kaggle kernels and detection repos write them: a
multi-class FocalLoss module (log_softmax, gather(1, target.view(-1, 1)), pt = logpt.exp(),
alpha per class via self.alpha.gather(0, target), (1 - pt) ** gamma), the sigmoid focal loss of
RetinaNet on a dense objectness map (F.binary_cross_entropy_with_logits(reduction='none'),
p_t, alpha_t, normalised by the number of positives), clip_grad_norm_ returning the total
norm and clip_grad_value_, and a comparison with gamma=0 against CrossEntropyLoss."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(9)
X = rng.normal(size=(64, 10)).astype(np.float32)
logits_true = X @ rng.normal(size=(10, 4)).astype(np.float32)
Y = np.argmax(logits_true + np.array([2.0, 0, -1, -1.5], dtype=np.float32), axis=1).astype(np.int64)
X, Y = torch.from_numpy(X), torch.from_numpy(Y)
MAPS = torch.from_numpy(rng.normal(size=(8, 2, 8, 8)).astype(np.float32))
OBJ = (MAPS[:, 0] + 0.5 * MAPS[:, 1] > 1.2).float().unsqueeze(1)


class FocalLoss(nn.Module):
    def __init__(self, gamma=0, alpha=None, size_average=True):
        super().__init__()
        self.gamma = gamma
        self.alpha = alpha
        if isinstance(alpha, (float, int)):
            self.alpha = torch.Tensor([alpha, 1 - alpha])
        if isinstance(alpha, list):
            self.alpha = torch.Tensor(alpha)
        self.size_average = size_average

    def forward(self, input, target):
        if input.dim() > 2:
            input = input.view(input.size(0), input.size(1), -1)
            input = input.transpose(1, 2)
            input = input.contiguous().view(-1, input.size(2))
        target = target.view(-1, 1)
        logpt = F.log_softmax(input, dim=1)
        logpt = logpt.gather(1, target)
        logpt = logpt.view(-1)
        pt = logpt.data.exp()
        if self.alpha is not None:
            if self.alpha.type() != input.data.type():
                self.alpha = self.alpha.type_as(input.data)
            at = self.alpha.gather(0, target.data.view(-1))
            logpt = logpt * at
        loss = -1 * (1 - pt) ** self.gamma * logpt
        if self.size_average:
            return loss.mean()
        return loss.sum()


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


def init_weights(modules):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for tag, m in modules.items():
            m.load_state_dict({k[len(tag) + 1:]: torch.from_numpy(arrays[k]) for k in arrays.files
                               if k.startswith(tag + ".")})
    else:
        np.savez(path, **{f"{tag}.{k}": v.detach().numpy() for tag, m in modules.items()
                          for k, v in m.state_dict().items()})


torch.manual_seed(0)
clf = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 4))
det = nn.Sequential(nn.Conv2d(2, 6, 3, padding=1), nn.SiLU(), nn.Conv2d(6, 1, 1))
init_weights({"clf": clf, "det": det})
print("LOSS counts", torch.bincount(Y).tolist())
with torch.no_grad():
    ce = F.cross_entropy(clf(X), Y).item()
    f0 = FocalLoss(gamma=0)(clf(X), Y).item()
    fmap = FocalLoss(gamma=2)(clf(X).view(8, 8, 4).permute(0, 2, 1), Y.view(8, 8)).item()
print(f"LOSS gamma0 {ce:.6f} {f0:.6f} {fmap:.6f}")

criterion = FocalLoss(gamma=2, alpha=[0.1, 0.3, 0.3, 0.3])
optimizer = torch.optim.Adam(clf.parameters(), lr=1e-2)
for epoch in range(5):
    total, norms = 0.0, []
    for i in range(0, 64, 16):
        loss = criterion(clf(X[i:i + 16]), Y[i:i + 16])
        optimizer.zero_grad()
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(clf.parameters(), max_norm=0.5, norm_type=2.0).item())
        optimizer.step()
        total += loss.item()
    print(f"LOSS focal{epoch} {total:.6f} {max(norms):.6f}", criterion.alpha.dtype == torch.float32)

opt2 = torch.optim.SGD(det.parameters(), lr=0.5)
for step in range(5):
    logits = det(MAPS)
    num_pos = max(OBJ.sum().item(), 1.0)
    loss = sigmoid_focal_loss(logits, OBJ, reduction="sum") / num_pos
    opt2.zero_grad()
    loss.backward()
    inf_norm = nn.utils.clip_grad_norm_(det.parameters(), max_norm=1.0, norm_type=float("inf"))
    nn.utils.clip_grad_value_(det.parameters(), clip_value=0.05)
    opt2.step()
    print(f"LOSS sigmoid{step} {loss.item():.6f} {inf_norm.item():.6f} {det[0].weight.grad.abs().max().item():.6f}")
