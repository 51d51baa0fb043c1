"""A tiny causal language model with rotary position embeddings: inverse frequencies with
torch.outer and register_buffer(persistent=False), rotate-half with x[..., ::2] / x[..., 1::2]
and torch.stack(...).flatten(-2), attention scores with einsum over '...' dims, a causal mask
from torch.triu(...).bool() and masked_fill, tied embeddings, AdamW with a no-decay group, and a
SequentialLR of ConstantLR warm-up then PolynomialLR decay."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)
text = "to be or not to be that is the question whether tis nobler in the mind to suffer " * 6
vocab = sorted(set(text))
stoi = {c: i for i, c in enumerate(vocab)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)


class Rotary(nn.Module):
    def __init__(self, dim, base=10000.0):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, x):                                   # x: (B, H, T, D)
        t = torch.arange(x.shape[-2], dtype=torch.float32)
        freqs = torch.outer(t, self.inv_freq)               # (T, D/2)
        cos, sin = freqs.cos(), freqs.sin()
        x1, x2 = x[..., ::2], x[..., 1::2]
        rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
        return rotated.flatten(-2)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.proj = nn.Linear(d, d)
        self.rotary = Rotary(self.hd)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (z.view(B, T, self.heads, self.hd).transpose(1, 2) for z in (q, k, v))
        q, k = self.rotary(q), self.rotary(k)
        att = torch.einsum("...qd,...kd->...qk", q, k) / math.sqrt(self.hd)
        causal = torch.triu(torch.ones(T, T), diagonal=1).bool()
        att = F.softmax(att.masked_fill(causal, float("-inf")), dim=-1)
        y = torch.einsum("...qk,...kd->...qd", att, v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class TinyLM(nn.Module):
    def __init__(self, vocab_size, d=32, heads=4, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab_size, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, idx, targets=None):
        x = self.tok(idx)
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


model = TinyLM(len(vocab))
assert "blocks.0.rotary.inv_freq" not in model.state_dict()
init_weights(model)
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=3e-3, betas=(0.9, 0.95))
warmup = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=0.3, total_iters=4)
decay_sched = torch.optim.lr_scheduler.PolynomialLR(optimizer, total_iters=20, power=1.5)
scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, decay_sched], milestones=[4])
starts = np.random.default_rng(2).integers(0, len(data) - 17, (16, 8))
for step in range(16):
    ix = torch.from_numpy(starts[step])
    xb = torch.stack([data[i:i + 16] for i in ix])
    yb = torch.stack([data[i + 1:i + 17] for i in ix])
    _, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    print(f"LOSS {step} {loss.item():.6f}")
    print(f"LOSS lr{step} {scheduler.get_last_lr()[0]:.8f}")

model.eval()
with torch.no_grad():
    idx = torch.tensor([[stoi["t"], stoi["o"]]])
    for _ in range(20):
        logits, _ = model(idx)
        idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
print("SAMPLE", repr("".join(vocab[i] for i in idx[0].tolist())))
