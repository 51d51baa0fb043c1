"""A small speech-recognition-style model trained with CTC, as the ASR tutorials write it:
features (N, C, T) through a Conv1d front end with stride, a bidirectional GRU, log_softmax
over the vocabulary with blank=0 transposed to (T, N, C); nn.CTCLoss with per-sample input and
target lengths, targets given padded (N, S) and concatenated (sum(S),), reduction 'mean', 'sum'
and 'none', zero_infinity=True for a target too long for its input; then greedy CTC decoding
(argmax, collapse repeats, drop blanks)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)  # CTC's forward-backward sums many exp() terms
rng = np.random.default_rng(51)
C, V, T = 8, 6, 24


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


class SpeechModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(C, 16, kernel_size=3, stride=2, padding=1)
        self.rnn = nn.GRU(16, 12, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(24, V)

    def forward(self, feats):
        h = F.gelu(self.conv(feats)).transpose(1, 2)  # (N, T', 16)
        h, _ = self.rnn(h)
        return self.fc(h).log_softmax(2).transpose(0, 1)  # (T', N, V)


N = 6
feats = torch.from_numpy(rng.normal(size=(N, C, T)))
in_lens = torch.tensor([12, 12, 10, 11, 9, 12])
tgt_lens = torch.tensor([3, 4, 2, 5, 3, 4])
targets = torch.zeros(N, 5, dtype=torch.long)
for i in range(N):
    targets[i, :tgt_lens[i]] = torch.from_numpy(rng.integers(1, V, size=int(tgt_lens[i])))
flat = torch.cat([targets[i, :tgt_lens[i]] for i in range(N)])

model = SpeechModel()
init_weights(model)
ctc = nn.CTCLoss(blank=0)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(25):
    logp = model(feats)
    loss = ctc(logp, targets, in_lens, tgt_lens)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        flat_loss = F.ctc_loss(logp, flat, in_lens, tgt_lens, reduction="sum")
        print(f"LOSS step{step} {loss.item():.6f} {flat_loss.item():.5f}")

with torch.no_grad():
    logp = model(feats)
    each = F.ctc_loss(logp, targets, in_lens, tgt_lens, reduction="none")
    print("LOSS none", " ".join(f"{v:.5f}" for v in each.tolist()))
    # a 9-label target cannot fit 4 frames: inf, or 0 with zero_infinity
    short = torch.tensor([4, 12, 10, 11, 9, 12])
    long_t = torch.tensor([9, 4, 2, 5, 3, 4])
    long_targets = torch.cat([torch.ones(9, dtype=torch.long), flat[3:]])
    inf = F.ctc_loss(logp, long_targets, short, long_t, reduction="none")
    zeroed = F.ctc_loss(logp, long_targets, short, long_t, reduction="none", zero_infinity=True)
    print("LOSS infinite", inf[0].item(), zeroed[0].item(), f"{zeroed[1:].sum().item():.5f}")
    best = logp.argmax(2).transpose(0, 1)
    decoded = []
    for i in range(N):
        seq = best[i, :in_lens[i]].tolist()
        decoded.append([s for j, s in enumerate(seq) if s != 0 and (j == 0 or s != seq[j - 1])])
    print("LOSS decoded", sum(len(d) for d in decoded),
          sum(d == targets[i, :tgt_lens[i]].tolist() for i, d in enumerate(decoded)))
