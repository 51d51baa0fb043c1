"""glassnet.nn.utils: gradient clipping and flat parameter vectors, against torch.nn.utils."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn import Parameter, utils

SHAPES = [(3, 4), (5,), (200, 150), (2, 1, 3)]


def _pair(torch, rng, scale=1.0, dtype=np.float64):
    gp, tp = [], []
    for s in SHAPES:
        v, g = rng.standard_normal(s).astype(dtype), (rng.standard_normal(s) * scale).astype(dtype)
        p = Parameter(v.copy())
        p.grad = gn.Tensor(g.copy())
        t = torch.nn.Parameter(torch.tensor(v.copy()))
        t.grad = torch.tensor(g.copy())
        gp.append(p)
        tp.append(t)
    no_grad = Parameter(np.ones(3, dtype=dtype))  # skipped
    return gp + [no_grad], tp


def _assert_grads(gp, tp, rtol=1e-12):
    for g, t in zip(gp, tp):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, torch, rng):
    gp, tp = _pair(torch, rng)
    before = [p.grad.numpy().copy() for p in gp[:-1]]
    total = utils.clip_grad_norm_(gp, max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=float(norm_type))
    assert isinstance(total, gn.Tensor) and total.shape == ()
    np.testing.assert_allclose(float(total), float(t_total), rtol=1e-12)
    _assert_grads(gp, tp)
    clipped = max_norm < float(total)
    assert clipped == (not np.array_equal(gp[0].grad.numpy(), before[0]))
    assert gp[-1].grad is None


def test_clip_grad_norm_float32_and_single_tensor(torch, rng):
    gp, tp = _pair(torch, rng, dtype=np.float32)
    total = utils.clip_grad_norm_(gp, 1.0)
    t_total = torch.nn.utils.clip_grad_norm_(tp, 1.0)
    assert total.dtype == np.float32
    np.testing.assert_allclose(float(total), float(t_total), rtol=1e-5)
    _assert_grads(gp, tp, rtol=1e-5)
    assert gp[0].grad.dtype == np.float32
    p = Parameter(np.array([3.0, 4.0]))
    p.grad = gn.Tensor(np.array([3.0, 4.0]))
    assert float(utils.clip_grad_norm_(p, 1.0)) == 5.0
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-6)


def test_clip_grad_norm_nonfinite(torch):
    p = Parameter(np.ones(3))
    p.grad = gn.Tensor(np.array([1.0, np.inf, 2.0]))
    with pytest.raises(RuntimeError, match=r"clip_grad_norm_: the total norm of order 2.0 is non-fin"):
        utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    t = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    for bad in (np.inf, np.nan):
        g = np.array([1.0, bad, 2.0])
        p.grad = gn.Tensor(g.copy())
        t.grad = torch.tensor(g.copy())
        total = utils.clip_grad_norm_([p], 1.0)
        t_total = torch.nn.utils.clip_grad_norm_([t], 1.0)
        np.testing.assert_array_equal(float(total), float(t_total))
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())


def test_clip_grad_norm_without_grads_returns_zero():
    assert float(utils.clip_grad_norm_([Parameter(np.ones(2))], 1.0)) == 0.0
    assert float(utils.get_total_norm([])) == 0.0


def test_get_total_norm_and_clip_grads_with_norm(torch, rng):
    gp, tp = _pair(torch, rng)
    grads = [p.grad for p in gp if p.grad is not None]
    total = utils.get_total_norm(grads, norm_type=3.0)
    t_total = torch.nn.utils.get_total_norm([t.grad for t in tp], norm_type=3.0)
    np.testing.assert_allclose(float(total), float(t_total), rtol=1e-12)
    utils.clip_grads_with_norm_(gp, 0.1, total)
    torch.nn.utils.clip_grads_with_norm_(tp, 0.1, t_total)
    _assert_grads(gp, tp)


@pytest.mark.parametrize("clip_value", [0.5, 100.0])
def test_clip_grad_value_matches_torch(clip_value, torch, rng):
    gp, tp = _pair(torch, rng, scale=2.0)
    grad_arrays = [p.grad.array for p in gp[:-1]]
    assert utils.clip_grad_value_(gp, clip_value) is None
    torch.nn.utils.clip_grad_value_(tp, clip_value)
    _assert_grads(gp, tp)
    assert all(p.grad.array is a for p, a in zip(gp, grad_arrays))  # in place
    assert max(np.abs(p.grad.numpy()).max() for p in gp[:-1]) <= clip_value


def test_parameters_to_vector_and_back(torch, rng):
    gp, tp = _pair(torch, rng)
    vec = utils.parameters_to_vector(gp)
    t_vec = torch.nn.utils.parameters_to_vector(tp + [torch.nn.Parameter(torch.ones(3))])
    np.testing.assert_array_equal(vec.numpy(), t_vec.detach().numpy())
    for p in gp:
        p.grad = None
    (vec * vec).sum().backward()  # differentiable: gradients reach the parameters
    for p in gp:
        np.testing.assert_allclose(p.grad.numpy(), 2 * p.numpy())
    new = gn.Tensor(np.arange(vec.numel(), dtype=np.float64))
    utils.vector_to_parameters(new, gp)
    np.testing.assert_array_equal(utils.parameters_to_vector(gp).numpy(), new.numpy())
    np.testing.assert_array_equal(gp[1].numpy(), np.arange(12, 17))
    new.array[0] = -1.0  # each parameter is a view of vec, as in torch
    assert gp[0].numpy()[0, 0] == -1.0
    t_new = torch.arange(float(vec.numel()), dtype=torch.float64)
    torch.nn.utils.vector_to_parameters(t_new, tp)
    t_new[0] = -1.0
    assert tp[0].detach().numpy()[0, 0] == -1.0 and tp[0].dtype == torch.float64
    assert gp[0].dtype == np.float64


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda ps: utils.clip_grad_norm_(ps, -1.0), ValueError, "clip_grad_norm_: max_norm must be a number >= 0, got -1.0"),
        (lambda ps: utils.clip_grad_norm_(ps, 1.0, norm_type=0), ValueError, "clip_grad_norm_: norm_type must be a number > 0 or inf, got 0"),
        (lambda ps: utils.clip_grad_norm_(ps, 1.0, norm_type="two"), ValueError, "norm_type must be a number > 0 or inf, got 'two'"),
        (lambda ps: utils.clip_grad_norm_(5, 1.0), TypeError, "clip_grad_norm_: expected a Tensor or an iterable of Tensors, got int"),
        (lambda ps: utils.clip_grad_norm_([ps[0], "w"], 1.0), TypeError, "clip_grad_norm_: item 1 is a str"),
        (lambda ps: utils.clip_grad_value_(ps, -0.1), ValueError, "clip_grad_value_: clip_value must be a number >= 0, got -0.1"),
        (lambda ps: utils.parameters_to_vector([]), ValueError, "parameters_to_vector: got no parameters"),
        (lambda ps: utils.vector_to_parameters(np.zeros(3), ps), TypeError, "vector_to_parameters: expected vec to be a Tensor, got ndarray"),
        (lambda ps: utils.vector_to_parameters(gn.zeros(5), ps), ValueError, "vec must have shape (7,) to fill 2 parameters, got (5,)"),
        (lambda ps: utils.vector_to_parameters(gn.zeros(7, 1), ps), ValueError, "got (7, 1)"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(call, exc, words):
    ps = [Parameter(np.ones(3)), Parameter(np.ones(4))]
    for p in ps:
        p.grad = gn.Tensor(np.ones(p.shape))
    with pytest.raises(exc) as info:
        call(ps)
    assert words in str(info.value)


def test_exported_as_glassnet_nn_utils():
    import glassnet.nn

    assert glassnet.nn.utils.clip_grad_norm_ is utils.clip_grad_norm_


def test_clip_grad_norm_error_names_a_non_finite_norm(torch):
    """error_if_nonfinite: both messages say 'non-finite' (scripts test for the word)."""
    messages = []
    for lib in (torch, gn):
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.tensor([1.0, float("inf")])
        with pytest.raises(RuntimeError) as err:
            lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
        messages.append("non-finite" in str(err.value))
    assert messages == [True, True]
