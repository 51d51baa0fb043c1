"""Masks and indices computed from the input export (comparisons, logic, rounding, argmax,
topk/sort, gather, one_hot, several index arrays, all/any, norm(p=0), // and %,
kthvalue/median) and agree with ONNX Runtime at two batch
sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.nn as nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
gio = pytest.importorskip("glassnet.io")


class Fn(nn.Module):
    """A model that is one function of its input."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return self.fn(x)


def _sample(example: np.ndarray, n: int, seed: int, low: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (n, *example.shape[1:])
    if example.dtype.kind in "iu":
        return rng.integers(low, 4, shape).astype(example.dtype)
    x = (rng.standard_normal(shape) * 3).astype(example.dtype)
    x[rng.random(shape) < 0.2] = 0.5  # ties and halves
    return x


def _agrees(fn: Callable[[Any], Any], example: np.ndarray, opset: int = 17, low: int = 0) -> None:
    proto = gio.build_onnx_model(Fn(fn), gn.Tensor(example), opset=opset)
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for n in (2, 7):
        x = _sample(example, n, n, low)
        (got,) = sess.run(None, {"input": x})
        want = fn(gn.Tensor(x)).numpy()
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


X = _sample(np.zeros((4, 5), np.float32), 4, 0)
IDS = np.array([[1, 2, 0, 0], [3, 0, 0, 0], [1, 1, 2, 3]], dtype=np.int64)

MODELS = {
    "where_gt": lambda x: gn.where(x > 0, x, 0.1 * x),
    "masked_fill_lt_softmax": lambda x: x.masked_fill(x < 0, -np.inf).softmax(1),
    "compare_all": lambda x: gn.where((x >= 0.5) & (x <= 1) | (x == 0) ^ (x != 2), x, -x),
    "invert": lambda x: gn.where(~(x > 0), 1.0, x),
    "logical_not": lambda x: x.logical_not(),
    "gather_argmax": lambda x: x.gather(1, x.argmax(1, keepdim=True)),
    "argmin_flat": lambda x: x.argmin(),
    "argmax_flat_keep": lambda x: x.argmax(keepdim=True),
    "topk_values": lambda x: x.topk(2, dim=1).values,
    "topk_smallest_indices": lambda x: x.topk(3, dim=1, largest=False).indices,
    "sort_values": lambda x: x.sort(1, descending=True).values,
    "argsort": lambda x: x.argsort(1),
    "max_dim": lambda x: x.max(1).values + x.min(1).indices,
    "sign_floor": lambda x: x.sign() * x.floor(),
    "ceil_trunc_round": lambda x: x.ceil() + x.trunc() + x.round() + x.round(decimals=1),
    "isnan_family": lambda x: (x.log().isnan() | x.log().isinf()) & x.isfinite(),
    "one_hot_argmax": lambda x: F.one_hot(x.argmax(1), 5),
    "all_any": lambda x: gn.where((x > 0).all(1, keepdim=True) | (x < 0).any(0), x, -x),
    "all_any_flat": lambda x: x.all() ^ (x > 1).any(),
    "all_dims": lambda x: (x.round() != 0).all((0, 1), keepdim=True),
    "count_nonzero_norm": lambda x: x.round().norm(0, dim=1) + x.norm(0),
    "floor_divide_float": lambda x: x // 1.5 + x // -0.75,
    "remainder_float": lambda x: x % 1.5 - x % -0.75 + x.remainder(x.flip(1) + 0.25),
    "kthvalue": lambda x: x.kthvalue(2, 1, keepdim=True).values * x.kthvalue(2, 0).indices,
    "median_dim": lambda x: x.median(1, keepdim=True).values + x.median(0).indices,
    "median_even_length": lambda x: x[:, :4].median(1).values,
    "median_all": lambda x: x.median(),
}

#: Integers of both signs (zero only where it is not a divisor).
INT_MODELS = {
    "floor_divide": lambda x: x // 3 + x // -3,
    "remainder": lambda x: x % 3 * 10 + x % -3,
    "by_a_tensor": lambda x: x // (x.abs() + 1) * 100 + x % -(x.flip(1).abs() + 2),
    "number_by_tensor": lambda x: -7 // (x.abs() + 1) + 7 % (x.abs() + 1),
    "int32": lambda x: x.int() // -2 + x.int().remainder(3),
    "any_int": lambda x: x.any(1, keepdim=True) & x.all(0),
    "kthvalue_int": lambda x: x.kthvalue(3, 1, keepdim=True).values + x.median(0).indices,
}


@pytest.mark.filterwarnings("ignore:invalid value")
@pytest.mark.parametrize("name", sorted(MODELS))
def test_value_dependent_model_exports(name: str) -> None:
    _agrees(MODELS[name], X)


@pytest.mark.parametrize("name", sorted(INT_MODELS))
def test_integer_model_exports(name: str) -> None:
    _agrees(INT_MODELS[name], _sample(np.zeros((3, 5), np.int64), 3, 3, -5), low=-5)


def test_several_index_arrays() -> None:
    x = _sample(np.zeros((3, 3, 5), np.float32), 3, 1)
    _agrees(lambda t: t[:, [0, 2], [1, 3]], x)
    _agrees(lambda t: t[:, [[0], [2]], [1, -1]], x)


def test_index_arrays_apart_go_first() -> None:
    x = _sample(np.zeros((3, 3, 2, 5), np.float32), 3, 2)
    _agrees(lambda t: t[:, [0, 2], :, [1, 3]], x)


def test_padding_mask_from_token_ids() -> None:
    emb = nn.Embedding(4, 6)

    def fn(ids: Any) -> Any:
        scores = emb(ids).sum(-1)
        return scores.masked_fill(ids == 0, -np.inf).softmax(1)

    _agrees(fn, IDS)


def test_integer_logic_needs_opset_18() -> None:
    fn = lambda t: (t & 3) | (~t ^ 1)  # noqa: E731
    with pytest.raises(TypeError, match="opset 18"):
        _agrees(fn, IDS)
    _agrees(fn, IDS, opset=18)
