"""A decoder-only and an encoder-decoder model built from nn.TransformerDecoder, as the
language-model tutorials write them: a causal mask from
nn.Transformer.generate_square_subsequent_mask (a float -inf mask) and the same mask as bools,
tgt_key_padding_mask and memory_key_padding_mask for padded batches, batch_first=True,
norm_first=True layers with a final LayerNorm, dropout=0.0 so that the runs compare; the padded
positions' losses ignored with ignore_index; then a check that the causal mask makes the first
positions independent of later tokens."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(5)
V, D, PAD = 11, 16, 0


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


class Seq2SeqTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_embed = nn.Embedding(V, D, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(V, D, padding_idx=PAD)
        self.pos = nn.Parameter(torch.zeros(1, 12, D))
        enc_layer = nn.TransformerEncoderLayer(D, 2, dim_feedforward=32, dropout=0.0,
                                               batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, num_layers=1, enable_nested_tensor=False)
        dec_layer = nn.TransformerDecoderLayer(D, 2, dim_feedforward=32, dropout=0.0,
                                               batch_first=True, norm_first=True,
                                               activation="gelu")
        self.decoder = nn.TransformerDecoder(dec_layer, num_layers=2, norm=nn.LayerNorm(D))
        self.head = nn.Linear(D, V)

    def forward(self, src, tgt, src_pad, tgt_pad, causal):
        memory = self.encoder(self.src_embed(src) + self.pos[:, :src.size(1)],
                              src_key_padding_mask=src_pad)
        out = self.decoder(self.tgt_embed(tgt) + self.pos[:, :tgt.size(1)], memory,
                           tgt_mask=causal, tgt_key_padding_mask=tgt_pad,
                           memory_key_padding_mask=src_pad, tgt_is_causal=True)
        return self.head(out)


def batch(n):
    src = np.zeros((n, 9), dtype=np.int64)
    tgt = np.zeros((n, 10), dtype=np.int64)
    for i in range(n):
        k = rng.integers(3, 9)
        seq = rng.integers(2, V, size=k)
        src[i, :k] = seq
        tgt[i, 0] = 1
        tgt[i, 1:k + 1] = np.sort(seq)  # the task: sort the tokens
    return torch.from_numpy(src), torch.from_numpy(tgt)


model = Seq2SeqTransformer()
# the decoder-only language model: a TransformerDecoder on its own tokens (memory = itself)
lm_layer = nn.TransformerDecoderLayer(D, 4, 32, dropout=0.0, batch_first=True)
lm = nn.TransformerDecoder(lm_layer, 1)
init_weights(model, lm)
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
data = [batch(12) for _ in range(4)]
for epoch in range(4):
    for i, (src, tgt) in enumerate(data):
        tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
        causal = nn.Transformer.generate_square_subsequent_mask(tgt_in.size(1))
        logits = model(src, tgt_in, src == PAD, tgt_in == PAD, causal)
        loss = F.cross_entropy(logits.reshape(-1, V), tgt_out.reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i % 2 == 0:
            print(f"LOSS e{epoch}b{i} {loss.item():.5f}")

model.eval()
src, tgt = data[0]
tgt_in = tgt[:, :-1]
L = tgt_in.size(1)
float_mask = nn.Transformer.generate_square_subsequent_mask(L)
bool_mask = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
with torch.no_grad():
    a = model(src, tgt_in, src == PAD, tgt_in == PAD, float_mask)
    b = model(src, tgt_in, src == PAD, tgt_in == PAD, bool_mask)
    changed = tgt_in.clone()
    changed[:, 5:] = 3
    c = model(src, changed, src == PAD, changed == PAD, float_mask)
print("LOSS masks", f"{(a - b).abs().max().item() < 1e-5}", f"{a[:, :5].sum().item():.4f}",
      f"{(a[:, :5] - c[:, :5]).abs().max().item() < 1e-5}")
print("LOSS mask_values", float_mask[0, 1].item(), float_mask[1, 0].item(), float_mask.shape[0])
emb = model.tgt_embed(tgt_in).detach()
with torch.no_grad():
    out = lm(emb, emb, tgt_mask=float_mask, memory_mask=float_mask)
print("LOSS lm", f"{out.pow(2).mean().item():.5f}", f"{out[:, -1].sum().item():.4f}")
