"""Seq2seq GRU encoder-decoder with teacher forcing: learn to reverse digit sequences."""
import os
import random

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
random.seed(0)
SOS, EOS, VOCAB, LEN = 10, 11, 12, 5
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Encoder(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)

    def forward(self, src):
        outputs, hidden = self.gru(self.embedding(src))
        return outputs, hidden


class Decoder(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, VOCAB)

    def forward(self, token, hidden):
        output, hidden = self.gru(torch.relu(self.embedding(token)), hidden)
        return torch.log_softmax(self.out(output.squeeze(1)), dim=1), hidden


class Seq2Seq(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.encoder, self.decoder = Encoder(hidden), Decoder(hidden)

    def forward(self, src, trg=None, teacher_forcing_ratio=0.5, max_len=LEN + 1):
        _, hidden = self.encoder(src)
        token = torch.full((src.size(0), 1), SOS, dtype=torch.long, device=src.device)
        outputs = []
        for t in range(max_len):
            logp, hidden = self.decoder(token, hidden)
            outputs.append(logp)
            teacher = trg is not None and random.random() < teacher_forcing_ratio
            top1 = logp.argmax(1)
            token = (trg[:, t] if teacher else top1).unsqueeze(1).detach()
        return torch.stack(outputs, dim=1)


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
src = torch.from_numpy(rng.integers(0, 10, (256, LEN)))
trg = torch.cat([src.flip(1), torch.full((256, 1), EOS)], dim=1)
model = Seq2Seq().to(device)
init_weights(model)
criterion = nn.NLLLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(40):
    i = (step * 32) % 256
    s, t = src[i:i + 32].to(device), trg[i:i + 32].to(device)
    model.train()
    out = model(s, t, teacher_forcing_ratio=0.5)
    loss = criterion(out.reshape(-1, VOCAB), t.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    print(f"LOSS {step} {loss.item():.6f}")

model.eval()
with torch.no_grad():
    pred = model(src[:64]).argmax(-1)
    acc = (pred == trg[:64]).float().mean().item()
    values, indices = model(src[:2]).topk(2, dim=-1)
print(f"ACC {acc:.4f}", tuple(indices.shape))
