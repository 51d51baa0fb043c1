"""Round 6 of ONNX export tests: models users actually export, with the layers and
options added or fixed recently (grid sampling in every mode, fractional interpolation
scales, embedding options, projected and bidirectional recurrences, attention options,
norm-first transformer layers, grouped transposed convolutions, ceil-mode pooling,
integer arithmetic, mixed indexing, parametrized weights).

Each model is exported with ``gn.onnx.export`` (PyTorch's signature, ``dynamic_axes`` on
the batch), run in onnxruntime at batch 2 and 3, and compared with glassnet's eval-mode
forward at the same inputs.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import nn
from tests.nn.onnx_check import Fn, flat_outputs

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _normal(shape, rng):
    return rng.standard_normal(shape).astype(np.float32)


def _grid(shape, rng):
    """Sampling grids that reach outside [-1, 1], so every padding mode matters."""
    return rng.uniform(-1.4, 1.4, shape).astype(np.float32)


def _ints(low, high):
    return lambda shape, rng: rng.integers(low, high, shape).astype(np.int64)


def _with_nans(shape, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[::4] = np.nan
    return x


def _check(model, shapes, make=_normal, out_axes=None):
    """Export at batch 2 with a dynamic batch, run at batch 2 and 3, compare with glassnet.

    ``out_axes`` maps an output's index to its batch axis (default 0; ``None`` for an
    output without one): a recurrent layer's ``h_n`` of shape ``(L*D, N, H)`` has its
    batch on axis 1."""
    rng = np.random.default_rng(0)
    model.eval()
    names = [f"in{i}" for i in range(len(shapes))]
    makers = make if isinstance(make, (tuple, list)) else [make] * len(shapes)
    args = tuple(gn.tensor(m(s, rng)) for m, s in zip(makers, shapes))
    with gn.no_grad():
        n_out = len(flat_outputs(model(*(gn.tensor(a.numpy()) for a in args))))
    outs = [f"out{i}" for i in range(n_out)]
    buf = io.BytesIO()
    axes = {n: {0: "batch"} for n in names}
    for i, o in enumerate(outs):
        axis = (out_axes or {}).get(i, 0)
        if axis is not None:
            axes[o] = {axis: "batch"}
    gn.onnx.export(model, args, buf, input_names=names, output_names=outs, dynamic_axes=axes)
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    for n in (2, 3):
        xs = [m((n, *s[1:]), rng) for m, s in zip(makers, shapes)]
        got = sess.run(None, dict(zip(names, xs)))
        with gn.no_grad():
            want = [w.numpy() for w in flat_outputs(model(*(gn.tensor(x.copy()) for x in xs)))]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def _layer(layer):
    return lambda: Fn(lambda m, x: m.layer(x), layer=layer)


def _fn(f):
    return lambda: Fn(lambda m, *xs: f(*xs))


def _grid_case(mode, padding, corners):
    f = _fn(lambda x, g: F.grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=corners))
    return (f, [(2, 2, 4, 5), (2, 3, 4, 2)], [_normal, _grid])


def _interp(**kw):
    return _fn(lambda x: F.interpolate(x, **kw))


def _emb_max_norm():
    emb = nn.Embedding(9, 4, padding_idx=2, max_norm=1.0)
    return Fn(lambda m, i: m.emb(i), emb=emb)


def _bag_offsets(mode, last):
    def f(m, i):
        flat = i.reshape(-1)
        n = flat.shape[0]
        offs = [0, 2, 2, n] if last else [0, 2, 2]
        return m.bag(flat, gn.tensor(np.array(offs, dtype=np.int64)))

    return lambda: Fn(f, bag=nn.EmbeddingBag(7, 3, mode=mode, include_last_offset=last))


def _mha(**kw):
    def f(m, q, k, v):
        mask = k[:, :, 0] > 0.8
        out, w = m.attn(q, k, v, key_padding_mask=mask)
        return out, w

    return lambda: Fn(f, attn=nn.MultiheadAttention(8, 2, batch_first=True, **kw))


def _lstm_proj():
    lstm = nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True, proj_size=3)
    return Fn(lambda m, x: m.rnn(x), rnn=lstm)


def _gru_bi():
    gru = nn.GRU(4, 5, num_layers=2, bidirectional=True, batch_first=True)
    return Fn(lambda m, x: m.rnn(x), rnn=gru)


def _encoder():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, activation="gelu",
                                       batch_first=True, norm_first=True)
    return Fn(lambda m, x: m.enc(x), enc=layer)


def _instance_norm_running():
    norm = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    norm.running_mean.array[:] = np.array([0.2, -0.1, 0.4], dtype=np.float32)
    norm.running_var.array[:] = np.array([1.3, 0.6, 2.0], dtype=np.float32)
    norm.weight.array[:] = np.array([1.5, 0.5, -1.0], dtype=np.float32)
    norm.bias.array[:] = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    return Fn(lambda m, x: m.norm(x), norm=norm)


def _weight_norm():
    lin = nn.utils.parametrizations.weight_norm(nn.Linear(5, 3))
    return Fn(lambda m, x: m.lin(x), lin=lin)


def _old_weight_norm():
    conv = nn.utils.weight_norm(nn.Conv2d(2, 3, 3, padding=1))
    return Fn(lambda m, x: m.conv(x), conv=conv)


def _orthogonal():
    lin = nn.utils.parametrizations.orthogonal(nn.Linear(4, 4))
    return Fn(lambda m, x: m.lin(x).relu(), lin=lin)


def _mixed_index(x):
    idx = gn.tensor(np.array([3, 0, 3], dtype=np.int64))
    return x[:, 1, :, idx], x[:, 0][:, [1, 2]]


def _int_ops(a, b):
    b = b.abs() + 1
    return (a // b, a % b, a << 2, a >> 1, a.clamp(b - 5, b + 1), gn.clamp(a, min=b))


CASES = {
    **{f"grid_sample_{m}_{p}_{c}": _grid_case(m, p, c)
       for m in ("bilinear", "nearest", "bicubic")
       for p in ("zeros", "border", "reflection")
       for c in (False, True)},
    "interpolate_nearest_1.3": (_interp(scale_factor=1.3, mode="nearest"), [(2, 2, 5, 7)], _normal),
    "interpolate_nearest_2.2": (_interp(scale_factor=(2.2, 1.3), mode="nearest"), [(2, 2, 5, 7)], _normal),
    "interpolate_nearest_exact_1.3": (_interp(scale_factor=1.3, mode="nearest-exact"), [(2, 2, 5, 7)], _normal),
    "interpolate_nearest_exact_size": (_interp(size=(5, 11), mode="nearest-exact"), [(2, 2, 5, 7)], _normal),
    "interpolate_nearest_size_keep": (_interp(size=(5, 3), mode="nearest"), [(2, 2, 5, 7)], _normal),
    "interpolate_bilinear_1.3": (_interp(scale_factor=1.3, mode="bilinear"), [(2, 2, 5, 7)], _normal),
    "interpolate_bilinear_2.2_ac": (_interp(scale_factor=2.2, mode="bilinear", align_corners=True), [(2, 2, 5, 7)], _normal),
    "interpolate_bilinear_recompute": (_interp(scale_factor=1.3, mode="bilinear", recompute_scale_factor=True), [(2, 2, 5, 7)], _normal),
    "interpolate_bilinear_size_keep": (_interp(size=(5, 10), mode="bilinear"), [(2, 2, 5, 7)], _normal),
    "interpolate_bicubic_1.3": (_interp(scale_factor=1.3, mode="bicubic"), [(2, 2, 5, 7)], _normal),
    "interpolate_bicubic_2.2_ac": (_interp(scale_factor=2.2, mode="bicubic", align_corners=True), [(2, 2, 5, 7)], _normal),
    "interpolate_linear_1d_1.3": (_interp(scale_factor=1.3, mode="linear"), [(2, 2, 7)], _normal),
    "Embedding_padding_max_norm": (_emb_max_norm, [(2, 5)], _ints(0, 9)),
    "Embedding_padding": (_layer(nn.Embedding(9, 4, padding_idx=0)), [(2, 5)], _ints(0, 9)),
    "logcumsumexp": (_fn(lambda a: (gn.logcumsumexp(a, 1), a.logcumsumexp(-1))), [(2, 4, 3)], _normal),
    "nanmedian_dim": (_fn(lambda a: tuple(gn.nanmedian(a, dim=1))), [(2, 7)], _with_nans),
    "nanmedian_keepdim": (_fn(lambda a: tuple(a.nanmedian(dim=-1, keepdim=True))), [(2, 3, 6)], _with_nans),
    "LSTM_proj_bi_2layers": (_lstm_proj, [(2, 5, 4)], _normal, {1: 1, 2: 1}),
    "GRU_bi_2layers": (_gru_bi, [(2, 5, 4)], _normal, {1: 1}),
    "MHA_kdim_vdim": (_mha(kdim=5, vdim=3), [(2, 4, 8), (2, 6, 5), (2, 6, 3)], _normal),
    "MHA_bias_kv_zero_attn": (_mha(add_bias_kv=True, add_zero_attn=True), [(2, 4, 8), (2, 6, 8), (2, 6, 8)], _normal),
    "MHA_all": (_mha(kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True), [(2, 4, 8), (2, 6, 5), (2, 6, 3)], _normal),
    "TransformerEncoderLayer_norm_first_gelu": (_encoder, [(2, 5, 8)], _normal),
    "InstanceNorm2d_running": (_instance_norm_running, [(2, 3, 4, 5)], _normal),
    "GroupNorm": (_layer(nn.GroupNorm(2, 4)), [(2, 4, 3, 3)], _normal),
    "LayerNorm_no_bias": (_layer(nn.LayerNorm([3, 4], bias=False)), [(2, 5, 3, 4)], _normal),
    "ConvTranspose2d_groups": (_layer(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2)), [(2, 4, 4, 5)], _normal),
    "ConvTranspose2d_asym": (_layer(nn.ConvTranspose2d(2, 3, (2, 3), stride=(3, 2), padding=(0, 1), output_padding=(2, 1))), [(2, 2, 3, 4)], _normal),
    "MaxPool2d_ceil_pad": (_layer(nn.MaxPool2d(3, 2, padding=1, ceil_mode=True)), [(2, 2, 6, 7)], _normal),
    "AvgPool2d_ceil_pad": (_layer(nn.AvgPool2d(3, 2, padding=1, ceil_mode=True)), [(2, 2, 6, 7)], _normal),
    "AvgPool2d_ceil_no_pad_count": (_layer(nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False)), [(2, 2, 6, 7)], _normal),
    "AvgPool2d_no_pad_count": (_layer(nn.AvgPool2d(2, 2, padding=1, count_include_pad=False)), [(2, 2, 5, 5)], _normal),
    "AvgPool1d_ceil": (_layer(nn.AvgPool1d(2, 2, padding=1, ceil_mode=True)), [(2, 2, 6)], _normal),
    "AdaptiveAvgPool2d_uneven": (_layer(nn.AdaptiveAvgPool2d((3, 4))), [(2, 2, 7, 5)], _normal),
    "AdaptiveAvgPool2d_none": (_layer(nn.AdaptiveAvgPool2d((None, 2))), [(2, 2, 7, 5)], _normal),
    "AdaptiveMaxPool2d_uneven": (_layer(nn.AdaptiveMaxPool2d((3, 2))), [(2, 2, 7, 5)], _normal),
    "PixelShuffle": (_layer(nn.PixelShuffle(2)), [(2, 8, 3, 2)], _normal),
    "PixelUnshuffle": (_layer(nn.PixelUnshuffle(2)), [(2, 2, 4, 6)], _normal),
    "PixelShuffle_roundtrip": (lambda: Fn(lambda m, x: m.b(m.a(x)), a=nn.PixelUnshuffle(3), b=nn.PixelShuffle(3)), [(2, 1, 6, 3)], _normal),
    "int_ops": (_fn(_int_ops), [(2, 5), (2, 5)], [_ints(-20, 20), _ints(-4, 4)]),
    "mixed_index": (_fn(_mixed_index), [(2, 3, 4, 5)], _normal),
    "mixed_index_on_batch": (_fn(lambda x: x[1, :, gn.tensor(np.array([2, 0, 2]))] * 2), [(2, 3, 4, 5)], _normal, {0: None}),
    "mixed_index_on_batch_list": (_fn(lambda x: (x[1, :, [3, 1]], x[[0, 1], 2])), [(2, 3, 4, 5)], _normal, {0: None, 1: None}),
    "weight_norm_param": (_weight_norm, [(2, 5)], _normal),
    "weight_norm_old": (_old_weight_norm, [(2, 2, 4, 4)], _normal),
    "orthogonal": (_orthogonal, [(2, 4)], _normal),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_round6_export_matches_onnxruntime(name):
    factory, shapes, make, *out_axes = CASES[name]
    _check(factory(), shapes, make, *out_axes)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_with_constant_offsets_exports(mode):
    """Bags laid out by ``offsets`` export (round 7): the bags follow the indices in the graph."""
    _check(_bag_offsets(mode, False)(), [(2, 3)], _ints(0, 7), {0: None})


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_offsets_that_follow_the_batch_are_refused(mode):
    """A last offset computed from the batch (``n`` here) would be baked in: refused, by name."""
    with pytest.raises(ValueError, match="constant of shape \\(4,\\) that changes with the input"):
        _check(_bag_offsets(mode, True)(), [(2, 3)], _ints(0, 7))


def test_embedding_bag_rows_still_export():
    bag = nn.EmbeddingBag(7, 3, mode="max", max_norm=1.0)
    _check(Fn(lambda m, i: m.bag(i), bag=bag), [(2, 4)], _ints(0, 7))


def test_shift_by_a_tensor_count_is_refused_by_name():
    model = _fn(lambda a, b: a << b.abs())()
    with pytest.raises(TypeError, match="bitwise_left_shift has no ONNX export"):
        _check(model, [(2, 5), (2, 5)], [_ints(-20, 20), _ints(0, 4)])


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint8])
def test_shift_by_an_int_exports_with_wraparound(dtype):
    """``a << 6`` overflows int8 and uint8: the export wraps as the shift does."""
    make = lambda shape, rng: rng.integers(-100 if dtype != np.uint8 else 0, 100, shape).astype(dtype)  # noqa: E731
    model = _fn(lambda a: (a << 6, a >> 2, a.bitwise_left_shift(1), gn.bitwise_right_shift(a, 5)))()
    _check(model, [(2, 7)], make)
