"""Conv2d's named geometry, its column layouts and how one is chosen, and the public
attributes an exporter reads."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.ops.conv as conv_mod
from glassnet.ops.conv import (
    ConvGeometry,
    GroupedColumns,
    RebuiltRowColumns,
    RowColumns,
    TapColumns,
    choose_columns,
    conv1d,
    conv2d,
)
from glassnet.testing import check_against_torch


def _geo(c=8, groups=1, n=2, hw=6, o=4, k=3, pad=1, bias=True):
    return ConvGeometry.of(
        (n, c, hw, hw), (o, c // groups, k, k), bias, (1, 1), (pad,) * 4, (1, 1), groups
    )


def test_geometry_names_every_size():
    geo = ConvGeometry.of((2, 6, 7, 9), (4, 3, 3, 2), True, (2, 1), (1, 0, 2, 1), (1, 2), 2)
    assert (geo.batch, geo.in_channels, geo.height, geo.width) == (2, 6, 7, 9)
    assert (geo.out_channels, geo.kernel_h, geo.kernel_w) == (4, 3, 2)
    assert geo.stride == (2, 1) and geo.pads == (1, 0, 2, 1) and geo.dilation == (1, 2)
    assert (geo.out_h, geo.out_w) == (3, 10)  # (7+1-2-1)//2+1, (9+3-1*2-1)//1+1
    assert geo.in_per_group == 3 and geo.out_per_group == 2
    assert geo.rows == 2 * 3 * 10 and geo.k == 3 * 2 * 3 and geo.kb == geo.k + 1
    assert geo.x_shape == (2, 6, 7, 9) and geo.w_shape == (4, 3, 3, 2)
    with pytest.raises(AttributeError):
        geo.groups = 3  # frozen


def test_choose_columns_rule(monkeypatch):
    assert choose_columns(_geo(c=8, groups=2), 8, True) is GroupedColumns
    assert choose_columns(_geo(c=4, groups=4), 8, True) is GroupedColumns  # depthwise
    assert choose_columns(_geo(c=conv_mod.TAPS_MAX_CHANNELS), 8, True) is TapColumns
    assert choose_columns(_geo(c=8), 8, True) is RowColumns
    monkeypatch.setattr(conv_mod, "KEEP_COLUMNS_MAX_BYTES", 0)
    assert choose_columns(_geo(c=8), 8, True) is RebuiltRowColumns
    # without a weight gradient there is nothing to keep, so nothing to rebuild
    assert choose_columns(_geo(c=8), 8, False) is RowColumns
    assert choose_columns(_geo(c=2), 8, True) is TapColumns


@pytest.mark.parametrize(
    "c, groups, rebuild, layout",
    [(2, 1, False, TapColumns), (6, 1, False, RowColumns), (6, 1, True, RebuiltRowColumns),
     (6, 3, False, GroupedColumns)],
)  # fmt: skip
def test_each_layout_matches_torch_and_keeps_what_backward_reads(
    c, groups, rebuild, layout, rng, torch, monkeypatch
):
    monkeypatch.setattr(conv_mod, "KEEP_COLUMNS_MAX_BYTES", 0 if rebuild else 1 << 40)
    opts = {"padding": 1, "stride": (1, 2), "groups": groups}
    x = rng.standard_normal((3, c, 6, 7))
    w = rng.standard_normal((6, c // groups, 3, 2))
    b = rng.standard_normal(6)
    check_against_torch(
        lambda *a: conv2d(*a, **opts), lambda *a: torch.nn.functional.conv2d(*a, **opts), x, w, b
    )
    node = conv2d(gn.tensor(x), gn.tensor(w, requires_grad=True), gn.tensor(b), **opts)._ctx
    assert type(node.columns) is layout
    assert node.columns.rebuilds == rebuild
    kept = node.src if rebuild else node.cols
    assert kept is not None
    assert "w" not in node.__dict__  # the input needs no gradient: the weight is not kept


def test_nothing_kept_for_the_weight_when_it_needs_no_gradient(rng):
    x = gn.tensor(rng.standard_normal((2, 6, 5, 5)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((4, 6, 3, 3)))
    node = conv2d(x, w, padding=1)._ctx
    assert not {"columns", "cols", "src"} & set(node.__dict__)
    assert node.w is w.array


def test_function_exposes_stride_padding_dilation_groups(rng):
    x = gn.tensor(rng.standard_normal((1, 4, 9, 8)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((6, 2, 3, 2)))
    node = conv2d(x, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)._ctx
    assert node.stride == (2, 1)
    assert node.padding == (1, 1, 0, 0)  # top, bottom, left, right
    assert node.dilation == (1, 2) and node.groups == 2
    assert isinstance(node.geometry, ConvGeometry) and node.geometry.out_channels == 6
    same = conv2d(x, gn.tensor(rng.standard_normal((2, 4, 2, 2))), padding="same")._ctx
    assert same.padding == (0, 1, 0, 1)  # an even kernel's extra zero goes bottom/right
    node1 = conv1d(gn.tensor(rng.standard_normal((1, 2, 9)), requires_grad=True),
                   gn.tensor(rng.standard_normal((3, 2, 3))), stride=2, padding=1)._ctx  # fmt: skip
    assert node1.stride == (1, 2) and node1.padding == (0, 0, 1, 1)  # on a height-1 image


def test_inference_uses_one_block_buffer(rng, monkeypatch):
    """Without a graph the row layout writes every block into one cache-sized buffer."""
    from glassnet.ops._workspace import Workspace

    monkeypatch.setattr(conv_mod, "CHUNK_BYTES", 1)  # one sample per block
    ws = Workspace()
    x = gn.tensor(rng.standard_normal((4, 6, 5, 5)))
    w = gn.tensor(rng.standard_normal((3, 6, 3, 3)))
    with gn.no_grad():
        y = conv2d(x, w, padding=1, workspace=ws)
    ref = conv2d(x, w, padding=1).numpy()
    np.testing.assert_allclose(y.numpy(), ref)
    cols_bytes = [a.nbytes for a in ws._arrays if a.ndim == 3]  # (rows, 1, K) column buffers
    assert cols_bytes == [5 * 5 * 54 * 8]  # one sample's columns, not four
