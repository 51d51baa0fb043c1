"""Attention with the options the model-zoo code passes: nn.MultiheadAttention with kdim/vdim
different from embed_dim, add_bias_kv and add_zero_attn, need_weights with
average_attn_weights=False (per-head maps), a 3-D attn_mask of shape (N*num_heads, L, S),
a bool and a float key_padding_mask, batch_first=False; F.scaled_dot_product_attention with
is_causal=True, with a bool and a float attn_mask and with scale=; the pieces trained together
on a pointer task (attend to the position that holds the largest value)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)  # softmax over near-equal scores: no float32 ties
rng = np.random.default_rng(181)
L, S, N, E, H = 5, 7, 6, 12, 3


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


class Pointer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_in = nn.Linear(1, E)
        self.k_in = nn.Linear(2, 8)
        self.v_in = nn.Linear(2, 10)
        self.attn = nn.MultiheadAttention(E, H, kdim=8, vdim=10, add_bias_kv=True,
                                          add_zero_attn=True)
        self.proj = nn.Linear(E, 3 * E)
        self.out = nn.Linear(E, 1)

    def forward(self, q, kv, pad, mask):
        query = self.q_in(q).transpose(0, 1)  # (L, N, E): batch_first=False
        out, weights = self.attn(query, self.k_in(kv).transpose(0, 1),
                                 self.v_in(kv).transpose(0, 1), key_padding_mask=pad,
                                 attn_mask=mask, average_attn_weights=False)
        qq, kk, vv = self.proj(out.transpose(0, 1)).view(N, L, 3, H, E // H).unbind(2)
        fused = F.scaled_dot_product_attention(qq.transpose(1, 2), kk.transpose(1, 2),
                                               vv.transpose(1, 2), is_causal=True)
        return self.out(fused.transpose(1, 2).reshape(N, L, E)).squeeze(-1), weights


q = torch.from_numpy(rng.normal(size=(N, L, 1)))
vals = rng.normal(size=(N, S))
kv = torch.from_numpy(np.stack([vals, np.linspace(0, 1, S)[None].repeat(N, 0)], -1))
lengths = np.array([7, 5, 6, 7, 4, 6])
pad = torch.from_numpy(np.arange(S)[None] >= lengths[:, None])
target = torch.from_numpy(np.array([vals[i, :n].max() for i, n in enumerate(lengths)]))
# a 3-D float mask: each head sees a different bias on the keys
mask = torch.from_numpy(rng.normal(size=(N * H, L, S)) * 0.1)
model = Pointer()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(12):
    out, weights = model(q, kv, pad, mask)
    loss = F.mse_loss(out.mean(1), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"LOSS step{step} {loss.item():.6f} {tuple(weights.shape)} "
              f"{weights[:, :, :, -1].sum().item():.6f} {weights[1, :, :, 5:8].sum().item():.6f}")

with torch.no_grad():
    float_pad = torch.zeros(N, S).masked_fill(pad, float("-inf"))
    a, wa = model.attn(model.q_in(q).transpose(0, 1), model.k_in(kv).transpose(0, 1),
                       model.v_in(kv).transpose(0, 1), key_padding_mask=float_pad)
    b, wb = model.attn(model.q_in(q).transpose(0, 1), model.k_in(kv).transpose(0, 1),
                       model.v_in(kv).transpose(0, 1), key_padding_mask=pad, need_weights=False)
    print("LOSS mha", f"{a.sum().item():.6f}", tuple(wa.shape), wb is None,
          f"{(a - b).abs().max().item():.1e}")
    x = torch.from_numpy(rng.normal(size=(2, 3, 4, 8)))
    allowed = torch.from_numpy(rng.random((4, 4)) > 0.3) | torch.eye(4, dtype=torch.bool)
    s1 = F.scaled_dot_product_attention(x, x, x, attn_mask=allowed)
    s2 = F.scaled_dot_product_attention(x, x, x, attn_mask=torch.from_numpy(rng.normal(size=(2, 1, 4, 4))),
                                        scale=0.5)
    s3 = F.scaled_dot_product_attention(x, x[:, :, :3], x[:, :, :3], is_causal=True)
    print("LOSS sdpa", f"{s1.sum().item():.6f}", f"{s2.sum().item():.6f}", f"{s3.sum().item():.6f}")
