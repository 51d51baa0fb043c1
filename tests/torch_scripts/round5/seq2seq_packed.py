"""A seq2seq model as the translation tutorials write it, on variable-length batches: the
encoder packs its embedded batch with pack_padded_sequence(enforce_sorted=False) (lengths given
as a CPU tensor, batch_first=True), runs a bidirectional GRU and unpacks with
pad_packed_sequence(total_length=...); the two directions' final states are summed into the
initial state of an LSTM decoder run step by step with teacher forcing on a fixed schedule;
the loss is CrossEntropyLoss(ignore_index=PAD); then greedy decoding."""
import os

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, SOS, EOS, V = 0, 1, 2, 12
rng = np.random.default_rng(21)


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


def make_batch(n):
    lengths = rng.integers(2, 8, size=n)
    src = np.zeros((n, 8), dtype=np.int64)
    tgt = np.zeros((n, 10), dtype=np.int64)
    for i, n_tok in enumerate(lengths):
        seq = rng.integers(3, V, size=n_tok)
        src[i, :n_tok] = seq
        out = [SOS] + list(seq[::-1]) + [EOS]  # the task: reverse the sequence
        tgt[i, :len(out)] = out
    return torch.from_numpy(src), torch.from_numpy(lengths), torch.from_numpy(tgt)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, 16, padding_idx=PAD)
        self.rnn = nn.GRU(16, 24, batch_first=True, bidirectional=True)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(self.embed(src), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, h = self.rnn(packed)
        out, out_lengths = pad_packed_sequence(out, batch_first=True, total_length=src.size(1))
        return out, out_lengths, h[0] + h[1]


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, 16, padding_idx=PAD)
        self.rnn = nn.LSTM(16, 24, batch_first=True)
        self.out = nn.Linear(24, V)

    def forward(self, token, state):
        out, state = self.rnn(self.embed(token).unsqueeze(1), state)
        return self.out(out.squeeze(1)), state


encoder, decoder = Encoder(), Decoder()
init_weights(encoder, decoder)
params = list(encoder.parameters()) + list(decoder.parameters())
opt = torch.optim.Adam(params, lr=5e-3)
criterion = nn.CrossEntropyLoss(ignore_index=PAD)
batches = [make_batch(16) for _ in range(6)]

for epoch in range(3):
    for b, (src, lengths, tgt) in enumerate(batches):
        enc_out, out_lengths, h = encoder(src, lengths)
        state = (h.unsqueeze(0), torch.zeros_like(h).unsqueeze(0))
        token = tgt[:, 0]
        loss = 0.0
        for t in range(1, tgt.size(1)):
            logits, state = decoder(token, state)
            loss = loss + criterion(logits, tgt[:, t]) if (tgt[:, t] != PAD).any() else loss
            teacher = (t + b + epoch) % 3 != 0  # a fixed teacher-forcing schedule
            token = tgt[:, t] if teacher else logits.argmax(1).detach()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if b % 2 == 0:
            print(f"LOSS e{epoch}b{b} {loss.item():.5f} {enc_out.abs().sum().item():.4f} "
                  f"{out_lengths.tolist() == lengths.tolist()}")

encoder.eval()
decoder.eval()
with torch.no_grad():
    src, lengths, tgt = batches[0]
    _, _, h = encoder(src[:4], lengths[:4])
    state = (h.unsqueeze(0), torch.zeros_like(h).unsqueeze(0))
    token = torch.full((4,), SOS, dtype=torch.long)
    scores = []
    for _ in range(6):
        logits, state = decoder(token, state)
        scores.append(logits.log_softmax(1).max(1).values)
        token = logits.argmax(1)
    print("LOSS greedy", " ".join(f"{s:.5f}" for s in torch.stack(scores).sum(0).tolist()))
