"""Round 3 of differential testing against torch.nn.functional: one test per difference fixed.

Each compares values and input gradients with torch (float64 unless a test says otherwise).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn import functional as F
from glassnet.testing import check_against_torch, check_gradients
from tests.device_params import gpu  # noqa: F401

BAG_INPUT_2D = np.array([[1, 2, 4], [4, 3, 9], [0, 0, 2]])
BAG_INPUT_1D = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0])


def _tf(torch):
    return torch.nn.functional


# ------------------------------------------------------------------------------- pad
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "shape,pad",
    [((2, 3, 6), (-1, 2)), ((2, 3, 6), (2, -2)), ((2, 3, 5, 6), (1, -2, -1, 2)),
     ((1, 2, 4, 5, 6), (-1, 1, 2, -1, 0, 1)), ((3, 5, 6), (2, -1, -2, 0))],
)  # fmt: skip
def test_negative_padding_in_every_mode_as_torch(mode, shape, pad, rng, torch):
    # was refused ("needs non-negative padding"); torch crops (circular: crops, then wraps)
    x = rng.standard_normal(shape)
    check_against_torch(
        lambda a: F.pad(a, pad, mode=mode), lambda a: _tf(torch).pad(a, pad, mode=mode), x
    )


def test_padding_that_leaves_nothing_is_refused():
    with pytest.raises(ValueError, match="leaves nothing"):
        F.pad(gn.zeros(1, 2, 3), (-2, -1), mode="replicate")


# ------------------------------------------------------------------------- normalize
@pytest.mark.parametrize("p", [float("inf"), float("-inf"), 0, 0.5, 3.0])
@pytest.mark.parametrize("dim", [0, -1])
def test_normalize_any_p_as_torch(p, dim, torch):
    # p=inf used to divide by (sum |x|^inf)^(1/inf); p < 1 gave a NaN gradient at zeros
    x = np.random.default_rng(0).standard_normal((3, 4))
    x[1, 2] = 0.0
    x[0, 1] = x[0, 3] = -5.0  # a tie for the largest magnitude
    check_against_torch(
        lambda a: F.normalize(a, p=p, dim=dim),
        lambda a: _tf(torch).normalize(a, p=p, dim=dim),
        x, rtol=1e-10, atol=1e-12,
    )  # fmt: skip


def test_vector_norm_below_one_has_zero_gradient_at_zero_entries(torch):
    x = np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 0.0]])
    check_against_torch(
        lambda a: gn.linalg.vector_norm(a, 0.5, 1),
        lambda a: torch.linalg.vector_norm(a, 0.5, 1),
        x,
    )


# ------------------------------------------------------------------------- attention
def test_sdpa_float_mask_that_requires_grad_gets_its_gradient(rng, torch):
    # a learned additive bias (relative positions) passed as attn_mask lost its gradient
    q, k, v = (rng.standard_normal(s) for s in ((2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3)))
    bias = rng.standard_normal((5, 6))
    check_against_torch(
        lambda *a: F.scaled_dot_product_attention(a[0], a[1], a[2], attn_mask=a[3]),
        lambda *a: _tf(torch).scaled_dot_product_attention(a[0], a[1], a[2], attn_mask=a[3]),
        q, k, v, bias,
    )  # fmt: skip


# ----------------------------------------------------------------------- interpolate
@pytest.mark.parametrize(
    "kw",
    [dict(size=(7, 3), mode="bicubic"), dict(size=(7, 3), mode="bicubic", align_corners=True),
     dict(scale_factor=1.7, mode="bicubic"), dict(scale_factor=0.6, mode="bicubic"),
     dict(scale_factor=(1.5, 2.3), mode="bicubic", recompute_scale_factor=True),
     dict(size=(7, 3), mode="area"), dict(scale_factor=0.6, mode="area"),
     dict(scale_factor=1.7, mode="area")],
    ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()),
)  # fmt: skip
def test_interpolate_bicubic_and_area_as_torch(kw, rng, torch):
    # both modes were refused
    x = rng.standard_normal((2, 3, 5, 4))
    check_against_torch(
        lambda a: F.interpolate(a, **kw), lambda a: _tf(torch).interpolate(a, **kw), x,
        rtol=1e-10, atol=1e-12,
    )  # fmt: skip


@pytest.mark.parametrize("shape,size", [((2, 3, 7), 3), ((1, 2, 4, 3, 5), (2, 3, 4))])
def test_interpolate_area_1d_and_3d_as_torch(shape, size, rng, torch):
    x = rng.standard_normal(shape)
    check_against_torch(
        lambda a: F.interpolate(a, size, mode="area"),
        lambda a: _tf(torch).interpolate(a, size, mode="area"),
        x,
    )


def test_bicubic_gradient_is_the_derivative_of_its_values(rng):
    # (torch's own bicubic backward is off where an axis keeps its size with a scale != 1)
    x = rng.standard_normal((1, 2, 4, 5))
    assert check_gradients(lambda a: F.interpolate(a, scale_factor=1.1, mode="bicubic"), x)


def test_bilinear_keeps_an_axis_of_unchanged_size_as_torch(rng, torch):
    # scale 1.1 keeps 5 -> 5: torch copies the axis; glassnet resampled it with 1/1.1
    x = rng.standard_normal((2, 3, 5, 6))
    for mode in ("bilinear", "nearest"):
        check_against_torch(
            lambda a, m=mode: F.interpolate(a, scale_factor=1.1, mode=m),
            lambda a, m=mode: _tf(torch).interpolate(a, scale_factor=1.1, mode=m),
            x,
        )


# -------------------------------------------------------------- pooling with indices
def _nasty(rng, shape):
    x = rng.standard_normal(shape)
    x[0, 0, ..., :2] = 1.0  # ties
    x[-1, -1, ..., :3] = -np.inf  # windows of -inf
    return x


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("k,s,p,d", [(3, 2, 1, 1), (2, None, 0, 1), (3, 2, 1, 2), (2, 3, 1, 1)])
def test_max_pool_indices_as_torch(k, s, p, d, ceil_mode, rng, torch):
    x2 = _nasty(rng, (2, 3, 9, 10))
    x2[0, 1, 0, 0] = np.nan
    for x, g, t in ((x2, F.max_pool2d, _tf(torch).max_pool2d),
                    (_nasty(rng, (2, 3, 11)), F.max_pool1d, _tf(torch).max_pool1d)):  # fmt: skip
        kw = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode,
                  return_indices=True)  # fmt: skip
        got = g(gn.tensor(x), **kw)[1].numpy()
        want = t(torch.tensor(x), **kw)[1].numpy()
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("size", [4, 3, (5, 7), (None, 3), 1])
def test_adaptive_max_pool_indices_as_torch(size, rng, torch):
    x = _nasty(rng, (2, 3, 9, 10))
    for xx, g, t, o in (
        (x, F.adaptive_max_pool2d, _tf(torch).adaptive_max_pool2d, size),
        (x[0], F.adaptive_max_pool2d, _tf(torch).adaptive_max_pool2d, size),
        (x[:, :, 0], F.adaptive_max_pool1d, _tf(torch).adaptive_max_pool1d,
         size if isinstance(size, int) else 3),
    ):  # fmt: skip
        got = g(gn.tensor(xx), o, True)[1].numpy()
        np.testing.assert_array_equal(got, t(torch.tensor(xx), o, True)[1].numpy())


@pytest.mark.parametrize("nd", [1, 2])
def test_max_unpool_as_torch(nd, rng, torch):
    x = rng.standard_normal((2, 3, 8, 10)[: 2 + nd])
    pool, tpool = getattr(F, f"max_pool{nd}d"), getattr(_tf(torch), f"max_pool{nd}d")
    unpool, tunpool = getattr(F, f"max_unpool{nd}d"), getattr(_tf(torch), f"max_unpool{nd}d")
    size = list(x.shape[2:])
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        check_against_torch(
            lambda a, kw=kw: unpool(*pool(a, **kw, return_indices=True), **kw, output_size=size),
            lambda a, kw=kw: tunpool(*tpool(a, **kw, return_indices=True), **kw, output_size=size),
            x,
        )


def test_max_unpool_refuses_bad_indices_and_sizes():
    x, idx = F.max_pool2d(gn.zeros(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match="within one stride"):
        F.max_unpool2d(x, idx, 2, output_size=(9, 9))
    with pytest.raises(ValueError, match="indices must be integers of the input's shape"):
        F.max_unpool2d(x, np.zeros((1, 1, 3, 3), dtype=np.int64), 2)
    with pytest.raises(IndexError, match=r"indices must be in \[0, 16\)"):
        F.max_unpool2d(x, np.full((1, 1, 2, 2), 16), 2)


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("count_include_pad", [False, True])
@pytest.mark.parametrize("divisor", [None, 4, 7])
def test_avg_pool2d_divisor_override_as_torch(ceil_mode, count_include_pad, divisor, rng, torch):
    # F.avg_pool2d had no divisor_override; with ceil_mode it was refused
    kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=ceil_mode,
              count_include_pad=count_include_pad, divisor_override=divisor)  # fmt: skip
    check_against_torch(
        lambda a: F.avg_pool2d(a, **kw), lambda a: _tf(torch).avg_pool2d(a, **kw),
        rng.standard_normal((2, 3, 8, 7)),
    )  # fmt: skip


def test_unbatched_functional_pooling_as_torch(rng, torch):
    x = rng.standard_normal((3, 6, 7))
    check_against_torch(lambda a: F.max_pool2d(a, 2), lambda a: _tf(torch).max_pool2d(a, 2), x)
    check_against_torch(
        lambda a: F.avg_pool2d(a, 3, 2, 1, True, False, 5),
        lambda a: _tf(torch).avg_pool2d(a, 3, 2, 1, True, False, 5),
        x,
    )


# ------------------------------------------------------------------ new functionals
ACTIVATIONS = [
    ("threshold", dict(threshold=0.5, value=-2.0)), ("glu", dict(dim=1)), ("glu", {}),
    ("hardshrink", dict(lambd=0.7)), ("softshrink", dict(lambd=0.7)), ("tanhshrink", {}),
    ("rrelu", dict(lower=0.1, upper=0.3, training=False)),
]  # fmt: skip


@pytest.mark.parametrize("name,kw", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_new_activations_as_torch(name, kw, dtype, rng, torch):
    x = rng.standard_normal((3, 4, 6)) * 3
    x[0, 0, :3] = [0.5, 0.7, -0.7]  # at the thresholds: gradient 0 there, as torch
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    check_against_torch(
        lambda a: getattr(F, name)(a, **kw), lambda a: getattr(_tf(torch), name)(a, **kw), x,
        dtype=dtype, **tol,
    )  # fmt: skip


def test_rrelu_in_training_draws_slopes_in_range():
    gn.manual_seed(0)
    x = gn.tensor(-np.ones(1000), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    slopes = -y.numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and slopes.std() > 0.03
    np.testing.assert_allclose(x.grad.numpy(), slopes)


def test_glu_refuses_an_odd_size():
    with pytest.raises(ValueError, match="even size, got size 5 at dim -1"):
        F.glu(gn.zeros(2, 5))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_margin_losses_as_torch(reduction, dtype, rng, torch):
    x = rng.standard_normal((3, 4))
    y = np.sign(rng.standard_normal((3, 4)))
    yb = (rng.random((3, 4)) > 0.5).astype(np.float64)
    w = np.abs(rng.standard_normal(4))
    t = np.array([1, 0, 3])
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    tf = _tf(torch)
    cases = [
        (lambda a: F.soft_margin_loss(a, y.astype(dtype), reduction=reduction),
         lambda a: tf.soft_margin_loss(a, torch.tensor(y.astype(dtype)), reduction=reduction)),
        (lambda a: F.multilabel_soft_margin_loss(a, yb.astype(dtype), w.astype(dtype), reduction=reduction),
         lambda a: tf.multilabel_soft_margin_loss(a, torch.tensor(yb.astype(dtype)), torch.tensor(w.astype(dtype)), reduction=reduction)),
        (lambda a: F.hinge_embedding_loss(a, y.astype(dtype), margin=0.3, reduction=reduction),
         lambda a: tf.hinge_embedding_loss(a, torch.tensor(y.astype(dtype)), margin=0.3, reduction=reduction)),
    ]  # fmt: skip
    for p in (1, 2):
        cases.append((
            lambda a, p=p: F.multi_margin_loss(a, t, p, 0.7, w.astype(dtype), reduction=reduction),
            lambda a, p=p: tf.multi_margin_loss(a, torch.tensor(t), p, 0.7, torch.tensor(w.astype(dtype)), reduction=reduction),
        ))  # fmt: skip
    for gfn, tfn in cases:
        check_against_torch(gfn, tfn, x, dtype=dtype, **tol)


def test_multi_margin_loss_refuses_other_p_and_bad_targets():
    with pytest.raises(ValueError, match="only p = 1 and p = 2"):
        F.multi_margin_loss(gn.zeros(2, 3), np.array([0, 1]), p=3)
    with pytest.raises(IndexError, match=r"target classes must be in \[0, 3\)"):
        F.multi_margin_loss(gn.zeros(2, 3), np.array([0, 3]))


@pytest.mark.parametrize("shape,eps", [((3, 4), None), ([4], None), (4, 0.1)])
def test_rms_norm_as_torch(shape, eps, rng, torch):
    x = rng.standard_normal((2, 3, 4)) * 0.1
    ns = [shape] if isinstance(shape, int) else list(shape)
    w = rng.standard_normal(ns)
    check_against_torch(
        lambda a, b: F.rms_norm(a, shape, b, eps), lambda a, b: _tf(torch).rms_norm(a, ns, b, eps),
        x, w,
    )  # fmt: skip


# --------------------------------------------------------- the new paths on the GPU
def _f(*shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


DEVICE_CASES = {
    "pad_negative": (lambda a: F.pad(a, (-1, 2, 1, -1), mode="circular")
                     + F.pad(a, (-1, 2, 1, -1), mode="reflect"), [_f(2, 3, 4, 5)]),
    "normalize_inf_half": (lambda a: F.normalize(a, float("inf")) + F.normalize(a, 0.5),
                           [_f(3, 4)]),
    "interpolate_bicubic_area": (
        lambda a: F.interpolate(a, (4, 7), mode="bicubic").sum((2, 3))
        + F.interpolate(a, (2, 3), mode="area").sum((2, 3)), [_f(2, 3, 5, 6)]),
    "max_pool_unpool": (
        lambda a: F.max_unpool2d(*F.max_pool2d(a, 3, 2, 1, return_indices=True), 3, 2, 1,
                                 output_size=(5, 6))
        + F.adaptive_max_pool2d(a, 5, True)[0][..., :1].sum(), [_f(2, 3, 5, 6)]),
    "grid_sample_affine": (
        lambda a, t: F.grid_sample(a, F.affine_grid(t, (2, 3, 4, 5)), padding_mode="reflection")
        + F.grid_sample(a, F.affine_grid(t, (2, 3, 4, 5)), mode="nearest"),
        [_f(2, 3, 5, 6), _f(2, 2, 3)]),
    "unfold_fold": (lambda a: F.fold(F.unfold(a, 3, 1, 1, 2), (5, 6), 3, 1, 1, 2),
                    [_f(2, 3, 5, 6)]),
    "embedding_bag": (
        lambda w, p: F.embedding_bag(BAG_INPUT_1D, w, [0, 3, 3, 6], mode="sum", per_sample_weights=p)
        + F.embedding_bag(BAG_INPUT_2D, w, mode="max", padding_idx=2).sum(),
        [_f(10, 4), _f(9)]),
    "avg_pool_divisor": (lambda a: F.avg_pool2d(a, 3, 2, 1, True, False, 4), [_f(2, 3, 5, 6)]),
    "sdpa_learned_bias": (
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
        [_f(2, 3, 4), _f(2, 5, 4), _f(2, 5, 3), _f(3, 5)]),
    "shrinks_glu_losses": (
        lambda a: F.softshrink(a) + F.hardshrink(a) + F.threshold(a, 0.1, 2.0) + F.tanhshrink(a)
        + F.glu(a.repeat(1, 2), 1) + F.rms_norm(a, [4])
        + F.multi_margin_loss(a, np.array([0, 3, 1]), 2) + F.soft_margin_loss(a, a.sign().detach())
        + F.multilabel_soft_margin_loss(a, (a > 0).float())
        + F.hinge_embedding_loss(a, a.sign()), [_f(3, 4)]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DEVICE_CASES))
def test_new_paths_same_on_gpu(name, gpu):  # noqa: F811 - the fixture
    from tests.device_params import tolerances
    from tests.test_device_ops import _run

    fn, arrays = DEVICE_CASES[name]
    want_out, want_grads = _run(fn, arrays, "cpu")
    got_out, got_grads = _run(fn, arrays, gpu)
    for g, w in zip(got_out, want_out):
        np.testing.assert_allclose(g, w, **tolerances(gpu))
    for g, w in zip(got_grads, want_grads):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g, w, **tolerances(gpu))


def test_cross_entropy_refuses_ignore_index_with_probability_targets(torch):
    # torch raises; glassnet silently ignored ignore_index
    x, p = gn.zeros(3, 4), np.full((3, 4), 0.25)
    with pytest.raises(RuntimeError):
        _tf(torch).cross_entropy(torch.zeros(3, 4), torch.tensor(p), ignore_index=1)
    with pytest.raises(ValueError, match="ignore_index=1 is only for class-index targets"):
        F.cross_entropy(x, p, ignore_index=1)
    with pytest.raises(ValueError, match="ignore_index=1 is only for class-index targets"):
        gn.nn.CrossEntropyLoss(ignore_index=1)(x, p)


@pytest.mark.parametrize(
    "k,d,p,s", [(2, 1, 0, 1), (3, 1, 1, 2), ((2, 3), (2, 1), (1, 0), (1, 2)), (3, 2, 2, 3)]
)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_and_fold_as_torch(k, d, p, s, batched, rng, torch):
    # F.unfold/F.fold (nn.Unfold/nn.Fold) did not exist
    x = rng.standard_normal((2, 3, 7, 8) if batched else (3, 7, 8))
    check_against_torch(
        lambda a: F.unfold(a, k, d, p, s), lambda a: _tf(torch).unfold(a, k, d, p, s), x
    )
    cols = _tf(torch).unfold(torch.tensor(x), k, d, p, s).numpy()
    check_against_torch(
        lambda a: F.fold(a, (7, 8), k, d, p, s), lambda a: _tf(torch).fold(a, (7, 8), k, d, p, s),
        cols,
    )  # fmt: skip


def test_fold_refuses_a_block_count_that_does_not_fit():
    with pytest.raises(ValueError, match="holds 3 x 3 blocks .* but the input has L=5"):
        F.fold(gn.zeros(1, 12, 5), (4, 4), 2)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_as_torch(mode, padding_mode, align_corners, rng, torch):
    # F.grid_sample/F.affine_grid did not exist; the grid reaches outside [-1, 1]
    x = rng.standard_normal((2, 3, 5, 6))
    grid = rng.uniform(-1.8, 1.8, (2, 4, 7, 2))
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    check_against_torch(
        lambda a, g: F.grid_sample(a, g, **kw), lambda a, g: _tf(torch).grid_sample(a, g, **kw),
        x, grid, check=[True, mode == "bilinear"],
    )  # fmt: skip


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
def test_grid_sample_passes_no_gradient_on_the_edges_as_torch(
    padding_mode, align_corners, rng, torch
):  # fmt: skip
    # a grid on quarter steps lands exactly on the clipping edges (and on reflection folds);
    # the grid's gradient there was 1 where torch's clip_coordinates_set_grad gives 0
    x = rng.standard_normal((2, 2, 5, 3))
    grid = np.round(rng.normal(0.0, 2.0, (2, 4, 6, 2)) * 4) / 4
    kw = dict(padding_mode=padding_mode, align_corners=align_corners)
    check_against_torch(
        lambda a, g: F.grid_sample(a, g, **kw), lambda a, g: _tf(torch).grid_sample(a, g, **kw),
        x, grid,
    )  # fmt: skip


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_and_a_spatial_transformer_as_torch(align_corners, rng, torch):
    theta = rng.standard_normal((2, 2, 3)) * 0.5 + np.array([[1.0, 0, 0], [0, 1.0, 0]])
    x = rng.standard_normal((2, 3, 6, 7))
    tf = _tf(torch)
    check_against_torch(
        lambda a, t: F.grid_sample(a, F.affine_grid(t, (2, 3, 4, 5), align_corners), align_corners=align_corners),
        lambda a, t: tf.grid_sample(a, tf.affine_grid(t, (2, 3, 4, 5), align_corners), align_corners=align_corners),
        x, theta,
    )  # fmt: skip


def test_grid_sample_refuses_what_it_lacks():
    with pytest.raises(NotImplementedError, match="grid_sample: mode must be one of"):
        F.grid_sample(gn.zeros(1, 1, 2, 2), gn.zeros(1, 2, 2, 2), mode="lanczos")  # bicubic: round 6
    with pytest.raises(NotImplementedError, match="only 4-D input"):
        F.grid_sample(gn.zeros(1, 1, 2, 2, 2), gn.zeros(1, 2, 2, 2, 3))
    with pytest.raises(NotImplementedError, match="affine_grid: only 4-D sizes"):
        F.affine_grid(gn.zeros(1, 3, 4), (1, 1, 2, 2, 2))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_bag_as_torch(mode, padding_idx, rng, torch):
    # F.embedding_bag did not exist; bag 1 of the offsets is empty
    w = rng.standard_normal((10, 4))
    tf = _tf(torch)
    for inp, off, last in ((BAG_INPUT_2D, None, False), (BAG_INPUT_1D, [0, 3, 3, 6], False),
                           (BAG_INPUT_1D, [0, 3, 3, 6, 9], True)):  # fmt: skip
        t_off = None if off is None else torch.tensor(off)
        check_against_torch(
            lambda a, inp=inp, off=off, last=last: F.embedding_bag(
                inp, a, off, mode=mode, include_last_offset=last, padding_idx=padding_idx),
            lambda a, inp=inp, t_off=t_off, last=last: tf.embedding_bag(
                torch.tensor(inp), a, t_off, mode=mode, include_last_offset=last,
                padding_idx=padding_idx),
            w,
        )  # fmt: skip


def test_embedding_bag_per_sample_weights_get_their_gradient(rng, torch):
    w, psw = rng.standard_normal((10, 4)), rng.standard_normal(9)
    off = [0, 3, 3, 6]
    check_against_torch(
        lambda a, p: F.embedding_bag(BAG_INPUT_1D, a, off, mode="sum", per_sample_weights=p),
        lambda a, p: _tf(torch).embedding_bag(
            torch.tensor(BAG_INPUT_1D), a, torch.tensor(off), mode="sum", per_sample_weights=p),
        w, psw,
    )  # fmt: skip
    with pytest.raises(ValueError, match="per_sample_weights is only supported with mode='sum'"):
        F.embedding_bag(BAG_INPUT_2D, gn.tensor(w), per_sample_weights=gn.tensor(psw))
    with pytest.raises(ValueError, match="offsets must be None for a 2-D input"):
        F.embedding_bag(BAG_INPUT_2D, gn.tensor(w), [0, 1])


@pytest.mark.parametrize("eps", [1e-8, 1e-3])
def test_cosine_similarity_clamps_each_norm_as_torch(eps, rng, torch):
    # glassnet divided by max(||x1|| ||x2||, eps): other values for short vectors
    x, y = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    x[0] = 0.0
    y[2] *= 1e-6  # below eps=1e-3, above 1e-8
    check_against_torch(
        lambda a, b: F.cosine_similarity(a, b, eps=eps),
        lambda a, b: _tf(torch).cosine_similarity(a, b, eps=eps),
        x, y, check=[True, eps < 1e-6],  # y[2]'s gradient: see the docs' table of differences
    )  # fmt: skip
    tf = _tf(torch)
    check_against_torch(
        lambda a, b: F.cosine_similarity(a, b, -1), lambda a, b: tf.cosine_similarity(a, b, -1),
        rng.standard_normal((3, 1, 5)), rng.standard_normal((1, 4, 5)),
    )  # fmt: skip


@pytest.mark.parametrize("alpha", [0.1, 1.0, 2.5])
def test_celu_has_a_finite_gradient_for_large_inputs(alpha, torch):
    # exp(x / alpha) overflowed to inf for large x: a NaN gradient
    x = np.array([-800.0, -3.0, -1e-9, 0.0, 1e-9, 3.0, 800.0])
    check_against_torch(
        lambda a: F.celu(a, alpha), lambda a: _tf(torch).celu(a, alpha), x, rtol=1e-7, atol=1e-12
    )


def test_embedding_refuses_negative_indices_as_torch(torch):
    # a negative index silently picked a row from the end; torch raises IndexError
    w = np.zeros((5, 3))
    with pytest.raises(IndexError):
        _tf(torch).embedding(torch.tensor([-1]), torch.tensor(w))
    with pytest.raises(IndexError, match=r"indices must be in \[0, 5\)"):
        F.embedding(np.array([0, -1]), gn.tensor(w))


def test_binary_cross_entropy_refuses_targets_outside_0_1_as_torch(torch):
    # glassnet computed a loss for a target of 1.5; torch raises
    p, t = np.array([0.5, 0.5]), np.array([1.5, 0.0])
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        _tf(torch).binary_cross_entropy(torch.tensor(p), torch.tensor(t))
    with pytest.raises(ValueError, match=r"target must hold probabilities in \[0, 1\], got 1.5"):
        F.binary_cross_entropy(gn.tensor(p), t)
    with pytest.raises(ValueError, match="target must hold probabilities"):
        F.binary_cross_entropy(gn.tensor(p), gn.tensor(-t))


def test_unbatched_functional_convolution_and_adaptive_pooling_as_torch(rng, torch):
    # F.conv1d/F.conv2d/F.adaptive_avg_pool2d refused the unbatched input torch takes
    tf = _tf(torch)
    check_against_torch(
        lambda a, w: F.conv2d(a, w, None, (2, 1), 1), lambda a, w: tf.conv2d(a, w, None, (2, 1), 1),
        rng.standard_normal((3, 6, 6)), rng.standard_normal((4, 3, 3, 3)),
    )  # fmt: skip
    check_against_torch(
        lambda a, w, b: F.conv1d(a, w, b, padding="same", dilation=2),
        lambda a, w, b: tf.conv1d(a, w, b, padding="same", dilation=2),
        rng.standard_normal((3, 9)), rng.standard_normal((4, 3, 4)), rng.standard_normal(4),
    )  # fmt: skip
    check_against_torch(
        lambda a: F.adaptive_avg_pool2d(a, (2, 3)), lambda a: tf.adaptive_avg_pool2d(a, (2, 3)),
        rng.standard_normal((3, 5, 7)),
    )  # fmt: skip


def test_deprecated_upsample_aliases_and_in_place_activations_as_torch(rng, torch):
    tf = _tf(torch)
    x = rng.standard_normal((1, 2, 3, 4))
    for g, t in ((lambda a: F.upsample(a, scale_factor=2, mode="bilinear"),
                  lambda a: tf.interpolate(a, scale_factor=2, mode="bilinear")),
                 (lambda a: F.upsample_nearest(a, (5, 7)), lambda a: tf.interpolate(a, (5, 7))),
                 (lambda a: F.upsample_bilinear(a, scale_factor=2),
                  lambda a: tf.interpolate(a, scale_factor=2, mode="bilinear", align_corners=True))):  # fmt: skip
        check_against_torch(g, t, x)
    for name, args in (("relu_", ()), ("leaky_relu_", (0.2,)), ("elu_", (0.5,)), ("celu_", (0.5,)),
                       ("selu_", ()), ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, 2.0))):  # fmt: skip
        g = gn.tensor(x.copy())
        out = getattr(F, name)(g, *args)
        want = getattr(tf, name)(torch.tensor(x), *args).numpy()
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-12)  # in place, as torch
        assert out is g


def test_functions_glassnet_lacks_say_so():
    with pytest.raises(AttributeError, match="torch.nn.functional.conv_tbc is not implemented"):
        F.conv_tbc  # noqa: B018
    with pytest.raises(AttributeError, match="torch.nn.AdaptiveLogSoftmaxWithLoss is not implemented"):
        gn.nn.AdaptiveLogSoftmaxWithLoss  # noqa: B018
    assert not hasattr(F, "lp_pool3d") and not hasattr(gn.nn, "LPPool3d")


@pytest.mark.parametrize(
    "fn", [lambda x, w: F.binary_cross_entropy_with_logits(x, np.ones((2, 3)), weight=w),
           lambda x, w: F.binary_cross_entropy_with_logits(x, np.ones((2, 3)), pos_weight=w[0]),
           lambda x, w: F.binary_cross_entropy(F.sigmoid(x), np.ones((2, 3)), weight=w),
           lambda x, w: F.cross_entropy(x, np.array([0, 2]), weight=w[0]),
           lambda x, w: F.nll_loss(x, np.array([0, 2]), weight=w[0])],
)  # fmt: skip
def test_loss_weights_that_require_grad_are_refused(fn):
    # torch refuses them; glassnet used them as constants and dropped their gradient silently
    x = gn.tensor(np.zeros((2, 3)), requires_grad=True)
    w = gn.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="requires grad, but the loss is not differentiable"):
        fn(x, w)
    with gn.no_grad():
        fn(x, w)
    fn(x, w.detach())
