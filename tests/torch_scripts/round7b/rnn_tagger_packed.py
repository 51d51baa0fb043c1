"""A sequence tagger as the NER/POS notebooks write it: variable-length sentences padded
with nn.utils.rnn.pad_sequence (tokens with padding_value=PAD, tags with padding_value=-100),
a bidirectional 2-layer LSTM with proj_size, a bidirectional GRU and an nn.RNN stacked on
packed sequences (pack_padded_sequence(enforce_sorted=False), pad_packed_sequence with
total_length), PackedSequence.to(device), flatten_parameters() and all_weights,
cross_entropy(ignore_index=-100), and masked token accuracy in float64."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


PAD, VOCAB, TAGS = 0, 15, 4
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
rng = np.random.default_rng(74)
sents = [rng.integers(1, VOCAB, size=int(rng.integers(2, 9))) for _ in range(24)]
tags = [np.minimum((s + np.roll(s, 1)) % 5, TAGS - 1) for s in sents]


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 10, padding_idx=PAD)
        self.lstm = nn.LSTM(10, 12, num_layers=2, bidirectional=True, batch_first=True,
                            proj_size=6)
        self.gru = nn.GRU(12, 8, bidirectional=True, batch_first=True)
        self.rnn = nn.RNN(16, 8, nonlinearity="tanh", batch_first=True)
        self.out = nn.Linear(8, TAGS)

    def run(self, layer, x, lengths, total):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        layer.flatten_parameters()  # as scripts written for cuDNN do
        out, hidden = layer(packed.to(DEVICE))
        out, out_lengths = pad_packed_sequence(out, batch_first=True, total_length=total)
        return out, hidden, out_lengths

    def forward(self, tokens, lengths):
        total = tokens.size(1)
        x = self.emb(tokens)
        x, (h, c), _ = self.run(self.lstm, x, lengths, total)
        x, h2, _ = self.run(self.gru, x, lengths, total)
        x, h3, out_lengths = self.run(self.rnn, x, lengths, total)
        return self.out(x), h, c, h2, h3, out_lengths


model = Tagger()
init_weights(model)
print("LOSS shapes", [tuple(p.shape) for n, p in model.lstm.named_parameters()][:5],
      [len(w) for w in model.lstm.all_weights], len(model.rnn.all_weights))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(5):
    total = 0.0
    for b in range(0, len(sents), 8):
        toks = pad_sequence([torch.tensor(s) for s in sents[b:b + 8]], batch_first=True,
                            padding_value=PAD)
        gold = pad_sequence([torch.tensor(t) for t in tags[b:b + 8]], batch_first=True,
                            padding_value=-100)
        lengths = torch.tensor([len(s) for s in sents[b:b + 8]])
        logits, h, c, h2, h3, out_lengths = model(toks, lengths)
        loss = F.cross_entropy(logits.reshape(-1, TAGS), gold.reshape(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"LOSS epoch{epoch} {total / 3:.5f} {tuple(h.shape)} {tuple(c.shape)} "
          f"{tuple(h2.shape)} {tuple(h3.shape)} {out_lengths.tolist()[:4]}")

model = model.double()
with torch.no_grad():
    toks = pad_sequence([torch.tensor(s) for s in sents], batch_first=True, padding_value=PAD)
    gold = pad_sequence([torch.tensor(t) for t in tags], batch_first=True, padding_value=-100)
    lengths = torch.tensor([len(s) for s in sents])
    logits = model(toks, lengths)[0]
    mask = gold != -100
    acc = (logits.argmax(-1)[mask] == gold[mask]).double().mean()
    padded_rows = logits[0, len(sents[0]):].abs().sum()
print(f"LOSS accuracy {acc.item():.5f} {mask.sum().item()} {tuple(logits.shape)} "
      f"{padded_rows.item():.5f}")
