"""Embeddings as the NLP tutorials configure them: padding_idx (its row gets no gradient and
stays as loaded), max_norm with norm_type (rows looked up are renormalised in place in the
forward, under no_grad, as torch does), scale_grad_by_freq, Embedding.from_pretrained with
freeze=True and False, F.embedding with a weight, nn.EmbeddingBag(mode='mean'/'max') with
offsets and per_sample_weights (mode='sum'); a bag-of-words classifier trained through them."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)  # max_norm renormalises rows each forward
rng = np.random.default_rng(111)
V, D, PAD = 20, 6, 0


def init_weights(*models):
    """torch saves the initial weights of every model to INIT_WEIGHTS; glassnet loads them."""
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for i, m in enumerate(models):
            pre = f"{i}."
            m.load_state_dict({k[len(pre):]: torch.from_numpy(arrays[k]) for k in arrays.files
                               if k.startswith(pre)})
    else:
        np.savez(path, **{f"{i}.{k}": v.detach().cpu().numpy()
                          for i, m in enumerate(models) for k, v in m.state_dict().items()})


class BagClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D, padding_idx=PAD, max_norm=1.0)
        self.freq = nn.Embedding(V, D, scale_grad_by_freq=True)
        self.bag = nn.EmbeddingBag(V, D, mode="sum")
        self.fc = nn.Linear(3 * D, 2)

    def forward(self, tokens, flat, offsets, weights):
        mask = (tokens != PAD).unsqueeze(-1).to(torch.get_default_dtype())
        mean = (self.embed(tokens) * mask).sum(1) / mask.sum(1)
        freq = self.freq(tokens).max(1).values
        bag = self.bag(flat, offsets, per_sample_weights=weights)
        return self.fc(torch.cat([mean, freq, bag], 1))


tokens = np.zeros((24, 7), dtype=np.int64)
for i in range(24):
    n = rng.integers(2, 8)
    tokens[i, :n] = rng.integers(1, V, size=n)
labels = torch.from_numpy((tokens[:, 0] > V // 2).astype(np.int64))
tokens = torch.from_numpy(tokens)
flat = tokens[tokens != PAD]
offsets = torch.cat([torch.zeros(1, dtype=torch.long), (tokens != PAD).sum(1).cumsum(0)[:-1]])
weights = torch.from_numpy(rng.uniform(0.5, 1.5, size=flat.numel()))

model = BagClassifier()
init_weights(model)
pad_row = model.embed.weight[PAD].detach().clone()
print("LOSS norms_before", f"{model.embed.weight.norm(dim=1).max().item():.5f}")
opt = torch.optim.SGD(model.parameters(), lr=0.5)
for step in range(12):
    loss = F.cross_entropy(model(tokens, flat, offsets, weights), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        used = model.embed.weight[torch.unique(flat)]
        print(f"LOSS step{step} {loss.item():.6f} {used.norm(dim=1).max().item():.5f} "
              f"{model.freq.weight.grad.abs().sum().item():.5f} "
              f"{model.embed.weight.grad[PAD].abs().sum().item():.1f}")
print("LOSS pad_row", torch.equal(model.embed.weight[PAD], pad_row))

pretrained = torch.from_numpy(rng.normal(size=(V, D)))
frozen = nn.Embedding.from_pretrained(pretrained)
tuned = nn.Embedding.from_pretrained(pretrained, freeze=False, padding_idx=PAD, max_norm=2.0,
                                     norm_type=1.0)
out = tuned(tokens[:3])
print("LOSS pretrained", frozen.weight.requires_grad, tuned.weight.requires_grad,
      f"{frozen(tokens[:3]).sum().item():.5f}", f"{out.abs().sum(-1).max().item():.5f}")
plain = F.embedding(tokens[:2], pretrained, padding_idx=PAD)
means = nn.EmbeddingBag.from_pretrained(pretrained, mode="mean")(flat, offsets)
maxes = nn.EmbeddingBag.from_pretrained(pretrained, mode="max")(flat, offsets)
print("LOSS functional", f"{plain.sum().item():.5f}", f"{means.sum().item():.5f}",
      f"{maxes.sum().item():.5f}")
