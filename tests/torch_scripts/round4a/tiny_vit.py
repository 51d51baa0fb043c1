"""A tiny Vision Transformer (the "ViT from scratch" notebooks): PatchEmbedding with a strided
Conv2d then .flatten(2).transpose(1, 2), a cls token nn.Parameter(torch.zeros(1, 1, D))
expanded over the batch, a learned positional embedding initialised with nn.init.trunc_normal_,
nn.TransformerEncoder of nn.TransformerEncoderLayer(batch_first=True, norm_first=True,
activation="gelu", dropout=0.0), a LayerNorm head on the cls output, AdamW with weight decay
only on matrices (param groups by p.ndim), and an attention map read from a standalone
nn.MultiheadAttention with average_attn_weights=False; also patches made with Tensor.unfold
checked against the conv embedding."""
import os

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(5)
IMG, PATCH, D = 16, 4, 24


def make_data(n):
    x = rng.normal(0, 0.5, size=(n, 3, IMG, IMG)).astype(np.float32)
    y = rng.integers(0, 3, size=n)
    for i in range(n):
        r, c = divmod(int(y[i]) * 5, IMG)
        x[i, y[i], 4 * y[i]:4 * y[i] + 6, 2:10] += 1.5
    return torch.from_numpy(x), torch.from_numpy(y)


class PatchEmbedding(nn.Module):
    def __init__(self, in_channels=3, patch_size=PATCH, emb_size=D, img_size=IMG):
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_channels, emb_size, kernel_size=patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, emb_size))
        self.positions = nn.Parameter(torch.zeros(1, (img_size // patch_size) ** 2 + 1, emb_size))
        nn.init.trunc_normal_(self.positions, std=0.02)

    def forward(self, x):
        b = x.shape[0]
        x = self.proj(x).flatten(2).transpose(1, 2)
        cls_tokens = self.cls_token.expand(b, -1, -1)
        x = torch.cat([cls_tokens, x], dim=1)
        return x + self.positions


class ViT(nn.Module):
    def __init__(self, num_classes=3, depth=2, heads=4):
        super().__init__()
        self.embed = PatchEmbedding()
        layer = nn.TransformerEncoderLayer(d_model=D, nhead=heads, dim_feedforward=2 * D, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(D, eps=1e-6)
        self.head = nn.Linear(D, num_classes)

    def forward(self, x):
        x = self.embed(x)
        x = self.encoder(x)
        return self.head(self.norm(x[:, 0]))


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
model = ViT()
init_weights(model)
decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "positions" not in n and "cls_token" not in n]
no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "positions" not in n and "cls_token" not in n)]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=3e-3, betas=(0.9, 0.999))
print("LOSS groups", len(decay), len(no_decay), sum(p.numel() for p in model.parameters()))
X, Y = make_data(36)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
for epoch in range(5):
    model.train()
    total = 0.0
    for i in range(0, 36, 12):
        loss = criterion(model(X[i:i + 12]), Y[i:i + 12])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        total += loss.item()
    model.eval()
    with torch.no_grad():
        acc = (model(X).argmax(-1) == Y).float().mean().item()
    print(f"LOSS epoch{epoch} {total:.6f} {acc:.4f}")

# patches with unfold agree with the conv embedding
with torch.no_grad():
    patches = X[:2].unfold(2, PATCH, PATCH).unfold(3, PATCH, PATCH)  # (B, C, 4, 4, P, P)
    patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(2, -1, 3 * PATCH * PATCH)
    w = model.embed.proj.weight.reshape(D, -1)
    by_unfold = patches @ w.T + model.embed.proj.bias
    by_conv = model.embed.proj(X[:2]).flatten(2).transpose(1, 2)
    print("LOSS unfold", tuple(patches.shape), torch.allclose(by_unfold, by_conv, atol=1e-5),
          f"{by_unfold.abs().mean().item():.6f}")
    tokens = model.embed(X[:2])
    attn = nn.MultiheadAttention(D, 4, batch_first=True)
    init = {k: v * 0 + 0.01 * torch.arange(v.numel(), dtype=v.dtype).reshape(v.shape).cos()
            for k, v in attn.state_dict().items()}
    attn.load_state_dict(init)
    out, weights = attn(tokens, tokens, tokens, need_weights=True, average_attn_weights=False)
    print("LOSS attn", tuple(weights.shape), f"{weights[:, :, 0].sum().item():.5f}",
          f"{weights[0, 1, 0, :5].sum().item():.6f}", f"{out.pow(2).mean().item():.6f}")
