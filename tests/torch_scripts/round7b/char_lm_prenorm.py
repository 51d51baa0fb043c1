"""A character-level Transformer language model as the nanoGPT-style notebooks write it with
torch's layers: nn.TransformerEncoder over pre-norm layers (norm_first=True,
batch_first=True, activation="gelu", a final LayerNorm passed as norm=), a causal mask from
nn.Transformer.generate_square_subsequent_mask plus is_causal=True, a key_padding_mask for
right-padded lines, a learned position embedding, tied input/output embeddings, AdamW with
weight decay only on matrices, and perplexity under torch.no_grad()."""
import math
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


text = ("the quick brown fox jumps over the lazy dog\n"
        "a stitch in time saves nine\n"
        "all that glitters is not gold\n"
        "the early bird catches the worm\n"
        "actions speak louder than words\n")
lines = text.strip().split("\n")
chars = sorted(set(text))
stoi = {c: i + 1 for i, c in enumerate(chars)}  # 0 is padding
itos = {i: c for c, i in stoi.items()}
VOCAB, PAD, BLOCK = len(chars) + 1, 0, 24


def encode(s):
    return [stoi[c] for c in s]


def make_batch(rows):
    x = torch.full((len(rows), BLOCK), PAD, dtype=torch.long)
    y = torch.full((len(rows), BLOCK), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        ids = encode(r)[: BLOCK + 1]
        x[i, : len(ids) - 1] = torch.tensor(ids[:-1])
        y[i, : len(ids) - 1] = torch.tensor(ids[1:])
    return x, y


class CharLM(nn.Module):
    def __init__(self, d=32, heads=4, layers=2):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, d)
        self.pos = nn.Embedding(BLOCK, d)
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=4 * d, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers=layers, norm=nn.LayerNorm(d),
                                            enable_nested_tensor=False)
        self.head = nn.Linear(d, VOCAB, bias=False)
        self.head.weight = self.tok.weight  # weight tying

    def forward(self, idx, pad_mask=None):
        T = idx.size(1)
        h = self.tok(idx) + self.pos(torch.arange(T))
        causal = nn.Transformer.generate_square_subsequent_mask(T)
        h = self.blocks(h, mask=causal, src_key_padding_mask=pad_mask, is_causal=True)
        return self.head(h)


model = CharLM()
init_weights(model)
print("LOSS params", sum(p.numel() for p in model.parameters()),
      len(list(model.named_parameters())), model.head.weight is model.tok.weight)
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                         {"params": no_decay, "weight_decay": 0.0}], lr=3e-3, betas=(0.9, 0.95))
x, y = make_batch(lines)
pad = x == PAD
pad[:, 0] = False
for step in range(30):
    logits = model(x, pad)
    loss = F.cross_entropy(logits.view(-1, VOCAB), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % 5 == 4:
        print(f"LOSS step{step} {loss.item():.5f} {norm.item():.5f}")

model.eval()
with torch.no_grad():
    logits = model(x, pad)
    nll = F.cross_entropy(logits.view(-1, VOCAB), y.view(-1), reduction="sum")
    count = (y != -100).sum()
    ppl = math.exp(nll.item() / count.item())
    probs = F.softmax(logits[0, :5].double(), dim=-1)
print(f"LOSS eval {ppl:.5f} {count.item()} {probs.max(-1).values.sum().item():.5f}")
