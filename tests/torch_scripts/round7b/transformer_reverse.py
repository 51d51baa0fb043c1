"""The full nn.Transformer encoder-decoder on a sequence-reversal task, written like the
"language translation with nn.Transformer" tutorial: token + sinusoidal position embeddings,
batch_first=True, generate_square_subsequent_mask for the decoder, src/tgt/memory key padding
masks built from a PAD token, cross_entropy(ignore_index=PAD), Adam with a warmup LambdaLR,
and greedy decoding under model.eval() + no_grad, all in float64 (model.double()): Adam on
a transformer turns float32 roundings into visible differences within a few dozen steps."""
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


PAD, BOS, EOS, VOCAB = 0, 1, 2, 12
rng = np.random.default_rng(71)


def make_pair(n):
    s = rng.integers(3, VOCAB, size=n)
    return s, s[::-1]


pairs = [make_pair(int(rng.integers(3, 7))) for _ in range(48)]


def batchify(items):
    L = max(len(s) for s, _ in items)
    src = torch.full((len(items), L), PAD, dtype=torch.long)
    tgt = torch.full((len(items), L + 2), PAD, dtype=torch.long)
    for i, (s, t) in enumerate(items):
        src[i, :len(s)] = torch.tensor(s.copy())
        tgt[i, :len(t) + 2] = torch.tensor([BOS, *t.tolist(), EOS])
    return src, tgt


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=32):
        super().__init__()
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe, persistent=False)

    def forward(self, x):
        return x + self.pe[: x.size(1)].unsqueeze(0)


class Seq2SeqTransformer(nn.Module):
    def __init__(self, d_model=32, nhead=4):
        super().__init__()
        self.d_model = d_model
        self.src_emb = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        self.pos = PositionalEncoding(d_model)
        self.transformer = nn.Transformer(d_model=d_model, nhead=nhead, num_encoder_layers=2,
                                          num_decoder_layers=2, dim_feedforward=64,
                                          dropout=0.0, batch_first=True)
        self.generator = nn.Linear(d_model, VOCAB)

    def embed(self, emb, tokens):
        return self.pos(emb(tokens) * math.sqrt(self.d_model))

    def encode(self, src, src_pad):
        return self.transformer.encoder(self.embed(self.src_emb, src), src_key_padding_mask=src_pad)

    def decode(self, tgt, memory, memory_pad):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        out = self.transformer.decoder(self.embed(self.tgt_emb, tgt), memory, tgt_mask=mask,
                                       memory_key_padding_mask=memory_pad)
        return self.generator(out)

    def forward(self, src, tgt_in):
        src_pad = src == PAD
        tgt_pad = tgt_in == PAD
        tgt_mask = self.transformer.generate_square_subsequent_mask(tgt_in.size(1))
        out = self.transformer(self.embed(self.src_emb, src), self.embed(self.tgt_emb, tgt_in),
                               tgt_mask=tgt_mask, src_key_padding_mask=src_pad,
                               tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad,
                               tgt_is_causal=True)
        return self.generator(out)


model = Seq2SeqTransformer()
init_weights(model)
model = model.double()  # float64: Adam on a transformer amplifies float32 rounding
mask = nn.Transformer.generate_square_subsequent_mask(4)
print("LOSS mask", mask[0].tolist(), mask.dtype == torch.float32, int(torch.isinf(mask).sum()))
opt = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda step: 0.1 * 32 ** -0.5 * min((step + 1) ** -0.5, (step + 1) * 10 ** -1.5))
for epoch in range(8):
    model.train()
    total = 0.0
    for b in range(0, len(pairs), 12):
        src, tgt = batchify(pairs[b:b + 12])
        logits = model(src, tgt[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt[:, 1:].reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        total += loss.item()
    print(f"LOSS epoch{epoch} {total / 4:.5f} {sched.get_last_lr()[0]:.6f}")

model.eval()
with torch.no_grad():
    src, tgt = batchify(pairs[:6])
    memory = model.encode(src, src == PAD)
    ys = torch.full((src.size(0), 1), BOS, dtype=torch.long)
    for _ in range(src.size(1) + 1):
        logits = model.decode(ys, memory, src == PAD)
        ys = torch.cat([ys, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    full = model(src, tgt[:, :-1])
    nll = F.cross_entropy(full.reshape(-1, VOCAB), tgt[:, 1:].reshape(-1), ignore_index=PAD)
print(f"LOSS eval_nll {nll.item():.5f} {tuple(memory.shape)} {memory.dtype == torch.float64}")
print("LOSS greedy", ys[:2].tolist())
