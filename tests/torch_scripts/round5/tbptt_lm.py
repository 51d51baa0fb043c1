"""A word-level LSTM language model trained with truncated backpropagation through time, as
the word_language_model example does: the token stream batchified into (T, B) columns,
get_batch(i) slices of bptt steps, the hidden state carried across batches and detached
(repackage_hidden on a tuple) so that gradients stop at the batch boundary, clip_grad_norm_,
a manual SGD update (p.data.add_(p.grad, alpha=-lr)), the learning rate divided by 4 when
validation loss stops improving, tied input/output embeddings; then evaluation perplexity."""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(151)
V, E, BPTT = 16, 16, 7


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


class RNNModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, E, num_layers=2, dropout=0.0)
        self.decoder = nn.Linear(E, V)
        self.decoder.weight = self.encoder.weight  # tied

    def forward(self, x, hidden):
        out, hidden = self.rnn(self.encoder(x), hidden)
        return self.decoder(out).view(-1, V), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(2, bsz, E), weight.new_zeros(2, bsz, E))


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data[:nbatch * bsz].view(bsz, -1).t().contiguous()


def get_batch(source, i):
    seq_len = min(BPTT, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


# a token stream from a small Markov chain
trans = rng.dirichlet(np.ones(V) * 0.3, size=V)
stream = [0]
for _ in range(700):
    stream.append(int(rng.choice(V, p=trans[stream[-1]])))
tokens = torch.tensor(stream)
train_data = batchify(tokens[:560], 4)
val_data = batchify(tokens[560:], 2)

model = RNNModel()
init_weights(model)
lr, best_val = 5.0, None


def evaluate(source):
    model.eval()
    total = 0.0
    hidden = model.init_hidden(source.size(1))
    with torch.no_grad():
        for i in range(0, source.size(0) - 1, BPTT):
            data, targets = get_batch(source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total += len(data) * F.cross_entropy(output, targets).item()
    return total / (len(source) - 1)


for epoch in range(3):
    model.train()
    hidden = model.init_hidden(4)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, BPTT)):
        data, targets = get_batch(train_data, i)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(data, hidden)
        loss = F.cross_entropy(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        if batch % 6 == 0:
            print(f"LOSS e{epoch}b{batch} {loss.item():.5f} {hidden[0].requires_grad} "
                  f"{hidden[1].abs().sum().item():.4f}")
    val_loss = evaluate(val_data)
    print(f"LOSS val{epoch} {val_loss:.5f} {math.exp(val_loss):.4f} {lr}")
    if best_val is None or val_loss < best_val:
        best_val = val_loss
    else:
        lr /= 4.0
print("LOSS tied", model.decoder.weight is model.encoder.weight,
      len(list(model.parameters())), len(model.state_dict()))
