"""Transformer encoder classifier: sinusoidal positional encoding buffer, padding masks,
gradient accumulation, warm-up via OneCycleLR, torch.autocast on CPU guarded."""
import math
import os

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]


class Classifier(nn.Module):
    def __init__(self, vocab=20, d=32, classes=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = PositionalEncoding(d)
        layer = nn.TransformerEncoderLayer(d, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(d, classes)

    def forward(self, tokens):
        pad = tokens == 0
        h = self.encoder(self.pos(self.emb(tokens) * math.sqrt(self.emb.embedding_dim)), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1)
        return self.head(pooled)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)
tokens = rng.integers(1, 20, (64, 12))
lengths = rng.integers(4, 13, 64)
for i, n in enumerate(lengths):
    tokens[i, n:] = 0
labels = ((tokens == 7).sum(1) > 0).astype(np.int64)
tokens, labels = torch.from_numpy(tokens), torch.from_numpy(labels)

model = Classifier()
init_weights(model)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=10)
criterion = nn.CrossEntropyLoss()
accum = 2
for step in range(20):
    i = (step * 16) % 64
    with torch.autocast(device_type="cpu", enabled=False):
        loss = criterion(model(tokens[i:i + 16]), labels[i:i + 16]) / accum
    loss.backward()
    if (step + 1) % accum == 0:
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
    print(f"LOSS {step} {loss.item() * accum:.6f}")
model.eval()
with torch.inference_mode():
    acc = (model(tokens).argmax(-1) == labels).float().mean().item()
print("ACC", round(acc, 4))
