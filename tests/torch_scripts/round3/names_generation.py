"""Generating names with a character-level RNN (the NLP-from-scratch tutorial): a category
one-hot, the input and the hidden state concatenated, nn.Dropout, LogSoftmax + NLLLoss summed
over the letters, a hand-written SGD step through p.data.add_, then greedy sampling with topk."""
# ruff: noqa: B007  (the tutorial's own style, kept as written)
import os
import string

import numpy as np
import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'-"
n_letters = len(all_letters) + 1  # plus EOS marker
category_lines = {
    "English": ["Abbott", "Barker", "Collins", "Dawson", "Ellis"],
    "French": ["Abel", "Beaumont", "Chevalier", "Dubois", "Etienne"],
    "Italian": ["Abate", "Bianchi", "Conti", "Donati", "Esposito"],
}
all_categories = list(category_lines)
n_categories = len(all_categories)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def categoryTensor(category):
    li = all_categories.index(category)
    tensor = torch.zeros(1, n_categories)
    tensor[0][li] = 1
    return tensor


def inputTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        letter = line[li]
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


def targetTensor(line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)  # EOS
    return torch.LongTensor(letter_indexes)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rnn = RNN(n_letters, 32, n_letters)
init_weights(rnn)
criterion = nn.NLLLoss()
learning_rate = 0.05


def train(category_tensor, input_line_tensor, target_line_tensor):
    target_line_tensor.unsqueeze_(-1)
    hidden = rnn.initHidden()
    rnn.zero_grad()
    loss = torch.Tensor([0])
    for i in range(input_line_tensor.size(0)):
        output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
        l = criterion(output, target_line_tensor[i])
        loss += l
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item() / input_line_tensor.size(0)


rnn.eval()  # dropout off: both frameworks take the same steps (train mode draws masks)
order = [(c, line) for line_i in range(5) for c in all_categories
         for line in [category_lines[c][line_i]]]
for epoch in range(4):
    total = 0.0
    for category, line in order:
        output, loss = train(categoryTensor(category), inputTensor(line), targetTensor(line))
        total += loss
    print(f"LOSS {epoch} {total / len(order):.6f}")

max_length = 10


def sample(category, start_letter="A"):
    with torch.no_grad():
        category_tensor = categoryTensor(category)
        input = inputTensor(start_letter)
        hidden = rnn.initHidden()
        output_name = start_letter
        for i in range(max_length):
            output, hidden = rnn(category_tensor, input[0], hidden)
            topv, topi = output.topk(1)
            topi = topi[0][0]
            if topi == n_letters - 1:
                break
            letter = all_letters[topi]
            output_name += letter
            input = inputTensor(letter)
        return output_name, output.exp().sum().item(), hidden.norm().item()


for c in all_categories:
    name, s, h = sample(c, "B")
    print(f"LOSS sample_{c} {s:.6f} {h:.6f}", name)
rnn.train()
out1, _ = rnn(categoryTensor("French"), inputTensor("A")[0], rnn.initHidden())
assert out1.shape == (1, n_letters)
