"""Text classification with nn.EmbeddingBag: a tiny hand-made corpus, a vocabulary built in
the script, a collate_fn that builds offsets with torch.tensor(...).cumsum(dim=0), SGD with
StepLR and clip_grad_norm_, as in the torchtext tutorial (without torchtext)."""
# ruff: noqa: B007  (the tutorial's own style, kept as written)
import os
from collections import Counter

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, random_split

corpus = [
    (0, "stocks fell as markets slid on rate fears"),
    (1, "the team won the final match in overtime"),
    (2, "new chip doubles battery life of phones"),
    (3, "storm brings heavy rain to the coast"),
    (0, "bank shares rose after strong earnings"),
    (1, "striker scores twice as club wins league"),
    (2, "software update fixes security flaw"),
    (3, "heat wave expected across the region"),
    (0, "oil prices climb on supply worries"),
    (1, "coach praises defence after narrow win"),
    (2, "startup unveils faster cloud servers"),
    (3, "snow and ice close mountain roads"),
    (0, "investors cheer merger of two banks"),
    (1, "fans celebrate cup victory in the streets"),
    (2, "researchers build tiny robot from chips"),
    (3, "flood warnings issued after rain"),
] * 3


def tokenizer(line):
    return line.lower().split()


counter = Counter(tok for _, line in corpus for tok in tokenizer(line))
itos = ["<unk>"] + sorted(counter)
stoi = {w: i for i, w in enumerate(itos)}


def vocab(tokens):
    return [stoi.get(t, 0) for t in tokens]


def text_pipeline(x):
    return vocab(tokenizer(x))


def label_pipeline(x):
    return int(x)


class ListDataset(Dataset):
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list, text_list, offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class, mode="mean"):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, mode=mode, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


def init_weights(model, tag):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    path = f"{path}.{tag}.npz"
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


train_dataset = ListDataset(corpus[:40])
test_dataset = ListDataset(corpus[40:])
num_train = int(len(train_dataset) * 0.75)
split_train_, split_valid_ = random_split(
    train_dataset, [num_train, len(train_dataset) - num_train],
    generator=torch.Generator().manual_seed(0))
assert len(split_train_) == 30 and len(split_valid_) == 10
criterion = torch.nn.CrossEntropyLoss()


def evaluate(model, dataloader):
    model.eval()
    total_acc, total_count, total_loss = 0, 0, 0.0
    with torch.no_grad():
        for label, text, offsets in dataloader:
            predicted_label = model(text, offsets)
            total_loss += criterion(predicted_label, label).item() * label.size(0)
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
    return total_acc / total_count, total_loss / total_count


for mode in ("mean", "sum", "max"):
    model = TextClassificationModel(len(itos), 8, 4, mode=mode)
    init_weights(model, mode)
    optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.5)
    train_dataloader = DataLoader(ListDataset(corpus[:30]), batch_size=8, shuffle=False,
                                  collate_fn=collate_batch)
    test_dataloader = DataLoader(test_dataset, batch_size=8, shuffle=False,
                                 collate_fn=collate_batch)
    for epoch in range(1, 4):
        model.train()
        for idx, (label, text, offsets) in enumerate(train_dataloader):
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
        scheduler.step()
        acc, val_loss = evaluate(model, test_dataloader)
        print(f"LOSS {mode}{epoch} {val_loss:.6f} {acc:.4f} {loss.item():.6f}")
    label, text, offsets = collate_batch([(0, "markets rose on chip news"), (3, "rain")])
    print(f"LOSS {mode}_predict {model(text, offsets).sum().item():.6f}",
          offsets.tolist(), text.dtype == torch.int64)

# per_sample_weights (mode="sum") and padding_idx
bag = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0)
init_weights(bag, "bag")
inp = torch.tensor([1, 2, 0, 4, 0, 3, 9])
offs = torch.tensor([0, 3])
w = torch.tensor([0.5, 1.0, 2.0, 1.5, 3.0, 1.0, 0.25], requires_grad=True)
out = bag(inp, offs, per_sample_weights=w)
out.pow(2).sum().backward()
print("LOSS bag_out", out.sum().item(), bag.weight.grad.abs().sum().item(), w.grad.sum().item())
out2 = nn.functional.embedding_bag(torch.tensor([[1, 2], [3, 0]]), bag.weight, mode="mean")
print("LOSS bag_2d", out2.sum().item())
