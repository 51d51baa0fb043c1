"""3-D convolution and transposed convolution against torch (values, gradients, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet.ops import conv3d as C
from glassnet.ops.conv3d import conv3d, conv_transpose3d
from glassnet.testing import check_against_torch, check_gradients

CASES = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(1, 2, 3), padding=(2, 0, 1), dilation=(1, 2, 1)),
    dict(padding="same", dilation=2),
    dict(padding="same"),  # even kernel along H: the extra zero at the end
    dict(padding="valid", groups=2),
    dict(groups=4, padding=(0, 1, 1)),  # depthwise
]


@pytest.mark.parametrize("kw", CASES)
def test_conv3d_matches_torch(kw, rng, torch):
    g = kw.get("groups", 1)
    x = rng.standard_normal((2, 4, 5, 6, 7))
    w = rng.standard_normal((8, 4 // g, 3, 2, 3))
    b = rng.standard_normal(8)
    fn = lambda a, ww, bb: conv3d(a, ww, bb, **kw)  # noqa: E731
    check_against_torch(fn, lambda a, ww, bb: torch.nn.functional.conv3d(a, ww, bb, **kw), x, w, b)
    assert check_gradients(fn, x[:1, :, :4, :4, :5], w[:, :, :2], b)


def test_conv3d_without_bias_and_one_sample(rng, torch):
    x, w = rng.standard_normal((3, 4, 5, 4)), rng.standard_normal((2, 3, 1, 3, 2))
    check_against_torch(lambda a, ww: conv3d(a, ww, padding=(0, 1, 1)),
                        lambda a, ww: torch.nn.functional.conv3d(a, ww, padding=(0, 1, 1)), x, w)  # fmt: skip


def test_conv3d_blocks_of_samples_agree(rng, torch, monkeypatch):
    """A batch whose columns exceed CHUNK_BYTES is computed a few samples at a time."""
    monkeypatch.setattr(C, "CHUNK_BYTES", 1)  # one sample per block
    x, w, b = rng.standard_normal((3, 2, 4, 4, 4)), rng.standard_normal((3, 2, 2, 2, 2)), rng.standard_normal(3)
    check_against_torch(lambda a, ww, bb: conv3d(a, ww, bb, stride=2, padding=1),
                        lambda a, ww, bb: torch.nn.functional.conv3d(a, ww, bb, stride=2, padding=1),
                        x, w, b)  # fmt: skip


def test_conv3d_gradient_only_where_needed(rng):
    x, w = rng.standard_normal((1, 2, 3, 3, 3)), rng.standard_normal((2, 2, 2, 2, 2))
    assert check_gradients(lambda a, ww: conv3d(a, ww, padding=1), x, w, check=[True, False])
    assert check_gradients(lambda a, ww: conv3d(a, ww, padding=1), x, w, check=[False, True])


def test_conv3d_keeps_float32(rng):
    x = gn.tensor(rng.standard_normal((2, 2, 3, 4, 4)).astype(np.float32), requires_grad=True)
    w = gn.tensor(rng.standard_normal((3, 2, 2, 2, 2)).astype(np.float32), requires_grad=True)
    y = F.conv3d(x, w, padding=1)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_conv3d_empty_batch(rng, torch):
    x, w = np.zeros((0, 2, 3, 3, 3), np.float32), rng.standard_normal((4, 2, 2, 2, 2)).astype(np.float32)
    want = torch.nn.functional.conv3d(torch.tensor(x), torch.tensor(w), padding=1)
    assert F.conv3d(gn.tensor(x), gn.tensor(w), padding=1).shape == tuple(want.shape)


@pytest.mark.parametrize(
    "kw,shapes,match",
    [
        (dict(), ((3, 4, 4), (2, 3, 1, 1, 1)), r"expected input of shape \(N, C_in, D, H, W\)"),
        (dict(), ((1, 3, 4, 4, 4), (2, 3, 1, 1)), r"expected weight of shape \(C_out, C_in/groups"),
        (dict(), ((1, 3, 4, 4, 4), (2, 2, 1, 1, 1)), "input has 3 channels"),
        (dict(groups=2), ((1, 4, 4, 4, 4), (3, 2, 1, 1, 1)), "not divisible by groups=2"),
        (dict(), ((1, 3, 2, 4, 4), (2, 3, 3, 1, 1)), r"kernel 3x1x1 is larger than the padded input 2x4x4"),
        (dict(padding="same", stride=2), ((1, 3, 4, 4, 4), (2, 3, 3, 3, 3)), "needs stride 1"),
        (dict(padding="full"), ((1, 3, 4, 4, 4), (2, 3, 3, 3, 3)), "'same' or 'valid', got 'full'"),
        (dict(stride=(1, 2)), ((1, 3, 4, 4, 4), (2, 3, 3, 3, 3)), "stride must be a positive int or 3"),
        (dict(dilation=0), ((1, 3, 4, 4, 4), (2, 3, 3, 3, 3)), "dilation must be a positive int"),
    ],
)
def test_conv3d_errors(kw, shapes, match):
    x, w = (gn.zeros(*s) for s in shapes)
    with pytest.raises(ValueError, match=match):
        conv3d(x, w, **kw)


def test_conv3d_bias_shape_error():
    with pytest.raises(ValueError, match=r"expected bias of shape \(2,\), got \(3,\)"):
        conv3d(gn.zeros(1, 3, 4, 4, 4), gn.zeros(2, 3, 1, 1, 1), gn.zeros(3))


TRANSPOSED = [
    dict(),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(1, 2, 3), padding=(0, 1, 2), output_padding=(0, 1, 2), groups=2),
    dict(dilation=(2, 1, 1), stride=2, output_padding=(1, 0, 0)),
    dict(padding=2),  # cropping more than the kernel adds
]


@pytest.mark.parametrize("kw", TRANSPOSED)
def test_conv_transpose3d_matches_torch(kw, rng, torch):
    g = kw.get("groups", 1)
    x = rng.standard_normal((2, 4, 3, 4, 3))
    w = rng.standard_normal((4, 6 // g, 3, 3, 3))
    b = rng.standard_normal(6)
    fn = lambda a, ww, bb: conv_transpose3d(a, ww, bb, **kw)  # noqa: E731
    check_against_torch(fn, lambda a, ww, bb: torch.nn.functional.conv_transpose3d(a, ww, bb, **kw), x, w, b)
    assert check_gradients(fn, x[:1, :, :3, :3, :3], w[:, :2], b[: 2 * g])


def test_conv_transpose3d_one_sample(rng, torch):
    x, w = rng.standard_normal((2, 3, 2, 2)), rng.standard_normal((2, 3, 2, 2, 2))
    check_against_torch(lambda a, ww: conv_transpose3d(a, ww, stride=2),
                        lambda a, ww: torch.nn.functional.conv_transpose3d(a, ww, stride=2), x, w)  # fmt: skip


def test_conv_transpose3d_errors():
    x, w = gn.zeros(1, 2, 3, 3, 3), gn.zeros(2, 3, 2, 2, 2)
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose3d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="input has 3 channels"):
        conv_transpose3d(gn.zeros(1, 3, 3, 3, 3), w)
    with pytest.raises(ValueError, match=r"expected input \(N, C_in, D, H, W\)"):
        conv_transpose3d(gn.zeros(1, 2, 3, 3), gn.zeros(2, 3, 2, 2))
    with pytest.raises(ValueError, match=r"expected bias of shape \(3,\)"):
        conv_transpose3d(x, w, gn.zeros(2))


def test_torch_top_level_3d_functions(rng, torch):
    """``torch.conv3d``, ``torch.conv_transpose3d`` and ``torch.max_pool3d`` (torch's top level,
    which ``glassnet run`` scripts call) were missing."""
    x, w = rng.standard_normal((1, 2, 4, 5, 4)), rng.standard_normal((2, 3, 2, 2, 2))
    check_against_torch(lambda a, ww: gn.conv3d(a, ww, None, 1, 1),
                        lambda a, ww: torch.conv3d(a, ww, None, 1, 1), x, w[:, :2].copy())  # fmt: skip
    check_against_torch(lambda a, ww: gn.conv_transpose3d(a, ww, None, 2),
                        lambda a, ww: torch.conv_transpose3d(a, ww, None, 2), x, w)  # fmt: skip
    check_against_torch(lambda a: gn.max_pool3d(a, 2, [], 1), lambda a: torch.max_pool3d(a, 2, [], 1), x)
