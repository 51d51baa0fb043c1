"""A Siamese network on pairs of toy "signatures" (the classic contrastive-loss blog post): one
shared CNN tower applied to both images, F.pairwise_distance between the embeddings, the
ContrastiveLoss module written by hand (label * d^2 + (1 - label) * clamp(margin - d, min=0)^2),
then a second head that classifies |e1 - e2| with BCEWithLogitsLoss, and a verification
threshold picked on the distances with torch.sort."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(1)
PROTOS = rng.normal(size=(4, 1, 12, 12)).astype(np.float32)


def make_pairs(n):
    a = rng.integers(0, 4, size=n)
    same = rng.random(n) < 0.5
    b = np.where(same, a, (a + rng.integers(1, 4, size=n)) % 4)
    x1 = PROTOS[a] + 0.4 * rng.normal(size=(n, 1, 12, 12)).astype(np.float32)
    x2 = PROTOS[b] + 0.4 * rng.normal(size=(n, 1, 12, 12)).astype(np.float32)
    label = (a != b).astype(np.float32)  # 1 = dissimilar, as in the post
    return torch.from_numpy(x1), torch.from_numpy(x2), torch.from_numpy(label)


class SiameseNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn1 = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(1, 6, kernel_size=3), nn.ReLU(inplace=True),
            nn.BatchNorm2d(6),
            nn.ReflectionPad2d(1), nn.Conv2d(6, 8, kernel_size=3), nn.ReLU(inplace=True),
            nn.BatchNorm2d(8), nn.MaxPool2d(2),
        )
        self.fc1 = nn.Sequential(nn.Linear(8 * 6 * 6, 32), nn.ReLU(inplace=True), nn.Linear(32, 8))

    def forward_once(self, x):
        output = self.cnn1(x)
        output = output.view(output.size()[0], -1)
        return self.fc1(output)

    def forward(self, input1, input2):
        return self.forward_once(input1), self.forward_once(input2)


class ContrastiveLoss(nn.Module):
    def __init__(self, margin=2.0):
        super().__init__()
        self.margin = margin

    def forward(self, output1, output2, label):
        euclidean_distance = F.pairwise_distance(output1, output2, keepdim=True)
        loss_contrastive = torch.mean((1 - label) * torch.pow(euclidean_distance, 2)
                                      + label * torch.pow(torch.clamp(self.margin - euclidean_distance, min=0.0), 2))
        return loss_contrastive


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
net = SiameseNetwork()
head = nn.Linear(8, 1)
init_weights({"net": net, "head": head})
criterion = ContrastiveLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=5e-3)
x1, x2, label = make_pairs(48)
for epoch in range(5):
    total = 0.0
    for i in range(0, 48, 16):
        output1, output2 = net(x1[i:i + 16], x2[i:i + 16])
        loss_contrastive = criterion(output1, output2, label[i:i + 16].unsqueeze(1))
        optimizer.zero_grad()
        loss_contrastive.backward()
        optimizer.step()
        total += loss_contrastive.item()
    print(f"LOSS contrastive{epoch} {total:.6f}")

# second stage: a verification head on |e1 - e2|, tower frozen
for p in net.parameters():
    p.requires_grad = False
net.eval()
bce = nn.BCEWithLogitsLoss()
head_opt = torch.optim.SGD(head.parameters(), lr=0.5, momentum=0.9)
for step in range(4):
    e1, e2 = net(x1, x2)
    logit = head(torch.abs(e1 - e2)).squeeze(1)
    loss = bce(logit, label)
    head_opt.zero_grad()
    loss.backward()
    head_opt.step()
    print(f"LOSS head{step} {loss.item():.6f}", net.fc1[0].weight.grad is None)

t1, t2, tlabel = make_pairs(32)
with torch.no_grad():
    e1, e2 = net(t1, t2)
    d = F.pairwise_distance(e1, e2)
    cos = F.cosine_similarity(e1, e2, dim=1)
    sorted_d, order = torch.sort(d)
    best = max(range(1, 32), key=lambda k: ((d > sorted_d[k - 1]).float() == tlabel).float().mean().item())
    thr = sorted_d[best - 1]
    acc = ((d > thr).float() == tlabel).float().mean().item()
print(f"LOSS verify {d.mean().item():.6f} {cos.mean().item():.6f} {thr.item():.6f} {acc:.4f}")
