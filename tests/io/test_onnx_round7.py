"""Round 7 of ONNX export tests: embedding bags laid out by ``offsets`` (constant or an input,
empty bags, ``include_last_offset``, ``padding_idx``), ``mode``, ``scatter``/``index_copy``
with an index the graph follows, NaN and infinities through reductions, ``argmax``, pooling,
``sign``/``threshold``/shrinks and ``median``, ``arange`` of a dynamic size, 0-d constants,
and models written in PyTorch's dialect: ``where`` with numbers, broadcast masks, gathers,
reversed cumulative sums, ``topk``/``sort``, integer casts, ``einsum``, norms, transposed
convolutions, pooling, interpolation and padding modes, recurrent layers with given initial
states, attention masks, transformer stacks, several inputs and outputs (tuples, dicts),
constants from buffers, a dynamic axis other than the batch, float16, opsets and names.

Each model is built twice from one function ``f(T, ...)`` where a PyTorch counterpart
exists (``T`` is ``glassnet`` or ``torch``; layers get the glassnet layer's weights), exported
with ``gn.onnx.export`` and run in onnxruntime at two sizes of the dynamic axis; the outputs
are compared with glassnet's eval-mode forward and with PyTorch's at the same inputs.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn
from tests.nn.onnx_check import Fn, flat_outputs

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
torch_mod = pytest.importorskip("torch")


# ---------------------------------------------------------------- inputs
def _normal(shape, rng):
    return rng.standard_normal(shape).astype(np.float32)


def _ints(low, high, dtype=np.int64):
    return lambda shape, rng: rng.integers(low, high, shape).astype(dtype)


def _small_ints_f(shape, rng):
    """Floats with many ties (for ``mode``, ``sort`` stability, ``topk``)."""
    return rng.integers(-2, 3, shape).astype(np.float32)


def _ties_nan(shape, rng):
    x = rng.integers(-2, 3, shape).astype(np.float32)
    x.flat[::5] = np.nan
    return x


def _nans(shape, rng):
    """Normal floats with a NaN in every third entry (every row of 3 or more has one)."""
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[::3] = np.nan
    return x


def _some_nans(shape, rng):
    """Normal floats with a few NaNs at random places (some windows and rows keep none)."""
    x = rng.standard_normal(shape).astype(np.float32)
    x[rng.random(shape) < 0.08] = np.nan
    return x


def _mid_nans(shape, rng):
    """Normal floats with a NaN in every seventh entry: not first in its row (where
    onnxruntime's ArgMax, ReduceMax and MaxPool would skip it)."""
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[2::7] = np.nan
    return x


def _infs(shape, rng):
    """Normal floats with a row of ``-inf``, a column of ``+inf`` and both in the second row."""
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, :] = -np.inf
    x[..., 1] = np.inf
    x[1, 0], x[1, 2] = np.inf, -np.inf
    return x


def _spread(shape, rng):
    """Floats in (-9, 9) with fractional parts (for casts to integers)."""
    return (rng.uniform(-9, 9, shape)).astype(np.float32)


def _bools(shape, rng):
    return rng.integers(0, 2, shape).astype(bool)


# ---------------------------------------------------------------- models
class Dual(nn.Module):
    """``f(T, self, *xs)`` with glassnet; :meth:`to_torch` builds the same with PyTorch."""

    def __init__(self, f, **layers):
        super().__init__()
        self.f, self.ctors = f, layers
        for name, ctor in layers.items():
            setattr(self, name, ctor(gn))

    def forward(self, *xs):
        return self.f(gn, self, *xs)

    def to_torch(self):
        t = torch_mod
        holder = t.nn.Module()
        for name, ctor in self.ctors.items():
            layer = ctor(t)
            state = {k: t.from_numpy(np.array(v.numpy())) for k, v in getattr(self, name).state_dict().items()}
            layer.load_state_dict(state)
            setattr(holder, name, layer)
        holder.eval()
        return lambda *xs: self.f(t, holder, *xs)


def _fn(f):
    """A model ``f(T, *inputs)`` without layers."""
    return lambda: Dual(lambda T, m, *xs: f(T, *xs))


def _lay(ctor, call=None):
    """A model of one layer ``ctor(T)``, called as ``call(layer, *xs)`` (default ``layer(*xs)``)."""
    call = call or (lambda layer, *xs: layer(*xs))
    return lambda: Dual(lambda T, m, *xs: call(m.layer, *xs), layer=ctor)


def _torch_outputs(out):
    if isinstance(out, dict):
        return _torch_outputs(tuple(out.values()))
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in _torch_outputs(o)]
    return [out.detach().numpy()]


def _check(model, shapes, make=_normal, dyn=0, out_axes=None, sizes=(2, 3), opset=None,
           use_torch=True, rtol=1e-5, atol=1e-5):  # fmt: skip
    """Export with ``dyn`` (each input's dynamic axis, or ``None``) at the example ``shapes``,
    run in onnxruntime with the dynamic axes at each of ``sizes``, compare with glassnet
    (and PyTorch when ``use_torch`` and the model is a :class:`Dual`).

    ``out_axes`` maps an output's index to its dynamic axis (default: the first dynamic
    input's; ``None`` for an output without one)."""
    rng = np.random.default_rng(0)
    model.eval()
    n_in = len(shapes)
    makers = make if isinstance(make, (tuple, list)) else [make] * n_in
    dyns = dyn if isinstance(dyn, (tuple, list)) else [dyn] * n_in
    names = [f"in{i}" for i in range(n_in)]
    args = tuple(gn.tensor(m(s, rng)) for m, s in zip(makers, shapes))
    with gn.no_grad():
        n_out = len(flat_outputs(model(*(gn.tensor(a.numpy().copy()) for a in args))))
    outs = [f"out{i}" for i in range(n_out)]
    axes = {n: {d: "dyn"} for n, d in zip(names, dyns) if d is not None}
    first = next((d for d in dyns if d is not None), None)
    for i, o in enumerate(outs):
        axis = (out_axes or {}).get(i, first)
        if axis is not None and axes:
            axes[o] = {axis: "dyn"}
    buf = io.BytesIO()
    gn.onnx.export(model, args, buf, input_names=names, output_names=outs,
                   dynamic_axes=axes or None, opset_version=opset)  # fmt: skip
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    assert [i.name for i in proto.graph.input] == names
    assert [o.name for o in proto.graph.output] == outs
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    reference = model.to_torch() if use_torch and isinstance(model, Dual) else None
    for n in sizes if axes else (None,):
        xs = []
        for m, s, d in zip(makers, shapes, dyns):
            shape = list(s)
            if n is not None and d is not None:
                shape[d] = n
            xs.append(m(tuple(shape), rng))
        got = sess.run(None, dict(zip(names, xs)))
        with gn.no_grad():
            want = [w.numpy() for w in flat_outputs(model(*(gn.tensor(x.copy()) for x in xs)))]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
        if reference is not None:
            with torch_mod.no_grad():
                ref = _torch_outputs(reference(*(torch_mod.from_numpy(x.copy()) for x in xs)))
            assert len(ref) == len(got)
            for g, r in zip(got, ref):
                assert g.shape == r.shape, (g.shape, r.shape)
                np.testing.assert_allclose(g, r.astype(g.dtype), rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- embedding bags
_OFFSETS = [[0, 2, 2, 5], [0, 0, 4, 4], [0, 1, 1, 1], [0, 3, 6, 6], [0, 0, 0, 0]]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("last", [False, True])
@pytest.mark.parametrize("pad", [None, 2, -1])
def test_embedding_bag_with_offsets_as_an_input(mode, last, pad):
    """Offsets given as a graph input: every layout (empty bags first, last, in the middle,
    all bags empty but the last) at several input lengths, against glassnet and torch."""
    rng = np.random.default_rng(3)
    bag = nn.EmbeddingBag(7, 3, mode=mode, include_last_offset=last, padding_idx=pad)
    model = Fn(lambda m, i, o: m.bag(i, o), bag=bag).eval()
    tbag = torch_mod.nn.EmbeddingBag(7, 3, mode=mode, include_last_offset=last, padding_idx=pad)
    tbag.weight.data = torch_mod.from_numpy(bag.weight.numpy().copy())
    ex = (gn.tensor(rng.integers(0, 7, 6)), gn.tensor(np.array(_OFFSETS[0][: 3 + last], np.int64)))
    buf = io.BytesIO()
    gn.onnx.export(model, ex, buf, input_names=["ids", "offsets"], output_names=["bags"],
                   dynamic_axes={"ids": {0: "n"}})  # fmt: skip
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    for t_len in (6, 9, 4):
        for offs in _OFFSETS:
            o = np.minimum(np.array(offs[: 3 + last], np.int64), t_len)
            if last:
                o[-1] = t_len
            ids = rng.integers(0, 7, t_len)
            (got,) = sess.run(None, {"ids": ids, "offsets": o})
            want = model(gn.tensor(ids), gn.tensor(o)).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
            ref = tbag(torch_mod.from_numpy(ids), torch_mod.from_numpy(o)).detach().numpy()
            np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_embedding_bag_offsets_input_with_static_shapes():
    """Without dynamic axes the exporter's second run reorders every input's samples, which
    makes offsets invalid: the error says how to keep them in order, and that way exports."""
    bag = nn.EmbeddingBag(7, 3, mode="mean")
    model = Fn(lambda m, i, o: m.bag(i, o), bag=bag).eval()
    ids, offs = np.array([1, 2, 3, 4, 5, 6]), np.array([0, 2, 2], np.int64)
    example = (gn.tensor(ids), gn.tensor(offs))
    with pytest.raises(RuntimeError, match="can be left out of the reordering with batch_axes"):
        gn.onnx.export(model, example, io.BytesIO())
    proto = gio.build_onnx_model(model, example, input_names=("ids", "offsets"),
                                 dynamic_batch=False, batch_axes=[0, None])  # fmt: skip
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for o in ([0, 2, 2], [0, 0, 6], [0, 5, 6]):
        o = np.array(o, np.int64)
        (got,) = sess.run(None, {"ids": ids, "offsets": o})
        np.testing.assert_allclose(got, model(gn.tensor(ids), gn.tensor(o)).numpy(), rtol=1e-6, atol=1e-6)


def _bag_const(mode, **kw):
    # with include_last_offset the last offset is the input's length (8): torch's CPU kernel
    # reads a smaller one differently per mode (sum stops there, mean still counts to the end)
    last = [0, 0, 3, 8] if kw.get("include_last_offset") else [0, 0, 3, 5]

    def f(T, m, i):
        offs = T.tensor(np.array(last, dtype=np.int64))
        return m.layer(i.reshape(-1), offs)

    return lambda: Dual(f, layer=lambda T: T.nn.EmbeddingBag(7, 4, mode=mode, **kw))


def _bag_weights_offsets():
    def f(T, m, i, w):
        offs = T.tensor(np.array([0, 2, 2], dtype=np.int64))
        return m.layer(i.reshape(-1), offs, per_sample_weights=w.reshape(-1))

    return lambda: Dual(f, layer=lambda T: T.nn.EmbeddingBag(7, 4, mode="sum"))


def _bag_2d_pad(mode):
    return _lay(lambda T: T.nn.EmbeddingBag(7, 4, mode=mode, padding_idx=3))


def _bag_functional_pad_max_norm():
    def f(T, m, i):
        return T.nn.functional.embedding_bag(i, m.layer.weight, padding_idx=1, mode="mean",
                                             max_norm=1.0)  # fmt: skip

    return lambda: Dual(f, layer=lambda T: T.nn.Embedding(6, 3))


# ---------------------------------------------------------------- functional models
def _where_numbers(T, x):
    return T.where(x > 0, x, 0.5), T.where(x < -0.5, -1.0, x), T.where(x > 0, 2.0, -3.0)


def _masked_fill(T, x):
    mask = (x[:, :1, :] > 0.3)  # (N, 1, W): broadcast over the channels
    return x.masked_fill(mask, float("-inf")).softmax(-1), x.masked_fill(x[:1] < 0, 7.0)


def _masked_fill_input(T, x, mask):
    return x.masked_fill(mask.unsqueeze(1), 0.0) * 2


def _gather(T, x, idx):
    return T.gather(x, 1, idx), x.gather(-1, idx.transpose(1, 2)[:, :, :2])


def _scatter(T, x, idx):
    src = x * 10
    return (x.scatter(1, idx, src), x.scatter(1, idx, -1.0), T.zeros_like(x).scatter_add(1, idx, src),
            x.index_select(1, T.tensor(np.array([2, 0, 2]))))  # fmt: skip


def _take_along(T, x):
    return T.take_along_dim(x, x.argsort(dim=-1), dim=-1), T.take_along_dim(x, x.argmax(-1, keepdim=True), -1)


def _rev_cumsum(T, x):
    return x.flip(1).cumsum(1).flip(1), T.cumsum(x.flip(-1), -1), x.cumprod(2)


def _topk(T, x):
    v, i = x.topk(3, dim=-1)
    v2, i2 = T.topk(x, 2, dim=1, largest=False)
    return v, i, v2, i2


def _sort(T, x):
    v, i = T.sort(x, dim=-1, descending=True, stable=True)
    v2, i2 = x.sort(dim=1, stable=True)
    return v, i, v2, i2, x.argsort(dim=-1, stable=True)


def _argmax(T, x):
    return x.argmax(-1, keepdim=True), x.argmin(1), T.argmax(x, dim=1, keepdim=True), x.max(-1).indices


def _casts(T, x):
    return x.long(), x.int(), x.to(T.int16), (x > 0).float(), x.long().float() / 3, x.double()


def _int_casts(T, a):
    return a.float() * 0.5, a.to(T.int8), a.to(T.uint8), a.bool(), (a * 3).to(T.int32) // 2


def _int_ops(T, a, b):
    return a * b + 3, T.maximum(a, b), a.abs(), -a, T.minimum(a, b).sum(1), a.max(1).values


def _bool_ops(T, a, b):
    return a & b, a | ~b, a ^ b, T.logical_and(a, b).any(-1), a.all(-1), a.sum(-1)


_EINSUMS = {
    "einsum_bmm": ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    "einsum_dot": ("bi,bi->b", [(2, 6), (2, 6)]),
    "einsum_outer": ("bi,bj->bij", [(2, 3), (2, 4)]),
    "einsum_attn": ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    "einsum_ellipsis": ("...ij,jk->...ik", [(2, 3, 4), (4, 2)]),
    "einsum_diag": ("bii->bi", [(2, 4, 4)]),
    "einsum_trace": ("bii->b", [(2, 4, 4)]),
    "einsum_sum_axis": ("bij->bj", [(2, 3, 4)]),
    "einsum_transpose": ("bij->bji", [(2, 3, 4)]),
}


def _einsum(eq):
    return _fn(lambda T, *xs: T.einsum(eq, *xs))


def _interp(**kw):
    return _fn(lambda T, x: T.nn.functional.interpolate(x, **kw))


def _pad(pad, **kw):
    return _fn(lambda T, x: T.nn.functional.pad(x, pad, **kw))


# ---------------------------------------------------------------- recurrent and attention
def _gru_h0():
    def f(T, m, x, h0):
        return m.layer(x, h0)

    return lambda: Dual(f, layer=lambda T: T.nn.GRU(4, 5, num_layers=2, bidirectional=True, batch_first=True))


def _lstm_h0c0():
    def f(T, m, x, h0, c0):
        out, (h, c) = m.layer(x, (h0, c0))
        return out, h, c

    return lambda: Dual(f, layer=lambda T: T.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True))


def _rnn_relu_h0():
    def f(T, m, x, h0):
        return m.layer(x, h0)

    return lambda: Dual(f, layer=lambda T: T.nn.RNN(3, 4, num_layers=2, nonlinearity="relu"))


def _lstm_time_major():
    return _lay(lambda T: T.nn.LSTM(3, 4, num_layers=1, bidirectional=True),
                lambda layer, x: layer(x)[0])  # fmt: skip


def _mha_masks(kind):
    def f(T, m, q, kv):
        L, S = q.shape[1], kv.shape[1]
        if kind == "bool":
            mask = T.tensor(np.triu(np.ones((L, S), dtype=bool), 1))
        else:
            mask = T.tensor(np.triu(np.full((L, S), -1e4, dtype=np.float32), 1))
        pad = kv[:, :, 0] > 1.2
        if kind == "nopad":
            return m.layer(q, kv, kv, attn_mask=mask, need_weights=False)[0]
        out, w = m.layer(q, kv, kv, attn_mask=mask, key_padding_mask=pad, average_attn_weights=False)
        return out, w

    return lambda: Dual(f, layer=lambda T: T.nn.MultiheadAttention(8, 2, batch_first=True))


def _encoder_stack(norm_first):
    def ctor(T):
        layer = T.nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.2, batch_first=True,
                                             norm_first=norm_first)  # fmt: skip
        return T.nn.TransformerEncoder(layer, 2, norm=T.nn.LayerNorm(8), enable_nested_tensor=False)

    def f(T, m, x):
        keep_first = T.tensor(np.array([[False, True, True, True, True]]))  # a position is left
        pad = (x[:, :, 0] > 1.5) & keep_first
        causal = T.tensor(np.triu(np.full((5, 5), float("-inf"), dtype=np.float32), 1))
        return m.layer(x, mask=causal, src_key_padding_mask=pad)

    return lambda: Dual(f, layer=ctor)


def _decoder_layer():
    def ctor(T):
        return T.nn.TransformerDecoderLayer(8, 2, dim_feedforward=12, dropout=0.1, batch_first=True,
                                            norm_first=True, activation="gelu")  # fmt: skip

    def f(T, m, tgt, memory):
        causal = T.tensor(np.triu(np.full((4, 4), float("-inf"), dtype=np.float32), 1))
        return m.layer(tgt, memory, tgt_mask=causal)

    return lambda: Dual(f, layer=ctor)


def _transformer():
    def f(T, m, src, tgt):
        causal = T.tensor(np.triu(np.full((3, 3), float("-inf"), dtype=np.float32), 1))
        return m.layer(src, tgt, tgt_mask=causal, src_key_padding_mask=src[:, :, 0] > 1.8)

    ctor = lambda T: T.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True)  # noqa: E731
    return lambda: Dual(f, layer=ctor)


def _dropouts():
    def f(T, m, x):
        return m.a(x) + m.b(x) + m.c(x) + T.nn.functional.dropout(x, 0.5, training=m.training)

    return lambda: Dual(f, a=lambda T: T.nn.Dropout(0.3), b=lambda T: T.nn.Dropout2d(0.4),
                        c=lambda T: T.nn.AlphaDropout(0.2))  # fmt: skip


# ---------------------------------------------------------------- structure
class _Outputs(nn.Module):
    """Several inputs, a dict output with a nested tuple."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.register_buffer("scale", gn.tensor(np.array([0.5, 2.0, -1.0], np.float32)))
        self.register_buffer("shift", gn.tensor(np.array([1.0, 0.0, 3.0], np.float32)), persistent=False)

    def forward(self, x, y):
        h = self.lin(x) * self.scale + self.shift
        return {"h": h, "pair": (h.sum(-1), y * 2), "both": gn.cat([h, y], -1)}


class _ListOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 2), nn.Linear(3, 5)

    def forward(self, x):
        return [self.a(x), self.b(x).relu()]


class _FoldedBuffers(nn.Module):
    """Constants computed from buffers at every call (folded into the graph as constants)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", gn.tensor(np.array([0.1, -0.2, 0.3], np.float32)))
        self.register_buffer("var", gn.tensor(np.array([1.5, 0.5, 2.0], np.float32)))

    def forward(self, x):
        inv = 1.0 / (self.var + 1e-5).sqrt()
        return (x - self.mean.reshape(1, 3, 1)) * inv.reshape(1, 3, 1)


def _conv1d_seq():
    return _lay(lambda T: T.nn.Sequential(T.nn.Conv1d(3, 4, 3, padding=1), T.nn.ReLU(),
                                          T.nn.Conv1d(4, 2, 1)))  # fmt: skip


def _gru_seq():
    return _lay(lambda T: T.nn.GRU(3, 4, batch_first=True), lambda layer, x: layer(x)[0])


def _pos_embedding():
    def f(T, m, x):
        return x + m.layer(T.arange(x.shape[1])).unsqueeze(0)

    return lambda: Dual(f, layer=lambda T: T.nn.Embedding(12, 4))


def _setitem(T, x):
    y = x.clone()
    y[:, 1] = 0.0
    y[:, 3:] = y[:, 3:] * 2
    return y


def _index_ops(T, x, y):
    idx = T.tensor(np.array([3, 1, 0]))
    return (x.index_copy(1, idx, y), x.index_add(1, T.tensor(np.array([0, 2, 0])), y, alpha=2.0),
            x.index_fill(1, T.tensor(np.array([0, 2])), -1.0), T.index_select(x, 1, idx))  # fmt: skip


def _sdpa(T, q, k, v):
    F = T.nn.functional
    mask = k[..., :1].transpose(-1, -2) > 0  # (N, H, 1, S): hides some keys of each sample
    return (F.scaled_dot_product_attention(q, k, v, is_causal=True),
            F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.3))  # fmt: skip


def _promotion(T, a, b):
    return a + b, a * 2.5, b / 2, T.where(b > 0, a, b), a**2, b.float().mean(-1)


# ---------------------------------------------------------------- the cases
CASES = {
    # embedding bags with constant offsets, 2-D with padding_idx
    **{f"EmbeddingBag_const_offsets_{mode}": (_bag_const(mode), [(2, 4)], _ints(0, 7), {"dyn": None})
       for mode in ("sum", "mean", "max")},
    "EmbeddingBag_const_offsets_last": (_bag_const("mean", include_last_offset=True), [(2, 4)], _ints(0, 7), {"dyn": None}),
    "EmbeddingBag_const_offsets_pad": (_bag_const("max", padding_idx=0), [(2, 4)], _ints(0, 7), {"dyn": None}),
    "EmbeddingBag_weights_offsets": (_bag_weights_offsets(), [(2, 3), (2, 3)], [_ints(0, 7), _normal], {"dyn": None}),
    **{f"EmbeddingBag_2d_pad_{mode}": (_bag_2d_pad(mode), [(2, 5)], _ints(0, 7), {})
       for mode in ("sum", "mean", "max")},
    "embedding_bag_pad_max_norm": (_bag_functional_pad_max_norm(), [(2, 4)], _ints(0, 6), {}),
    # mode
    "mode_dim1": (_fn(lambda T, x: tuple(x.mode(1))), [(2, 7, 3)], _small_ints_f, {}),
    "mode_last_keepdim": (_fn(lambda T, x: tuple(T.mode(x, -1, keepdim=True))), [(2, 3, 9)], _small_ints_f, {}),
    "mode_batch_dim": (_fn(lambda T, x: tuple(x.mode(0))), [(4, 5)], _small_ints_f, {"out_axes": {0: None, 1: None}, "sizes": (4, 6)}),
    "mode_int": (_fn(lambda T, x: tuple(x.mode(-1))), [(2, 3, 8)], _ints(-2, 3), {}),
    "mode_int8": (_fn(lambda T, x: tuple(x.mode(1))), [(2, 8)], _ints(-2, 3, np.int8), {}),
    "mode_bool": (_fn(lambda T, x: tuple(x.mode(1))), [(2, 6)], _bools, {}),
    "mode_nan": (_fn(lambda T, x: tuple(x.mode(1))), [(2, 10)], _ties_nan, {"use_torch": False}),
    # NaN: propagated by reductions, pooling and activations as glassnet and torch do
    "nan_amax_amin": (_fn(lambda T, x: (x.amax(-1), x.amin(1), *x.aminmax(dim=-1), x.amax((1, 2)))), [(2, 3, 6)], _some_nans, {}),
    "nan_amax_every_row": (_fn(lambda T, x: (x.amax(-1), x.amin(-1, keepdim=True))), [(2, 6)], _nans, {}),
    "nan_max_all": (_fn(lambda T, x: (x.max(), x.min())), [(2, 6)], _some_nans, {"out_axes": {0: None, 1: None}}),
    "nan_max_pool2d": (_lay(lambda T: T.nn.MaxPool2d(3, 2, padding=1, ceil_mode=True)), [(2, 2, 6, 7)], _some_nans, {}),
    "nan_max_pool1d": (_fn(lambda T, x: T.nn.functional.max_pool1d(x, 2)), [(2, 2, 8)], _some_nans, {}),
    "nan_max_pool3d": (_lay(lambda T: T.nn.MaxPool3d(2)), [(2, 1, 4, 4, 4)], _some_nans, {}),
    "nan_adaptive_max_pool2d": (_lay(lambda T: T.nn.AdaptiveMaxPool2d((2, 3))), [(2, 2, 5, 7)], _some_nans, {}),
    "nan_sign_threshold_shrink": (_fn(lambda T, x: (x.sign(), T.nn.functional.threshold(x, 0.1, 20.0), T.nn.functional.hardshrink(x), T.nn.functional.softshrink(x, 0.3), T.sgn(x))), [(2, 6)], _nans, {}),
    "nan_median": (_fn(lambda T, x: tuple(x.median(-1)) + (x.median(),)), [(2, 3, 5)], _some_nans, {"out_axes": {2: None}, "use_torch": False}),
    "nan_median_values_vs_torch": (_fn(lambda T, x: (x.median(-1).values, x.median(1, keepdim=True).values)), [(2, 3, 5)], _some_nans, {}),
    "nan_topk_sort_argmax": (_fn(lambda T, x: (*x.topk(2, -1), x.sort(-1).values, x.argmax(-1), x.max(-1).indices)), [(2, 6)], _some_nans, {}),
    "nan_in_the_middle_argmax_argmin": (_fn(lambda T, x: (x.argmax(-1), x.argmin(-1, keepdim=True), T.argmax(x), *x.max(-1), *x.min(1))), [(2, 6)], _mid_nans, {"out_axes": {2: None}}),
    "nan_in_the_middle_reductions": (_fn(lambda T, x: (x.amax(-1), x.amin(-1), x.max(), x.min())), [(2, 6)], _mid_nans, {"out_axes": {2: None, 3: None}}),
    "nan_in_the_middle_max_pool": (_fn(lambda T, x: T.nn.functional.max_pool1d(x, 3)), [(2, 2, 6)], _mid_nans, {}),
    # infinities
    "inf_softmax_logsumexp": (_fn(lambda T, x: (x.softmax(-1), x.log_softmax(-1), T.logsumexp(x, -1))), [(3, 5)], _infs, {"sizes": (3, 4)}),
    "inf_extremes_and_order": (_fn(lambda T, x: (x.amax(-1), x.argmax(-1), x.argmin(-1), x.topk(2, -1).values, x.sort(-1).values, x.median(-1).values)), [(3, 5)], _infs, {"sizes": (3, 4)}),
    "inf_arithmetic": (_fn(lambda T, x: (x - x, x * 0, x.clamp(-1, 1), x.sign(), T.nan_to_num(x), x.isinf(), x.exp(), x.cumsum(-1), x.cumprod(-1))), [(3, 5)], _infs, {"sizes": (3, 4)}),
    "inf_norms": (_fn(lambda T, x: (T.nn.functional.normalize(x, dim=-1), x.norm(dim=-1), x.norm(p=float("inf"), dim=-1))), [(3, 5)], _infs, {"sizes": (3, 4)}),
    # where, masks, gathers, scatters
    "where_numbers": (_fn(_where_numbers), [(2, 3, 4)], _normal, {}),
    "masked_fill_broadcast": (_fn(_masked_fill), [(2, 3, 4)], _normal, {"out_axes": {1: 0}}),
    "masked_fill_input_mask": (_fn(_masked_fill_input), [(2, 3, 4), (2, 4)], [_normal, _bools], {}),
    "gather": (_fn(_gather), [(2, 4, 3), (2, 4, 3)], [_normal, _ints(0, 3)], {}),
    "scatter": (_fn(_scatter), [(2, 4, 3), (2, 2, 3)], [_normal, _ints(0, 4)], {}),
    "scatter_on_the_dynamic_dim": (_fn(lambda T, x, i: (x.scatter(0, i, x * 3), x.scatter(0, i, 5.0))), [(2, 3), (2, 3)], [_normal, _ints(0, 2)], {}),
    "scatter_bool_and_int": (_fn(lambda T, b, i: (b.scatter(1, i, True), (i * 2).scatter(1, i.flip(1), i + 10))), [(2, 4), (2, 4)], [_bools, _ints(0, 4)], {}),
    "take_along_dim": (_fn(_take_along), [(2, 3, 5)], _small_ints_f, {}),
    "reverse_cumsum": (_fn(_rev_cumsum), [(2, 4, 3)], _normal, {}),
    "topk": (_fn(_topk), [(2, 4, 6)], _normal, {}),
    "sort_stable": (_fn(_sort), [(2, 4, 6)], _small_ints_f, {}),
    "argmax_keepdim": (_fn(_argmax), [(2, 4, 6)], _normal, {}),
    "scatter_via_index_copy_add_fill": (_fn(_index_ops), [(2, 4), (2, 3)], _normal, {}),
    "setitem_slices": (_fn(_setitem), [(2, 5)], _normal, {}),
    "where_zeros_like_cumsum": (_fn(lambda T, x: T.where(x > 0, x.exp(), T.zeros_like(x)).cumsum(-1)), [(2, 5)], _normal, {}),
    # attention and matrix products
    "sdpa_causal_and_bool_mask": (_fn(_sdpa), [(2, 2, 4, 8), (2, 2, 4, 8), (2, 2, 4, 8)], _normal, {}),
    "cdist_bmm_baddbmm": (_fn(lambda T, a, b: (T.cdist(a, b), T.bmm(a, b.transpose(1, 2)), T.baddbmm(a[:, :, :1], a, b.transpose(1, 2), beta=0.5, alpha=2.0))), [(2, 3, 4), (2, 5, 4)], _normal, {}),
    # integers and casts
    "uint8_image": (_fn(lambda T, x: (x.float() / 255 - 0.5, x // 2, x.to(T.int32) * 300, (x > 100).sum(-1))), [(2, 3, 4)], _ints(0, 256, np.uint8), {}),
    "int16_ops": (_fn(lambda T, a, b: (a + b, a * b, a // (b.abs() + 1), a.max(1).values, a.sum(1))), [(2, 5), (2, 5)], _ints(-50, 50, np.int16), {}),
    "float_int_promotion": (_fn(_promotion), [(2, 5), (2, 5)], [_normal, _ints(-3, 3)], {}),
    "casts_from_float": (_fn(_casts), [(2, 7)], _spread, {}),
    "casts_from_int": (_fn(_int_casts), [(2, 7)], _ints(-100, 100), {}),
    "int_ops": (_fn(_int_ops), [(2, 5), (2, 5)], _ints(-20, 20), {}),
    "int32_ops": (_fn(_int_ops), [(2, 5), (2, 5)], _ints(-20, 20, np.int32), {}),
    "bool_ops": (_fn(_bool_ops), [(2, 5), (2, 5)], _bools, {}),
    # einsum
    **{name: (_einsum(eq), shapes, _normal, {"dyn": [0] * (len(shapes) - ("..." in eq)) + [None] * ("..." in eq)})
       for name, (eq, shapes) in _EINSUMS.items()},
    # norms in eval
    "LayerNorm_no_affine": (_lay(lambda T: T.nn.LayerNorm(6, elementwise_affine=False, eps=1e-3)), [(2, 3, 6)], _normal, {}),
    "LayerNorm_2d_shape": (_lay(lambda T: T.nn.LayerNorm([3, 4])), [(2, 2, 3, 4)], _normal, {}),
    "GroupNorm_1_group": (_lay(lambda T: T.nn.GroupNorm(1, 4)), [(2, 4, 3, 3)], _normal, {}),
    "GroupNorm_per_channel_no_affine": (_lay(lambda T: T.nn.GroupNorm(4, 4, affine=False)), [(2, 4, 5)], _normal, {}),
    "InstanceNorm1d_affine": (_lay(lambda T: T.nn.InstanceNorm1d(3, affine=True)), [(2, 3, 7)], _normal, {}),
    "InstanceNorm2d": (_lay(lambda T: T.nn.InstanceNorm2d(2)), [(2, 2, 4, 5)], _normal, {}),
    "BatchNorm1d_3d_input": (_lay(lambda T: T.nn.BatchNorm1d(3)), [(2, 3, 5)], _normal, {}),
    # transposed convolutions
    "ConvTranspose1d_all": (_lay(lambda T: T.nn.ConvTranspose1d(4, 6, 3, stride=3, padding=2, output_padding=2, groups=2, dilation=2)), [(2, 4, 5)], _normal, {}),
    "ConvTranspose2d_no_bias": (_lay(lambda T: T.nn.ConvTranspose2d(3, 2, (3, 2), stride=2, padding=(1, 0), output_padding=(1, 1), bias=False)), [(2, 3, 4, 3)], _normal, {}),
    "ConvTranspose3d": (_lay(lambda T: T.nn.ConvTranspose3d(2, 2, 3, stride=2, padding=1, output_padding=1)), [(2, 2, 2, 3, 2)], _normal, {}),
    "Conv2d_padding_same_dilation": (_lay(lambda T: T.nn.Conv2d(2, 3, 3, padding="same", dilation=2, padding_mode="reflect")), [(2, 2, 6, 7)], _normal, {}),
    "Conv1d_circular": (_lay(lambda T: T.nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular")), [(2, 2, 6)], _normal, {}),
    # pooling
    "MaxPool1d_ceil_dilation": (_lay(lambda T: T.nn.MaxPool1d(3, 2, padding=1, dilation=2, ceil_mode=True)), [(2, 2, 9)], _normal, {}),
    "MaxPool2d_dilation": (_lay(lambda T: T.nn.MaxPool2d(2, 1, dilation=2)), [(2, 2, 5, 6)], _normal, {}),
    "AvgPool1d_no_pad_count": (_lay(lambda T: T.nn.AvgPool1d(3, 2, padding=1, count_include_pad=False)), [(2, 2, 8)], _normal, {}),
    "AvgPool2d_divisor_override": (_lay(lambda T: T.nn.AvgPool2d(2, 2, divisor_override=3)), [(2, 2, 4, 6)], _normal, {}),
    "AdaptiveMaxPool1d": (_lay(lambda T: T.nn.AdaptiveMaxPool1d(3)), [(2, 2, 7)], _normal, {}),
    "AdaptiveAvgPool1d": (_lay(lambda T: T.nn.AdaptiveAvgPool1d(4)), [(2, 2, 9)], _normal, {}),
    "LPPool2d": (_lay(lambda T: T.nn.LPPool2d(2, 2)), [(2, 2, 4, 4)], _normal, {}),
    # interpolation and padding
    "interpolate_nearest_down": (_interp(scale_factor=0.5, mode="nearest"), [(2, 2, 6, 8)], _normal, {}),
    "interpolate_linear_ac": (_interp(size=9, mode="linear", align_corners=True), [(2, 2, 5)], _normal, {}),
    "interpolate_trilinear": (_interp(scale_factor=2, mode="trilinear"), [(2, 1, 2, 3, 2)], _normal, {}),
    "interpolate_area_down": (_interp(size=(3, 2), mode="area"), [(2, 2, 6, 4)], _normal, {}),
    "interpolate_nearest_1d_size": (_interp(size=7, mode="nearest"), [(2, 2, 5)], _normal, {}),
    "pad_reflect_1d": (_pad((2, 1), mode="reflect"), [(2, 2, 5)], _normal, {}),
    "pad_replicate_2d": (_pad((1, 2, 0, 3), mode="replicate"), [(2, 2, 3, 4)], _normal, {}),
    "pad_circular_2d": (_pad((1, 1, 2, 0), mode="circular"), [(2, 2, 3, 4)], _normal, {}),
    "pad_constant_value": (_pad((1, 0, 2, 1), value=-2.5), [(2, 2, 3, 4)], _normal, {}),
    "pad_constant_crop": (_pad((-1, 2, 0, -1)), [(2, 2, 3, 4)], _normal, {}),
    "pad_constant_3d_input_last_dims": (_pad((1, 1, 1, 1, 1, 0)), [(2, 3, 2, 2)], _normal, {}),
    "pixel_shuffle_functional": (_fn(lambda T, x: T.nn.functional.pixel_unshuffle(T.nn.functional.pixel_shuffle(x, 2), 2) + 1), [(2, 4, 2, 3)], _normal, {}),
    "channel_shuffle": (_lay(lambda T: T.nn.ChannelShuffle(2)), [(2, 4, 2, 2)], _normal, {}),
    # recurrent, attention, transformers, dropout
    "GRU_bi_2layers_h0": (_gru_h0(), [(2, 5, 4), (4, 2, 5)], _normal, {"dyn": [0, 1], "out_axes": {1: 1}}),
    "LSTM_bi_2layers_h0_c0": (_lstm_h0c0(), [(2, 5, 3), (4, 2, 4), (4, 2, 4)], _normal, {"dyn": [0, 1, 1], "out_axes": {1: 1, 2: 1}}),
    "RNN_relu_time_major_h0": (_rnn_relu_h0(), [(5, 2, 3), (2, 2, 4)], _normal, {"dyn": [1, 1], "out_axes": {0: 1, 1: 1}}),
    "LSTM_time_major": (_lstm_time_major(), [(5, 2, 3)], _normal, {"dyn": [1]}),
    "MHA_bool_attn_mask_padding": (_mha_masks("bool"), [(2, 4, 8), (2, 6, 8)], _normal, {}),
    "MHA_float_attn_mask_padding": (_mha_masks("float"), [(2, 4, 8), (2, 6, 8)], _normal, {}),
    "MHA_attn_mask_no_weights": (_mha_masks("nopad"), [(2, 4, 8), (2, 6, 8)], _normal, {}),
    "TransformerEncoder_norm_first_masks": (_encoder_stack(True), [(2, 5, 8)], _normal, {}),
    "TransformerEncoder_post_norm_masks": (_encoder_stack(False), [(2, 5, 8)], _normal, {}),
    "TransformerDecoderLayer_norm_first": (_decoder_layer(), [(2, 4, 8), (2, 6, 8)], _normal, {}),
    "Transformer_full": (_transformer(), [(2, 4, 8), (2, 3, 8)], _normal, {}),
    "TransformerDecoder_stack": (_lay(lambda T: T.nn.TransformerDecoder(T.nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True), 2)), [(2, 3, 8), (2, 4, 8)], _normal, {}),
    "LSTM_proj_with_h0_c0": (_lay(lambda T: T.nn.LSTM(3, 5, proj_size=2, batch_first=True), lambda layer, x, h, c: layer(x, (h, c))[0]), [(2, 4, 3), (1, 2, 2), (1, 2, 5)], _normal, {"dyn": [0, 1, 1]}),
    "GRU_3layers_last_state": (_lay(lambda T: T.nn.GRU(3, 4, num_layers=3, dropout=0.3, batch_first=True), lambda layer, x: layer(x)[1][-1]), [(2, 5, 3)], _normal, {}),
    "Embedding_max_norm_l1": (_lay(lambda T: T.nn.Embedding(5, 3, max_norm=0.5, norm_type=1.0)), [(2, 4)], _ints(0, 5), {}),
    "Conv2d_depthwise_dilated": (_lay(lambda T: T.nn.Conv2d(4, 8, 3, groups=4, stride=2, padding=2, dilation=2, bias=False)), [(2, 4, 7, 7)], _normal, {}),
    "Conv1d_valid_stride": (_lay(lambda T: T.nn.Conv1d(2, 3, 4, padding="valid", stride=2)), [(2, 2, 9)], _normal, {}),
    "UpsamplingBilinear2d": (_lay(lambda T: T.nn.UpsamplingBilinear2d(scale_factor=2)), [(2, 1, 3, 4)], _normal, {}),
    "UpsamplingNearest2d_size": (_lay(lambda T: T.nn.UpsamplingNearest2d(size=(5, 7))), [(2, 1, 3, 4)], _normal, {}),
    "fold_of_unfold_padded": (_fn(lambda T, x: T.nn.functional.fold(T.nn.functional.unfold(x, 2, padding=1), (4, 5), 2, padding=1)), [(2, 2, 4, 5)], _normal, {}),
    "LocalResponseNorm": (_lay(lambda T: T.nn.LocalResponseNorm(3)), [(2, 5, 3, 3)], _normal, {}),
    "dropouts_in_eval": (_dropouts(), [(2, 3, 4, 4)], _normal, {}),
    # structure: several inputs and outputs, buffers, other dynamic axes, opsets
    "dict_and_nested_outputs": (lambda: _Outputs(), [(2, 4), (2, 3)], _normal, {}),
    "list_outputs": (lambda: _ListOut(), [(2, 3)], _normal, {}),
    "folded_buffers": (lambda: _FoldedBuffers(), [(2, 3, 4)], _normal, {}),
    "dynamic_sequence_axis_conv1d": (_conv1d_seq(), [(2, 3, 6)], _normal, {"dyn": 2, "sizes": (6, 9)}),
    "dynamic_sequence_axis_gru": (_gru_seq(), [(2, 6, 3)], _normal, {"dyn": 1, "sizes": (6, 4)}),
    "dynamic_sequence_axis_layernorm": (_lay(lambda T: T.nn.LayerNorm(4)), [(2, 5, 4)], _normal, {"dyn": 1, "sizes": (5, 8)}),
    "arange_positions_on_the_sequence_axis": (_pos_embedding(), [(2, 5, 4)], _normal, {"dyn": 1, "sizes": (5, 7)}),
    "arange_on_the_batch": (_fn(lambda T, x: x * (T.arange(x.shape[0]) * 2 + 1).unsqueeze(1)), [(2, 3)], _normal, {}),
    "arange_float_step": (_fn(lambda T, x: x + T.arange(0.5, x.shape[1] * 0.25 + 0.5, 0.25)), [(2, 6)], _normal, {"dyn": 1, "sizes": (6, 10)}),
    "arange_int32_start": (_fn(lambda T, x: x + T.arange(3, x.shape[1] + 3, dtype=T.int32)), [(2, 4)], _ints(0, 9, np.int32), {"dyn": 1, "sizes": (4, 6)}),
    "float64_model": (_lay(lambda T: T.nn.Sequential(T.nn.Linear(3, 4), T.nn.LayerNorm(4), T.nn.Tanh(), T.nn.Softmax(-1)).double()), [(2, 3)], lambda s, r: r.standard_normal(s), {"rtol": 1e-12, "atol": 1e-12}),
    "zero_d_constants": (_fn(lambda T, x: (x.sum() + T.tensor(np.float32(2.0)), x * T.tensor(np.float32(3.0)), T.tensor(np.int64(7)) + x.argmax())), [(2, 3)], _normal, {"out_axes": {0: None, 2: None}}),
    "zero_d_mode_median_kthvalue": (_fn(lambda T, x: (*x.sum().mode(), *x.amax().median(0), *x.amin().kthvalue(1, 0))), [(2, 3)], _normal, {"out_axes": dict.fromkeys(range(6))}),
    "dynamic_sequence_axis_mha": (_lay(lambda T: T.nn.MultiheadAttention(8, 2, batch_first=True), lambda layer, x: layer(x, x, x)[0]), [(2, 5, 8)], _normal, {"dyn": 1, "sizes": (5, 7)}),
    "dynamic_sequence_axis_encoder": (_lay(lambda T: T.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)), [(2, 5, 8)], _normal, {"dyn": 1, "sizes": (5, 7)}),
    "dynamic_sequence_axis_reductions": (_fn(lambda T, x: (x.softmax(1), x.mean(1), x.std(1), x.flip(1).cumsum(1))), [(2, 5, 3)], _normal, {"dyn": 1, "sizes": (5, 7), "out_axes": {1: None, 2: None}}),
    "static_shapes": (_lay(lambda T: T.nn.Linear(3, 2)), [(2, 3)], _normal, {"dyn": None}),
    **{f"opset_{v}": (_lay(lambda T: T.nn.Sequential(T.nn.Linear(4, 4), T.nn.LayerNorm(4), T.nn.GELU())), [(2, 4)], _normal, {"opset": v})
       for v in (17, 18, 20, 21, 23)},
    "opset_18_reductions": (_fn(lambda T, x: (x.mean(-1), x.sum(1, keepdim=True), x.amax(-1), x.std(-1))), [(2, 3, 4)], _normal, {"opset": 18}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_round7_export_matches_onnxruntime_and_torch(name):
    factory, shapes, make, options = CASES[name]
    _check(factory(), shapes, make, **options)


# ---------------------------------------------------------------- refusals and names
def test_a_refused_op_names_itself_through_the_torch_signature():
    model = _fn(lambda T, x: T.cummax(x, 1).values)()
    with pytest.raises(TypeError, match="cummax has no ONNX export"):
        gn.onnx.export(model, (gn.tensor(np.zeros((2, 3), np.float32)),), io.BytesIO())


def test_embedding_bag_of_an_empty_input_is_refused_by_name():
    model = Fn(lambda m, o: m.bag(gn.tensor(np.zeros(0, np.int64)), o), bag=nn.EmbeddingBag(4, 2))
    with pytest.raises(TypeError, match="embedding_bag of an empty input has no ONNX export"):
        gn.onnx.export(model, (gn.tensor(np.array([0, 0], np.int64)),), io.BytesIO())


def test_an_opset_below_17_is_refused_by_name():
    model = _lay(lambda T: T.nn.Linear(3, 2))()
    with pytest.raises(ValueError, match="opset must be an int from 17 to \\d+ .*got 16"):
        gn.onnx.export(model, (gn.tensor(np.zeros((2, 3), np.float32)),), io.BytesIO(), opset_version=16)


def _half(shape, rng):
    return rng.standard_normal(shape).astype(np.float16)


@pytest.mark.parametrize("name", ["linear", "ops", "conv"])
def test_float16_models(name):
    """float16 models export and run in onnxruntime (compared with glassnet's float16)."""
    factory = {
        "linear": _lay(lambda T: T.nn.Sequential(T.nn.Linear(4, 4), T.nn.ReLU()).half()),
        "ops": _fn(lambda T, x: (x * 2 + 1, x.softmax(-1), x.sum(-1), x.amax(-1), x.argmax(-1), x.float())),
        "conv": _lay(lambda T: T.nn.Conv2d(2, 2, 3).half()),
    }[name]
    shape = (2, 2, 5, 5) if name == "conv" else (2, 4)
    _check(factory(), [shape], _half, use_torch=False, rtol=1e-2, atol=1e-2)


def test_unique_consecutive_is_refused_by_name():
    model = _fn(lambda T, x: T.unique_consecutive(x))()
    with pytest.raises(TypeError, match="unique_consecutive has no ONNX export in glassnet"):
        gn.onnx.export(model, (gn.tensor(np.zeros((2, 3), np.float32)),), io.BytesIO())


@pytest.mark.parametrize("loss", ["cross_entropy", "mse_loss"])
def test_a_training_loss_is_refused_by_name(loss):
    model = _fn(lambda T, x: getattr(T.nn.functional, loss)(x, x.flip(0).softmax(-1)))()
    with pytest.raises(TypeError, match="is a training loss; export the model that makes the predictions"):
        gn.onnx.export(model, (gn.tensor(np.ones((2, 3), np.float32)),), io.BytesIO())


def test_scatter_with_an_index_smaller_outside_dim_is_refused_by_name():
    model = _fn(lambda T, x, i: x.scatter(1, i, 1.0))()
    args = (gn.tensor(np.zeros((2, 4, 3), np.float32)), gn.tensor(np.zeros((2, 2, 2), np.int64)))
    with pytest.raises(TypeError, match="scatter with an index of shape \\(2, 2, 2\\) smaller than"):
        gn.onnx.export(model, args, io.BytesIO())


def test_a_constant_that_follows_the_batch_names_the_op_reading_it():
    """``roll`` along the batch picks rows by an index array of the example's size."""
    model = _fn(lambda T, x: T.roll(x, 1, 0))()
    with pytest.raises(ValueError, match="whose values vary.*read by the op GetItem"):
        gn.onnx.export(model, (gn.tensor(np.zeros((2, 3), np.float32)),), io.BytesIO(),
                       input_names=["x"], dynamic_axes={"x": [0]})  # fmt: skip


def test_a_pooling_size_that_follows_a_dynamic_image_axis_is_refused_by_name():
    """Image sizes are the example's: pooling on a dynamic height names the layer and its
    attribute instead of exporting the example's output size."""
    model = _lay(lambda T: T.nn.Sequential(T.nn.Conv2d(1, 2, 3, padding=1), T.nn.MaxPool2d(2)))()
    with pytest.raises(ValueError, match="MaxPool2d \\(run by module 'layer.1'\\) takes out_hw=\\(2, 3\\) here"):
        gn.onnx.export(model, (gn.tensor(np.ones((2, 1, 4, 6), np.float32)),), io.BytesIO(),
                       input_names=["x"], dynamic_axes={"x": {2: "height"}})  # fmt: skip


def test_a_causal_mask_on_a_dynamic_sequence_axis_is_refused_by_name():
    model = _fn(lambda T, x: T.nn.functional.scaled_dot_product_attention(x, x, x, is_causal=True))()
    x = gn.tensor(np.random.default_rng(0).standard_normal((2, 5, 4)).astype(np.float32))
    with pytest.raises(ValueError, match="constant of shape \\(5, 5\\) whose size follows.*read by the op DotProductWeights"):
        gn.onnx.export(model, (x,), io.BytesIO(), input_names=["x"], dynamic_axes={"x": {1: "seq"}})


def test_two_dynamic_axes_on_one_input_are_refused_by_name():
    model = _lay(lambda T: T.nn.Linear(3, 2))()
    with pytest.raises(NotImplementedError, match="dynamic_axes gives input 'x' the dynamic axes \\[0, 1\\]"):
        gn.onnx.export(model, (gn.tensor(np.zeros((2, 4, 3), np.float32)),), io.BytesIO(),
                       input_names=["x"], dynamic_axes={"x": {0: "b", 1: "t"}})  # fmt: skip


def test_a_dynamic_output_axis_that_does_not_follow_is_refused_by_name():
    model = _fn(lambda T, x: x.sum(0))()
    with pytest.raises(NotImplementedError, match="axis 0 of output 'y' dynamic, but its size \\(3\\)"):
        gn.onnx.export(model, (gn.tensor(np.zeros((2, 3), np.float32)),), io.BytesIO(),
                       input_names=["x"], output_names=["y"], dynamic_axes={"x": [0], "y": [0]})  # fmt: skip


def test_training_export_is_refused_by_name():
    model = _lay(lambda T: T.nn.Linear(3, 2))()
    with pytest.raises(NotImplementedError, match="training=.*glassnet exports in evaluation mode only"):
        gn.onnx.export(model, (gn.tensor(np.zeros((2, 3), np.float32)),), io.BytesIO(),
                       training=gn.onnx.TrainingMode.TRAINING)  # fmt: skip


def test_dynamic_axes_names_and_default_names():
    """Default names (``input``/``output_<i>``), the user's dim name on inputs and outputs."""
    model = _ListOut()
    buf = io.BytesIO()
    gn.onnx.export(model, gn.tensor(np.zeros((2, 3), np.float32)), buf,
                   dynamic_axes={"input": {0: "rows"}, "output_1": [0]})  # fmt: skip
    proto = onnx.load_from_string(buf.getvalue())
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "rows"
    dims = [o.type.tensor_type.shape.dim[0] for o in proto.graph.output]
    assert dims[1].dim_param == "output_1_dynamic_axes_1" and dims[0].dim_param == "rows"
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    got = sess.run(None, {"input": x})
    want = model.eval()(gn.tensor(x))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-5, atol=1e-6)


def test_export_onnx_writes_a_file_that_reloads(tmp_path):
    """``glassnet.io.export_onnx`` to a path: the file loads, checks and runs the same."""
    model = _encoder_stack(True)()
    model.eval()
    x = np.random.default_rng(1).standard_normal((3, 5, 8)).astype(np.float32)
    path = gio.export_onnx(model, gn.tensor(x), tmp_path / "enc.onnx", input_names=("x",))
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x})
    np.testing.assert_allclose(got, model(gn.tensor(x)).numpy(), rtol=1e-5, atol=1e-5)
