"""Higher-order gradients (``create_graph=True``) through pooling, normalisation, dropout,
embedding, advanced indexing, gather/index_select, grouped and 1-D convolutions: the
gradient of a gradient compared with real torch at run time, and with float64 central
differences of the first-order gradient for a few."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn.functional as GF
from glassnet.autograd import higher_order

RNG = np.random.default_rng(7)
IMG = RNG.standard_normal((2, 4, 7, 6))
SEQ = RNG.standard_normal((2, 4, 9))
MAT = RNG.standard_normal((5, 3))
CH = RNG.standard_normal(4)
CH2 = RNG.standard_normal(4)
K_DW = RNG.standard_normal((8, 1, 3, 3))
K_G2 = RNG.standard_normal((6, 2, 3, 2))
K_1D = RNG.standard_normal((3, 4, 3))
IDX = np.array([[0, 4, 4], [2, 1, 0]])
MASK = RNG.uniform(size=(5, 3)) > 0.4
LN_W, LN_B = RNG.standard_normal(6), RNG.standard_normal(6)
GATHER = np.array([[0, 2], [1, 1], [2, 0], [0, 0], [1, 2]])
T = lambda L, a: L.tensor(a)  # noqa: E731 - a constant tensor in either library

# name -> (function of the library, its functional module and the differentiated tensors,
#          the arrays those tensors start from)
OPS = {
    "max_pool2d": (lambda L, F, x: F.max_pool2d(x, 2), (IMG,)),
    "max_pool2d_overlap_pad_dil": (
        lambda L, F, x: F.max_pool2d(x, 3, stride=(1, 2), padding=1, dilation=(1, 2)), (IMG,)
    ),
    "max_pool2d_ceil": (lambda L, F, x: F.max_pool2d(x, 3, stride=2, ceil_mode=True), (IMG,)),
    "max_pool1d": (lambda L, F, x: F.max_pool1d(x, 3, stride=2, padding=1), (SEQ,)),
    "avg_pool2d": (lambda L, F, x: F.avg_pool2d(x, 2), (IMG,)),
    "avg_pool2d_pad": (lambda L, F, x: F.avg_pool2d(x, 3, stride=2, padding=1), (IMG,)),
    "avg_pool2d_exclude_pad_ceil": (
        lambda L, F, x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True,
                                     count_include_pad=False), (IMG,)
    ),  # fmt: skip
    "adaptive_avg_pool2d": (lambda L, F, x: F.adaptive_avg_pool2d(x, (3, 4)), (IMG,)),
    "adaptive_avg_pool2d_global": (lambda L, F, x: F.adaptive_avg_pool2d(x, 1), (IMG,)),
    "layer_norm": (lambda L, F, x: F.layer_norm(x, (7, 6)), (IMG,)),
    "layer_norm_affine": (
        lambda L, F, x, w, b: F.layer_norm(x, (6,), w, b), (IMG, LN_W, LN_B)
    ),
    "group_norm": (lambda L, F, x, w, b: F.group_norm(x, 2, w, b), (IMG, CH, CH2)),
    "instance_norm": (lambda L, F, x: F.instance_norm(x), (IMG,)),
    "instance_norm_affine": (
        lambda L, F, x, w, b: F.instance_norm(x, weight=w, bias=b), (IMG, CH, CH2)
    ),
    "batch_norm_train": (
        lambda L, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True), (IMG, CH, CH2)
    ),
    "batch_norm_train_no_affine": (
        lambda L, F, x: F.batch_norm(x, None, None, training=True), (IMG,)
    ),
    "batch_norm_train_2d": (
        lambda L, F, x, w: F.batch_norm(x, None, None, w, None, training=True), (MAT, CH[:3])
    ),
    "batch_norm_eval": (
        lambda L, F, x, w, b: F.batch_norm(
            x, T(L, np.array([0.1, -0.2, 0.3, 0.0])), T(L, np.array([1.5, 0.5, 2.0, 1.0])),
            w, b, training=False,
        ),
        (IMG, CH, CH2),
    ),
    "embedding": (lambda L, F, w: F.embedding(T(L, IDX), w), (MAT,)),
    "getitem_int_array": (lambda L, F, x: x[T(L, np.array([4, 0, 4, 2]))], (MAT,)),
    "getitem_two_arrays": (
        lambda L, F, x: x[T(L, np.array([1, 1, 3])), T(L, np.array([2, 2, 0]))], (MAT,)
    ),
    "getitem_mixed": (lambda L, F, x: x[:, T(L, np.array([2, 0, 2]))], (MAT,)),
    "getitem_bool_mask": (lambda L, F, x: x[T(L, MASK)], (MAT,)),
    "gather": (lambda L, F, x: L.gather(x, 1, T(L, GATHER)), (MAT,)),
    "index_select": (lambda L, F, x: L.index_select(x, 0, T(L, np.array([3, 3, 0]))), (MAT,)),
    "index_add": (
        lambda L, F, a, x: L.index_add(a, 0, T(L, np.array([4, 0, 4])), x[:3] * x[:3]), (MAT, MAT)
    ),
    "max_dim": (lambda L, F, x: L.max(x * x, 1)[0], (MAT,)),
    "amax": (lambda L, F, x: L.amax(x * x, 1), (MAT,)),
    "amax_ties": (lambda L, F, x: L.amax(L.cat([x, x], 1), 1), (MAT,)),
    "amin_keepdim": (lambda L, F, x: L.amin(x, 0, keepdim=True) * x, (MAT,)),
    "max_all": (lambda L, F, x: L.max(x.sin()), (MAT,)),
    "logsumexp": (lambda L, F, x: L.logsumexp(x * x, 1), (MAT,)),
    "logsumexp_dims": (lambda L, F, x: L.logsumexp(x, (0, 2), keepdim=True), (SEQ,)),
    "var": (lambda L, F, x: x.var(1), (MAT,)),
    "var_unbiased0_all": (lambda L, F, x: x.var(correction=0) * x, (MAT,)),
    "std_dims": (lambda L, F, x: x.std((0, 2)), (SEQ,)),
    "prod": (lambda L, F, x: (x.abs() + 0.5).prod(1), (MAT,)),
    "prod_all": (lambda L, F, x: (x[:2].abs() + 0.5).prod(), (MAT,)),
    "conv2d_depthwise": (
        lambda L, F, x, k: F.conv2d(x, k, groups=4, padding=1, stride=(2, 1)), (IMG, K_DW)
    ),
    "conv2d_groups2": (lambda L, F, x, k: F.conv2d(x, k, groups=2, dilation=(2, 1)), (IMG, K_G2)),
    "conv1d": (lambda L, F, x, k: F.conv1d(x, k, padding=1, stride=2), (SEQ, K_1D)),
}


def _loss(out):
    """``sum(f^2 + sin f)``: not constant where ``f`` is normalised (``sum(f^2)`` would be)."""
    return (out * out + out.sin()).sum()

# checked by finite differences only: torch's own double backward of scatter_add with a src
# larger than the index fails (ScatterAddBackward0 returns the index's shape for src)
FD_ONLY = {
    "scatter_add_partial_src": (
        lambda L, F, x, a: L.scatter_add(a * a, 1, T(L, GATHER), x * x), (MAT[::-1].copy(), MAT)
    ),
}
ALL = {**OPS, **FD_ONLY}


def _double_grad(lib, F, name):
    """``g = d(loss f)/d(params)`` with create_graph, then ``d(sum sin g)/d(params)``."""
    f, arrays = OPS[name]
    params = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = f(lib, F, *params)
    grads = lib.autograd.grad(_loss(out), params, create_graph=True)
    total = sum((g.sin() * (i + 1)).sum() for i, g in enumerate(grads))
    gg = lib.autograd.grad(total, params, allow_unused=True, materialize_grads=True)
    return [v.detach().numpy() for v in (*grads, *gg)]


@pytest.mark.parametrize("name", sorted(OPS))
def test_grad_of_grad_matches_torch(name, torch):
    ours = _double_grad(gn, GF, name)
    theirs = _double_grad(torch, torch.nn.functional, name)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(
    "name", ["max_pool2d", "max_pool2d_overlap_pad_dil", "avg_pool2d_pad", "batch_norm_train",
             "layer_norm_affine", "embedding", "conv2d_depthwise", "logsumexp"],
)  # fmt: skip
def test_grad_of_grad_in_float32_matches_torch(name, torch):
    f, arrays = OPS[name]

    def run(lib, F):
        params = [lib.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
        grads = lib.autograd.grad(_loss(f(lib, F, *params)), params, create_graph=True)
        gg = lib.autograd.grad(sum(g.sin().sum() for g in grads), params)
        return [v.detach().numpy() for v in (*grads, *gg)]

    for a, b in zip(run(gn, GF), run(torch, torch.nn.functional)):
        assert a.dtype == np.float32
        # sums over the batch cancel, so the error is relative to the largest entry
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=2e-5 * max(1.0, np.abs(b).max()))


def _weights_only(lib, F):
    """Second derivatives with respect to weights only, the inputs constants (as MAML has)."""
    x, seq = lib.tensor(IMG), lib.tensor(SEQ)
    k, k1, w = (lib.tensor(a, requires_grad=True) for a in (K_G2, K_1D, CH))
    out = [F.conv2d(x, k, groups=2), F.conv1d(seq, k1),
           F.batch_norm(x, None, None, w, None, training=True)]  # fmt: skip
    grads = lib.autograd.grad(sum(_loss(o) for o in out), [k, k1, w], create_graph=True)
    gg = lib.autograd.grad(sum(g.sin().sum() for g in grads), [k, k1, w])
    return [v.detach().numpy() for v in (*grads, *gg)]


def test_grad_of_grad_with_constant_inputs_matches_torch(torch):
    for a, b in zip(_weights_only(gn, GF), _weights_only(torch, torch.nn.functional)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def _sin_of_grad(values: np.ndarray, name: str) -> float:
    """``sum(sin(d(loss f(x))/dx))`` with the first-order engine (for finite differences)."""
    f, arrays = ALL[name]
    params = [gn.tensor(a, requires_grad=True) for a in (values, *arrays[1:])]
    out = f(gn, GF, *params)
    (g,) = gn.autograd.grad(_loss(out), params[0])
    return float(np.sin(g.numpy()).sum())


@pytest.mark.parametrize(
    "name", ["avg_pool2d_pad", "adaptive_avg_pool2d", "layer_norm", "group_norm",
             "batch_norm_train", "getitem_mixed", "conv1d", "conv2d_depthwise", "logsumexp",
             "var", "prod", "index_add", "scatter_add_partial_src"],
)  # fmt: skip
def test_grad_of_grad_matches_finite_differences(name):
    f, arrays = ALL[name]
    x0 = arrays[0]
    params = [gn.tensor(a, requires_grad=True) for a in arrays]
    out = f(gn, GF, *params)
    (g,) = gn.autograd.grad(_loss(out), params[0], create_graph=True)
    (gg,) = gn.autograd.grad(g.sin().sum(), params[0])
    eps = 1e-6
    numeric = np.zeros_like(x0)
    for i in np.ndindex(*x0.shape):
        up, down = x0.copy(), x0.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (_sin_of_grad(up, name) - _sin_of_grad(down, name)) / (2 * eps)
    np.testing.assert_allclose(gg.numpy(), numeric, rtol=1e-5, atol=1e-6)


def test_dropout_grad_of_grad_multiplies_by_the_same_mask(torch):
    """The random mask differs between the libraries, so torch runs on glassnet's mask."""
    gn.manual_seed(3)
    x = gn.tensor(MAT, requires_grad=True)
    y = GF.dropout(x, 0.4, training=True)
    keep = (y.detach().numpy() != 0).astype(np.float64) / 0.6
    assert 0 < keep.sum() < keep.size * 1.5 / 0.6
    (g,) = gn.autograd.grad((y**3).sum(), x, create_graph=True)
    (gg,) = gn.autograd.grad(g.sin().sum(), x)
    xt = torch.tensor(MAT, requires_grad=True)
    yt = xt * torch.tensor(keep)
    (gt,) = torch.autograd.grad((yt**3).sum(), xt, create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sin().sum(), xt)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gg.numpy(), ggt.numpy(), rtol=1e-10, atol=1e-12)


def test_wgan_gp_penalty_through_a_layernorm_critic_matches_torch(torch):
    def penalty_grads(lib):
        F = lib.nn.functional
        rng = np.random.default_rng(5)
        w1, w2 = rng.standard_normal((4, 2, 3, 3)) * 0.4, rng.standard_normal((1, 4 * 3 * 3))
        w1, w2 = (lib.tensor(a, requires_grad=True) for a in (w1, w2))
        real, fake = (lib.tensor(rng.standard_normal((3, 2, 8, 8))) for _ in range(2))
        eps = lib.tensor(rng.uniform(size=(3, 1, 1, 1)))
        x = (eps * real + (1 - eps) * fake).requires_grad_(True)
        h = F.leaky_relu(F.layer_norm(F.conv2d(x, w1, stride=2), (4, 3, 3)), 0.2)
        h = F.avg_pool2d(F.instance_norm(h), 1)
        score = F.linear(h.reshape(3, -1), w2).sum()
        (gx,) = lib.autograd.grad(score, x, create_graph=True)
        penalty = ((gx.reshape(3, -1).norm(dim=1) - 1) ** 2).mean()
        return [g.numpy() for g in lib.autograd.grad(penalty, [w1, w2])]

    for a, b in zip(penalty_grads(gn), penalty_grads(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_prod_with_a_zero_factor_is_refused_by_name():
    x = gn.tensor(np.array([[1.0, 0.0], [2.0, 3.0]]), requires_grad=True)
    (g,) = gn.autograd.grad(x.prod(1).sum(), x)  # the first order handles zeros
    np.testing.assert_array_equal(g.numpy(), [[0.0, 1.0], [3.0, 2.0]])
    with pytest.raises(NotImplementedError, match="prod over a tensor with a zero factor"):
        gn.autograd.grad(x.prod(1).sum(), x, create_graph=True)


def test_supported_ops_lists_the_new_ops():
    names = set(higher_order.supported_ops())
    assert {"MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "GlobalAvgPool2d", "BatchNorm",
            "Dropout", "Embedding", "ScatterAdd", "Conv1d", "Max", "Min", "Var", "LogSumExp",
            "Prod"} <= names  # fmt: skip


def test_first_order_results_are_unchanged_by_the_new_backward_graphs(torch):
    for name in ("max_pool2d_overlap_pad_dil", "batch_norm_train", "getitem_bool_mask",
                 "conv2d_depthwise"):  # fmt: skip
        f, arrays = OPS[name]
        ours = [gn.tensor(a, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        _loss(f(gn, GF, *ours)).backward()
        _loss(f(torch, torch.nn.functional, *theirs)).backward()
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
