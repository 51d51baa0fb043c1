"""A 0-d tensor meeting a tensor with dimensions of the same category keeps the other's
dtype, as in torch (NumPy widens): every binary op, both orders, compared with torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

DTYPES = ["float16", "float32", "float64", "int32", "int64", "uint8", "bool"]
OPS = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "sub": lambda x, y: x - y,
    "div": lambda x, y: x / y,
    "maximum": lambda x, y: x.maximum(y),
    "where": lambda x, y: x.where(x.ne(0), y),
}


def _make(lib, dtype: str, zero_dim: bool):
    value = 2 if dtype != "bool" else True
    data = value if zero_dim else [value, value]
    return lib.tensor(data, dtype=getattr(lib, "bool" if dtype == "bool" else dtype))


@pytest.mark.parametrize("op", list(OPS))
def test_result_dtype_matches_torch_for_every_pair(op):
    torch = pytest.importorskip("torch")
    fn = OPS[op]
    for full in DTYPES:
        for zero in DTYPES:
            if op == "sub" and "bool" in (full, zero):
                continue  # torch refuses bool subtraction
            for order in (0, 1):
                ga, gb = _make(gn, full, False), _make(gn, zero, True)
                ta, tb = _make(torch, full, False), _make(torch, zero, True)
                if order:
                    ga, gb, ta, tb = gb, ga, tb, ta
                want = fn(ta, tb).dtype
                got = fn(ga, gb).dtype
                assert str(got) == str(want).removeprefix("torch."), (op, full, zero, order)


def test_gradients_keep_each_operand_dtype():
    a = gn.ones(3, requires_grad=True)
    scale = gn.tensor(np.float64(0.5), requires_grad=True)  # torch.tensor(np.sqrt(d)) is float64
    y = a / scale
    assert y.dtype == np.float32
    y.sum().backward()
    assert a.grad.dtype == np.float32 and scale.grad.dtype == np.float64
    np.testing.assert_allclose(scale.grad.item(), -12.0)
