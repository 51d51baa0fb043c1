"""Review round 4: ``torch.combinations`` edge sizes, ``diag_embed``'s dtype and the
dtype ``column_stack``/``dstack`` promote to, against torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


@pytest.mark.parametrize("r", [0, 1, 2, 4])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations_shapes_match_torch(r, with_replacement):
    torch = pytest.importorskip("torch")
    want = torch.combinations(torch.arange(3.0), r=r, with_replacement=with_replacement)
    got = gn.combinations(gn.arange(3.0), r=r, with_replacement=with_replacement)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32"])
def test_diag_embed_keeps_the_dtype(dtype):
    torch = pytest.importorskip("torch")
    data = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    want = torch.diag_embed(torch.tensor(data), offset=1)
    got = gn.diag_embed(gn.tensor(data), offset=1)
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("pair", [("int64", "float32"), ("int32", "float16"), ("uint8", "int8")])
@pytest.mark.parametrize("how", ["column_stack", "dstack"])
def test_stacking_promotes_as_torch(pair, how):
    torch = pytest.importorskip("torch")
    arrays = [np.arange(3).astype(d) for d in pair]
    want = getattr(torch, how)([torch.tensor(a) for a in arrays])
    got = getattr(gn, how)([gn.tensor(a) for a in arrays])
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())
