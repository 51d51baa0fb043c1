"""A word-level language model with a large vocabulary trained through
nn.AdaptiveLogSoftmaxWithLoss (frequency clusters with cutoffs and div_value), as the
"efficient softmax" posts write it: the module's .loss and log_prob / predict.
glassnet lacks the layer: it must refuse it by name before any step."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(83)
VOCAB = 200
tokens = torch.from_numpy(np.minimum(rng.zipf(1.3, size=(16, 9)) - 1, VOCAB - 1))


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 16)
        self.gru = nn.GRU(16, 32, batch_first=True)
        self.out = nn.AdaptiveLogSoftmaxWithLoss(32, VOCAB, cutoffs=[10, 50], div_value=2.0)

    def forward(self, x, y):
        h, _ = self.gru(self.emb(x))
        return self.out(h.reshape(-1, 32), y.reshape(-1))


model = LM()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(3):
    result = model(tokens[:, :-1], tokens[:, 1:])
    opt.zero_grad()
    result.loss.backward()
    opt.step()
    print(f"LOSS epoch{epoch} {result.loss.item():.4f} {tuple(result.output.shape)}")
