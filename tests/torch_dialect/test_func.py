"""``torch.func`` in glassnet (glassnet/func.py), compared with torch.func."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import func as gf

torch = pytest.importorskip("torch")
tf = torch.func


def _mlp(lib):
    lib.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    with lib.no_grad():
        for i, p in enumerate(m.parameters()):
            p.copy_(lib.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    return m


def _close(a, b, tol=1e-5):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _per_sample_grads(lib, fn):
    m = _mlp(lib)
    x = lib.linspace(-1, 1, 15).reshape(5, 3)
    y = lib.tensor([0, 1, 1, 0, 1])
    params = {k: v.detach() for k, v in m.named_parameters()}

    def loss(p, xb, yb):
        out = fn.functional_call(m, p, (xb.unsqueeze(0),))
        return lib.nn.functional.cross_entropy(out, yb.unsqueeze(0))

    return fn.vmap(fn.grad(loss), in_dims=(None, 0, 0))(params, x, y)


def test_per_sample_gradients_match_torch():
    ours, theirs = _per_sample_grads(gn, gf), _per_sample_grads(torch, tf)
    assert list(ours) == list(theirs)
    for k in ours:
        assert tuple(ours[k].shape) == tuple(theirs[k].shape)
        _close(ours[k], theirs[k])


def test_grad_forms_match_torch():
    def cases(lib, fn):
        a, b = lib.linspace(0.1, 1, 3), lib.linspace(-1, 2, 3)
        g1 = fn.grad(lambda u, v: (u * v.sin()).sum(), argnums=(0, 1))(a, b)
        g2, v2 = fn.grad_and_value(lambda u: (u ** 3).sum())(a)
        g3, (v3, aux) = fn.grad_and_value(lambda u: ((u * 2).sum(), u.mean()), has_aux=True)(a)
        g4 = fn.grad(lambda d: (d["w"] * d["b"][0]).sum())({"w": a, "b": (b,)})
        return [*g1, g2, v2, g3, v3, aux, g4["w"], g4["b"][0]]

    for x, y in zip(cases(gn, gf), cases(torch, tf)):
        _close(x, y)


def test_jacobians_vjp_and_jvp_match_torch():
    def cases(lib, fn):
        a, b = lib.linspace(0.1, 1, 3), lib.linspace(-1, 2, 3)
        j1 = fn.jacrev(lambda u: (u ** 2).sin())(a)
        j2 = fn.jacfwd(lambda u, v: u * v, argnums=(0, 1))(a, b)
        out, vjp_fn = fn.vjp(lambda u, v: u.exp() * v, a, b)
        cot = vjp_fn(lib.ones(3))
        p, t = fn.jvp(lambda u: u ** 2, (a,), (lib.ones(3),))
        return [j1, *j2, out, *cot, p, t]

    for x, y in zip(cases(gn, gf), cases(torch, tf)):
        _close(x, y, 1e-6)


def test_vmap_dims_and_structures_match_torch():
    def cases(lib, fn):
        a = lib.arange(24.0).reshape(4, 2, 3)
        v = lib.linspace(0, 1, 3)
        r1 = fn.vmap(lambda x, w: x @ w, in_dims=(0, None))(a, v)
        r2 = fn.vmap(lambda x: (x.sum(), x * 2), out_dims=(0, 1))(a)
        r3 = fn.vmap(lambda x: x.sum(0), in_dims=2)(a)
        r4 = fn.vmap(lambda d: d["x"] + d["y"])({"x": a[:, 0], "y": a[:, 1]})
        r5 = fn.vmap(fn.vmap(lambda x: x.max()))(a)
        return [r1, *r2, r3, r4, r5]

    for x, y in zip(cases(gn, gf), cases(torch, tf)):
        assert tuple(x.shape) == tuple(y.shape)
        _close(x, y)


def test_vmap_randomness_and_errors_as_torchs():
    for lib, fn in ((gn, gf), (torch, tf)):
        with pytest.raises(RuntimeError, match="called random operation while in randomness error mode"):
            fn.vmap(lambda x, lib=lib: lib.rand(1) + x)(lib.zeros(3))
        same = fn.vmap(lambda x, lib=lib: lib.rand(2) + x, randomness="same")(lib.zeros(3))
        assert np.allclose(same.numpy(), same.numpy()[0])
        diff = fn.vmap(lambda x, lib=lib: lib.rand(2) + x, randomness="different")(lib.zeros(3))
        assert not np.allclose(diff.numpy(), diff.numpy()[0])
        with pytest.raises(ValueError, match="same size in the mapped dimension"):
            fn.vmap(lambda x, y: x + y)(lib.ones(3, 2), lib.ones(2, 2))
        with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
            fn.grad(lambda x: x * 2)(lib.ones(3))


def test_ensembles_with_stack_module_state_match_torch():
    def run(lib, fn):
        lib.manual_seed(0)
        models = [lib.nn.Linear(3, 2) for _ in range(3)]
        with lib.no_grad():
            for k, m in enumerate(models):
                m.weight.copy_(lib.linspace(-1, 1, 6).reshape(2, 3) * (k + 1))
                m.bias.fill_(0.1 * k)
        params, buffers = fn.stack_module_state(models)
        base = models[0]

        def call(p, b, x):
            return fn.functional_call(base, (p, b), (x,))

        x = lib.linspace(-1, 1, 12).reshape(4, 3)
        return fn.vmap(call, in_dims=(0, 0, None))(params, buffers, x), params["weight"].requires_grad

    (ours, og), (theirs, tg) = run(gn, gf), run(torch, tf)
    assert og == tg
    _close(ours, theirs)


def test_functional_call_strictness_ties_and_restoration():
    for lib, fn in ((gn, gf), (torch, tf)):
        m = _mlp(lib)
        x = lib.ones(2, 3)
        before = m(x).detach().numpy()
        out = fn.functional_call(m, {"0.weight": lib.zeros(4, 3)}, x)
        assert not np.allclose(out.detach().numpy(), before)
        np.testing.assert_allclose(m(x).detach().numpy(), before)  # restored
        with pytest.raises(RuntimeError, match=r"Missing key\(s\): '0.bias', '2.bias', '2.weight'"):
            fn.functional_call(m, {"0.weight": lib.zeros(4, 3)}, x, strict=True)
        tied = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Linear(2, 2, bias=False))
        tied[1].weight = tied[0].weight
        got = fn.functional_call(tied, {"0.weight": lib.eye(2) * 2}, lib.ones(1, 2))
        np.testing.assert_allclose(got.detach().numpy(), [[4.0, 4.0]])


def test_nested_transforms_are_refused_with_a_reason():
    with pytest.raises(NotImplementedError, match="second derivatives"):
        gf.grad(lambda a: gf.grad(lambda b: (b**3).sum())(a).sum())(gn.ones(3))
