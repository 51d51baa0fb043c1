"""The four silent differences of issue 13, as regression tests (no torch needed).

Each was a PyTorch habit that ran on glassnet without an error and gave
another answer.
"""

from __future__ import annotations

import numpy as np

import glassnet as gn
from glassnet import nn


def test_manual_sgd_with_minus_equals_in_no_grad_updates_the_parameters():
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x, y = gn.randn(8, 3), gn.randn(8, 1)
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    before = [p.numpy().copy() for p in model.parameters()]
    lr = 0.1
    with gn.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    for p, b in zip(model.parameters(), before):
        np.testing.assert_allclose(p.numpy(), b - lr * p.grad.numpy(), rtol=1e-6, atol=1e-7)
        assert p.requires_grad and p.is_leaf and isinstance(p, nn.Parameter)
    new_loss = ((model(x) - y) ** 2).mean()
    assert new_loss.item() < loss.item()


def test_max_along_a_dim_unpacks_into_values_and_indices():
    x = gn.tensor([[1.0, 7.0, 3.0], [9.0, 2.0, 4.0]])
    values, idx = x.max(1)
    np.testing.assert_array_equal(values.numpy(), [7.0, 9.0])
    np.testing.assert_array_equal(idx.numpy(), [1, 0])
    assert values.shape == (2,) and idx.dtype == np.int64
    # the same with the dim as a keyword, on min, and from the top-level function
    v, i = x.min(dim=0)
    np.testing.assert_array_equal(i.numpy(), [0, 1, 0])
    assert gn.max(x, 1).indices.tolist() == [1, 0]
    # without a dim, max() is one tensor
    assert isinstance(x.max(), gn.Tensor) and x.max().item() == 9.0


def test_float_arange_gives_the_default_dtype():
    assert gn.arange(0, 1, 0.25).dtype == gn.float32
    np.testing.assert_array_equal(gn.arange(0, 1, 0.25).numpy(), [0.0, 0.25, 0.5, 0.75])
    assert gn.arange(3.0).dtype == gn.float32
    assert gn.arange(5).dtype == gn.int64
    assert gn.arange(0, 10, 2).dtype == gn.long
    assert gn.arange(0, 1, 0.5, dtype=gn.float64).dtype == np.float64


def test_a_buffer_updated_with_plus_equals_stays_a_buffer():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("running", gn.zeros(2))

        def forward(self, x):
            self.running += 1
            return x

    m = Counter()
    m(gn.zeros(1))
    m(gn.zeros(1))
    state = m.state_dict()
    assert "running" in state
    np.testing.assert_array_equal(np.asarray(state["running"]), [2.0, 2.0])
    assert dict(m.named_buffers())["running"] is m.running
