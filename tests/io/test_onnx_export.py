"""ONNX export: every supported module and model runs in onnxruntime and agrees with glassnet."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
import glassnet.nn as nn
from glassnet.autograd.function import Function
from glassnet.models import LSTMForecaster, row_lstm_attention, seed_cnn
from glassnet.nn.layers.attention import MultiheadAttention, TemporalAttention
from glassnet.nn.layers.conv import Conv1d, Conv2d
from glassnet.nn.layers.norm import BatchNorm1d, BatchNorm2d
from glassnet.nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d
from glassnet.nn.layers.rnn import GRU, LSTM, RNN
from glassnet.nn.layers.rnn_cells import GRUCell, LSTMCell, RNNCell
from glassnet.ops.activation import relu

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

RTOL, ATOL = 1e-4, 1e-5


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [leaf for t in x for leaf in _flat(t)]
    return [] if x is None or not isinstance(x, (gn.Tensor, np.ndarray)) else [x]


def _expected(model, args):
    with gn.no_grad():
        out = model(*[gn.Tensor(a) if isinstance(a, np.ndarray) else _tree(a) for a in args])
    return [np.asarray(t.numpy()) for t in _flat(out)]


def _tree(a):
    if isinstance(a, tuple):
        return tuple(gn.Tensor(t) if isinstance(t, np.ndarray) else t for t in a)
    return a


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _run(sess, args):
    arrays = _flat(list(args))
    return sess.run(None, {i.name: a for i, a in zip(sess.get_inputs(), arrays)})


def check_export(model, args, tmp_path, *, others=(), **kwargs):
    """Export ``model`` on ``args``, run it in onnxruntime on ``args`` and on each of ``others``."""
    args = args if isinstance(args, tuple) else (args,)
    model.eval()
    n_out = len(_expected(model, args))
    kwargs.setdefault("output_names", tuple(f"out{i}" for i in range(n_out)))
    n_in = len(_flat(list(args)))
    kwargs.setdefault("input_names", tuple(f"in{i}" for i in range(n_in)))
    path = gio.export_onnx(model, args, tmp_path / "model.onnx", **kwargs)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    sess = _session(path)
    for a in (args, *[o if isinstance(o, tuple) else (o,) for o in others]):
        got = _run(sess, a)
        want = _expected(model, a)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
    return sess


def _x(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _randomise_stats(model, rng):
    for m in model.modules():
        if isinstance(m, (BatchNorm1d, BatchNorm2d)) and m.running_mean is not None:
            c = m.num_features
            m.running_mean.array[...] = rng.standard_normal(c) * 0.5
            m.running_var.array[...] = rng.uniform(0.5, 2.0, c)
            if m.affine:
                m.weight.array[...] = rng.uniform(0.5, 1.5, c)
                m.bias.array[...] = rng.standard_normal(c) * 0.1


# ---------------------------------------------------------------- feed-forward
def test_mlp_and_dynamic_batch(rng, tmp_path):
    model = nn.MLP([6, 16, 8, 3], dropout=0.3, output_activation="softmax")
    sess = check_export(model, _x(rng, 4, 6), tmp_path, others=[_x(rng, 9, 6), _x(rng, 1, 6)])
    dims = sess.get_inputs()[0].shape
    assert dims == ["batch", 6]


def test_perceptron_and_linear_on_3d(rng, tmp_path):
    check_export(nn.Perceptron(5), _x(rng, 3, 5), tmp_path, others=[_x(rng, 8, 5)])
    lin = nn.Linear(5, 4, bias=False)
    check_export(lin, _x(rng, 2, 3, 5), tmp_path, others=[_x(rng, 6, 3, 5)])


ACTIVATIONS = [
    nn.ReLU(), nn.LeakyReLU(0.2), nn.Sigmoid(), nn.Tanh(), nn.ELU(0.7), nn.GELU(),
    nn.GELU("tanh"), nn.Softplus(), nn.Softplus(beta=2.0, threshold=1.0), nn.SiLU(),
    nn.Softmax(dim=1), nn.LogSoftmax(dim=-1),
]  # fmt: skip


@pytest.mark.parametrize("opset", [17, 20])
@pytest.mark.parametrize("act", ACTIVATIONS, ids=repr)
def test_activations(act, opset, rng, tmp_path):
    model = nn.Sequential(nn.Linear(4, 6), act)
    check_export(model, _x(rng, 5, 4) * 3, tmp_path, others=[_x(rng, 2, 4)], opset=opset)


@pytest.mark.parametrize("bn", [False, True])
def test_seed_cnn(bn, rng, tmp_path):
    model = seed_cnn(batch_norm=bn)
    _randomise_stats(model, rng)
    check_export(model, _x(rng, 2, 1, 28, 28), tmp_path, others=[_x(rng, 5, 1, 28, 28)])


def test_a_data_parallel_wrapper_exports_its_module(rng, tmp_path):
    """Threads are a way of running the module: the graph is the module's (sliced batches of
    8 images when computing the reference outputs)."""
    model = nn.DataParallel(seed_cnn(batch_norm=True), threads=2)
    _randomise_stats(model.module, rng)
    sess = check_export(model, _x(rng, 8, 1, 28, 28), tmp_path, others=[_x(rng, 3, 1, 28, 28)])
    assert not any(
        n.op_type == "Concat" for n in onnx.load(str(tmp_path / "model.onnx")).graph.node
    )
    assert sess is not None


def test_seed_cnn_bn_after_training_steps(rng, tmp_path):
    model = seed_cnn(batch_norm=True, width=1, image_size=12)
    model.train()
    for _ in range(3):  # running statistics move away from 0 / 1
        model(gn.Tensor(_x(rng, 8, 1, 12, 12) * 2 + 1))
    assert not np.allclose(model[1].running_mean.numpy(), 0)
    gio.build_onnx_model(model, _x(rng, 2, 1, 12, 12))  # exports in evaluation mode ...
    assert all(m.training for m in model.modules())  # ... and gives the training flags back
    check_export(model, _x(rng, 3, 1, 12, 12) * 2 + 1, tmp_path, others=[_x(rng, 4, 1, 12, 12)])


@pytest.mark.parametrize("opset", [17, 18])
@pytest.mark.parametrize(
    "layer, shape",
    [
        (BatchNorm1d(5), (4, 5)),
        (BatchNorm1d(5), (4, 5, 7)),
        (BatchNorm2d(3), (2, 3, 4, 4)),
        (BatchNorm2d(3, affine=False), (2, 3, 4, 4)),
        (BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 4)),
        (BatchNorm1d(5, track_running_stats=False, affine=False), (4, 5, 3)),
    ],
    ids=lambda v: repr(v) if not isinstance(v, tuple) else str(v),
)
def test_batch_norm(layer, shape, opset, rng, tmp_path):
    _randomise_stats(layer, rng)
    other = (6, *shape[1:])
    check_export(layer, _x(rng, *shape) + 1, tmp_path, others=[_x(rng, *other)], opset=opset)


CONVS = [
    Conv2d(3, 4, 3, padding=1),
    Conv2d(3, 4, (2, 3), stride=2, bias=False),
    Conv2d(2, 4, 4, padding="same", dilation=2),
    Conv2d(4, 4, 3, groups=2, padding=(0, 2)),
    Conv2d(4, 4, 3, groups=4, padding="valid"),
]


@pytest.mark.parametrize("conv", CONVS, ids=repr)
def test_conv2d(conv, rng, tmp_path):
    c = conv.in_channels
    check_export(conv, _x(rng, 2, c, 9, 8), tmp_path, others=[_x(rng, 3, c, 9, 8)])


@pytest.mark.parametrize(
    "conv", [Conv1d(3, 5, 3), Conv1d(3, 6, 4, padding="same", groups=3), Conv1d(3, 2, 3, stride=2, padding=2)], ids=repr
)  # fmt: skip
def test_conv1d(conv, rng, tmp_path):
    check_export(conv, _x(rng, 2, 3, 11), tmp_path, others=[_x(rng, 4, 3, 11)])


POOLS = [
    MaxPool2d(2),
    MaxPool2d(3, stride=2, padding=1),
    MaxPool2d(2, dilation=2),
    MaxPool2d(3, stride=2, ceil_mode=True),
    AvgPool2d(2),
    AvgPool2d(3, stride=2, padding=1),
    AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
    AvgPool2d(3, stride=2, ceil_mode=True),
    GlobalAvgPool2d(),
    GlobalAvgPool2d(keepdims=True),
    AdaptiveAvgPool2d(1),
    AdaptiveAvgPool2d((3, 2)),
    AdaptiveAvgPool2d((4, 3)),
    AdaptiveAvgPool2d((None, 5)),
]


@pytest.mark.parametrize("pool", POOLS, ids=repr)
def test_pooling(pool, rng, tmp_path):
    check_export(pool, _x(rng, 2, 3, 9, 6), tmp_path, others=[_x(rng, 3, 3, 9, 6)])


@pytest.mark.parametrize("start, end", [(1, -1), (0, -1), (1, 2), (2, 3), (0, 1), (2, 2)])
def test_flatten(start, end, rng, tmp_path):
    check_export(
        nn.Flatten(start, end), _x(rng, 2, 3, 4, 5), tmp_path, others=[_x(rng, 5, 3, 4, 5)]
    )


# ---------------------------------------------------------------- recurrent
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cls", [LSTM, GRU, RNN])
def test_recurrent(cls, bidirectional, num_layers, batch_first, rng, tmp_path):
    layer = cls(4, 5, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    shape = (3, 6, 4) if batch_first else (6, 3, 4)  # (N, T, F) or (T, N, F)
    other = (7, 6, 4) if batch_first else (6, 7, 4)
    sess = check_export(layer, _x(rng, *shape), tmp_path, others=[_x(rng, *other)])
    assert sess.get_inputs()[0].shape[0 if batch_first else 1] == "batch"


def test_rnn_relu_without_bias(rng, tmp_path):
    layer = RNN(3, 4, nonlinearity="relu", bias=False, num_layers=2, bidirectional=True)
    check_export(layer, _x(rng, 5, 2, 3), tmp_path, others=[_x(rng, 5, 6, 3)])


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_recurrent_with_initial_state(cls, rng, tmp_path):
    layer = cls(4, 5, num_layers=2, bidirectional=True, batch_first=True)
    h0 = _x(rng, 4, 3, 5)
    hx = (h0, _x(rng, 4, 3, 5)) if cls is LSTM else h0
    other_h = _x(rng, 4, 8, 5)
    other = (_x(rng, 8, 6, 4), (other_h, _x(rng, 4, 8, 5)) if cls is LSTM else other_h)
    sess = check_export(layer, (_x(rng, 3, 6, 4), hx), tmp_path, others=[other])
    assert [i.shape[1] for i in sess.get_inputs()[1:]] == ["batch"] * (2 if cls is LSTM else 1)


def test_recurrent_unbatched(rng, tmp_path):
    layer = LSTM(4, 5, num_layers=2, bidirectional=True)
    check_export(layer, (_x(rng, 6, 4), (_x(rng, 4, 5), _x(rng, 4, 5))), tmp_path)


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("cls", [LSTMCell, GRUCell, RNNCell])
def test_cells(cls, with_state, batched, rng, tmp_path):
    cell = cls(4, 5, nonlinearity="relu") if cls is RNNCell else cls(4, 5, bias=with_state)
    lead = (3,) if batched else ()
    args = (_x(rng, *lead, 4),)
    if with_state:
        h = _x(rng, *lead, 5)
        args += ((h, _x(rng, *lead, 5)) if cls is LSTMCell else h,)
    others = []
    if batched:
        n = 6
        other = (_x(rng, n, 4),)
        if with_state:
            other += ((_x(rng, n, 5), _x(rng, n, 5)) if cls is LSTMCell else _x(rng, n, 5),)
        others.append(other)
    sess = check_export(cell, args, tmp_path, others=others)
    assert sess.get_inputs()[0].shape == (["batch", 4] if batched else [4])


# ---------------------------------------------------------------- attention
@pytest.mark.parametrize("default_query", ["learned", "last"])
@pytest.mark.parametrize("score", ["additive", "dot", "scaled_dot"])
def test_temporal_attention(score, default_query, rng, tmp_path):
    att = TemporalAttention(6, score=score, default_query=default_query)
    check_export(att, _x(rng, 3, 5, 6), tmp_path, others=[_x(rng, 7, 5, 6)])


@pytest.mark.parametrize("score", ["additive", "scaled_dot"])
def test_temporal_attention_query_and_mask(score, rng, tmp_path):
    att = TemporalAttention(6, score=score, query_size=6)
    mask = np.array([[1, 1, 0, 1, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)
    other_mask = np.ones((2, 5), dtype=bool)
    check_export(
        att, (_x(rng, 3, 5, 6), _x(rng, 3, 6), mask), tmp_path,
        others=[(_x(rng, 2, 5, 6), _x(rng, 2, 6), other_mask)],
    )  # fmt: skip


def test_temporal_attention_last_step_with_mask(rng, tmp_path):
    att = TemporalAttention(6, default_query="last")
    mask = np.array([[1, 1, 0, 1, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)
    check_export(att, (_x(rng, 3, 5, 6), None, mask), tmp_path)


@pytest.mark.parametrize("batch_first", [True, False])
def test_multihead_self_attention(batch_first, rng, tmp_path):
    mha = MultiheadAttention(8, 2, batch_first=batch_first)
    for p in mha.parameters():  # non-zero biases
        p.array[...] = rng.standard_normal(p.shape) * 0.3
    x = _x(rng, 3, 5, 8)
    other = _x(rng, 6, 5, 8) if batch_first else _x(rng, 3, 6, 8)
    check_export(mha, (x, x, x), tmp_path, others=[(other, other, other)])


def test_multihead_cross_attention_masks(rng, tmp_path):
    mha = MultiheadAttention(8, 4, batch_first=True, kdim=5, vdim=3)
    kpm = np.zeros((2, 6), dtype=bool)
    kpm[0, 4:] = True
    kpm[1, :] = True  # a fully hidden row gives zero weights, as glassnet
    attn = np.triu(np.full((4, 6), -1.5, dtype=np.float32), 1)
    args = (_x(rng, 2, 4, 8), _x(rng, 2, 6, 5), _x(rng, 2, 6, 3), kpm, True, attn, False)
    check_export(mha, args, tmp_path)


def test_multihead_attention_no_weights_unbatched(rng, tmp_path):
    mha = MultiheadAttention(6, 3, bias=False)
    q, k = _x(rng, 4, 6), _x(rng, 5, 6)
    attn = np.zeros((4, 5), dtype=bool)
    attn[:, 0] = True
    check_export(mha, (q, k, k, None, False, attn), tmp_path, opset=18)


# ---------------------------------------------------------------- models
@pytest.mark.parametrize("bidirectional, layers", [(False, 1), (True, 2)])
def test_row_lstm_attention(bidirectional, layers, rng, tmp_path):
    model = row_lstm_attention(hidden=12, num_layers=layers, bidirectional=bidirectional)
    check_export(model, _x(rng, 3, 28, 28), tmp_path, others=[_x(rng, 6, 28, 28)])


def test_row_lstm_attention_image_input(rng, tmp_path):
    model = row_lstm_attention(hidden=8, score="dot")
    check_export(model, _x(rng, 2, 1, 28, 28), tmp_path, others=[_x(rng, 5, 1, 28, 28)])


def test_row_weights_through_keyword_argument(rng, tmp_path):
    class WithRowWeights(nn.Module):
        def __init__(self, clf):
            super().__init__()
            self.clf = clf

        def forward(self, x):
            return self.clf(x, return_weights=True)

        def to_onnx(self, builder, x):
            return builder.call(self.clf, x, return_weights=True)

    model = WithRowWeights(row_lstm_attention(hidden=8))
    sess = check_export(model, _x(rng, 2, 28, 28), tmp_path, others=[_x(rng, 3, 28, 28)])
    assert sess.get_outputs()[1].shape == ["batch", 28]


def test_lstm_forecaster(rng, tmp_path):
    model = LSTMForecaster(3, 10, horizon=4, num_layers=2, output_size=2)
    check_export(model, _x(rng, 2, 12, 3), tmp_path, others=[_x(rng, 5, 12, 3)])
    uni = LSTMForecaster(1, 6, horizon=3)
    check_export(uni, _x(rng, 4, 9), tmp_path, others=[_x(rng, 1, 9)])


@pytest.mark.parametrize("opset", [21, 23])
def test_newer_opsets(opset, rng, tmp_path):
    cnn = seed_cnn(batch_norm=True, image_size=8)
    _randomise_stats(cnn, rng)
    check_export(cnn, _x(rng, 2, 1, 8, 8), tmp_path, others=[_x(rng, 3, 1, 8, 8)], opset=opset)
    clf = row_lstm_attention(hidden=6, bidirectional=True, input_size=5)
    check_export(clf, _x(rng, 2, 4, 5), tmp_path, others=[_x(rng, 3, 4, 5)], opset=opset)


# ---------------------------------------------------------------- extension points
class Scale(nn.Module):
    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = k

    def forward(self, x):
        return x * self.k


class TwoHeads(nn.Module):
    """A custom forward made exportable with a ``to_onnx`` method."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
        self.a = nn.Linear(8, 2)
        self.b = nn.Linear(8, 3)

    def forward(self, x):
        h = self.body(x)
        return self.a(h), relu(self.b(h))

    def to_onnx(self, builder, x):
        h = builder.call(self.body, x)
        return builder.call(self.a, h).name, builder.node("Relu", [builder.call(self.b, h)])


def test_to_onnx_method(rng, tmp_path):
    check_export(TwoHeads(), _x(rng, 3, 4), tmp_path, others=[_x(rng, 5, 4)])


def test_register_converter(rng, tmp_path):
    @gio.register_onnx_converter(Scale)
    def _scale(b, m, x):
        return b.node("Mul", [x, b.scalar(m.k, x.dtype)])

    assert "Scale" in gio.supported_onnx_modules()
    check_export(nn.Sequential(nn.Linear(3, 3), Scale(2.5)), _x(rng, 2, 3), tmp_path)


def test_outputs_that_are_inputs_or_repeated(rng, tmp_path):
    class Twice(nn.Module):
        def forward(self, x):
            return x, x

        def to_onnx(self, b, x):
            return x.name, x.name

    check_export(Twice(), _x(rng, 2, 3), tmp_path)
    check_export(nn.Identity(), _x(rng, 2, 3), tmp_path)


def test_fixed_batch(rng, tmp_path):
    model = nn.Linear(3, 2)
    sess = check_export(model, _x(rng, 4, 3), tmp_path, dynamic_batch=False)
    assert sess.get_inputs()[0].shape == [4, 3]
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        _run(sess, (_x(rng, 5, 3),))


def test_batch_axes_override(rng, tmp_path):
    sess = check_export(nn.Tanh(), _x(rng, 3, 4), tmp_path, batch_axes=[1], others=[_x(rng, 3, 9)])
    assert sess.get_inputs()[0].shape == [3, "batch"]


def test_file_and_names(rng, tmp_path):
    model = nn.MLP([3, 4, 2])
    path = tmp_path / "m.onnx"
    out = gio.export_onnx(model, gn.Tensor(_x(rng, 2, 3)), path, input_names=("pixels",),
                          output_names=("logits",))  # fmt: skip
    assert out == path
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["pixels"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    assert proto.opset_import[0].version == 17
    inits = {i.name for i in proto.graph.initializer}
    assert {"fc1.weight", "fc1.bias", "fc2.weight"} <= inits
    out_dims = proto.graph.output[0].type.tensor_type.shape.dim
    assert out_dims[0].dim_param == "batch" and out_dims[1].dim_value == 2
    assert not list(tmp_path.glob(".*.tmp"))


# ---------------------------------------------------------------- errors
class _Opaque(Function):
    """An op of the user's own with no ONNX converter."""

    def forward(self, x):
        return x * 2

    def backward(self, g):
        return g * 2


class Mystery(nn.Module):
    """Runs an op that has no converter (a module of glassnet ops would be traced)."""

    def forward(self, x):
        return _Opaque.apply(x)


def test_unsupported_module_names_it_and_lists_supported(rng, tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), Mystery())
    with pytest.raises(TypeError, match=r"'1' \(Mystery\).*supported: .*Conv2d.*LSTM.*to_onnx"):
        gio.export_onnx(model, _x(rng, 2, 3), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_subclass_overriding_forward_is_traced(rng, tmp_path):
    """Was refused by the module-keyed exporter; tracing converts the ops it runs."""

    class Doubled(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    check_export(Doubled(3, 2), _x(rng, 2, 3), tmp_path, others=[_x(rng, 5, 3)])


def test_failed_export_keeps_the_old_file(rng, tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")
    with pytest.raises(TypeError, match="Mystery"):
        gio.export_onnx(Mystery(), _x(rng, 2, 3), path)
    assert path.read_bytes() == b"old"


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"opset": 12}, ValueError, "opset must be an int from 17 to .*got 12"),
        ({"opset": "17"}, ValueError, "opset must be an int.*got '17'"),
        ({"output_names": ("a", "b")}, ValueError, "returns 1 tensor.*got 2 output_names"),
        ({"input_names": ()}, ValueError, "takes 1 tensor.*got 0 input_names"),
        ({"input_names": "x"}, TypeError, "input_names must be a sequence of str, got 'x'"),
        ({"output_names": ("input",)}, ValueError, "name 'input' is used twice"),
        ({"batch_axes": [0, 1]}, ValueError, "batch_axes has 2 entries for 1 inputs"),
        ({"batch_axes": 2}, ValueError, "batch axis 2 is out of range for input 'input'"),
        ({"batch_axes": ["0"]}, TypeError, "batch_axes entries must be int or None, got '0'"),
        ({"input_names": ("",)}, ValueError, "names must be non-empty strings, got ''"),
    ],
)
def test_argument_errors(kwargs, err, match, rng):
    with pytest.raises(err, match=match):
        gio.build_onnx_model(nn.Linear(3, 2), _x(rng, 2, 3), **kwargs)


def test_input_errors(rng):
    with pytest.raises(TypeError, match="model must be a glassnet Module, got function"):
        gio.build_onnx_model(lambda x: x, _x(rng, 2, 3))
    with pytest.raises(ValueError, match="at least one tensor"):
        gio.build_onnx_model(nn.Identity(), (None,))
    with pytest.raises(ValueError, match="returns 3 tensor.*got 1 output_names"):
        gio.build_onnx_model(LSTM(2, 3), _x(rng, 4, 1, 2))


def test_container_without_forward(rng):
    with pytest.raises(TypeError, match=r"\(ModuleList\)"):
        gio.build_onnx_model(nn.ModuleList([nn.Linear(2, 2)]), _x(rng, 1, 2))


def test_converter_returning_wrong_structure(rng):
    class Bad(nn.Module):
        def forward(self, x):
            return x, x

        def to_onnx(self, b, x):
            return x.name

    with pytest.raises(TypeError, match=r"converter of '\(model\)' \(Bad\) returned a value, "
                       r"but the module returns \(a tensor, a tensor\)"):  # fmt: skip
        gio.build_onnx_model(Bad(), _x(rng, 1, 2), output_names=("a", "b"))


def test_register_errors():
    with pytest.raises(TypeError, match="cls must be a Module subclass, got <class 'int'>"):
        gio.register_onnx_converter(int, lambda *a: None)
    with pytest.raises(TypeError, match="fn must be callable, got 3"):
        gio.register_onnx_converter(Scale, 3)


def test_missing_onnx_names_the_extra(rng, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"glassnet\[onnx\]"):
        gio.build_onnx_model(nn.Linear(3, 2), _x(rng, 2, 3))
