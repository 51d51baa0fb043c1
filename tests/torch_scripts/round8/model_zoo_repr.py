"""print(model) for the layers notebooks build: nested Sequential with named OrderedDict
children, ModuleList and ModuleDict, convolutions with stride/padding/dilation/groups, pooling,
normalisation layers (BatchNorm, LayerNorm, GroupNorm, InstanceNorm), recurrent layers, an
Embedding with padding_idx, Dropout variants, the activations with their options, Identity,
Unflatten, a TransformerEncoderLayer, and a custom module with extra_repr; then the
parameter counts per child and named_modules/named_children names."""
import os
from collections import OrderedDict

import numpy as np
import torch
from torch import nn


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def extra_repr(self):
        return f"factor={self.factor}"

    def forward(self, x):
        return x * self.factor


class Zoo(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1)),
            ("bn1", nn.BatchNorm2d(8)),
            ("relu1", nn.ReLU(inplace=True)),
            ("pool1", nn.MaxPool2d(kernel_size=2, stride=2)),
            ("conv2", nn.Conv2d(8, 16, 3, stride=2, padding=2, dilation=2, groups=2, bias=False)),
            ("gn", nn.GroupNorm(4, 16)),
            ("act", nn.LeakyReLU(0.1)),
            ("avg", nn.AvgPool2d(2)),
            ("adapt", nn.AdaptiveAvgPool2d((1, 1))),
        ]))
        self.heads = nn.ModuleList([nn.Linear(16, 4), nn.Linear(16, 2, bias=False)])
        self.blocks = nn.ModuleDict({"norm": nn.LayerNorm(16), "drop": nn.Dropout(p=0.3),
                                     "gelu": nn.GELU(), "inorm": nn.InstanceNorm1d(4)})
        self.seq = nn.Sequential(
            nn.Conv1d(4, 6, 5, padding=2), nn.BatchNorm1d(6, momentum=0.2), nn.Tanh(),
            nn.MaxPool1d(2), nn.Flatten(), nn.Unflatten(1, (6, 2)), nn.Identity(),
            nn.ConvTranspose1d(6, 2, 3, stride=2), nn.Softmax(dim=-1), nn.LogSoftmax(dim=1),
            nn.Sigmoid(), nn.ELU(alpha=0.5), nn.SiLU(), nn.Hardtanh(-2.0, 2.0), nn.PReLU(),
            nn.Softplus(beta=2), nn.Dropout2d(0.1), nn.AlphaDropout(0.2), nn.Mish(), nn.ReLU6(),
        )
        self.rnn = nn.LSTM(16, 32, num_layers=2, batch_first=True, dropout=0.1)
        self.gru = nn.GRU(8, 8, bidirectional=True)
        self.cell = nn.RNN(4, 4, nonlinearity="relu")
        self.emb = nn.Embedding(100, 16, padding_idx=0)
        self.bag = nn.EmbeddingBag(50, 8, mode="sum")
        self.encoder = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
        self.scale = Scale(0.5)
        self.bilinear = nn.Bilinear(4, 5, 3)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.pad = nn.ZeroPad2d(1)
        self.pixel = nn.PixelShuffle(2)
        self.cos = nn.CosineSimilarity(dim=1)
        self.conv3 = nn.Conv3d(1, 2, (1, 3, 3))
        self.lazy_free = nn.Linear(in_features=3, out_features=1)


model = Zoo()
init_weights(model)
print(model)
for name, child in model.named_children():
    print(name, sum(p.numel() for p in child.parameters()))
print([name for name, _ in model.features.named_modules()])
print(model.heads[1])
print(model.blocks["norm"], model.blocks.keys())
print(len(model.seq), model.seq[3], model.seq[-1])
print(model.seq[2:5])
print(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
print(nn.ModuleList())
print(nn.Sequential())
print(model.rnn.weight_ih_l0.shape, model.gru.weight_hh_l0_reverse.shape)
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
