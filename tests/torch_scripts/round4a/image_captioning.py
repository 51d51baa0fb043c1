"""Image captioning (the encoder-decoder tutorial shape) on toy "scenes": a CNN EncoderCNN with a
frozen-feature option and nn.Linear + BatchNorm1d(momentum=0.01) to the embedding size, a
DecoderRNN with nn.Embedding and nn.GRU(batch_first=True) whose first input is the image feature
(torch.cat((features.unsqueeze(1), embeddings), 1)), captions padded with pad_sequence, the
loss with CrossEntropyLoss(ignore_index=PAD) on outputs[:, :-1] reshaped; greedy sample() that
feeds back the argmax with the hidden state, stopping at <end>; and the tokens mapped back to
words."""
# ruff: noqa: B007  (the tutorial's own style, kept as written)
import os

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence

rng = np.random.default_rng(10)
VOCAB = ["<pad>", "<start>", "<end>", "a", "red", "blue", "square", "circle", "on", "left", "right"]
PAD, START, END = 0, 1, 2
w2i = {w: i for i, w in enumerate(VOCAB)}


def make_scene():
    img = np.zeros((3, 12, 12), dtype=np.float32)
    color = rng.integers(0, 2)
    shape = rng.integers(0, 2)
    side = rng.integers(0, 2)
    cols = slice(0, 6) if side == 0 else slice(6, 12)
    if shape == 0:
        img[color * 2, 3:9, cols] = 1.0
    else:
        img[color * 2, 5:7, cols] = 1.0
    img += rng.normal(0, 0.1, size=img.shape).astype(np.float32)
    words = ["a", ["red", "blue"][color], ["square", "circle"][shape]]
    if rng.random() < 0.5:
        words += ["on", ["left", "right"][side]]
    return img, [START] + [w2i[w] for w in words] + [END]


scenes = [make_scene() for _ in range(24)]
images = torch.from_numpy(np.stack([s[0] for s in scenes]))
captions = pad_sequence([torch.tensor(s[1]) for s in scenes], batch_first=True, padding_value=PAD)
lengths = [len(s[1]) for s in scenes]


class EncoderCNN(nn.Module):
    def __init__(self, embed_size):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d((2, 2)))
        self.linear = nn.Linear(32, embed_size, bias=False)  # the BatchNorm after it has the bias
        self.bn = nn.BatchNorm1d(embed_size, momentum=0.01)

    def forward(self, images):
        features = self.cnn(images)
        features = features.reshape(features.size(0), -1)
        return self.bn(self.linear(features))


class DecoderRNN(nn.Module):
    def __init__(self, embed_size, hidden_size, vocab_size, max_seq_length=8):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.gru = nn.GRU(embed_size, hidden_size, 1, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)
        self.max_seg_length = max_seq_length

    def forward(self, features, captions):
        embeddings = self.embed(captions)
        embeddings = torch.cat((features.unsqueeze(1), embeddings), 1)
        hiddens, _ = self.gru(embeddings)
        return self.linear(hiddens)

    def sample(self, features, states=None):
        sampled_ids = []
        inputs = features.unsqueeze(1)
        for i in range(self.max_seg_length):
            hiddens, states = self.gru(inputs, states)
            outputs = self.linear(hiddens.squeeze(1))
            _, predicted = outputs.max(1)
            sampled_ids.append(predicted)
            inputs = self.embed(predicted)
            inputs = inputs.unsqueeze(1)
        return torch.stack(sampled_ids, 1)


def init_weights(modules):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for tag, m in modules.items():
            m.load_state_dict({k[len(tag) + 1:]: torch.from_numpy(arrays[k]) for k in arrays.files
                               if k.startswith(tag + ".")})
    else:
        np.savez(path, **{f"{tag}.{k}": v.detach().numpy() for tag, m in modules.items()
                          for k, v in m.state_dict().items()})


torch.manual_seed(0)
encoder = EncoderCNN(16)
decoder = DecoderRNN(16, 24, len(VOCAB))
init_weights({"enc": encoder, "dec": decoder})
criterion = nn.CrossEntropyLoss(ignore_index=PAD)
params = list(decoder.parameters()) + list(encoder.linear.parameters()) + list(encoder.bn.parameters())
optimizer = torch.optim.Adam(params, lr=1e-2)
print("LOSS data", tuple(captions.shape), max(lengths), captions[0].tolist())
for epoch in range(6):
    encoder.train()
    decoder.train()
    total = 0.0
    for i in range(0, 24, 8):
        imgs, caps = images[i:i + 8], captions[i:i + 8]
        features = encoder(imgs)
        outputs = decoder(features, caps[:, 1:])  # the image feature stands in for <start>
        loss = criterion(outputs[:, :-1].reshape(-1, len(VOCAB)), caps[:, 1:].reshape(-1))
        decoder.zero_grad()
        encoder.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"LOSS epoch{epoch} {total:.6f}")

encoder.eval()
decoder.eval()
with torch.no_grad():
    feats = encoder(images[:4])
    sampled_ids = decoder.sample(feats)
sentences = []
for ids in sampled_ids.tolist():
    words = []
    for word_id in ids:
        if word_id == END:
            break
        words.append(VOCAB[word_id])
    sentences.append("_".join(words))
print("LOSS captions", *sentences)
print("LOSS bn", f"{encoder.bn.running_mean.abs().sum().item():.6f}", f"{encoder.bn.running_var.mean().item():.6f}")
