"""Variable-length sequences through a DataLoader: a custom collate_fn with
torch.nn.utils.rnn.pad_sequence(batch_first=True, padding_value=PAD), lengths and a padding
mask, pack_padded_sequence(enforce_sorted=False) into a GRU; batches from
batch_sampler=BatchSampler(SequentialSampler(ds), 4, drop_last=False), from a custom
length-bucketing Sampler of index lists, and from sampler=BatchSampler(...) with
batch_size=None; drop_last=True; a masked mean loss."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import BatchSampler, DataLoader, Dataset, Sampler, SequentialSampler

PAD = 0


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(11)
SEQS = [rng.integers(1, 20, size=int(n)) for n in rng.integers(2, 9, size=26)]
LABELS = [int(s.sum() % 2) for s in SEQS]


class SeqDataset(Dataset):
    def __len__(self):
        return len(SEQS)

    def __getitem__(self, i):
        return torch.tensor(SEQS[i], dtype=torch.long), LABELS[i]


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=PAD)
    return padded, lengths, torch.tensor(labels)


class BucketSampler(Sampler):
    """Batches of indices of similar length (sorted by length, then chunked)."""

    def __init__(self, lengths, batch_size):
        self.order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
        self.batch_size = batch_size

    def __iter__(self):
        for i in range(0, len(self.order), self.batch_size):
            yield self.order[i:i + self.batch_size]

    def __len__(self):
        return (len(self.order) + self.batch_size - 1) // self.batch_size


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8, padding_idx=PAD)
        self.gru = nn.GRU(8, 10, batch_first=True)
        self.out = nn.Linear(10, 2)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(self.embed(x), lengths, batch_first=True,
                                      enforce_sorted=False)
        out, h = self.gru(packed)
        unpacked, out_lengths = pad_packed_sequence(out, batch_first=True)
        mask = (x != PAD).unsqueeze(-1).float()
        pooled = (unpacked * mask[:, :unpacked.shape[1]]).sum(1) / lengths.unsqueeze(1)
        return self.out(h[-1] + pooled), out_lengths


ds = SeqDataset()
model = Classifier()
init_weights(model)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, drop_last=False),
                    collate_fn=collate)
x, lengths, y = next(iter(loader))
print("LOSS first_batch", tuple(x.shape), lengths.tolist(), y.tolist(), x[0].tolist(),
      len(loader))
for epoch in range(3):
    total = 0.0
    for x, lengths, y in loader:
        logits, out_lengths = model(x, lengths)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
    print(f"LOSS seq_epoch{epoch} {total / len(ds):.6f} {out_lengths.tolist()}")

bucket = DataLoader(ds, batch_sampler=BucketSampler([len(s) for s in SEQS], 5),
                    collate_fn=collate)
for epoch in range(2):
    shapes = []
    for x, lengths, y in bucket:
        logits, _ = model(x, lengths)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        shapes.append(x.shape[1])
    print(f"LOSS bucket{epoch} {loss.item():.6f}", shapes, len(bucket))

# sampler=BatchSampler with batch_size=None: the dataset receives whole index lists
class BatchIndexed(Dataset):
    def __len__(self):
        return len(SEQS)

    def __getitem__(self, idx):
        return collate([ds[i] for i in idx])


direct = DataLoader(BatchIndexed(), sampler=BatchSampler(SequentialSampler(range(26)), 6,
                                                         drop_last=True), batch_size=None)
sizes = []
for x, lengths, y in direct:
    logits, _ = model(x, lengths)
    sizes.append(len(y))
    masked = F.cross_entropy(logits, y, reduction="none")
print(f"LOSS direct {masked.mean().item():.6f}", sizes, len(direct))

dropped = DataLoader(ds, batch_size=8, shuffle=False, drop_last=True, collate_fn=collate)
print("LOSS drop_last", len(dropped), [len(b[2]) for b in dropped],
      len(DataLoader(ds, batch_size=8, collate_fn=collate)))

# a masked language-model style loss over the padding
x, lengths, y = next(iter(loader))
emb = model.embed(x)
mask = x != PAD
target = (x * 3) % 20
scores = emb @ model.embed.weight.T
per_token = F.cross_entropy(scores.transpose(1, 2), target, reduction="none")
masked_mean = (per_token * mask).sum() / mask.sum()
ignore = F.cross_entropy(scores.reshape(-1, 20), target.masked_fill(~mask, -100).reshape(-1),
                         ignore_index=-100)
print(f"LOSS masked {masked_mean.item():.6f} {ignore.item():.6f} {mask.sum().item()}")
