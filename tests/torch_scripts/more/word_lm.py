"""Word-level language model in the style of pytorch/examples/word_language_model: a corpus
dictionary, batchify, get_batch with bptt, a 2-layer LSTM with tied encoder/decoder weights,
hidden state repackaged (detached) across batches, clip_grad_norm_, a hand-written SGD update
with p.data.add_(p.grad, alpha=-lr), and evaluation perplexity under torch.no_grad()."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1111)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Dictionary:
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


rng = np.random.default_rng(5)
subjects, verbs, objects = ["the cat", "a dog", "my friend", "the bird"], ["sees", "likes", "eats"], ["fish", "seeds", "the ball", "a cake"]
sentences = [f"{subjects[rng.integers(4)]} {verbs[rng.integers(3)]} {objects[rng.integers(4)]} ." for _ in range(120)]
dictionary = Dictionary()
ids = []
for line in sentences:
    for word in line.split() + ["<eos>"]:
        ids.append(dictionary.add_word(word))
ids = torch.tensor(ids, dtype=torch.int64)
split = int(len(ids) * 0.8)
train_ids, val_ids = ids[:split], ids[split:]


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous().to(device)


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError("When using the tied flag, nhid must be equal to emsize")
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.nhid, self.nlayers = nhid, nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


bptt, batch_size, eval_batch_size = 10, 8, 4
train_data = batchify(train_ids, batch_size)
val_data = batchify(val_ids, eval_batch_size)


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


ntokens = len(dictionary)
model = RNNModel(ntokens, 16, 16, 2, dropout=0.0, tie_weights=True).to(device)
assert model.decoder.weight is model.encoder.weight
assert len(list(model.parameters())) == len(model.state_dict()) - 1
init_weights(model)
criterion = nn.NLLLoss()
lr = 5.0


def evaluate(data_source):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


step = 0
for epoch in range(1, 4):
    model.train()
    hidden = model.init_hidden(batch_size)
    for i in range(0, train_data.size(0) - 1, bptt):
        data, targets = get_batch(train_data, i)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        print(f"LOSS {step} {loss.item():.6f}")
        step += 1
    val_loss = evaluate(val_data)
    print(f"LOSS val{epoch} {val_loss:.6f}")
    print(f"| end of epoch {epoch} | valid ppl {math.exp(val_loss):8.2f}")
    lr /= 2.0
