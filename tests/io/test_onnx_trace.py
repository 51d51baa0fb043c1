"""ONNX export by tracing: models in any style export and agree with onnxruntime within 1e-5.

The model is run once (twice with a dynamic batch) with a trace recorder installed;
every op it ran is converted by the one converter of its Function class.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.io as gio
import glassnet.nn as nn
import glassnet.ops
from glassnet.autograd.function import Function
from glassnet.models.registry import build_model, get_model_spec, list_models, to_layout

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOL = 1e-5


def _x(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [leaf for t in x for leaf in _flat(t)]
    return [x] if isinstance(x, gn.Tensor) else []


def check(model, args, tmp_path, *, others=(), **kwargs):
    """Export on ``args``; onnxruntime must agree with glassnet on ``args`` and ``others``."""
    args = args if isinstance(args, tuple) else (args,)
    model.eval()
    with gn.no_grad():
        n_out = len(_flat(model(*[gn.Tensor(a) for a in args])))
    kwargs.setdefault("input_names", tuple(f"in{i}" for i in range(len(args))))
    kwargs.setdefault("output_names", tuple(f"out{i}" for i in range(n_out)))
    path = gio.export_onnx(model, args, tmp_path / "m.onnx", **kwargs)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for a in (args, *[o if isinstance(o, tuple) else (o,) for o in others]):
        got = sess.run(None, {i.name: v for i, v in zip(sess.get_inputs(), a)})
        with gn.no_grad():
            want = [t.numpy() for t in _flat(model(*[gn.Tensor(v) for v in a]))]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=TOL, atol=TOL)
    return onnx.load(str(path))


# ---------------------------------------------------------------- every registered model
@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_exports(name, rng, tmp_path):
    spec = get_model_spec(name)
    model = build_model(name, num_classes=10)
    images = lambda n: to_layout(rng.random((n, 1, 28, 28), dtype=np.float32), spec.layout)  # noqa: E731
    for m in model.modules():  # batch norm with statistics away from 0 / 1
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.running_mean is not None:
            m.running_mean.array[...] = rng.standard_normal(m.num_features) * 0.1
            m.running_var.array[...] = rng.uniform(0.5, 2.0, m.num_features)
    proto = check(model, images(2), tmp_path, others=[images(5)])
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


# ---------------------------------------------------------------- functional style
class FunctionalCNN(nn.Module):
    """A CNN whose forward calls functions, with its own parameters (no layer modules)."""

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(1)
        self.w1 = nn.Parameter(rng.standard_normal((4, 1, 3, 3)).astype(np.float32) * 0.3)
        self.b1 = nn.Parameter(np.zeros(4, dtype=np.float32))
        self.w2 = nn.Parameter(rng.standard_normal((6, 4, 3, 3)).astype(np.float32) * 0.3)
        self.fc = nn.Parameter(rng.standard_normal((3, 6 * 2 * 2)).astype(np.float32) * 0.2)
        self.gamma = nn.Parameter(np.ones(6, dtype=np.float32) * 1.5)
        self.beta = nn.Parameter(np.full(6, 0.1, dtype=np.float32))
        self.running_mean = nn.Buffer(np.full(6, 0.2, dtype=np.float32))
        self.running_var = nn.Buffer(np.full(6, 1.7, dtype=np.float32))

    def forward(self, x):
        x = F.max_pool2d(F.relu(F.conv2d(x, self.w1, self.b1, padding=1)), 2)
        x = F.conv2d(x, self.w2, padding=1)
        x = F.batch_norm(x, self.running_mean, self.running_var, self.gamma, self.beta,
                         training=self.training)  # fmt: skip
        x = F.avg_pool2d(F.leaky_relu(x, 0.1), 2, stride=2)
        x = F.dropout(x, 0.3, training=self.training)
        x = x.reshape(x.shape[0], -1)
        return F.log_softmax(F.linear(x, self.fc) * 2.0 + 1.0, axis=-1)


def test_functional_cnn(rng, tmp_path):
    proto = check(FunctionalCNN(), _x(rng, 2, 1, 8, 8), tmp_path, others=[_x(rng, 7, 1, 8, 8)])
    assert {"w1", "b1", "w2", "fc", "gamma", "beta", "running_mean", "running_var"} <= {
        i.name for i in proto.graph.initializer
    }
    ops = {n.op_type for n in proto.graph.node}
    assert {"Conv", "Relu", "MaxPool", "BatchNormalization", "AveragePool", "LogSoftmax"} <= ops


# ---------------------------------------------------------------- inline recurrent + attention
class LA(nn.Module):
    """An LSTM unrolled over time with additive attention, written inline."""

    def __init__(self, features: int = 3, hidden: int = 5, attn: int = 4, classes: int = 2):
        super().__init__()
        self.hidden = hidden
        self.cell = nn.LSTMCell(features, hidden)
        self.key = nn.Linear(hidden, attn)
        self.v = nn.Parameter(np.linspace(-1, 1, attn, dtype=np.float32))
        self.out = nn.Linear(hidden, classes)

    def forward(self, x):  # (N, T, F)
        n, t_len, _ = x.shape
        h, c = gn.zeros(n, self.hidden), gn.zeros(n, self.hidden)  # sizes from the batch
        steps = []
        for t in range(t_len):
            h, c = self.cell(x[:, t, :], (h, c))
            steps.append(h)
        hs = F.stack(steps, axis=1)  # (N, T, H)
        e = F.tanh(self.key(hs)) @ self.v  # (N, T)
        w = F.softmax(e, axis=1)
        ctx = (w.unsqueeze(-1) * hs).sum(axis=1)
        return self.out(ctx), w


def test_inline_lstm_with_additive_attention(rng, tmp_path):
    """Refused by the module-keyed exporter ("no ONNX converter for module LA")."""
    proto = check(LA(), _x(rng, 3, 6, 3), tmp_path, others=[_x(rng, 8, 6, 3), _x(rng, 1, 6, 3)])
    assert sum(n.op_type == "LSTM" for n in proto.graph.node) == 6  # one per time step


class GRUDot(nn.Module):
    """A GRU over a batch-first sequence, dot-product attention with the last state as query."""

    def __init__(self) -> None:
        super().__init__()
        self.gru = nn.GRU(3, 6, batch_first=True, bidirectional=True)
        self.head = nn.Linear(12, 2)

    def forward(self, x):
        out, h_n = self.gru(x)  # (N, T, 12), (2, N, 6)
        q = F.concat([h_n[0], h_n[1]], axis=-1)  # (N, 12)
        w = F.softmax((out @ q.unsqueeze(-1)).squeeze(-1) / np.sqrt(12.0), axis=-1)
        return self.head(F.weighted_sum(w, out))


def test_inline_gru_with_dot_attention(rng, tmp_path):
    check(GRUDot(), _x(rng, 2, 5, 3), tmp_path, others=[_x(rng, 6, 5, 3)])


def test_data_parallel_of_an_inline_model(rng, tmp_path):
    model = nn.DataParallel(LA(), threads=2)
    proto = check(model, _x(rng, 4, 5, 3), tmp_path, others=[_x(rng, 9, 5, 3)])
    assert "module.cell.weight_ih" in {i.name for i in proto.graph.initializer}


def test_dropout_and_batch_norm_export_in_evaluation_mode(rng, tmp_path):
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(6, 2))  # fmt: skip
    model.train()
    for _ in range(3):
        model(gn.Tensor(_x(rng, 8, 4) * 2 + 1))
    gio.build_onnx_model(model, _x(rng, 2, 4))
    assert all(m.training for m in model.modules())
    proto = check(model, _x(rng, 3, 4), tmp_path, others=[_x(rng, 5, 4)])
    assert "BatchNormalization" in {n.op_type for n in proto.graph.node}
    assert "Dropout" not in {n.op_type for n in proto.graph.node}


# ---------------------------------------------------------------- extension points
class _Scale3(Function):
    def forward(self, x):
        return x * 3

    def backward(self, g):
        return g * 3


class Tripled(nn.Module):
    def forward(self, x):
        return _Scale3.apply(x)


def test_register_a_converter_for_a_users_function(rng, tmp_path):
    @gio.register_onnx_function(_Scale3)
    def _scale3(b, op):
        return b.node("Mul", [op.input(0), b.scalar(3.0, op.out().dtype)])

    assert _Scale3 in gio.onnx_function_converters()
    check(
        nn.Sequential(nn.Linear(3, 3), Tripled()), _x(rng, 2, 3), tmp_path, others=[_x(rng, 4, 3)]
    )


class Opaque(nn.Module):
    """A child with a ``to_onnx`` method: not traced into, its converter is used."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x):
        return x.numpy().clip(0, 1) * 1.0 + x * 0  # reads an array: the trace could not follow

    def to_onnx(self, builder, x):
        self.calls += 1
        lo, hi = builder.scalar(0.0, x.dtype), builder.scalar(1.0, x.dtype)
        return builder.node("Clip", [x, lo, hi])


def test_to_onnx_hook_inside_a_traced_model(rng, tmp_path):
    opaque = Opaque()
    model = nn.Sequential(nn.Linear(3, 4), opaque, nn.Linear(4, 2))
    check(model, _x(rng, 2, 3), tmp_path, others=[_x(rng, 5, 3)])
    assert opaque.calls == 1


# ---------------------------------------------------------------- what cannot export
def test_dropout_in_training_mode_says_why(rng):
    class AlwaysDrop(nn.Module):
        def forward(self, x):
            return F.dropout(x, 0.5)  # training=True: a random mask on every call

    with pytest.raises(TypeError, match=r"Dropout \(run by module '\(model\)' \(AlwaysDrop\)\) "
                       r"ran in training mode"):  # fmt: skip
        gio.build_onnx_model(AlwaysDrop(), _x(rng, 2, 3))


def test_an_input_read_as_an_array_is_refused(rng):
    class ReadsArray(nn.Module):
        def forward(self, x, y):
            return x + gn.Tensor(y.numpy() + 0)  # a new array: outside the graph

    args = (_x(rng, 2, 3), _x(rng, 2, 3))
    with pytest.raises(ValueError, match="constant of shape \\(2, 3\\) that changes with the"):
        gio.build_onnx_model(ReadsArray(), args, input_names=("x", "y"), dynamic_batch=False)
    with pytest.raises(ValueError, match="constant of shape \\(2, 3\\) whose size follows"):
        gio.build_onnx_model(ReadsArray(), args, input_names=("x", "y"))

    class SumsArray(nn.Module):
        def forward(self, x):
            return x + float(x.numpy().sum())  # a number from the input's values

    with pytest.raises(ValueError, match="constant of shape \\(\\) that changes with the input"):
        gio.build_onnx_model(SumsArray(), _x(rng, 2, 3))


def test_a_varying_constant_that_follows_the_batch_is_refused(rng, tmp_path):
    class Noisy(nn.Module):
        def forward(self, x):
            return x + gn.Tensor(np.arange(x.shape[0], dtype=np.float32)[:, None])

    with pytest.raises(
        ValueError, match="constant of shape \\(2, 1\\) whose size follows the batch"
    ):
        gio.build_onnx_model(Noisy(), _x(rng, 2, 3))
    check(Noisy(), _x(rng, 2, 3), tmp_path, dynamic_batch=False)  # fixed batch: fine


def test_a_graph_that_changes_with_the_batch_size_is_refused(rng):
    class Branchy(nn.Module):
        def forward(self, x):
            return F.relu(x) if x.shape[0] < 3 else F.tanh(x)

    with pytest.raises(RuntimeError, match="runs other ops on a batch of another size"):
        gio.build_onnx_model(Branchy(), _x(rng, 2, 3))


# ---------------------------------------------------------------- the converter registry
def _function_classes():
    for info in pkgutil.iter_modules(glassnet.ops.__path__):
        mod = importlib.import_module(f"glassnet.ops.{info.name}")
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, Function) and cls.__module__ == mod.__name__:
                if cls.__dict__.get("forward") is not None:
                    yield cls


def test_every_op_has_a_converter_or_says_why_not():
    covered = set(gio.onnx_function_converters()) | set(gio.not_exportable_functions())
    missing = sorted(c.__qualname__ for c in _function_classes() if c not in covered)
    assert missing == [], f"Function classes with no ONNX converter and no reason: {missing}"
    assert all(isinstance(r, str) and r for r in gio.not_exportable_functions().values())
