"""Round 4 of hostile ONNX export tests: the layers and functions added with round 3's
PyTorch coverage (shrinks, 3-d norms and pads, fold, embedding bags, grid sampling,
linear algebra, torch's extra tensor functions).

Each model is exported at batch 2 and run in onnxruntime at batch 2 and 3 (the batch
axis is dynamic), and compared with glassnet's own forward; the ops that have no ONNX
form must be refused by name.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.io as gio
from glassnet import nn
from tests.nn.onnx_check import Fn, flat_outputs

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _normal(shape, rng):
    return rng.standard_normal(shape).astype(np.float32)


def _positive(shape, rng):
    return rng.uniform(0.1, 0.9, shape).astype(np.float32)


def _check(model, shapes, *, make=_normal, torch_style=False):
    """Export at batch 2, run at batch 2 and 3 in onnxruntime, compare with glassnet."""
    rng = np.random.default_rng(0)
    model.eval()
    names = [f"in{i}" for i in range(len(shapes))]
    makers = make if isinstance(make, (tuple, list)) else [make] * len(shapes)
    args = tuple(gn.tensor(m(s, rng)) for m, s in zip(makers, shapes))
    with gn.no_grad():
        n_out = len(flat_outputs(model(*(gn.tensor(a.numpy()) for a in args))))
    outs = [f"out{i}" for i in range(n_out)]
    if torch_style:
        import io

        buf = io.BytesIO()
        axes = {n: {0: "batch"} for n in names + outs}
        gn.onnx.export(model, args, buf, input_names=names, output_names=outs, dynamic_axes=axes)
        data = buf.getvalue()
    else:
        data = gio.build_onnx_model(
            model, args, input_names=tuple(names), output_names=tuple(outs)
        ).SerializeToString()
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    for n in (2, 3):
        xs = [m((n, *s[1:]), rng) for m, s in zip(makers, shapes)]
        got = sess.run(None, dict(zip(names, xs)))
        with gn.no_grad():
            want = [w.numpy() for w in flat_outputs(model(*(gn.tensor(x.copy()) for x in xs)))]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def _ints(high):
    return lambda shape, rng: rng.integers(0, high, shape).astype(np.int64)


def _coarse(shape, rng):
    """Floats among 0, 0.5 and 1, so that some differences are 0."""
    return (rng.integers(0, 3, shape) * 0.5).astype(np.float32)


def _with_specials(shape, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[::5] = np.nan
    x.flat[1::7] = np.inf
    x.flat[2::9] = -np.inf
    return x


def _bag(mode, **kw):
    return lambda: Fn(lambda m, i: m.bag(i), bag=nn.EmbeddingBag(7, 3, mode=mode, **kw))


def _bag_offsets(mode):
    def f(m, i, w=None):
        flat = i.reshape(-1)
        offs = gn.tensor(np.array([0, 2, 2], dtype=np.int64))
        return m.bag(flat, offs)

    return lambda: Fn(f, bag=nn.EmbeddingBag(7, 3, mode=mode))


def _bag_weights():
    def f(m, i, w):
        return m.bag(i, per_sample_weights=w)

    return lambda: Fn(f, bag=nn.EmbeddingBag(7, 3, mode="sum"))


def _layer(layer):
    return lambda: Fn(lambda m, x: m.layer(x), layer=layer)


def _fn(f):
    return lambda: Fn(lambda m, *xs: f(*xs))


_BN3 = nn.BatchNorm3d(2)
_BN3.running_mean.array[:] = np.array([0.1, -0.2], dtype=np.float32)
_BN3.running_var.array[:] = np.array([1.5, 0.7], dtype=np.float32)

# name -> (model factory, input shapes at batch 2, input maker)
CASES = {
    "RMSNorm": (_layer(nn.RMSNorm(4)), [(2, 3, 4)], _normal),
    "RMSNorm_no_eps": (_layer(nn.RMSNorm([3, 4], eps=None)), [(2, 3, 4)], _normal),
    "GLU": (_layer(nn.GLU(-1)), [(2, 3, 4)], _normal),
    "GLU_dim1": (_layer(nn.GLU(1)), [(2, 4, 3)], _normal),
    "Threshold": (_layer(nn.Threshold(0.1, 20.0)), [(2, 5)], _normal),
    "RReLU_eval": (_layer(nn.RReLU(0.1, 0.3)), [(2, 5)], _normal),
    "Hardshrink": (_layer(nn.Hardshrink(0.5)), [(2, 5)], _normal),
    "Softshrink": (_layer(nn.Softshrink(0.5)), [(2, 5)], _normal),
    "Tanhshrink": (_layer(nn.Tanhshrink()), [(2, 5)], _normal),
    "Softmax2d": (_layer(nn.Softmax2d()), [(2, 3, 2, 2)], _normal),
    "BatchNorm3d": (_layer(_BN3), [(2, 2, 2, 3, 2)], _normal),
    "InstanceNorm3d": (_layer(nn.InstanceNorm3d(2, affine=True)), [(2, 2, 2, 3, 2)], _normal),
    "AdaptiveAvgPool3d": (_layer(nn.AdaptiveAvgPool3d((1, 2, 2))), [(2, 2, 3, 4, 4)], _normal),
    "AdaptiveAvgPool3d_uneven": (_layer(nn.AdaptiveAvgPool3d(2)), [(2, 1, 3, 5, 4)], _normal),
    "ConstantPad3d": (_layer(nn.ConstantPad3d((1, 0, 2, 1, 0, 1), 0.5)), [(2, 1, 2, 3, 3)], _normal),
    "ZeroPad3d": (_layer(nn.ZeroPad3d(1)), [(2, 1, 2, 2, 2)], _normal),
    "ReflectionPad3d": (_layer(nn.ReflectionPad3d((1, 1, 0, 1, 1, 0))), [(2, 1, 2, 3, 3)], _normal),
    "ReplicationPad3d": (_layer(nn.ReplicationPad3d(1)), [(2, 1, 2, 3, 3)], _normal),
    "CircularPad3d": (_layer(nn.CircularPad3d((1, 0, 0, 1, 1, 1))), [(2, 1, 2, 3, 3)], _normal),
    "Unfold": (_layer(nn.Unfold(2, dilation=1, padding=1, stride=2)), [(2, 2, 4, 5)], _normal),
    "Fold": (_layer(nn.Fold((4, 5), 2, padding=1, stride=2)), [(2, 8, 9)], _normal),
    "Fold_overlap": (_layer(nn.Fold((3, 3), 2)), [(2, 4, 4)], _normal),
    "EmbeddingBag_sum": (_bag("sum"), [(2, 3)], _ints(7)),
    "EmbeddingBag_mean": (_bag("mean"), [(2, 3)], _ints(7)),
    "EmbeddingBag_max": (_bag("max"), [(2, 3)], _ints(7)),
    "EmbeddingBag_weights": (_bag_weights(), [(2, 3), (2, 3)], [_ints(7), _normal]),
    "CosineSimilarity": (lambda: Fn(lambda m, a, b: m.c(a, b), c=nn.CosineSimilarity(dim=1)), [(2, 4), (2, 4)], _normal),
    "CosineSimilarity2": (lambda: Fn(lambda m, a, b: m.c(a, b), c=nn.CosineSimilarity(-1)), [(2, 3, 4), (2, 3, 4)], _normal),
    "PairwiseDistance": (lambda: Fn(lambda m, a, b: m.c(a, b), c=nn.PairwiseDistance(p=2.0)), [(2, 4), (2, 4)], _normal),
    "PairwiseDistance_p1_keep": (lambda: Fn(lambda m, a, b: m.c(a, b), c=nn.PairwiseDistance(p=1.0, keepdim=True)), [(2, 4), (2, 4)], _normal),
    "grid_sample_bilinear": (_fn(lambda x, g: F.grid_sample(x, g, align_corners=False)), [(2, 2, 4, 5), (2, 3, 3, 2)], _normal),
    "grid_sample_nearest_border": (_fn(lambda x, g: F.grid_sample(x, g, mode="nearest", padding_mode="border", align_corners=True)), [(2, 2, 4, 5), (2, 3, 3, 2)], _normal),
    "grid_sample_reflection": (_fn(lambda x, g: F.grid_sample(x, g, padding_mode="reflection", align_corners=False)), [(2, 1, 4, 5), (2, 3, 3, 2)], _normal),
    "affine_grid": (_fn(lambda t: F.affine_grid(t, [t.shape[0], 1, 3, 4], align_corners=False)), [(2, 2, 3)], _normal),
    "interpolate_bicubic": (_fn(lambda x: F.interpolate(x, size=(5, 7), mode="bicubic", align_corners=False)), [(2, 1, 3, 4)], _normal),
    "interpolate_bicubic_ac": (_fn(lambda x: F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True)), [(2, 1, 3, 4)], _normal),
    "interpolate_area": (_fn(lambda x: F.interpolate(x, size=(2, 3), mode="area")), [(2, 1, 4, 7)], _normal),
    "avg_pool2d_divisor": (_fn(lambda x: F.avg_pool2d(x, 2, 2, padding=1, divisor_override=3)), [(2, 1, 4, 5)], _normal),
    "tensordot": (_fn(lambda a: gn.tensordot(a, gn.tensor(np.arange(12, dtype=np.float32).reshape(3, 4)), dims=([1, 2], [0, 1]))), [(2, 3, 4)], _normal),
    "diagonal": (_fn(lambda a: gn.diagonal(a, offset=1, dim1=1, dim2=2)), [(2, 3, 4)], _normal),
    "diagonal_neg": (_fn(lambda a: a.diagonal(-1, 2, 1)), [(2, 3, 4)], _normal),
    "Tensor.unfold": (_fn(lambda a: a.unfold(1, 3, 2)), [(2, 7, 2)], _normal),
    "quantile": (_fn(lambda a: gn.quantile(a, 0.3, dim=1)), [(2, 5)], _normal),
    "quantile_q": (_fn(lambda a: a.quantile(gn.tensor(np.array([0.2, 0.9], dtype=np.float32)), dim=1, keepdim=True)), [(2, 5)], _normal),
    "rot90": (_fn(lambda a: gn.rot90(a, 1, (1, 2))), [(2, 3, 4)], _normal),
    "rot90_k3": (_fn(lambda a: gn.rot90(a, -1, (1, 2))), [(2, 3, 4)], _normal),
    "block_diag": (_fn(lambda a: gn.block_diag(a, gn.ones(2, 3))), [(2, 3)], _normal),
    "cartesian_prod": (_fn(lambda a: gn.cartesian_prod(a, gn.tensor(np.array([1.0, 2.0], dtype=np.float32)))), [(2,)], _normal),
    "trapezoid": (_fn(lambda a: gn.trapezoid(a, dx=0.5, dim=1)), [(2, 5)], _normal),
    "trapezoid_x": (_fn(lambda a: gn.trapezoid(a, gn.tensor(np.array([0.0, 0.5, 2.0, 2.5, 4.0], dtype=np.float32)), dim=-1)), [(2, 5)], _normal),
    "det": (_fn(lambda a: gn.det(a)), [(2, 3, 3)], _normal),
    "linalg.det": (_fn(lambda a: gn.linalg.det(a)), [(2, 3, 3)], _normal),
    "clamp_min": (_fn(lambda a: a.clamp_min(0.1)), [(2, 5)], _normal),
    "clamp_max": (_fn(lambda a: a.clamp_max(0.1)), [(2, 5)], _normal),
    "nan_to_num": (_fn(lambda a: a.nan_to_num(0.5, 9.0)), [(2, 9)], _with_specials),
    "nan_to_num_default": (_fn(lambda a: gn.nan_to_num(a)), [(2, 9)], _with_specials),
    "logit": (_fn(lambda a: a.logit()), [(2, 5)], _positive),
    "logit_eps": (_fn(lambda a: gn.logit(a * 2 - 0.5, eps=0.1)), [(2, 5)], _positive),
    "xlogy": (_fn(lambda a, b: gn.xlogy(a.relu(), b)), [(2, 5), (2, 5)], [_normal, _positive]),
    "fmod": (_fn(lambda a: gn.fmod(a * 3, 1.3)), [(2, 5)], _normal),
    "fmod_t": (_fn(lambda a, b: a.fmod(b + 2)), [(2, 5), (2, 5)], [_normal, _positive]),
    "frac": (_fn(lambda a: (a * 3).frac()), [(2, 5)], _normal),
    "logical": (_fn(lambda a, b: (a.logical_and(b > 0), a.logical_or(b), a.logical_xor(b > 0.5), gn.logical_not(a))), [(2, 5), (2, 5)], _normal),
    "nansum": (_fn(lambda a: (a.nansum(1), gn.nansum(a))), [(2, 9)], _with_specials),
    "nanmean": (_fn(lambda a: (a.nanmean(1), gn.nanmean(a, dim=1, keepdim=True))), [(2, 9)], _with_specials),
    "log2_log10": (_fn(lambda a: (a.log2(), gn.log10(a))), [(2, 5)], _positive),
    "trig": (_fn(lambda a: (a.tan(), a.atan(), a.asin(), a.acos(), a.sinh(), a.cosh())), [(2, 5)], _positive),
    "addmm": (_fn(lambda a, b: gn.addmm(b, a, gn.ones(4, 3), beta=0.5, alpha=2.0)), [(2, 4), (2, 3)], _normal),
    "baddbmm": (_fn(lambda a, b: gn.baddbmm(b, a, a.transpose(1, 2), beta=0.5, alpha=2.0)), [(2, 3, 4), (2, 3, 3)], _normal),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_new_layers_and_functions_export(name):
    factory, shapes, make = CASES[name]
    _check(factory(), shapes, make=make)
CASES.update({
    "aminmax": (_fn(lambda a: tuple(a.aminmax(dim=1))), [(2, 5)], _normal),
    "argwhere": (_fn(lambda a: a.argwhere()), [(2, 5)], _normal),
    "index_fill": (_fn(lambda a: a.index_fill(1, gn.tensor(np.array([0, 3])), 2.0)), [(2, 5)], _normal),
    "heaviside_free_sgn": (_fn(lambda a: gn.sgn(a) * 2), [(2, 5)], _normal),
    "PairwiseDistance_inf": (_fn(lambda a, b: F.pairwise_distance(a, b, p=float("inf"))), [(2, 4), (2, 4)], _normal),
    "PairwiseDistance_neg_inf": (_fn(lambda a, b: F.pairwise_distance(a, b, p=-float("inf"), keepdim=True)), [(2, 4), (2, 4)], _normal),
    "PairwiseDistance_p0": (_fn(lambda a, b: F.pairwise_distance(a, b, p=0, eps=0.0)), [(2, 4), (2, 4)], _coarse),
    "quantile_nearest": (_fn(lambda a: gn.quantile(a, 0.35, dim=1, interpolation="nearest")), [(2, 5)], _normal),
    "interpolate_area_3d": (_fn(lambda x: F.interpolate(x, size=(2, 3, 2), mode="area")), [(2, 1, 4, 5, 3)], _normal),
    "grid_sample_nearest_ties": (_fn(lambda x: F.grid_sample(  # x = 1.5, 0.5: half to even
        x, gn.tensor(np.array([[[[0.0, -0.5], [-0.5, 0.0], [0.5, 0.0]]]], np.float32)).expand(
            x.shape[0], 1, 3, 2), mode="nearest", align_corners=False)), [(2, 1, 4, 4)], _normal),
    "affine_grid_then_grid_sample": (_fn(lambda x, t: F.grid_sample(
        x, F.affine_grid(t, list(x.shape), align_corners=False), align_corners=False)),
        [(2, 2, 4, 5), (2, 2, 3)], _normal),
})  # fmt: skip


@pytest.mark.parametrize("p", [float("inf"), -float("inf"), 0, 3, 0.5])
def test_pairwise_distance_matches_torch_for_every_p(p):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = a + rng.integers(-1, 2, (3, 4)).astype(np.float32) * 0.5  # some entries equal
    want = torch.nn.functional.pairwise_distance(torch.tensor(a), torch.tensor(b), p=p).numpy()
    got = F.pairwise_distance(gn.tensor(a), gn.tensor(b), p=p).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["RMSNorm", "EmbeddingBag_max", "grid_sample_bilinear", "nan_to_num", "det"])
def test_new_layers_export_through_torch_onnx_export(name):
    factory, shapes, make = CASES[name]
    _check(factory(), shapes, make=make, torch_style=True)


_X = np.random.default_rng(1).standard_normal((2, 3, 3)).astype(np.float32)
_IDS = np.array([[1, 2, 3], [4, 5, 6]])
_TABLE = np.ones((8, 2), np.float32)

# name -> (forward, example input, what the error says)
REFUSED = {
    "inv": (lambda a: gn.linalg.inv(a), _X, "Inverse .* matrix inverse"),
    "inverse": (lambda a: a.inverse(), _X, "Inverse .* matrix inverse"),
    "slogdet": (lambda a: gn.linalg.slogdet(a), _X, "LogAbsDet .* log-determinant"),
    "solve": (lambda a: gn.linalg.solve(a, a), _X, "Solve .* linear solve"),
    "max_pool2d_indices": (
        lambda a: F.max_pool2d(a.unsqueeze(1), 2, 1, return_indices=True)[1], _X,
        "max pooling with return_indices=True has no ONNX export",
    ),
    "max_unpool2d": (
        lambda a: F.max_unpool2d(*F.max_pool2d(a.unsqueeze(1), 2, 1, return_indices=True), 2, 1),
        _X, "max pooling with return_indices=True has no ONNX export",
    ),
    "adaptive_max_pool2d_indices": (
        lambda a: F.adaptive_max_pool2d(a.unsqueeze(1), 2, return_indices=True)[0], _X,
        "adaptive max pooling with return_indices=True has no ONNX export",
    ),
    "cummax": (lambda a: gn.cummax(a, 1).values, _X, "cummax has no ONNX export"),
    "cummin": (lambda a: a.cummin(1)[0], _X, "cummin has no ONNX export"),
    "searchsorted": (lambda a: gn.searchsorted(gn.tensor(np.array([0.0, 1.0], np.float32)), a),
                     _X, "searchsorted has no ONNX export"),
    "isin": (lambda a: gn.isin(a, a[0]), _X, "isin has no ONNX export"),
    "heaviside": (lambda a: gn.heaviside(a, gn.tensor(np.float32(0.5))), _X, "heaviside has no"),
    "fmod_of_integers": (lambda a: a.fmod(2), _IDS, "fmod of integers has no ONNX export"),
    # embedding_bag with offsets or padding_idx exports since round 7 (tests/io/test_onnx_round7.py)
}  # fmt: skip


@pytest.mark.parametrize("dynamic", [True, False])
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_ops_without_an_onnx_form_are_refused_by_name(name, dynamic):
    forward, example, message = REFUSED[name]
    with pytest.raises(TypeError, match=message):
        gio.build_onnx_model(Fn(lambda m, a: forward(a)), gn.tensor(example), dynamic_batch=dynamic)
