"""A temporal convolutional network (Bai et al.'s TCN as reimplemented in many repos): a
Chomp1d module that drops the right padding (x[:, :, :-self.chomp_size].contiguous()),
TemporalBlock with dilated Conv1d under nn.utils.weight_norm (weight_g / weight_v in the
state_dict), a 1x1 downsample residual, init with weight.data.normal_(0, 0.01) overwritten by
the loaded weights, then the same causal convolution written with F.pad(x, (left, 0)) checked
against it; trained on the adding problem with MSELoss and clip_grad_norm_."""
import os
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

warnings.filterwarnings("ignore")
rng = np.random.default_rng(6)
SEQ = 24


def adding_problem(n):
    values = rng.random((n, 1, SEQ)).astype(np.float32)
    marks = np.zeros((n, 1, SEQ), dtype=np.float32)
    for i in range(n):
        a, b = rng.choice(SEQ, size=2, replace=False)
        marks[i, 0, [a, b]] = 1
    x = np.concatenate([values, marks], axis=1)
    y = (values * marks).sum((1, 2))[:, None].astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(y)


class Chomp1d(nn.Module):
    def __init__(self, chomp_size):
        super().__init__()
        self.chomp_size = chomp_size

    def forward(self, x):
        return x[:, :, :-self.chomp_size].contiguous()


class TemporalBlock(nn.Module):
    def __init__(self, n_inputs, n_outputs, kernel_size, stride, dilation, padding, dropout=0.0):
        super().__init__()
        self.conv1 = weight_norm(nn.Conv1d(n_inputs, n_outputs, kernel_size, stride=stride,
                                           padding=padding, dilation=dilation))
        self.chomp1 = Chomp1d(padding)
        self.relu1 = nn.ReLU()
        self.dropout1 = nn.Dropout(dropout)
        self.conv2 = weight_norm(nn.Conv1d(n_outputs, n_outputs, kernel_size, stride=stride,
                                           padding=padding, dilation=dilation))
        self.chomp2 = Chomp1d(padding)
        self.relu2 = nn.ReLU()
        self.dropout2 = nn.Dropout(dropout)
        self.net = nn.Sequential(self.conv1, self.chomp1, self.relu1, self.dropout1,
                                 self.conv2, self.chomp2, self.relu2, self.dropout2)
        self.downsample = nn.Conv1d(n_inputs, n_outputs, 1) if n_inputs != n_outputs else None
        self.relu = nn.ReLU()
        self.init_weights()

    def init_weights(self):
        self.conv1.weight.data.normal_(0, 0.01)
        self.conv2.weight.data.normal_(0, 0.01)
        if self.downsample is not None:
            self.downsample.weight.data.normal_(0, 0.01)

    def forward(self, x):
        out = self.net(x)
        res = x if self.downsample is None else self.downsample(x)
        return self.relu(out + res)


class TemporalConvNet(nn.Module):
    def __init__(self, num_inputs, num_channels, kernel_size=2, dropout=0.0):
        super().__init__()
        layers = []
        num_levels = len(num_channels)
        for i in range(num_levels):
            dilation_size = 2 ** i
            in_channels = num_inputs if i == 0 else num_channels[i - 1]
            out_channels = num_channels[i]
            layers += [TemporalBlock(in_channels, out_channels, kernel_size, stride=1, dilation=dilation_size,
                                     padding=(kernel_size - 1) * dilation_size, dropout=dropout)]
        self.network = nn.Sequential(*layers)

    def forward(self, x):
        return self.network(x)


class TCN(nn.Module):
    def __init__(self, input_size, output_size, num_channels, kernel_size):
        super().__init__()
        self.tcn = TemporalConvNet(input_size, num_channels, kernel_size=kernel_size)
        self.linear = nn.Linear(num_channels[-1], output_size)

    def forward(self, x):
        y1 = self.tcn(x)
        return self.linear(y1[:, :, -1])


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().numpy() for k, v in model.state_dict().items()})


torch.manual_seed(0)
model = TCN(2, 1, [8, 8, 8], kernel_size=3)
init_weights(model)
keys = [k for k in model.state_dict() if "tcn.network.0.conv1" in k]
print("LOSS keys", *sorted(keys), tuple(model.tcn.network[0].conv1.weight_g.shape))
x_train, y_train = adding_problem(64)
x_test, y_test = adding_problem(16)
optimizer = torch.optim.Adam(model.parameters(), lr=4e-3)
for epoch in range(5):
    model.train()
    total = 0.0
    for i in range(0, 64, 16):
        optimizer.zero_grad()
        output = model(x_train[i:i + 16])
        loss = F.mse_loss(output, y_train[i:i + 16])
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        total += loss.item()
    model.eval()
    with torch.no_grad():
        test_loss = F.mse_loss(model(x_test), y_test).item()
    print(f"LOSS epoch{epoch} {total:.6f} {test_loss:.6f} {norm.item():.6f}")

# the same causal dilated convolution with F.pad on the left, from the weight_norm'd weight
block = model.tcn.network[1]
with torch.no_grad():
    h = model.tcn.network[0](x_test)
    w = block.conv1.weight_v * (block.conv1.weight_g / block.conv1.weight_v.norm(dim=(1, 2), keepdim=True))
    by_pad = F.conv1d(F.pad(h, (2 * 2, 0)), w, block.conv1.bias, dilation=2)
    by_chomp = block.chomp1(block.conv1(h))
print("LOSS pad", tuple(by_pad.shape), torch.allclose(by_pad, by_chomp, atol=1e-5),
      f"{(block.conv1.weight - w).abs().max().item() < 1e-6}", f"{by_pad.abs().mean().item():.6f}")
