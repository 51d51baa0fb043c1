"""``Tensor.register_hook``: when hooks run, what they see, and what their results replace,
checked against PyTorch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def _run(lib, hooked_leaf: bool, hooked_mid: bool, retain: bool):
    """A small graph with a leaf used twice and an intermediate; returns what hooks saw and
    the gradients, as NumPy arrays."""
    x = lib.tensor(X, requires_grad=True)
    seen: list[np.ndarray] = []
    if hooked_leaf:
        x.register_hook(lambda g: seen.append(np.array(g.detach().numpy())) or g * 2)
    y = x * x + 3 * x  # x reaches y twice
    if retain:
        y.retain_grad()
    if hooked_mid:
        y.register_hook(lambda g: seen.append(np.array(g.detach().numpy())) or g.clamp(max=1.5))
    z = (y * lib.tensor(X[::-1].copy())).sum() + y.sum()
    z.backward()
    ygrad = y.grad.numpy() if retain else None
    return seen, x.grad.numpy(), ygrad


@pytest.mark.parametrize("hooked_leaf, hooked_mid, retain", [
    (True, False, False), (False, True, False), (True, True, True), (False, True, True),
])  # fmt: skip
def test_hooks_see_and_replace_what_torch_hooks_do(hooked_leaf, hooked_mid, retain):
    torch = pytest.importorskip("torch")
    got = _run(gn, hooked_leaf, hooked_mid, retain)
    want = _run(torch, hooked_leaf, hooked_mid, retain)
    assert len(got[0]) == len(want[0])  # a leaf's hook runs once, on the summed gradient
    for a, b in zip(got[0], want[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    if retain:
        np.testing.assert_allclose(got[2], want[2], rtol=1e-12)


def test_hooks_change_gradients_without_torch():
    x = gn.tensor(X, requires_grad=True)
    y = x * 2
    calls = []
    h1 = y.register_hook(lambda g: calls.append("first") or g * 3)
    y.register_hook(lambda g: calls.append("second"))  # None: keeps the first one's result
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(X.shape, 6.0))
    assert calls == ["first", "second"]
    h1.remove()
    h1.remove()  # a second remove does nothing
    x.grad = None
    y2 = x * 2
    y2.sum().backward()  # a new graph: no hooks on it
    np.testing.assert_allclose(x.grad.numpy(), np.full(X.shape, 2.0))


def test_leaf_hook_removal_and_autograd_grad():
    x = gn.tensor(X, requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    (gx,) = gn.autograd.grad((x * x).sum(), [x])
    np.testing.assert_allclose(gx.numpy(), 20 * X)
    handle.remove()
    (gx,) = gn.autograd.grad((x * x).sum(), [x])
    np.testing.assert_allclose(gx.numpy(), 2 * X)


def test_parameter_hook_clips_gradients_seen_by_the_optimizer():
    gn.manual_seed(0)
    layer = nn.Linear(3, 2)
    layer.weight.register_hook(lambda g: g.clamp(-0.01, 0.01))
    layer(gn.tensor(X.astype(np.float32) * 100)).sum().backward()
    assert np.abs(layer.weight.grad.numpy()).max() <= 0.01 + 1e-9
    assert np.abs(layer.bias.grad.numpy()).max() > 0.01  # only the hooked parameter


def test_bad_hooks_are_refused_clearly():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gn.tensor(X).register_hook(lambda g: g)
    x = gn.tensor(X, requires_grad=True)
    with pytest.raises(TypeError, match="callable"):
        x.register_hook(3)
    y = x * 2
    y.register_hook(lambda g: g.sum())
    with pytest.raises(ValueError, match=r"returned a gradient of shape \(\), expected .*\(2, 3\)"):
        y.sum().backward()
