"""The benchmark models, built the same way in glassnet and in PyTorch.

- ``seed_cnn``: the seed article's CNN (conv3x3x32, pool, conv3x3x64, pool, FC1024, dropout, FC10)
- ``seed_cnn_bn``: the same with BatchNorm after each conv and after the hidden FC layer
- ``mlp``: 784-512-256-10 with ReLU and dropout 0.2
- ``lstm_attn``: LSTM(28 -> 128) over the 28 rows of an image, additive temporal attention, Linear(128, 10)

Each entry gives the input shape of one sample and the forward FLOPs per sample
(multiply-adds x 2); training is counted as 3x forward, the usual convention.
"""

from __future__ import annotations

from typing import Any

MODELS = ("seed_cnn", "seed_cnn_bn", "mlp", "lstm_attn")


def input_shape(name: str) -> tuple[int, ...]:
    return {"mlp": (784,), "lstm_attn": (28, 28)}.get(name, (1, 28, 28))


def batches(model: str, batch: int, n: int = 4) -> list[tuple[Any, Any]]:
    """``n`` fixed random batches ``(x, y)`` of ``model``'s input shape (NumPy, seed 0),
    the same in every framework and every benchmark."""
    import numpy as np

    rng = np.random.default_rng(0)
    shape = input_shape(model)
    return [
        (rng.random((batch,) + shape, dtype=np.float32), rng.integers(0, 10, batch))
        for _ in range(n)
    ]


def forward_flops(name: str, width: int = 1) -> float:
    """Forward FLOPs per sample (2 x multiply-adds of convolutions, products and the recurrence)."""
    if name.startswith("seed_cnn"):
        c1, c2 = 32 * width, 64 * width
        conv1 = 28 * 28 * c1 * 9 * 1
        conv2 = 14 * 14 * c2 * 9 * c1
        fc = 7 * 7 * c2 * 1024 + 1024 * 10
        return 2.0 * (conv1 + conv2 + fc)
    if name == "mlp":
        return 2.0 * (784 * 512 * width + 512 * width * 256 * width + 256 * width * 10)
    if name == "lstm_attn":
        h = 128 * width
        lstm = 28 * (4 * h * 28 + 4 * h * h)
        attn = 28 * h * h + 28 * h
        return 2.0 * (lstm + attn + h * 10)
    raise KeyError(name)


# --------------------------------------------------------------------- glassnet
def build_glassnet(name: str, width: int = 1) -> Any:
    from glassnet import nn
    from glassnet.models import seed_cnn

    if name == "seed_cnn":
        return seed_cnn(width=width) if width != 1 else seed_cnn()
    if name == "seed_cnn_bn":
        return seed_cnn(batch_norm=True)
    if name == "mlp":
        return nn.MLP([784, 512 * width, 256 * width, 10], activation="relu", dropout=0.2)
    if name == "lstm_attn":
        from glassnet.models import RowAttentionClassifier

        return RowAttentionClassifier(hidden_size=128 * width)
    raise KeyError(name)


# ------------------------------------------------------------------------ torch
def build_torch(name: str, width: int = 1) -> Any:
    import torch
    from torch import nn

    if name.startswith("seed_cnn"):
        bn = name.endswith("_bn")
        c1, c2 = 32 * width, 64 * width
        layers: list[Any] = [nn.Conv2d(1, c1, 3, padding=1)]
        layers += [nn.BatchNorm2d(c1)] if bn else []
        layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(c1, c2, 3, padding=1)]
        layers += [nn.BatchNorm2d(c2)] if bn else []
        layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(7 * 7 * c2, 1024)]
        layers += [nn.BatchNorm1d(1024)] if bn else []
        layers += [nn.ReLU(), nn.Dropout(0.5), nn.Linear(1024, 10)]
        return nn.Sequential(*layers)
    if name == "mlp":
        return nn.Sequential(
            nn.Linear(784, 512 * width), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(512 * width, 256 * width), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(256 * width, 10),
        )  # fmt: skip
    if name == "lstm_attn":
        h = 128 * width

        class LSTMAttn(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = nn.LSTM(28, h, batch_first=True)
                self.w = nn.Linear(h, h)
                self.v = nn.Linear(h, 1, bias=False)
                self.fc = nn.Linear(h, 10)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                out, _ = self.lstm(x)
                scores = self.v(torch.tanh(self.w(out))).squeeze(-1)
                weights = torch.softmax(scores, dim=1)
                ctx = (weights.unsqueeze(-1) * out).sum(1)
                return self.fc(ctx)

        return LSTMAttn()
    raise KeyError(name)
