"""conv2d / conv1d: finite differences and PyTorch agreement over strides, paddings, dilations
and groups; the channels-last layout, the workspace and the argument errors."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import glassnet as gn
import glassnet.ops.conv as conv_mod
from glassnet.ops._im2col import conv_out_size
from glassnet.ops._workspace import Workspace
from glassnet.ops.conv import conv1d, conv2d
from glassnet.testing import check_against_torch, check_gradients

# torch warns that it pads 'same' even kernels by copying; that is its business
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

# (N, C_in, H, W), (C_out, kH, kW), options
CONV2D_CASES = [
    ((2, 3, 5, 6), (4, 3, 3), {}),
    ((2, 3, 5, 6), (4, 3, 3), {"padding": 1}),
    ((1, 2, 6, 7), (3, 3, 2), {"stride": (2, 3), "padding": (1, 2)}),
    ((2, 2, 7, 7), (2, 3, 3), {"dilation": 2, "padding": 2}),
    ((1, 3, 6, 5), (2, 2, 4), {"padding": "same"}),  # even kernel: extra zero bottom/right
    ((1, 2, 7, 6), (2, 2, 3), {"padding": "same", "dilation": (3, 2)}),
    ((2, 2, 5, 6), (3, 3, 3), {"padding": "valid", "stride": 2}),
    ((1, 6, 5, 5), (4, 3, 3), {"groups": 2, "padding": 1}),
    ((1, 4, 5, 6), (4, 3, 3), {"groups": 4, "padding": 1}),  # depthwise
    ((1, 4, 6, 5), (8, 2, 3), {"groups": 4, "stride": 2, "padding": (1, 0)}),  # depthwise x2
    ((2, 6, 4, 5), (3, 1, 1), {}),  # pointwise, many channels (row layout)
    ((1, 5, 7, 6), (3, 3, 2), {"stride": (1, 2), "padding": 1, "dilation": (2, 1)}),
    ((1, 1, 3, 3), (2, 3, 3), {"padding": 1}),  # kernel as large as the input
    ((1, 2, 4, 4), (2, 2, 2), {"padding": 3}),  # taps that only ever see padding
]


def _conv2d_inputs(rng, x_shape, k, opts, bias=True):
    o, kh, kw = k
    g = opts.get("groups", 1)
    ins = [rng.standard_normal(x_shape), rng.standard_normal((o, x_shape[1] // g, kh, kw))]
    if bias:
        ins.append(rng.standard_normal(o))
    return ins


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape, k, opts", CONV2D_CASES)
def test_conv2d_gradcheck(x_shape, k, opts, bias, rng):
    check_gradients(lambda *a: conv2d(*a, **opts), *_conv2d_inputs(rng, x_shape, k, opts, bias))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape, k, opts", CONV2D_CASES)
def test_conv2d_matches_torch(x_shape, k, opts, bias, rng, torch):
    ins = _conv2d_inputs(rng, x_shape, k, opts, bias)
    check_against_torch(
        lambda *a: conv2d(*a, **opts), lambda *a: torch.nn.functional.conv2d(*a, **opts), *ins
    )


@pytest.mark.parametrize("check", [(False, True, True), (True, False, False), (False, False, True)])
def test_conv2d_only_some_inputs_need_grad(check, rng, torch):
    ins = _conv2d_inputs(rng, (2, 6, 5, 5), (3, 3, 3), {})
    fn = lambda *a: conv2d(*a, padding=1)  # noqa: E731
    check_gradients(fn, *ins, check=check)
    check_against_torch(fn, lambda *a: torch.nn.functional.conv2d(*a, padding=1), *ins, check=check)


def test_conv2d_float32_seed_layer_matches_torch(rng, torch):
    """The seed's second layer at float32: values and all gradients agree with torch."""
    ins = _conv2d_inputs(rng, (4, 32, 14, 14), (64, 3, 3), {})
    check_against_torch(
        lambda *a: conv2d(*a, padding=1),
        lambda *a: torch.nn.functional.conv2d(*a, padding=1),
        *ins, dtype=np.float32, atol=2e-4, rtol=1e-4,
    )  # fmt: skip


def test_conv2d_computed_in_chunks_of_samples(rng, torch, monkeypatch):
    """Small chunk sizes make forward and backward work a sample at a time, or in uneven chunks."""
    ins = _conv2d_inputs(rng, (5, 6, 5, 4), (4, 3, 3), {})
    for size in (1, 2 * 6 * 9 * 5 * 4 * 8):  # 1 sample per chunk; 2 samples (5 = 2 + 2 + 1)
        monkeypatch.setattr(conv_mod, "CHUNK_BYTES", size)
        check_against_torch(
            lambda *a: conv2d(*a, stride=(1, 2), padding=1),
            lambda *a: torch.nn.functional.conv2d(*a, stride=(1, 2), padding=1),
            *ins,
        )


@pytest.mark.parametrize("per_tap_max", [0, 64])  # one product per block / per kernel tap
@pytest.mark.parametrize("x_shape, k, opts", [CONV2D_CASES[1], CONV2D_CASES[2], CONV2D_CASES[13]])
def test_conv2d_input_gradient_both_layouts(x_shape, k, opts, per_tap_max, rng, torch, monkeypatch):
    monkeypatch.setattr(conv_mod, "PER_TAP_MAX_CHANNELS", per_tap_max)
    ins = _conv2d_inputs(rng, x_shape, k, opts)
    check_gradients(lambda *a: conv2d(*a, **opts), *ins)
    check_against_torch(
        lambda *a: conv2d(*a, **opts), lambda *a: torch.nn.functional.conv2d(*a, **opts), *ins
    )


@pytest.mark.parametrize("recompute", [True, False])
@pytest.mark.parametrize("chunk_bytes", [1, 4 << 20])  # a sample per block / all at once
def test_conv2d_weight_gradient_from_rebuilt_columns(
    recompute, chunk_bytes, rng, torch, monkeypatch
):
    monkeypatch.setattr(conv_mod, "KEEP_COLUMNS_MAX_BYTES", 0 if recompute else 1 << 40)
    monkeypatch.setattr(conv_mod, "CHUNK_BYTES", chunk_bytes)
    for x_shape, k, opts in (CONV2D_CASES[1], CONV2D_CASES[2], CONV2D_CASES[6]):
        ins = _conv2d_inputs(rng, (3,) + x_shape[1:], k, opts)
        check_against_torch(
            lambda *a, o=opts: conv2d(*a, **o),
            lambda *a, o=opts: torch.nn.functional.conv2d(*a, **o),
            *ins,
        )
    x = gn.tensor(rng.standard_normal((2, 6, 5, 5)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((4, 6, 3, 3)), requires_grad=True)
    node = conv2d(x, w, padding=1)._ctx
    # rebuilding keeps the padded input (2*7*7*6 values), not the columns (2*5*5*54)
    assert ("src" in node.__dict__) == recompute and ("cols" in node.__dict__) != recompute


def test_conv2d_output_is_channels_last_view_and_chains(rng, torch):
    """The output is an NCHW view of NHWC memory; feeding it (and other layouts) to the next conv works."""
    x = rng.standard_normal((2, 3, 6, 6))
    w1, w2 = rng.standard_normal((5, 3, 3, 3)), rng.standard_normal((4, 5, 3, 3))
    y = conv2d(gn.tensor(x), gn.tensor(w1), padding=1)
    assert y.shape == (2, 5, 6, 6)
    assert y.array.transpose(0, 2, 3, 1).flags["C_CONTIGUOUS"]
    check_against_torch(
        lambda a, b, c: conv2d(conv2d(a, b, padding=1), c),
        lambda a, b, c: torch.nn.functional.conv2d(torch.nn.functional.conv2d(a, b, padding=1), c),
        x, w1, w2,
    )  # fmt: skip
    # a non-contiguous input (a strided slice) gives the same result as its copy
    xs = rng.standard_normal((2, 3, 9, 8))[:, :, ::2, 1::2]
    a = conv2d(gn.tensor(xs), gn.tensor(w1)).numpy()
    b = conv2d(gn.tensor(np.ascontiguousarray(xs)), gn.tensor(w1)).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_conv2d_keeps_float32(rng):
    x = gn.tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32), requires_grad=True)
    w = gn.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = gn.tensor(np.zeros(4, np.float32), requires_grad=True)
    y = conv2d(x, w, b, padding=1)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_workspace_buffers_are_reused_and_returned(rng):
    ws = Workspace()
    x = gn.tensor(rng.standard_normal((2, 6, 5, 5)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((4, 6, 3, 3)), requires_grad=True)
    y = conv2d(x, w, padding=1, workspace=ws)
    held = ws.nbytes  # the padded-input buffer went back; the columns are leased to the graph
    y.sum().backward()
    assert ws.nbytes > held  # the columns came back after backward
    n = ws.allocations
    for _ in range(3):
        conv2d(x, w, padding=1, workspace=ws).sum().backward()
    assert ws.allocations == n  # later steps reuse the same arrays
    # a graph dropped without backward gives its buffers back too
    before = ws.nbytes
    y = conv2d(x, w, padding=1, workspace=ws)
    assert ws.nbytes < before
    del y
    gc.collect()
    assert ws.nbytes == before
    ws.clear()
    assert ws.nbytes == 0


def test_workspace_is_not_copied(rng):
    import copy
    import pickle

    ws = Workspace()
    ws.give(np.zeros(10))
    assert copy.deepcopy(ws).nbytes == 0
    assert pickle.loads(pickle.dumps(ws)).nbytes == 0
    assert ws.nbytes == 80


def test_two_graphs_alive_at_once_do_not_share_columns(rng, torch):
    """Two forwards before any backward (and a retained graph) keep separate column buffers."""
    ws = Workspace()
    w = gn.tensor(rng.standard_normal((3, 5, 3, 3)), requires_grad=True)
    xa, xb = rng.standard_normal((2, 5, 6, 6)), rng.standard_normal((2, 5, 6, 6))
    ya = conv2d(gn.tensor(xa), w, padding=1, workspace=ws)
    yb = conv2d(gn.tensor(xb), w, padding=1, workspace=ws)
    (ya.sum() + 2 * yb.sum()).backward(retain_graph=True)
    first = w.grad.numpy().copy()
    w.grad = None
    (ya.sum() + 2 * yb.sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), first)
    tw = torch.tensor(w.numpy(), requires_grad=True)
    f = torch.nn.functional.conv2d
    (
        f(torch.tensor(xa), tw, padding=1).sum() + 2 * f(torch.tensor(xb), tw, padding=1).sum()
    ).backward()
    np.testing.assert_allclose(first, tw.grad.numpy(), rtol=1e-10)


def test_no_grad_records_nothing(rng):
    x = gn.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    with gn.no_grad():
        y = conv2d(x, w)
    assert not y.requires_grad and y.grad_fn is None


# ---------------------------------------------------------------------------------- conv1d
CONV1D_CASES = [
    ((2, 3, 9), (4, 3), {}),
    ((2, 3, 9), (4, 3), {"padding": 1, "stride": 2}),
    ((1, 2, 10), (3, 4), {"padding": "same", "dilation": 2}),
    ((1, 6, 8), (4, 3), {"groups": 2, "padding": "valid"}),
    ((2, 4, 7), (4, 2), {"groups": 4, "stride": 3, "padding": 2}),
]


@pytest.mark.parametrize("x_shape, k, opts", CONV1D_CASES)
def test_conv1d_gradcheck_and_torch(x_shape, k, opts, rng, torch):
    o, kk = k
    g = opts.get("groups", 1)
    ins = [rng.standard_normal(x_shape), rng.standard_normal((o, x_shape[1] // g, kk)),
           rng.standard_normal(o)]  # fmt: skip
    check_gradients(lambda *a: conv1d(*a, **opts), *ins)
    check_against_torch(
        lambda *a: conv1d(*a, **opts), lambda *a: torch.nn.functional.conv1d(*a, **opts), *ins
    )


# ----------------------------------------------------------------------------------- sizes
def test_output_size_formula_and_the_seed_example():
    # width 7, kernel 3, stride 1, one zero each side: 7 (the seed says 11)
    assert conv_out_size(7, 3, 1, 2, 1) == 7
    assert conv_out_size(7, 3, 1, 0, 1) == 5
    assert conv_out_size(28, 3, 2, 2, 1) == 14
    assert conv_out_size(10, 3, 1, 0, 2) == 6
    y = conv2d(gn.zeros(1, 1, 7, 7), gn.zeros(1, 1, 3, 3), padding=1)
    assert y.shape == (1, 1, 7, 7)


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, match",
    [
        ((28, 28), (4, 2, 3, 3), {}, r"conv2d: expected input of shape \(N, C_in, H, W\), got \(28, 28\)"),
        ((1, 3, 8, 8), (4, 3, 3), {}, r"conv2d: expected weight of shape .* got \(4, 3, 3\)"),
        ((1, 3, 8, 8), (4, 2, 3, 3), {}, r"conv2d: input has 3 channels .* expects 2"),
        ((1, 4, 8, 8), (6, 2, 3, 3), {"groups": 4}, r"6 output channels are not divisible by groups=4"),
        ((1, 4, 8, 8), (4, 2, 3, 3), {"groups": 0}, r"groups must be a positive int, got 0"),
        ((1, 3, 3, 3), (4, 3, 5, 5), {}, r"conv2d: kernel 5x5 is larger than the padded input 3x3"),
        ((1, 3, 3, 3), (4, 3, 3, 3), {"dilation": 2}, r"kernel 3x3 \(dilated to 5x5\) is larger than the padded input 3x3"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"stride": 0}, r"conv2d: stride must be a positive int or pair of ints, got 0"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"padding": -1}, r"conv2d: padding must be .* got -1"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"padding": "full"}, r"got 'full'"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"padding": "same", "stride": 2}, r"padding='same' needs stride 1"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"dilation": (1, 0)}, r"dilation must be a positive int or pair of ints, got \(1, 0\)"),
    ],
)  # fmt: skip
def test_conv2d_errors_name_what_was_expected(x_shape, w_shape, kwargs, match):
    with pytest.raises(ValueError, match=match):
        conv2d(gn.zeros(*x_shape), gn.zeros(*w_shape), **kwargs)


def test_conv2d_bias_shape_error():
    with pytest.raises(ValueError, match=r"conv2d: expected bias of shape \(4,\), got \(3,\)"):
        conv2d(gn.zeros(1, 3, 5, 5), gn.zeros(4, 3, 3, 3), gn.zeros(3))


@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, match",
    [
        ((9,), (4, 2, 3), {}, r"conv1d: expected input of shape \(N, C_in, L\), got \(9,\)"),
        ((1, 2, 2), (4, 2, 3), {}, r"conv1d: kernel 3 is larger than the padded input 2"),
        ((1, 2, 9), (4, 2, 3), {"stride": 0}, r"conv1d: stride must be a positive int, got 0"),
        ((1, 2, 9), (4, 2, 3), {"padding": -2}, r"conv1d: padding must be a non-negative int, got -2"),
    ],
)  # fmt: skip
def test_conv1d_errors(x_shape, w_shape, kwargs, match):
    with pytest.raises(ValueError, match=match):
        conv1d(gn.zeros(*x_shape), gn.zeros(*w_shape), **kwargs)


@pytest.fixture
def split_threads(monkeypatch):
    """Split every NumPy pass over 3 threads, however small (uneven slices of the batch)."""
    from glassnet.ops import _parallel

    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    _parallel.set_num_threads(3)
    yield
    _parallel.set_num_threads(_parallel._default_threads())


@pytest.mark.parametrize(
    "x_shape, k, opts",
    [CONV2D_CASES[1], CONV2D_CASES[7], ((5, 2, 6, 6), (3, 3, 3), {"padding": 1})],
)
def test_conv2d_split_over_threads_matches_torch(x_shape, k, opts, rng, torch, split_threads):
    ins = _conv2d_inputs(rng, (5,) + x_shape[1:], k, opts)
    check_against_torch(
        lambda *a: conv2d(*a, **opts), lambda *a: torch.nn.functional.conv2d(*a, **opts), *ins
    )
