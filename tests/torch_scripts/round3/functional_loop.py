"""A training loop in torch.nn.functional alone: parameters as tensors, F.one_hot targets,
a hand-written softmax cross-entropy via gather, label smoothing via scatter_, torch.where
masking, F.linear / F.conv1d / F.layer_norm / F.dropout(training=False), Adam-like updates
written out by hand."""

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(0)
N, C, L, K = 48, 3, 16, 5
X = torch.from_numpy(rng.normal(size=(N, C, L)).astype(np.float32))
y = torch.from_numpy((rng.random(N) * K).astype(np.int64))
y[::7] = 0
ignore = torch.zeros(N, dtype=torch.bool)
ignore[::11] = True

params = {
    "conv_w": torch.from_numpy(rng.normal(size=(6, C, 3)).astype(np.float32)) * 0.3,
    "conv_b": torch.zeros(6),
    "ln_w": torch.ones(6),
    "ln_b": torch.zeros(6),
    "fc_w": torch.from_numpy(rng.normal(size=(K, 6)).astype(np.float32)) * 0.3,
    "fc_b": torch.zeros(K),
}
for p in params.values():
    p.requires_grad_()
state = {k: (torch.zeros_like(p), torch.zeros_like(p)) for k, p in params.items()}


def forward(x, p):
    h = F.conv1d(x, p["conv_w"], p["conv_b"], padding=1)
    h = F.layer_norm(h.transpose(1, 2), (6,), p["ln_w"], p["ln_b"]).transpose(1, 2)
    h = F.gelu(h)
    h = F.dropout(h, p=0.5, training=False)
    h = F.adaptive_max_pool1d(h, 1).squeeze(-1) + h.mean(-1)
    return F.linear(h, p["fc_w"], p["fc_b"])


def smoothed_targets(target, k, eps):
    soft = torch.full((target.size(0), k), eps / (k - 1))
    soft.scatter_(1, target.unsqueeze(1), 1.0 - eps)
    return soft


for step in range(12):
    logits = forward(X, params)
    logp = F.log_softmax(logits, dim=1)
    nll = -logp.gather(1, y.unsqueeze(1)).squeeze(1)
    onehot = F.one_hot(y, num_classes=K).float()
    soft = smoothed_targets(y, K, 0.1)
    smooth = -(soft * logp).sum(1)
    per = torch.where(ignore, torch.zeros_like(nll), 0.7 * nll + 0.3 * smooth)
    loss = per.sum() / (~ignore).sum()
    conf = (onehot * logp.exp()).sum(1).mean()
    for g in torch.autograd.grad(loss, list(params.values()), retain_graph=True):
        assert g.shape is not None
    loss.backward()
    with torch.no_grad():
        t = step + 1
        for k, p in params.items():
            m, v = state[k]
            m.mul_(0.9).add_(p.grad, alpha=0.1)
            v.mul_(0.999).addcmul_(p.grad, p.grad, value=0.001)
            mhat = m / (1 - 0.9 ** t)
            vhat = v / (1 - 0.999 ** t)
            p.sub_(0.05 * mhat / (vhat.sqrt() + 1e-8))
            p.grad = None
    print(f"LOSS {step} {loss.item():.6f} {conf.item():.6f}")

with torch.no_grad():
    logits = forward(X, params)
    pred = logits.argmax(1)
    acc = torch.where(ignore, torch.tensor(0.0), (pred == y).float()).sum() / (~ignore).sum()
    ref = F.cross_entropy(logits, torch.where(ignore, torch.full_like(y, -100), y))
    ref_ls = F.cross_entropy(logits, y, label_smoothing=0.1)
    onehot_mean = F.one_hot(y).float().mean(0)
    counts = torch.zeros(K).scatter_add_(0, y, torch.ones(N))
print(f"LOSS final {acc.item():.6f} {ref.item():.6f} {ref_ls.item():.6f}",
      onehot_mean.tolist() == (counts / N).tolist(), tuple(F.one_hot(y).shape))
