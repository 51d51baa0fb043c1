"""Attention written three ways, as blog posts on einsum do: multi-head self-attention with
torch.einsum('bhqd,bhkd->bhqk') and 'bhqk,bhkd->bhqd', the same with torch.bmm on
(B * heads, T, d) views and torch.baddbmm adding a relative-position bias with beta/alpha,
and F.scaled_dot_product_attention with is_causal=True and with a boolean attn_mask; plus
einsum's other faces (a bilinear form 'bi,oij,bj->bo', ellipsis '...ij,...jk', the diagonal
'ii->i', a trace, outer products 'i,j->ij'), torch.addmm / addbmm / tensordot, and a small
causal sequence model trained with these pieces."""
# ruff: noqa: B007  (the tutorial's own style, kept as written)
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(12)
T, D, H = 10, 16, 4
SEQ = torch.from_numpy(rng.integers(0, 8, size=(24, T + 1)))


class EinsumAttention(nn.Module):
    def __init__(self, dim, heads, mode):
        super().__init__()
        self.heads, self.mode = heads, mode
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.rel_bias = nn.Parameter(torch.zeros(2 * T - 1))
        idx = torch.arange(T)
        self.register_buffer("rel_index", idx[None, :] - idx[:, None] + T - 1, persistent=False)
        self.register_buffer("causal", torch.tril(torch.ones(T, T, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        B, L, C = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(B, L, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        bias = self.rel_bias[self.rel_index[:L, :L]]
        scale = 1.0 / math.sqrt(C // self.heads)
        if self.mode == "einsum":
            scores = torch.einsum("bhqd,bhkd->bhqk", q, k) * scale + bias
            scores = scores.masked_fill(~self.causal[:L, :L], float("-inf"))
            out = torch.einsum("bhqk,bhkd->bhqd", scores.softmax(dim=-1), v)
        elif self.mode == "bmm":
            qf = q.reshape(B * self.heads, L, -1)
            kf = k.reshape(B * self.heads, L, -1)
            vf = v.reshape(B * self.heads, L, -1)
            scores = torch.baddbmm(bias.expand(B * self.heads, L, L), qf, kf.transpose(1, 2), beta=1.0, alpha=scale)
            scores = scores.masked_fill(self.causal[:L, :L].logical_not(), -1e9)
            out = torch.bmm(F.softmax(scores, dim=-1), vf).view(B, self.heads, L, -1)
        else:
            mask = self.causal[:L, :L]
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.masked_fill(~mask, float("-inf")))
        out = out.transpose(1, 2).contiguous().view(B, L, C)
        return self.proj(out)


class TinyLM(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.emb = nn.Embedding(8, D)
        self.attn = EinsumAttention(D, H, mode)
        self.ln = nn.LayerNorm(D)
        self.out = nn.Linear(D, 8)

    def forward(self, idx):
        x = self.emb(idx)
        x = x + self.attn(self.ln(x))
        return self.out(x)


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
models = {m: TinyLM(m) for m in ("einsum", "bmm", "sdpa")}
init_weights(models["einsum"])
models["bmm"].load_state_dict(models["einsum"].state_dict())
models["sdpa"].load_state_dict(models["einsum"].state_dict())
with torch.no_grad():
    models["einsum"].attn.rel_bias.copy_(torch.linspace(-0.5, 0.5, 2 * T - 1))
    models["bmm"].attn.rel_bias.copy_(models["einsum"].attn.rel_bias)
    models["sdpa"].attn.rel_bias.copy_(models["einsum"].attn.rel_bias)
    outs = [m(SEQ[:4, :T]) for m in models.values()]
print("LOSS same", torch.allclose(outs[0], outs[1], atol=1e-5), torch.allclose(outs[0], outs[2], atol=1e-5),
      f"{outs[0].abs().mean().item():.6f}")
for name, model in models.items():
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(4):
        logits = model(SEQ[:, :T])
        loss = F.cross_entropy(logits.reshape(-1, 8), SEQ[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"LOSS {name} {loss.item():.6f} {model.attn.rel_bias.grad.norm().item():.6f}")
causal = F.scaled_dot_product_attention(*(torch.ones(1, 2, 4, 3).cumsum(2) / 4,) * 3, is_causal=True)
print("LOSS is_causal", f"{causal.sum().item():.6f}")

a = torch.from_numpy(rng.normal(size=(3, 4)).astype(np.float32))
b = torch.from_numpy(rng.normal(size=(4, 5)).astype(np.float32))
sq = torch.from_numpy(rng.normal(size=(4, 4)).astype(np.float32))
W = torch.from_numpy(rng.normal(size=(2, 4, 4)).astype(np.float32)).requires_grad_()
x = torch.from_numpy(rng.normal(size=(3, 4)).astype(np.float32)).requires_grad_()
bil = torch.einsum("bi,oij,bj->bo", x, W, x)
bil.pow(2).sum().backward()
print("LOSS bilinear", f"{bil.sum().item():.6f}", f"{W.grad.abs().sum().item():.6f}", f"{x.grad.sum().item():.6f}")
batched = torch.einsum("...ij,...jk->...ik", a.expand(2, 3, 4), b)
print("LOSS einsum", tuple(batched.shape), f"{torch.einsum('ii->i', sq).sum().item():.6f}",
      f"{torch.einsum('ii', sq).item():.6f}", f"{torch.einsum('i,j->ij', a[0], b[:, 0]).sum().item():.6f}",
      f"{torch.einsum('ij->', a).item():.6f}", f"{torch.einsum('ij,ij->i', a, a).sum().item():.6f}")
m1 = torch.addmm(torch.ones(3, 5), a, b, beta=0.5, alpha=2.0)
m2 = torch.addbmm(torch.zeros(3, 5), a.expand(2, 3, 4), b.expand(2, 4, 5))
m3 = torch.tensordot(a, b, dims=([1], [0]))
m4 = torch.tensordot(a.expand(2, 3, 4), b.expand(3, 4, 5), dims=2)
print("LOSS addmm", f"{m1.sum().item():.6f}", f"{m2.sum().item():.6f}", f"{m3.sum().item():.6f}",
      f"{m4.sum().item():.6f}", tuple(m4.shape))
