"""Char-level LSTM language model: train, then sample with temperature and torch.multinomial."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
text = ("the quick brown fox jumps over the lazy dog. " * 20)
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)


class CharRNN(nn.Module):
    def __init__(self, vocab, emb=16, hidden=32, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, num_layers=layers, batch_first=True, dropout=0.0)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embed(x), state)
        return self.head(out), state


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


model = CharRNN(len(chars))
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
seq, batch = 20, 8
starts = np.random.default_rng(0).integers(0, len(data) - seq - 1, size=(30, batch))
for step in range(30):
    idx = torch.as_tensor(starts[step])
    x = torch.stack([data[i:i + seq] for i in idx])
    y = torch.stack([data[i + 1:i + seq + 1] for i in idx])
    logits, _ = model(x)
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    print(f"LOSS {step} {loss.item():.6f}")


@torch.no_grad()
def sample(model, prefix, n=60, temperature=0.8):
    model.eval()
    x = torch.tensor([[stoi[c] for c in prefix]])
    logits, state = model(x)
    out = list(prefix)
    for _ in range(n):
        probs = F.softmax(logits[:, -1, :] / temperature, dim=-1)
        nxt = torch.multinomial(probs, num_samples=1)
        out.append(itos[nxt.item()])
        logits, state = model(nxt, state)
    return "".join(out)


text_out = sample(model, "the ")
print("SAMPLE", repr(text_out))
assert len(text_out) == 64
