"""Review round 4: the result dtype of ``clamp`` with tensor and NumPy-scalar bounds, the
gradients reaching tensor bounds, and ``as_tensor``'s dtype inference, against torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

DTYPES = ["float32", "float64", "int64", "int32"]


def _make(lib, dtype, shape):
    data = np.arange(1, 1 + int(np.prod(shape))).reshape(shape) * 0.75
    return lib.tensor(data.astype(dtype))


@pytest.mark.parametrize("x_dtype", DTYPES)
@pytest.mark.parametrize("b_dtype", DTYPES)
@pytest.mark.parametrize("b_shape", [(), (3,)])
@pytest.mark.parametrize("which", ["min", "max"])
def test_clamp_with_a_tensor_bound_has_torch_dtype_and_values(x_dtype, b_dtype, b_shape, which):
    torch = pytest.importorskip("torch")
    want = torch.clamp(_make(torch, x_dtype, (3,)), **{which: _make(torch, b_dtype, b_shape)})
    got = gn.clamp(_make(gn, x_dtype, (3,)), **{which: _make(gn, b_dtype, b_shape)})
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy())


@pytest.mark.parametrize("bound", [np.float64(1.6), np.int64(2), np.float32(1.6), 2, 1.6])
@pytest.mark.parametrize("x_dtype", DTYPES)
def test_clamp_with_a_scalar_bound_has_torch_dtype(bound, x_dtype):
    torch = pytest.importorskip("torch")
    want = _make(torch, x_dtype, (3,)).clamp(max=bound)
    got = _make(gn, x_dtype, (3,)).clamp(max=bound)
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy())


def test_tensor_bounds_get_gradients_as_in_torch():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (torch, gn):
        x = lib.tensor([1.0, 2.0, 3.0, 2.5], requires_grad=True)
        lo = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        hi = lib.tensor([2.0, 2.5, 2.5, 2.5], requires_grad=True)
        y = lib.clamp(x, min=lo, max=hi)
        assert str(y.dtype).endswith("float32")
        (y * lib.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        w = lib.tensor([5.0, 6.0, 7.0], requires_grad=True)
        z = w * 1
        z.clamp_(min=lib.tensor([5.5, 5.5, 7.5], requires_grad=True))
        z.sum().backward()
        grads.append([np.asarray(t.grad.numpy()) for t in (x, lo, hi, w)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: [np.float64(1.0), 2],
        lambda lib: [np.float32(1.0), 2.5],
        lambda lib: [1, 2.0],
        lambda lib: np.float64(1.5),
        lambda lib: [[lib.tensor(1.0, dtype=lib.float64)], [2.0]],
        lambda lib: [1, 2],
    ],
)
def test_as_tensor_infers_torch_dtype(make):
    torch = pytest.importorskip("torch")
    want = torch.as_tensor(make(torch))
    got = gn.as_tensor(make(gn))
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy())


PAIRS = [
    (("int64", (3,)), ("float64", ())),
    (("int32", (3,)), ("float64", ())),
    (("int64", ()), ("int32", (3,))),
    (("int32", (3,)), ("int64", ())),
    (("float32", (3,)), ("float64", ())),
    (("int32", (3,)), ("int64", (3,))),
]


@pytest.mark.parametrize("a, b", PAIRS)
@pytest.mark.parametrize("op", ["atan2", "fmod"])
def test_atan2_and_fmod_take_torch_result_dtype(a, b, op):
    torch = pytest.importorskip("torch")
    want = getattr(torch, op)(_make(torch, *a), _make(torch, *b) + 1)
    got = getattr(gn, op)(_make(gn, *a), _make(gn, *b) + 1)
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("x_dtype", ["int64", "int32", "float32"])
@pytest.mark.parametrize("other", [2.5, 2, np.float64(2.5)])
def test_fmod_with_a_number_takes_torch_result_dtype(x_dtype, other):
    torch = pytest.importorskip("torch")
    want = torch.fmod(_make(torch, x_dtype, (3,)), other)
    got = gn.fmod(_make(gn, x_dtype, (3,)), other)
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
