"""Sequence models and word embeddings tutorials: an LSTM stepped one input at a time with a
(h, c) tuple, then the whole sequence at once; the LSTM part-of-speech tagger
(embeds.view(len(sentence), 1, -1), log_softmax + NLLLoss); and the N-gram language model
(an nn.Embedding, context indices, embeddings.weight[ix] looked up afterwards)."""
# ruff: noqa: B007, UP008  (the tutorial's own style, kept as written)
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


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


rng = np.random.default_rng(0)
lstm = nn.LSTM(3, 3)
init_weights(lstm, "lstm")
inputs = [torch.from_numpy(rng.normal(size=(1, 3)).astype(np.float32)) for _ in range(5)]
hidden = (torch.from_numpy(rng.normal(size=(1, 1, 3)).astype(np.float32)),
          torch.from_numpy(rng.normal(size=(1, 1, 3)).astype(np.float32)))
h0 = hidden
for i in inputs:
    out, hidden = lstm(i.view(1, 1, -1), hidden)
print("LOSS step", out.sum().item(), hidden[1].sum().item())
inputs = torch.cat(inputs).view(len(inputs), 1, -1)
out, hidden = lstm(inputs, h0)
print("LOSS whole", out.sum().item(), out[-1].sum().item(), hidden[0].sum().item())


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


training_data = [
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"]),
]
word_to_ix = {}
for sent, tags in training_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


model = LSTMTagger(6, 6, len(word_to_ix), len(tag_to_ix))
init_weights(model, "tagger")
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
for epoch in range(30):
    total = 0.0
    for sentence, tags in training_data:
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
        total += loss.item()
    if epoch % 6 == 5:
        print(f"LOSS tagger{epoch} {total:.6f}")
with torch.no_grad():
    tag_scores = model(prepare_sequence(training_data[0][0], word_to_ix))
    print("LOSS tags", tag_scores.sum().item(), tag_scores.argmax(1).tolist())

CONTEXT_SIZE = 2
EMBEDDING_DIM = 8
test_sentence = """When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held""".split()
ngrams = [
    ([test_sentence[i - j - 1] for j in range(CONTEXT_SIZE)], test_sentence[i])
    for i in range(CONTEXT_SIZE, len(test_sentence))
]
vocab = sorted(set(test_sentence))
word_to_ix = {word: i for i, word in enumerate(vocab)}


class NGramLanguageModeler(nn.Module):
    def __init__(self, vocab_size, embedding_dim, context_size):
        super(NGramLanguageModeler, self).__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.linear1 = nn.Linear(context_size * embedding_dim, 32)
        self.linear2 = nn.Linear(32, vocab_size)

    def forward(self, inputs):
        embeds = self.embeddings(inputs).view((1, -1))
        out = F.relu(self.linear1(embeds))
        out = self.linear2(out)
        log_probs = F.log_softmax(out, dim=1)
        return log_probs


losses = []
loss_function = nn.NLLLoss()
model = NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE)
init_weights(model, "ngram")
optimizer = optim.SGD(model.parameters(), lr=0.001)
for epoch in range(4):
    total_loss = 0
    for context, target in ngrams:
        context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
        model.zero_grad()
        log_probs = model(context_idxs)
        loss = loss_function(log_probs, torch.tensor([word_to_ix[target]], dtype=torch.long))
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    losses.append(total_loss)
    print(f"LOSS ngram{epoch} {total_loss:.6f}")
print("LOSS beauty", model.embeddings.weight[word_to_ix["beauty's"]].sum().item())
