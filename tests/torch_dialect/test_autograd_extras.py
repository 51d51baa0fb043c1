"""torch's autograd extras that scripts reach for: the legacy ``Variable``, anomaly
detection, ``autograd.functional`` (jacobian, vjp, jvp) and ``utils.checkpoint``,
each against torch where torch is installed."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import functional as AF

torch = pytest.importorskip("torch")

X = np.array([0.3, -1.2, 2.0])
M = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])


def test_variable_is_a_leaf_sharing_memory():
    a = gn.tensor([1.0, 2.0])
    v = gn.autograd.Variable(a, requires_grad=True)
    assert v.is_leaf and v.requires_grad and not a.requires_grad
    assert isinstance(a, gn.autograd.Variable)
    (v * v).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [2.0, 4.0])
    w = gn.tensor([1.0], requires_grad=True) * 2
    assert not gn.autograd.Variable(w).requires_grad  # detached, as torch's
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        gn.autograd.Variable([1, 2])
    with pytest.warns(UserWarning, match="volatile was removed"):
        gn.autograd.Variable(a, volatile=True)


def _nan_backward(lib):
    x = lib.tensor(np.array([0.0, 1.0]), requires_grad=True)
    (x.sqrt() * 0).sum().backward()  # sqrt's gradient at 0 is inf; inf * 0 = nan
    return x.grad


def test_anomaly_mode_names_the_op_that_made_a_nan():
    assert np.isnan(_nan_backward(gn).numpy()[0])  # off: the nan reaches the leaf, as torch
    assert np.isnan(_nan_backward(torch).numpy()[0])
    with pytest.raises(RuntimeError, match=r"Function '\w+' returned nan values in its 0th output"):
        with torch.autograd.detect_anomaly():
            _nan_backward(torch)
    with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward' returned nan values in its 0th output"):
        with gn.autograd.detect_anomaly():
            _nan_backward(gn)
    assert not gn.autograd.is_anomaly_enabled()
    gn.autograd.set_detect_anomaly(True)
    try:
        with pytest.raises(RuntimeError, match="returned nan"):
            _nan_backward(gn)
        with gn.autograd.set_detect_anomaly(False):  # a context manager too
            _nan_backward(gn)
        assert gn.autograd.is_anomaly_enabled()
    finally:
        gn.autograd.set_detect_anomaly(False)


def _f(lib):
    m = lib.tensor(M)
    return lambda x: (m @ x.tanh()) * x[:2]


def test_jacobian_of_one_and_of_several_inputs_and_outputs():
    ours = AF.jacobian(_f(gn), gn.tensor(X))
    theirs = torch.autograd.functional.jacobian(_f(torch), torch.tensor(X))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)

    def two(lib):
        return lambda a, b: ((a * b).sum(0), a.exp())

    a, b = np.arange(6.0).reshape(2, 3) / 5, np.ones((2, 3)) * 0.5
    ours = AF.jacobian(two(gn), (gn.tensor(a), gn.tensor(b)))
    theirs = torch.autograd.functional.jacobian(two(torch), (torch.tensor(a), torch.tensor(b)))
    for ro, rt in zip(ours, theirs):
        for o, t in zip(ro, rt):
            assert o.shape == tuple(t.shape)
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)


def test_vjp_and_jvp_match_torch():
    v_out, v_in = np.array([1.0, -2.0]), np.array([0.5, 1.0, -1.0])
    out, g = AF.vjp(_f(gn), gn.tensor(X), gn.tensor(v_out))
    tout, tg = torch.autograd.functional.vjp(_f(torch), torch.tensor(X), torch.tensor(v_out))
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
    out, jv = AF.jvp(_f(gn), gn.tensor(X), gn.tensor(v_in))
    tout, tjv = torch.autograd.functional.jvp(_f(torch), torch.tensor(X), torch.tensor(v_in))
    np.testing.assert_allclose(jv.numpy(), tjv.numpy(), rtol=1e-12)


def test_functional_hessian_and_create_graph_match_torch(torch):
    h = AF.hessian(lambda x: (x**3).sum(), gn.tensor(X))
    th = torch.autograd.functional.hessian(lambda x: (x**3).sum(), torch.tensor(X))
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12)
    x, tx = gn.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    j = AF.jacobian(_f(gn), x, create_graph=True)
    tj = torch.autograd.functional.jacobian(_f(torch), tx, create_graph=True)
    (g,) = gn.autograd.grad((j**2).sum(), x)
    (tg,) = torch.autograd.grad((tj**2).sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)


def test_functional_refusals_say_why():
    with pytest.raises(RuntimeError, match="does not depend on the inputs"):
        AF.jacobian(lambda x: gn.tensor([1.0]), gn.tensor(X), strict=True)
    np.testing.assert_array_equal(AF.jacobian(lambda x: gn.tensor([1.0]), gn.tensor(X)).numpy(), 0)


def test_checkpoint_gives_the_plain_call_s_values_and_gradients():
    from glassnet.utils.checkpoint import checkpoint, checkpoint_sequential

    def run(lib, ck, seq):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
        if lib is torch:
            net = net.double()
        else:
            net = net.to(dtype=np.float64)
        for p, v in zip(net.parameters(), [np.full(p.shape, 0.1 * (i + 1)) for i, p in enumerate(net.parameters())]):
            with lib.no_grad():
                p.copy_(lib.tensor(v))
        x = lib.tensor(M, requires_grad=True)
        y = seq(net, 2, x, use_reentrant=False) if seq else ck(lambda t: net(t) * 2, x, use_reentrant=False)
        y.sum().backward()
        return [y.detach().numpy(), x.grad.numpy(), *[p.grad.numpy() for p in net.parameters()]]

    import torch.utils.checkpoint as tc

    for seq in (False, True):
        ours = run(gn, checkpoint, checkpoint_sequential if seq else None)
        theirs = run(torch, tc.checkpoint, tc.checkpoint_sequential if seq else None)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12)
