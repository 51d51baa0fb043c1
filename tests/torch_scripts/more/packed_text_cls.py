"""Variable-length text classification: a custom Dataset of token-id lists, a collate_fn with
pad_sequence and lengths, Embedding(padding_idx=0), a Conv1d over the permuted sequence,
pack_padded_sequence(enforce_sorted=False) into a bidirectional GRU, h_n of both directions
concatenated, a masked mean-pool with masked_fill, and argmax accuracy under torch.no_grad()."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
VOCAB, PAD = 30, 0


class ToyTextDataset(Dataset):
    """Class 1 when token 7 appears more often than token 9."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.items = []
        for _ in range(n):
            length = int(rng.integers(3, 13))
            toks = rng.integers(1, VOCAB, length).tolist()
            self.items.append((toks, int(toks.count(7) + (toks[0] % 2) > toks.count(9))))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        toks, label = self.items[i]
        return torch.tensor(toks, dtype=torch.long), label


def collate_batch(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=PAD)
    return padded, lengths, torch.tensor(labels)


class TextClassifier(nn.Module):
    def __init__(self, emb=12, hidden=16, n_classes=2):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, emb, padding_idx=PAD)
        self.conv = nn.Conv1d(emb, emb, kernel_size=3, padding=1)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden + emb, n_classes)

    def forward(self, text, lengths):
        x = self.embedding(text)                                  # (B, T, E)
        x = F.relu(self.conv(x.permute(0, 2, 1))).permute(0, 2, 1).contiguous()
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, h_n = self.gru(packed)
        out, out_lengths = pad_packed_sequence(packed_out, batch_first=True)
        assert torch.equal(out_lengths, lengths)
        hidden = torch.cat((h_n[-2, :, :], h_n[-1, :, :]), dim=1)
        mask = (text == PAD).unsqueeze(-1)
        pooled = x.masked_fill(mask, 0.0).sum(1) / lengths.unsqueeze(1).float()
        return self.fc(torch.cat([hidden, pooled], dim=1))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


train_dl = DataLoader(ToyTextDataset(96, 0), batch_size=16, shuffle=False, collate_fn=collate_batch)
test_dl = DataLoader(ToyTextDataset(48, 1), batch_size=24, collate_fn=collate_batch)
model = TextClassifier().to(device)
init_weights(model)
optimizer = torch.optim.RMSprop(model.parameters(), lr=5e-3, alpha=0.9)
criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
step = 0
for epoch in range(3):
    model.train()
    for text, lengths, label in train_dl:
        text, label = text.to(device), label.to(device)
        optimizer.zero_grad()
        logits = model(text, lengths)
        loss = criterion(logits, label)
        loss.backward()
        optimizer.step()
        print(f"LOSS {step} {loss.item():.6f}")
        step += 1
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for text, lengths, label in test_dl:
            predicted = model(text, lengths).argmax(1)
            correct += (predicted == label).sum().item()
            total += label.size(0)
    print(f"LOSS acc{epoch} {correct / total:.6f}")
