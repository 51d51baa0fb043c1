"""Small models and state snapshots shared by the explain tests."""

from __future__ import annotations

from typing import Any

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet.nn import Linear, Module, Parameter, Sequential


class Relu(Module):
    def forward(self, x: Any) -> Any:
        return F.relu(x)


class Tanh(Module):
    def forward(self, x: Any) -> Any:
        return F.tanh(x)


class Flatten(Module):
    def forward(self, x: Any) -> Any:
        return x.reshape(x.shape[0], -1)


class BatchStatNorm(Module):
    """Normalises with the batch mean in training mode (rows leak), running mean in eval."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.register_buffer("running_mean", np.zeros(n))

    def forward(self, x: Any) -> Any:
        if self.training:
            return x - x.mean(axis=0, keepdims=True)
        return x - self.running_mean


class Dropout(Module):
    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: Any) -> Any:
        return F.dropout(x, self.p, training=self.training)


class PointwiseConv(Module):
    """A 1x1 convolution built from glassnet ops: weight (K, C, 1, 1), no bias."""

    def __init__(self, weight: np.ndarray) -> None:
        super().__init__()
        self.weight = Parameter(np.asarray(weight, dtype=np.float64))

    def forward(self, x: Any) -> Any:
        k, c = self.weight.shape[:2]
        y = F.linear(x.transpose(0, 2, 3, 1), self.weight.reshape(k, c))
        return y.transpose(0, 3, 1, 2)


class GlobalAvgPool(Module):
    def forward(self, x: Any) -> Any:
        return x.mean(axis=(2, 3))


def mlp(n_in: int = 6, hidden: int = 8, n_out: int = 3, *, smooth: bool = False) -> Sequential:
    """Linear -> ReLU (or tanh) -> Linear, float64."""
    act = Tanh() if smooth else Relu()
    return Sequential(Linear(n_in, hidden), act, Linear(hidden, n_out)).double()


def leaky_mlp(n_in: int = 6, n_out: int = 3) -> Sequential:
    """An MLP that behaves differently in training mode (batch statistics, dropout)."""
    return Sequential(
        Linear(n_in, 8), BatchStatNorm(8), Relu(), Dropout(0.5), Linear(8, n_out)
    ).double()


def snapshot(model: Module) -> dict:
    """Training flags, hook counts and parameter gradients (values) of every module."""
    return {
        "modes": [(n, m.training) for n, m in model.named_modules()],
        "hooks": [
            (n, len(m._forward_hooks), len(m._forward_pre_hooks)) for n, m in model.named_modules()
        ],
        "grads": [
            (n, None if p.grad is None else p.grad.numpy().copy())
            for n, p in model.named_parameters()
        ],
        "params": [(n, p.numpy().copy()) for n, p in model.named_parameters()],
    }


def assert_same_state(before: dict, after: dict) -> None:
    assert before["modes"] == after["modes"]
    assert before["hooks"] == after["hooks"]
    for (n1, g1), (n2, g2) in zip(before["grads"], after["grads"]):
        assert n1 == n2
        assert (g1 is None) == (g2 is None), f"{n1}: .grad changed"
        if g1 is not None:
            np.testing.assert_array_equal(g1, g2)
    for (n1, p1), (_, p2) in zip(before["params"], after["params"]):
        np.testing.assert_array_equal(p1, p2, err_msg=n1)


def give_grads(model: Module) -> None:
    """Put a known .grad on half of the parameters (None on the others)."""
    for i, p in enumerate(model.parameters()):
        p.grad = gn.tensor(np.full(p.shape, 7.0)) if i % 2 == 0 else None
