"""Models the other ONNX tests do not build, and the ways an export could silently be wrong.

Each model is exported at batch 2, run in onnxruntime at batch 2 and 5, and compared with
glassnet; where the same weights load into torch, with torch as well.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.io as gio
from glassnet import nn
from tests.nn.onnx_check import Fn

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def _check(model, shapes, *, batch_axes=None, make=None, atol=1e-5):
    """Export at the first shapes, run in onnxruntime at batch 2 and 5, compare with glassnet."""
    rng = np.random.default_rng(0)
    make = make or (lambda shape: rng.standard_normal(shape).astype(np.float32))
    model.eval()
    names = tuple(f"in{i}" for i in range(len(shapes)))
    args = tuple(gn.tensor(make(s)) for s in shapes)
    proto = gio.build_onnx_model(model, args, input_names=names, batch_axes=batch_axes)
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    axes = batch_axes if batch_axes is not None else [0] * len(shapes)
    for n in (2, 5):
        xs = [
            make(tuple(n if i == ax else d for i, d in enumerate(s))) for s, ax in zip(shapes, axes)
        ]
        got = sess.run(None, dict(zip(names, xs)))[0]
        want = _first(model(*[gn.tensor(x) for x in xs])).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=atol)


def _lstm_with_state(m, x, h, c):
    return m.rnn(x, (h, c))[0]


def _encoder():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    return nn.TransformerEncoder(layer, 2)


def _padding_mask(shape):
    mask = np.random.default_rng(1).random(shape) > 0.6
    mask[:, 0] = False  # no row fully hidden
    return mask


CASES = {
    "conv1d_stride_dilation_groups": (
        lambda: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), [(2, 4, 11)]),
    "conv_transpose2d_output_padding_groups_dilation": (
        lambda: nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0),
                                   output_padding=(1, 2), groups=2, dilation=(2, 1)),
        [(2, 4, 5, 6)]),
    "depthwise_same_reflect": (
        lambda: nn.Sequential(nn.Conv2d(4, 8, 3, padding=1, groups=4, padding_mode="reflect"),
                              nn.Conv2d(8, 4, (3, 4), padding="same", dilation=2)),
        [(2, 4, 7, 8)]),
    "batch_norm1d_ncl_instance_norm1d": (
        lambda: nn.Sequential(nn.BatchNorm1d(4), nn.InstanceNorm1d(4), nn.GroupNorm(1, 4)),
        [(2, 4, 7)]),
    "pools_ceil_padding_dilation": (
        lambda: nn.Sequential(
            nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
            nn.MaxPool2d(3, 1, 1, dilation=2), nn.AdaptiveAvgPool2d((3, None))),
        [(2, 3, 9, 10)]),
    "interpolate_modes": (
        lambda: Fn(lambda m, x: F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True)
                   + F.interpolate(x, size=(7, 9), mode="nearest")
                   + F.interpolate(x, size=(7, 9), mode="bilinear")),
        [(2, 3, 4, 5)]),
    "slices_with_negative_steps_and_splits": (
        lambda: Fn(lambda m, x: F.cat([*x[:, ::-1, 1::2].chunk(3, 1), x[:, 4:0:-2, :2]], 1)
                   .permute(0, 2, 1).unsqueeze(1).expand(-1, 2, -1, -1)),
        [(2, 6, 5)]),
    "activations_and_scans": (
        lambda: Fn(lambda m, x: F.gelu(x) + F.gelu(x, approximate="tanh") + F.mish(x)
                   + F.hardswish(x) + gn.erf(x) + gn.atan2(x, x * 0.5 - 0.3)
                   + gn.lerp(x, x * 3, 0.25) + x.cumsum(1) + F.log_softmax(x, 0)),
        [(2, 6, 5)]),
    "bidirectional_two_layer_lstm_with_state": (
        lambda: Fn(_lstm_with_state, rnn=nn.LSTM(4, 6, 2, batch_first=True, bidirectional=True)),
        [(2, 5, 4), (4, 2, 6), (4, 2, 6)], [0, 1, 1]),
    "time_major_attention_kdim_vdim": (
        lambda: Fn(lambda m, q, k, v: m.att(q, k, v)[0],
                   att=nn.MultiheadAttention(8, 2, kdim=5, vdim=3)),
        [(3, 2, 8), (6, 2, 5), (6, 2, 3)], [1, 1, 1]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_exports_and_runs_on_other_batches(name):
    make, shapes, *axes = CASES[name]
    _check(make(), shapes, batch_axes=axes[0] if axes else None)


def test_encoder_with_a_key_padding_mask_given_as_input():
    def forward(m, x, mask):
        return m.enc(x, src_key_padding_mask=mask)

    rng = np.random.default_rng(0)

    def make(shape):
        return (
            _padding_mask(shape)
            if len(shape) == 2
            else rng.standard_normal(shape).astype(np.float32)
        )

    _check(Fn(forward, enc=_encoder()), [(2, 5, 8), (2, 5)], make=make)


# ------------------------------------------------- exports that would silently be wrong
class WhereByArrayMask(nn.Module):
    def forward(self, x):
        return gn.where(x.numpy() > 0, x, x * 0.1)  # the mask is made outside the ops


def test_a_fixed_batch_mask_computed_from_the_input_is_refused(rng):
    x = gn.tensor(rng.standard_normal((3, 4)).astype(np.float32))
    with pytest.raises(ValueError, match="changes with the input.*\\.numpy\\(\\)"):
        gio.build_onnx_model(WhereByArrayMask(), x, dynamic_batch=False)
    gio.build_onnx_model(Fn(lambda m, x: gn.where(x > 0, x, x * 0.1)), x, dynamic_batch=False)


def test_a_constant_from_one_samples_values_is_refused(rng):
    class FirstSampleMask(nn.Module):
        def forward(self, x):
            return x * (x[0].numpy() > 0)  # shape (4,): does not follow the batch

    x = gn.tensor(rng.standard_normal((3, 4)).astype(np.float32))
    with pytest.raises(ValueError, match="constant of shape \\(4,\\) that changes with the input"):
        gio.build_onnx_model(FirstSampleMask(), x)


def test_inputs_whose_batch_axes_differ_in_length_are_refused(rng):
    model = Fn(lambda m, q, k: m.att(q, k, k)[0], att=nn.MultiheadAttention(8, 2))
    q = gn.tensor(rng.standard_normal((3, 2, 8)).astype(np.float32))  # time-major (L, N, E)
    k = gn.tensor(rng.standard_normal((6, 2, 8)).astype(np.float32))
    with pytest.raises(ValueError, match="'in0': 3 on axis 0, 'in1': 6 on axis 0.*batch_axes="):
        gio.build_onnx_model(model, (q, k), input_names=("in0", "in1"))
    gio.build_onnx_model(model, (q, k), input_names=("in0", "in1"), batch_axes=[1, 1])


def test_an_unused_input_is_still_named(rng):
    x = gn.tensor(rng.standard_normal((3, 4)).astype(np.float32))
    with pytest.raises(ValueError, match="input 'y' does not reach the outputs"):
        gio.build_onnx_model(Fn(lambda m, a, b: a * 2), (x, x), input_names=("x", "y"))


@pytest.mark.parametrize("dynamic", [True, False])
def test_an_index_array_computed_from_the_input_is_refused(rng, dynamic):
    model = Fn(lambda m, x: x[:, np.argsort(x[0].numpy())])  # an order made outside the ops
    x = gn.tensor(rng.standard_normal((3, 5)).astype(np.float32))
    with pytest.raises(ValueError, match="constant of shape \\(5,\\) that changes with the input"):
        gio.build_onnx_model(model, x, dynamic_batch=dynamic)


def test_an_unsupported_index_is_described_by_shapes(rng):
    x = gn.tensor(rng.standard_normal((2, 6, 5)).astype(np.float32))
    with pytest.raises(TypeError, match="array of shape \\(2,\\) \\(int64\\), slice\\(1, 3"):
        gio.build_onnx_model(Fn(lambda m, x: x[:, [0, 1], 1:3]), x)
