"""Round 6 ops: ``nanmedian``, ``mode`` and ``logcumsumexp``, against torch and onnxruntime.

Each is compared with real torch on many random inputs (values, indices and gradients),
gets a float64 central-difference gradient check, and is exported to ONNX and run in
onnxruntime where it has an ONNX form (``mode`` is refused by name).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet.testing import check_against_torch, check_gradients
from tests.nn.onnx_check import Fn

NAN, INF = float("nan"), float("inf")


def _gappy(rng: np.random.Generator, shape: tuple, dtype=np.float32, nan: float = 0.3):
    """Small integers (many ties) with NaN (and a few infinities) among them; some slices
    along the last axis all NaN."""
    x = rng.integers(-3, 4, shape).astype(dtype)
    x[rng.random(shape) < nan] = NAN
    x[rng.random(shape) < 0.05] = INF
    x[rng.random(shape) < 0.05] = -INF
    if x.ndim > 1 and rng.random() < 0.5:
        x[tuple(rng.integers(0, n) for n in shape[:-1])] = NAN
    return x


def _same(got, want) -> None:
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert str(got.numpy().dtype) == str(want.dtype).split(".")[-1]


# ------------------------------------------------------------------------ nanmedian
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nanmedian_values_and_indices_as_torch_on_random_ties_and_nans(dtype, torch):
    rng = np.random.default_rng(0)
    for trial in range(300):
        shape = tuple(int(n) for n in rng.integers(1, 9, rng.integers(1, 4)))
        x = _gappy(rng, shape, dtype, nan=rng.choice([0.0, 0.3, 0.8]))
        dim = int(rng.integers(-len(shape), len(shape)))
        keep = bool(rng.integers(0, 2))
        got = gn.nanmedian(gn.tensor(x), dim, keep)
        want = torch.nanmedian(torch.tensor(x), dim, keep)
        assert type(got).__name__ == "nanmedian", trial
        _same(got.values, want.values)
        _same(got.indices, want.indices)
        _same(gn.tensor(x).nanmedian(), torch.tensor(x).nanmedian())


def test_nanmedian_all_nan_slices_give_torchs_index(torch):
    """torch's index for an all-NaN slice is where its selection leaves the entries."""
    for n in range(1, 70):
        x = np.full((2, n), NAN, np.float32)
        x[0, n // 2] = 1.0
        got, want = gn.nanmedian(gn.tensor(x), 1), torch.nanmedian(torch.tensor(x), 1)
        _same(got.indices, want.indices)
        _same(got.values, want.values)


def test_nanmedian_of_integers_and_edges_as_torch(torch):
    rng = np.random.default_rng(1)
    x = rng.integers(-5, 5, (4, 7))
    for dim in (0, 1, -1):
        got, want = gn.tensor(x).nanmedian(dim), torch.tensor(x).nanmedian(dim)
        _same(got.values, want.values)
        _same(got.indices, want.indices)
    _same(gn.nanmedian(gn.tensor(x)), torch.nanmedian(torch.tensor(x)))
    scalar = np.float32(2.5)
    got, want = gn.tensor(scalar).nanmedian(0), torch.tensor(scalar).nanmedian(0)
    _same(got.values, want.values)
    _same(got.indices, want.indices)
    _same(gn.nanmedian(gn.zeros(0)), torch.nanmedian(torch.zeros(0)))  # NaN
    _same(gn.nanmedian(gn.zeros((0, 3)), 1).values, torch.nanmedian(torch.zeros(0, 3), 1).values)
    with pytest.raises(ValueError, match="nanmedian: dim 0 is empty"):
        gn.nanmedian(gn.zeros((0, 3)), 0)
    with pytest.raises(ValueError, match="nanmedian: axis 2 is out of range"):
        gn.nanmedian(gn.zeros((2, 3)), 2)


def test_nanmedian_gradient_goes_to_the_selected_entry(torch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6))
    x[x > 0.8] = NAN
    x[1] = NAN
    check_against_torch(lambda a: a.nanmedian(1).values, lambda a: a.nanmedian(1).values, x)
    check_against_torch(lambda a: gn.nanmedian(a, 0, True)[0], lambda a: torch.nanmedian(a, 0, True)[0], x)
    check_against_torch(lambda a: a.nanmedian(), lambda a: a.nanmedian(), x)
    # central differences on NaN-free inputs (the NaN made inside the function)
    d = rng.standard_normal((3, 5))
    assert check_gradients(lambda a: gn.where(a > 0.7, NAN, a).nanmedian(1).values, d)
    assert check_gradients(lambda a: a.nanmedian(), d)
    t = gn.tensor(x.astype(np.float32), requires_grad=True)
    t.nanmedian(1).values.nansum().backward()
    assert t.grad.dtype == np.float32


# ----------------------------------------------------------------------------- mode
def test_mode_values_and_indices_as_torch_on_short_slices(torch):
    """Up to 16 entries torch sorts stably (insertion sort): the mode's last occurrence."""
    rng = np.random.default_rng(3)
    for trial in range(300):
        shape = tuple(int(n) for n in rng.integers(1, 17, rng.integers(1, 4)))
        x = rng.integers(0, int(rng.integers(1, 6)), shape).astype(
            rng.choice([np.float32, np.float64, np.int64, np.int32])
        )
        dim = int(rng.integers(-len(shape), len(shape)))
        keep = bool(rng.integers(0, 2))
        got, want = gn.mode(gn.tensor(x), dim, keep), torch.mode(torch.tensor(x), dim, keep)
        assert type(got).__name__ == "mode", trial
        _same(got.values, want.values)
        _same(got.indices, want.indices)


def test_mode_values_as_torch_on_long_slices_and_index_of_an_occurrence(torch):
    """Longer slices: the same values; torch's index there comes from an unstable sort (not
    specified by torch), glassnet's is the last occurrence."""
    rng = np.random.default_rng(4)
    for _ in range(100):
        n = int(rng.integers(17, 80))
        x = rng.integers(0, 6, (3, n)).astype(np.float32)
        got, want = gn.tensor(x).mode(), torch.tensor(x).mode()
        _same(got.values, want.values)
        for row, v, i in zip(x, got.values.numpy(), got.indices.numpy()):
            assert i == np.nonzero(row == v)[0][-1]


def test_mode_defaults_bools_scalars_and_errors(torch):
    x = np.array([[1, 2, 2], [3, 3, 1]])
    for call in (lambda L, t: L.mode(t), lambda L, t: L.mode(t, 0), lambda L, t: t.mode(dim=0, keepdim=True)):
        got, want = call(gn, gn.tensor(x)), call(torch, torch.tensor(x))
        _same(got.values, want.values)
        _same(got.indices, want.indices)
    b = np.array([True, False, True, False, False])
    _same(gn.tensor(b).mode().indices, torch.tensor(b).mode().indices)
    got, want = gn.tensor(np.float32(5)).mode(), torch.tensor(np.float32(5)).mode()
    _same(got.values, want.values)
    _same(got.indices, want.indices)
    with pytest.raises(ValueError, match="mode: dim -1 is empty"):
        gn.mode(gn.zeros(0))
    with pytest.raises(TypeError, match="mode: dim must be an int"):
        gn.mode(gn.zeros(3), "0")


def test_mode_gradient_goes_to_the_selected_entry(torch):
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, (4, 9)).astype(np.float64)
    check_against_torch(lambda a: a.mode(1).values, lambda a: a.mode(1).values, x)
    check_against_torch(lambda a: gn.mode(a, 0, True)[0], lambda a: torch.mode(a, 0, True)[0], x)
    d = rng.standard_normal((3, 4))
    assert check_gradients(lambda a: gn.cat([a, a[:, 1:3]], 1).mode(1).values, d)
    t = gn.tensor(x.astype(np.float32), requires_grad=True)
    t.mode(1).values.sum().backward()
    assert t.grad.dtype == np.float32
    want = np.zeros_like(x)
    idx = gn.tensor(x).mode(1).indices.numpy()
    want[np.arange(4), idx] = 1
    np.testing.assert_array_equal(t.grad.numpy(), want)


# --------------------------------------------------------------------- logcumsumexp
@pytest.mark.parametrize(("dtype", "scales"), [(np.float32, (1.0, 50.0)), (np.float64, (1.0, 1e4))])
def test_logcumsumexp_as_torch_on_large_and_infinite_entries(dtype, scales, torch):
    """float32 entries near 1e4 carry about 1e-3 of rounding into the gradient (in torch as
    in glassnet): those are compared in float64."""
    rng = np.random.default_rng(6)
    for trial in range(100):
        shape = tuple(int(n) for n in rng.integers(1, 7, rng.integers(1, 4)))
        x = (rng.standard_normal(shape) * rng.choice(scales)).astype(dtype)
        x[rng.random(shape) < 0.25] = -INF
        if trial % 10 == 0:
            x[rng.random(shape) < 0.1] = INF
        dim = int(rng.integers(-len(shape), len(shape)))
        g = rng.standard_normal(shape).astype(dtype)
        tg = gn.tensor(x, requires_grad=True)
        tt = torch.tensor(x, requires_grad=True)
        out_g, out_t = gn.logcumsumexp(tg, dim), torch.logcumsumexp(tt, dim)
        np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
        out_g.backward(gn.tensor(g))
        out_t.backward(torch.tensor(g))
        # NaN exactly where torch has NaN (an all -inf prefix, a +inf entry)
        np.testing.assert_allclose(tg.grad.numpy(), tt.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_logcumsumexp_all_minus_inf_prefix_and_edges(torch):
    x = np.array([[-INF, -INF, 0.0, 1000.0], [-INF, -INF, -INF, -INF]], np.float32)
    got = gn.tensor(x).logcumsumexp(1)
    want = torch.tensor(x).logcumsumexp(1)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert not np.isnan(got.numpy()).any()
    _same(gn.tensor(np.float32(2)).logcumsumexp(0), torch.tensor(np.float32(2)).logcumsumexp(0))
    assert gn.logcumsumexp(gn.zeros((0, 3)), 0).shape == (0, 3)
    with pytest.raises(TypeError, match="logcumsumexp: expected a floating tensor, got dtype int64"):
        gn.tensor(np.array([1, 2])).logcumsumexp(0)
    with pytest.raises(TypeError, match="logcumsumexp: missing dim"):
        gn.zeros(3).logcumsumexp()
    with pytest.raises(ValueError, match="logcumsumexp: axis 1 is out of range"):
        gn.zeros(3).logcumsumexp(1)


def test_logcumsumexp_gradients(torch):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 5)) * 3
    assert check_gradients(lambda a: gn.logcumsumexp(a, 1), x)
    assert check_gradients(lambda a: a.logcumsumexp(-3), rng.standard_normal((2, 3, 2)))
    check_against_torch(lambda a: a.logcumsumexp(0), lambda a: a.logcumsumexp(0), x)
    check_against_torch(lambda a: gn.logcumsumexp(a, 1), lambda a: torch.logcumsumexp(a, 1), x * 100)
    t = gn.tensor(x.astype(np.float32), requires_grad=True)
    t.logcumsumexp(1).sum().backward()
    assert t.grad.dtype == np.float32 and t.logcumsumexp(1).dtype == np.float32


# ---------------------------------------------------------------------------- ONNX
def _run_onnx(model, x: np.ndarray, batches: tuple[int, ...], make, names=("out",)):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    data = gio.build_onnx_model(model, gn.tensor(x), output_names=names).SerializeToString()
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    for b in batches:
        xb = make(b)
        got = sess.run(None, {sess.get_inputs()[0].name: xb})
        yield xb, got


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_logcumsumexp_exports_to_onnx(dim, torch):
    rng = np.random.default_rng(8)

    def make(b):
        x = (rng.standard_normal((b, 5, 3)) * 40).astype(np.float32)
        x[0, :2] = -INF
        x[-1, 1, 1] = INF
        return x

    model = Fn(lambda m, a: gn.logcumsumexp(a, dim))
    for xb, (got,) in _run_onnx(model, make(2), (2, 3), make):
        want = torch.logcumsumexp(torch.tensor(xb), dim).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("dim", "keep"), [(1, True), (2, False), (-1, False)])
def test_nanmedian_exports_to_onnx(dim, keep, torch):
    rng = np.random.default_rng(9)

    def make(b):
        x = _gappy(rng, (b, 6, 5))
        x[-1] = NAN
        return x

    model = Fn(lambda m, a: tuple(gn.nanmedian(a, dim, keep)))
    for xb, got in _run_onnx(model, make(2), (2, 3), make, names=("values", "indices")):
        want = torch.nanmedian(torch.tensor(xb), dim, keep)
        np.testing.assert_array_equal(got[0], want.values.numpy())
        np.testing.assert_array_equal(got[1], want.indices.numpy())


def test_mode_exports(torch):
    """mode exports since round 7 (more cases in tests/io/test_onnx_round7.py)."""
    make = lambda b: np.random.default_rng(b).integers(-2, 3, (b, 7)).astype(np.float32)  # noqa: E731
    model = Fn(lambda m, a: tuple(a.mode(1)))
    for xb, got in _run_onnx(model, make(2), (2, 3), make, names=("values", "indices")):
        want = torch.mode(torch.tensor(xb), 1)
        np.testing.assert_array_equal(got[0], want.values.numpy())
        np.testing.assert_array_equal(got[1], want.indices.numpy())

