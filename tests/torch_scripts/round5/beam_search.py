"""Beam search over a small GRU language model, as the decoding tutorials write it with tensor
ops only: scores of shape (batch, beam), log_softmax over the vocabulary, topk over the
flattened beam*vocab scores, the parent beam by integer division (torch.div(...,
rounding_mode='floor')) and the token by remainder, hidden states reordered with
index_select / gather, finished beams frozen with torch.where and masked_fill, a length
penalty; the model first trained a few steps so that the scores are not uniform. float64
keeps topk away from float32 near-ties between beams."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(101)
V, H, EOS, BOS = 10, 20, 1, 0


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


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, 12)
        self.rnn = nn.GRU(12, H, batch_first=True)
        self.out = nn.Linear(H, V)

    def forward(self, tokens, h=None):
        out, h = self.rnn(self.embed(tokens), h)
        return self.out(out), h


# training text: counting sequences that end with EOS
seqs = []
for _ in range(32):
    start = int(rng.integers(2, 6))
    n = int(rng.integers(2, 5))
    seqs.append([BOS] + [min(start + i, V - 1) for i in range(n)] + [EOS] + [EOS] * (5 - n))
data = torch.tensor(seqs)
model = LM()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
for step in range(15):
    logits, _ = model(data[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, V), data[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(f"LOSS train{step} {loss.item():.6f}")


@torch.no_grad()
def beam_search(model, batch, beam=3, steps=6, alpha=0.7):
    tokens = torch.full((batch * beam, 1), BOS, dtype=torch.long)
    scores = torch.zeros(batch, beam)
    scores[:, 1:] = float("-inf")  # only the first beam starts alive
    finished = torch.zeros(batch, beam, dtype=torch.bool)
    lengths = torch.zeros(batch, beam)
    h = None
    for _ in range(steps):
        logits, h = model(tokens[:, -1:], h)
        logp = F.log_softmax(logits[:, -1], dim=-1).view(batch, beam, V)
        # a finished beam only extends with EOS at no cost
        eos_only = torch.full((V,), float("-inf"))
        eos_only[EOS] = 0.0
        logp = torch.where(finished.unsqueeze(-1), eos_only, logp)
        cand = (scores.unsqueeze(-1) + logp).view(batch, -1)
        scores, flat = cand.topk(beam, dim=1)
        parent = torch.div(flat, V, rounding_mode="floor")
        token = flat % V
        rows = (parent + torch.arange(batch).unsqueeze(1) * beam).view(-1)
        tokens = torch.cat([tokens.index_select(0, rows), token.view(-1, 1)], 1)
        h = h.index_select(1, rows)
        finished = finished.gather(1, parent)
        lengths = lengths.gather(1, parent) + (~finished).to(lengths.dtype)
        finished = finished | (token == EOS)
    normed = scores / ((5 + lengths) / 6) ** alpha
    best = normed.argmax(1)
    return tokens.view(batch, beam, -1), scores, normed, best


out, scores, normed, best = beam_search(model, batch=2)
print("LOSS scores", " ".join(f"{s:.5f}" for s in scores.flatten().tolist()))
print("LOSS normed", " ".join(f"{s:.5f}" for s in normed.flatten().tolist()), best.tolist())
print("LOSS tokens", out[0, 0].tolist(), out[1, best[1]].tolist())
masked = scores.masked_fill(normed < normed.max(1, keepdim=True).values, 0.0)
print("LOSS masked", f"{masked.sum().item():.5f}", int((masked != 0).sum()))
