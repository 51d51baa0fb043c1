"""``nn.DataParallel`` with modules that return several outputs sharing one graph: a
tuple, a named tuple, a list or a dict (as ``torch.nn.DataParallel`` gathers them), each
output used in the loss or not. The oracle is the unsliced module in float64."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn

Pair = namedtuple("Pair", "logits score")


class _Heads(nn.Module):
    """One trunk, several heads: every output depends on the same slice graph."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.trunk = nn.Linear(4, 5)
        self.head = nn.Linear(5, 3)
        self.kind = kind

    def forward(self, x):
        h = self.trunk(x).tanh()
        y = self.head(h)
        s = (h * h).sum(1)
        if self.kind == "tuple":
            return y, s, y.argmax(1)  # an integer output too: gathered without a gradient
        if self.kind == "list":
            return [y, s]
        if self.kind == "named":
            return Pair(y, s)
        return {"logits": y, "score": s}


def _values(out):
    return list(out.values()) if isinstance(out, dict) else list(out)


def _grads(m):
    return [p.grad.numpy().copy() for p in m.parameters()]


@pytest.mark.parametrize("kind", ["tuple", "list", "named", "dict"])
@pytest.mark.parametrize("used", ["all", "first"])
def test_outputs_sharing_a_graph_give_the_unsliced_gradients(kind, used):
    gn.manual_seed(0)
    m = _Heads(kind).to(dtype=np.float64)
    dp = nn.DataParallel(m, threads=2)
    x = gn.tensor(np.random.default_rng(0).standard_normal((7, 4)))

    def loss(out):
        vals = [v for v in _values(out) if v.requires_grad]
        if used == "first":
            vals = vals[:1]
        return sum(((v * (i + 1)) ** 2).sum() for i, v in enumerate(vals))

    out = dp(x)
    assert type(out) is type(m(x))
    if isinstance(out, dict):
        assert list(out) == ["logits", "score"]
    for a, b in zip(_values(out), _values(m(x))):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    loss(out).backward()
    got = _grads(m)
    m.zero_grad()
    loss(m(x)).backward()
    for a, b in zip(got, _grads(m)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
