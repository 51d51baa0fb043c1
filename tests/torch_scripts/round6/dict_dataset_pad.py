"""A custom Dataset whose __getitem__ returns a dict (token ids of varying length, a label,
a length), a collate_fn that pads with pad_sequence(batch_first=True, padding_value=PAD) and
builds an attention mask, a DataLoader over it, an embedding + masked-mean classifier and a
GRU over packed sequences; the same batches through default_collate of equal-length dicts."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.dataloader import default_collate


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


PAD, VOCAB = 0, 20
rng = np.random.default_rng(612)
seqs = [rng.integers(1, VOCAB, size=int(rng.integers(3, 10))) for _ in range(40)]
labels = [int((s > 10).mean() > 0.5) for s in seqs]


class TokenDataset(Dataset):
    def __init__(self, seqs, labels):
        self.seqs, self.labels = seqs, labels

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        ids = torch.tensor(self.seqs[i], dtype=torch.long)
        return {"input_ids": ids, "label": torch.tensor(self.labels[i]), "length": len(ids)}


def collate(batch):
    ids = pad_sequence([b["input_ids"] for b in batch], batch_first=True, padding_value=PAD)
    return {"input_ids": ids, "attention_mask": (ids != PAD).long(),
            "labels": torch.stack([b["label"] for b in batch]),
            "lengths": torch.tensor([b["length"] for b in batch])}


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 12, padding_idx=PAD)
        self.gru = nn.GRU(12, 10, batch_first=True)
        self.out = nn.Linear(12 + 10, 2)

    def forward(self, input_ids, attention_mask, lengths):
        e = self.emb(input_ids)
        m = attention_mask.unsqueeze(-1).float()
        pooled = (e * m).sum(1) / m.sum(1).clamp(min=1.0)
        packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        return self.out(torch.cat([pooled, h[-1]], dim=1))


ds = TokenDataset(seqs, labels)
loader = DataLoader(ds, batch_size=8, shuffle=False, collate_fn=collate)
batch = next(iter(loader))
print("LOSS batch", tuple(batch["input_ids"].shape), batch["attention_mask"].sum().item(),
      batch["lengths"].tolist(), batch["input_ids"][0].tolist(), sorted(batch.keys()))
padded = pad_sequence([torch.tensor(s[:4]) for s in seqs[:3]], batch_first=False, padding_value=-1)
print("LOSS pad_first", tuple(padded.shape), padded.min().item(), ds[3]["length"])
model = Classifier()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(4):
    total = 0.0
    for b in loader:
        loss = F.cross_entropy(model(b["input_ids"], b["attention_mask"], b["lengths"]), b["labels"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"LOSS epoch{epoch} {total / len(loader):.6f} {model.emb.weight[PAD].abs().sum().item():.6f}")
same = [{"x": torch.tensor(s[:3]), "y": labels[i], "name": f"s{i}"} for i, s in enumerate(seqs[:4])]
c = default_collate(same)
print("LOSS default_collate", tuple(c["x"].shape), c["y"].tolist(), c["name"], c["y"].dtype == torch.int64)
