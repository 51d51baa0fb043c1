"""Round 5: a table-driven differential test of the torch dialect against real torch.

Each case is a call written once, ``fn(lib, *inputs)``, run with ``lib`` = torch and
``lib`` = glassnet on the same seeded inputs (0-d, empty and size-1 shapes among them).
The two must agree: where torch raises, glassnet raises too (an exception of one of the
types torch uses for such errors); where torch succeeds, glassnet gives the same values
(rtol 1e-5 for float32), dtype and shape for every tensor of the result (tuples, named
tuples and lists are walked). For the ``grad`` cases the float inputs require grad and
the gradients of ``sum(out * g)`` (``g`` a fixed random tensor per float output) must
agree too. A ``refuse`` case is a call glassnet declines on purpose (listed in
docs/pytorch.md): torch succeeds, glassnet raises an error saying the given words. The few
calls where glassnet answers and torch raises on purpose are tests of their own at the end.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest

import glassnet as gn

torch = pytest.importorskip("torch")

#: the exception types glassnet may raise where torch raises one of them
TORCH_ERRORS = (RuntimeError, IndexError, ValueError, TypeError, NotImplementedError)


@dataclass(frozen=True)
class T:
    """A tensor input: NumPy dtype name, shape, and how its values are drawn."""

    dtype: str
    shape: tuple
    #: n normal, p positive, d distinct, i ints -6..6, u ints 0..6, b bool, kN index < N
    kind: str = "n"


@dataclass
class Case:
    name: str
    fn: object
    inputs: tuple
    grad: bool = False
    #: glassnet refuses this call on purpose (docs/pytorch.md): its error must say this
    refuse: str | None = None


def _draw(spec: T, rng: np.random.Generator) -> np.ndarray:
    shape, n = spec.shape, int(np.prod(spec.shape))
    kind = spec.kind
    if kind == "n":
        data = rng.standard_normal(shape)
    elif kind == "p":  # positive: floats in [0.5, 2), ints in 1..6
        data = (
            rng.integers(1, 7, shape)
            if np.dtype(spec.dtype).kind in "iu"
            else rng.uniform(0.5, 2.0, shape)
        )
    elif kind == "d":  # distinct values: no ties for sort / topk / argmax
        data = (rng.permutation(n).reshape(shape) - n / 2) * 0.37 + 0.11
    elif kind == "i":
        data = rng.integers(-6, 7, shape)
    elif kind == "u":
        data = rng.integers(0, 7, shape)
    elif kind == "b":
        data = rng.integers(0, 2, shape).astype(bool)
    elif kind == "nan":  # normal values with NaN, inf and -inf among them
        data = rng.standard_normal(shape)
        flat = data.reshape(-1)
        flat[rng.permutation(n)[: max(n // 3, 1)]] = np.array([np.nan, np.inf, -np.inf])[np.arange(max(n // 3, 1)) % 3]
    elif kind.startswith("k"):
        data = rng.integers(0, int(kind[1:]), shape)
    else:
        raise ValueError(kind)
    return np.asarray(data).astype(spec.dtype)


def _inputs(case: Case, lib, seed: int):
    rng = np.random.default_rng(seed)
    out = []
    for spec in case.inputs:
        if isinstance(spec, T):
            arr = _draw(spec, rng)
            t = lib.tensor(arr)
            if case.grad and arr.dtype.kind == "f":
                t.requires_grad_(True)
            out.append(t)
        else:
            out.append(spec)
    return out


def _is_tensor(x) -> bool:
    return isinstance(x, (torch.Tensor, gn.Tensor))


def _flatten(result) -> list:
    if isinstance(result, (tuple, list)):
        return [y for x in result for y in _flatten(x)]
    return [result]


def _dtype_name(t) -> str:
    return str(t.dtype).split(".")[-1]


def _run(case: Case, lib, seed: int):
    args = _inputs(case, lib, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = case.fn(lib, *args)
        except Exception as err:  # noqa: BLE001 - both libraries' errors are compared
            return args, err
    return args, result


def _compare_values(got, want, where: str) -> None:
    if _is_tensor(want):
        assert _is_tensor(got), f"{where}: torch gives a tensor, glassnet {type(got)}"
        assert _dtype_name(got) == _dtype_name(want), f"{where}: dtype {got.dtype} != {want.dtype}"
        assert tuple(got.shape) == tuple(want.shape), (
            f"{where}: shape {tuple(got.shape)} != {tuple(want.shape)}"
        )
        w = want.detach().numpy()
        g = np.asarray(got.detach().numpy())
        if w.dtype.kind == "f":
            rtol = {np.float16: 1e-3, np.float32: 1e-5}.get(w.dtype.type, 1e-10)
            np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(g, w, err_msg=where)
    elif isinstance(want, (bool, int, float)):
        assert type(got) is type(want), f"{where}: {type(got)} != {type(want)}"
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=where)
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def check(case: Case, seed: int = 0) -> None:
    t_args, want = _run(case, torch, seed)
    g_args, got = _run(case, gn, seed)
    if isinstance(want, Exception):
        assert isinstance(got, Exception), (
            f"{case.name}: torch raises {want!r}, glassnet gives {got!r}"
        )
        assert isinstance(got, TORCH_ERRORS), f"{case.name}: glassnet raises {got!r}"
        return
    if case.refuse is not None:
        assert isinstance(got, Exception), f"{case.name}: glassnet should refuse, gives {got!r}"
        assert case.refuse in str(got), f"{case.name}: unclear refusal {got!r}"
        return
    if isinstance(got, Exception):
        raise AssertionError(f"{case.name}: torch succeeds, glassnet raises {got!r}") from got
    wants, gots = _flatten(want), _flatten(got)
    assert len(wants) == len(gots), f"{case.name}: {len(gots)} results, torch {len(wants)}"
    for i, (g, w) in enumerate(zip(gots, wants)):
        _compare_values(g, w, f"{case.name}[{i}]")
    if case.grad:
        _check_grad(case, t_args, wants, g_args, gots, seed)


def _check_grad(case, t_args, wants, g_args, gots, seed) -> None:
    rng = np.random.default_rng(seed + 1)
    t_loss, g_loss = None, None
    for w, g in zip(wants, gots):
        if _is_tensor(w) and w.dtype.is_floating_point and w.requires_grad:
            weight = rng.standard_normal(tuple(w.shape)).astype(_dtype_name(w))
            t_term = (w * torch.tensor(weight)).sum()
            g_term = (g * gn.tensor(weight)).sum()
            t_loss = t_term if t_loss is None else t_loss + t_term
            g_loss = g_term if g_loss is None else g_loss + g_term
    assert t_loss is not None, f"{case.name}: no differentiable output"
    t_loss.backward()
    g_loss.backward()
    for i, (ta, ga) in enumerate(zip(t_args, g_args)):
        if _is_tensor(ta) and ta.requires_grad:
            if ta.grad is None:
                assert ga.grad is None or not np.any(ga.grad.numpy()), f"{case.name}: grad {i}"
                continue
            assert ga.grad is not None, f"{case.name}: glassnet gives no gradient for input {i}"
            _compare_values(ga.grad, ta.grad, f"{case.name} grad of input {i}")


def F(lib):
    return lib.nn.functional


f32, f64, f16, i64, i32, i16, i8, u8, b = (
    "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
)  # fmt: skip
X = T(f32, (3, 4))
X3 = T(f32, (2, 3, 4))
XD = T(f32, (3, 4), "d")
X0 = T(f32, ())
XE = T(f32, (0, 4))
X1 = T(f32, (1, 4))
XP = T(f32, (3, 4), "p")
I = T(i64, (3, 4), "i")  # noqa: E741
CASES: list[Case] = []


def case(name, fn, *inputs, grad=False, refuse=None):
    CASES.append(Case(name, fn, tuple(inputs), grad, refuse))


# the case table, one case a line
# fmt: off
# ------------------------------------------------------------------ reductions
for nm in ("sum", "mean", "prod", "amax", "amin", "std", "var", "logsumexp", "nansum", "norm"):
    case(f"{nm}-dimtuple", lambda L, x, nm=nm: getattr(x, nm)(dim=(0, -1)), X3, grad=True)
    case(f"{nm}-neg-keepdim", lambda L, x, nm=nm: getattr(L, nm)(x, -1, keepdim=True), X3, grad=True)
    case(f"{nm}-size1", lambda L, x, nm=nm: getattr(L, nm)(x, 0), X1, grad=True)
    case(f"{nm}-empty", lambda L, x, nm=nm: getattr(L, nm)(x, 1), XE)
    case(f"{nm}-0d", lambda L, x, nm=nm: getattr(x, nm)(0), X0)
case("sum-dtype-int", lambda L, x: x.sum(dtype=L.float64), I)
case("sum-int32-promotes", lambda L, x: x.sum(), T(i32, (3, 4), "i"))
case("sum-bool", lambda L, x: L.sum(x, 1), T(b, (3, 4), "b"))
case("sum-uint8", lambda L, x: x.sum(0), T(u8, (3, 4), "u"))
case("sum-f16", lambda L, x: x.sum(0), T(f16, (3, 4)))
case("prod-int-dtype", lambda L, x: x.prod(1, dtype=L.float32), I)
case("mean-int-raises", lambda L, x: x.mean(), I)
case("mean-dtype", lambda L, x: x.mean(dtype=L.float64), X)
case("mean-empty-all", lambda L, x: x.mean(), XE)
case("amax-empty-raises", lambda L, x: x.amax(0), XE)
case("amin-empty-keepdim", lambda L, x: L.amin(x, -1, keepdim=True), T(f32, (0, 3)))
case("prod-dimtuple-raises", lambda L, x: x.prod((0, 1)), X)
case("argmax-bool-raises", lambda L, x: L.argmax(x, 0), T(b, (3, 2), "b"))
case("all-uint8", lambda L, x: (x.all(), L.all(x, 1, keepdim=True)), T(u8, (3, 4), "u"))
case("max-dim", lambda L, x: x.max(-1, keepdim=True), XD, grad=True)
case("min-dim", lambda L, x: L.min(x, 0), XD, grad=True)
case("max-binary", lambda L, x, y: L.max(x, y), X, T(f32, (4,)), grad=True)
case("max-empty-raises", lambda L, x: x.max(), XE)
case("argmax-none", lambda L, x: x.argmax(), XD)
case("argmax-keepdim", lambda L, x: L.argmax(x, dim=-1, keepdim=True), XD)
case("argmin-bool-raises", lambda L, x: x.argmin(), T(b, (3,), "b"))
case("std-unbiased-false", lambda L, x: x.std(1, unbiased=False), X, grad=True)
case("var-correction", lambda L, x: L.var(x, dim=0, correction=0), X, grad=True)
case("var-mean", lambda L, x: L.var_mean(x, 1, keepdim=True), X, grad=True)
case("std-mean", lambda L, x: L.std_mean(x, (0, 1)), X3, grad=True)
case("median-all", lambda L, x: x.median(), XD)
case("median-dim", lambda L, x: x.median(1), XD, grad=True)
case("median-even", lambda L, x: x.median(), T(f32, (4,), "d"))
case("nanmedian-dim", lambda L, x: L.nanmedian(x, 0), T(f32, (3, 4), "nan"), grad=True)
case("nanmedian-all", lambda L, x: x.nanmedian(), T(f64, (3, 4), "nan"))
case("mode-int", lambda L, x: L.mode(x, 1), T(i64, (3, 6), "u"))
case("mode-float", lambda L, x: x.mode(0, keepdim=True), T(f32, (5, 3), "u"), grad=True)
case("quantile", lambda L, x: L.quantile(x, 0.3, dim=1), X, grad=True)
case("quantile-tensor-q", lambda L, x: L.quantile(x, L.tensor([0.25, 0.5, 1.0])), X)
case("all-dim", lambda L, x: x.all(1), T(b, (3, 4), "b"))
case("any-dimtuple", lambda L, x: L.any(x, (0, 1)), T(i64, (2, 3, 2), "u"))
case("all-float", lambda L, x: x.all(), X)
case("any-uint8", lambda L, x: x.any(0), T(u8, (3, 4), "u"))
case("count-nonzero", lambda L, x: L.count_nonzero(x, dim=(0, 1)), T(i64, (2, 3, 2), "u"))
case("aminmax", lambda L, x: L.aminmax(x, dim=0), X)
case("norm-p0-grad", lambda L, x: L.norm(x * (x > 0), p=0, dim=1), X, grad=True)
case("norm-p1", lambda L, x: L.norm(x, p=1, dim=1), X, grad=True)
case("norm-inf", lambda L, x: x.norm(p=float("inf")), XD, grad=True)
case("norm-fro", lambda L, x: L.norm(x, p="fro", dim=(0, 1)), X, grad=True)
case("linalg-vector-norm", lambda L, x: L.linalg.vector_norm(x, ord=3, dim=-1), X, grad=True)
case("linalg-norm-matrix", lambda L, x: L.linalg.matrix_norm(x), X, grad=True)
case("dim-out-of-range", lambda L, x: x.sum(2), X)
case("dim-repeated", lambda L, x: x.sum((1, 1)), X)

# ------------------------------------------------------------------ cumulative
case("logcumsumexp", lambda L, x: x.logcumsumexp(0), X, grad=True)
case("logcumsumexp-neg", lambda L, x: L.logcumsumexp(x, -1), XD, grad=True)
for nm in ("cumsum", "cumprod", "cummax", "cummin"):
    case(f"{nm}-neg", lambda L, x, nm=nm: getattr(L, nm)(x, -1), XD, grad=True)
    case(f"{nm}-0d", lambda L, x, nm=nm: getattr(x, nm)(0), X0)
    case(f"{nm}-empty", lambda L, x, nm=nm: getattr(x, nm)(0), XE)
case("cumsum-int-dtype", lambda L, x: x.cumsum(0), T(i32, (3, 4), "i"))
case("cumsum-bool", lambda L, x: x.cumsum(1), T(b, (3, 4), "b"))
case("cumsum-dtype", lambda L, x: L.cumsum(x, 1, dtype=L.float64), I)
case("cumprod-uint8", lambda L, x: x.cumprod(1), T(u8, (3, 4), "u"))
case("cumprod-int32-bool", lambda L, x: (x.cumprod(0), (x > 0).cumprod(1)), T(i32, (3, 4), "i"))
case("diff", lambda L, x: L.diff(x, dim=0), X, grad=True)
case("diff-n2-prepend", lambda L, x, y: L.diff(x, n=2, prepend=y), X, T(f32, (3, 1)), grad=True)
case("cumsum-no-dim-raises", lambda L, x: L.cumsum(x), X)

# ------------------------------------------------------------------ sort / topk / unique
case("sort-desc", lambda L, x: x.sort(descending=True), XD, grad=True)
case("sort-stable", lambda L, x: L.sort(x, dim=0, stable=True), T(i64, (5, 3), "u"))
case("sort-stable-desc", lambda L, x: L.sort(x, stable=True, descending=True), T(i64, (9,), "u"))
case("sort-bool", lambda L, x: L.sort(x), T(b, (7,), "b"))
case("argsort-stable", lambda L, x: L.argsort(x, stable=True), T(i64, (9,), "u"))
case("argsort-desc-stable", lambda L, x: x.argsort(dim=0, descending=True, stable=True), T(i64, (6, 2), "u"))
case("sort-0d", lambda L, x: x.sort(), X0)
case("sort-nan", lambda L, x: L.sort(L.where(x > 0.5, float("nan"), x)), T(f32, (8,)))
case("msort", lambda L, x: L.msort(x), XD)
case("topk", lambda L, x: L.topk(x, 2), XD, grad=True)
case("topk-smallest-dim0", lambda L, x: x.topk(2, dim=0, largest=False), XD, grad=True)
case("topk-too-big", lambda L, x: x.topk(5), XD)
case("kthvalue", lambda L, x: L.kthvalue(x, 2, 1), XD, grad=True)
case("kthvalue-keepdim", lambda L, x: x.kthvalue(3, 0, keepdim=True), XD)
case("unique", lambda L, x: L.unique(x), T(i64, (10,), "u"))
case("unique-inverse-counts", lambda L, x: L.unique(x, return_inverse=True, return_counts=True), T(i64, (3, 4), "u"))
case("unique-dim", lambda L, x: L.unique(x, dim=0, return_inverse=True, return_counts=True), T(i64, (6, 2), "k2"))
case("unique-dim1", lambda L, x: x.unique(dim=1), T(i64, (2, 6), "k2"))
case("unique-float", lambda L, x: x.unique(return_counts=True), T(f32, (8,), "u"))
case("unique-consecutive", lambda L, x: L.unique_consecutive(x, return_counts=True, return_inverse=True), T(i64, (10,), "k2"))
case("bincount", lambda L, x: L.bincount(x), T(i64, (10,), "k4"))
case("bincount-weights", lambda L, x, w: L.bincount(x, w, minlength=6), T(i64, (10,), "k4"), T(f32, (10,)))
case("searchsorted", lambda L, s, v: L.searchsorted(s, v, right=True), T(f32, (6,), "d"), T(f32, (3, 2)))
case("bucketize", lambda L, v, s: L.bucketize(v, s.sort().values, right=True), T(f32, (3, 2)), T(f32, (5,), "d"))
case("histc", lambda L, x: L.histc(x, bins=4, min=-1, max=1), T(f32, (20,)))

# ------------------------------------------------------------------ where / clamp
case("where-broadcast", lambda L, c, x, y: L.where(c, x, y), T(b, (3, 1), "b"), X, T(f32, (4,)), grad=True)
case("where-scalar", lambda L, c, x: L.where(c, x, 0), T(b, (3, 4), "b"), I)
case("where-scalar-float-int", lambda L, c, x: L.where(c, x, 0.5), T(b, (3, 4), "b"), I)
case("where-mixed", lambda L, c, x, y: L.where(c, x, y), T(b, (4,), "b"), T(i32, (4,), "i"), T(f64, (4,)))
case("where-one-arg", lambda L, c: L.where(c), T(b, (3, 4), "b"))
case("where-method", lambda L, x, c: x.where(c, -x), X, T(b, (3, 4), "b"), grad=True)
case("clamp-tensor", lambda L, x, lo, hi: L.clamp(x, lo, hi), X, T(f32, (4,)), T(f32, (3, 1), "p"), grad=True)
case("clamp-int-float", lambda L, x: x.clamp(min=-1.5), I)
case("clamp-none", lambda L, x: L.clamp(x), X)
case("clip", lambda L, x: L.clip(x, max=0.2), X, grad=True)
case("clamp-min-gt-max", lambda L, x: x.clamp(1.0, -1.0), X)
case("clamp-min-method", lambda L, x: x.clamp_min(0.3), X, grad=True)

# ------------------------------------------------------------------ comparison / logical
for nm in ("eq", "ne", "lt", "le", "gt", "ge"):
    case(f"{nm}-broadcast-mixed", lambda L, x, y, nm=nm: getattr(L, nm)(x, y), T(i64, (3, 1), "i"), T(f32, (4,)))
    case(f"{nm}-scalar", lambda L, x, nm=nm: getattr(x, nm)(2.5), I)
for nm in ("logical_and", "logical_or", "logical_xor"):
    case(f"{nm}-mixed", lambda L, x, y, nm=nm: getattr(L, nm)(x, y), T(f32, (3, 4), "u"), T(b, (4,), "b"))
case("logical-not-int", lambda L, x: L.logical_not(x), I)
case("isclose", lambda L, x, y: L.isclose(x, y, atol=0.5), X, T(f32, (4,)))
case("allclose", lambda L, x, y: L.allclose(x, y), X, X)
case("equal", lambda L, x, y: L.equal(x, y), X, T(f64, (3, 4)))
case("maximum-int-float", lambda L, x, y: L.maximum(x, y), I, T(f32, (4,)))
case("minimum-nan", lambda L, x: L.minimum(x, L.tensor(float("nan"))), X)
case("fmax-nan", lambda L, x: L.fmax(x, L.tensor([float("nan"), 0.0, 1.0, 2.0])), X)
case("bitwise-and-bool", lambda L, x, y: x & y, T(b, (3, 4), "b"), T(b, (4,), "b"))
case("bitwise-or-int", lambda L, x, y: L.bitwise_or(x, y), I, T(i32, (4,), "i"))
case("bitwise-xor-scalar", lambda L, x: x ^ 3, I)
case("bitwise-not-bool", lambda L, x: ~x, T(b, (4,), "b"))
case("bitwise-float-raises", lambda L, x: x & x, X)
case("invert-float-raises", lambda L, x: ~x, X)
case("isin", lambda L, x, y: L.isin(x, y), I, T(i64, (3,), "i"))
case("isnan-int", lambda L, x: L.isnan(x), I)
case("isfinite", lambda L, x: L.isfinite(x / (x - x)), X)
case("signbit", lambda L, x: L.signbit(x), X)

# ------------------------------------------------------------------ division / remainder / pow
case("floor-divide-neg", lambda L, x, y: L.floor_divide(x, y), T(i64, (8,), "i"), T(i64, (8,), "p"))
case("floordiv-op-neg", lambda L, x: x // -4, T(i64, (8,), "i"))
case("floordiv-float", lambda L, x, y: x // y, X, XP)
case("remainder-neg", lambda L, x: L.remainder(x, -4), T(i64, (8,), "i"))
case("remainder-float-neg", lambda L, x: x % -1.5, X)
case("rmod-scalar", lambda L, x: 5 % x, T(i64, (4,), "p"))
case("fmod-neg", lambda L, x: L.fmod(x, 4), T(i64, (8,), "i"))
case("fmod-float", lambda L, x, y: L.fmod(x, y), X, T(f32, (4,), "p"), grad=True)
case("div-int-true", lambda L, x: x / 4, T(i64, (8,), "i"))
case("div-trunc", lambda L, x: L.div(x, -4, rounding_mode="trunc"), T(i64, (8,), "i"))
case("div-floor-float", lambda L, x: x.div(0.7, rounding_mode="floor"), X)
case("int-div-zero-raises", lambda L, x: x // 0, T(i64, (4,), "i"))
case("int-div-zero-tensor-raises", lambda L, x, y: x // y, T(i64, (4,), "i"), T(i64, (4,), "u"))
case("int-rmod-zero-raises", lambda L, x: 5 % x, T(i64, (4,), "u"))
case("int-fmod-zero-raises", lambda L, x: L.fmod(x, 0), T(i32, (4,), "i"))
case("int-trunc-div-zero-raises", lambda L, x: x.div(L.zeros((), dtype=L.int64), rounding_mode="trunc"), I)
case("float-div-zero", lambda L, x: (x // 0.0, x % 0.0, L.fmod(x, 0.0)), X)
case("remainder-zero-int-raises", lambda L, x: L.remainder(x, L.zeros(4, dtype=L.int64)), T(i64, (4,), "i"))
case("true-divide", lambda L, x, y: L.true_divide(x, y), I, T(i32, (4,), "p"))
case("pow-int-int", lambda L, x: x**2, I)
case("pow-int-neg-raises", lambda L, x: x ** -1, I)
case("pow-int-tensor-neg", lambda L, x: L.pow(x, L.tensor([2, 0, 1, 3])), I)
case("pow-float-exp", lambda L, x: x**-1.5, XP, grad=True)
case("pow-int-float-exp", lambda L, x: x**0.5, T(i64, (4,), "u"))
case("rpow", lambda L, x: 2**x, I)
case("rpow-float", lambda L, x: 2.0**x, X, grad=True)
case("pow-tensor", lambda L, x, y: L.pow(x, y), XP, X, grad=True)
case("pow-scalar-base", lambda L, y: L.pow(3, y), X, grad=True)
case("pow-bool", lambda L, x: x**2, T(b, (4,), "b"))
case("pow-int-tensor-negative-exp", lambda L, x, e: x**e, T(i64, (12,), "i"), T(i64, (12,), "i"))
case("rpow-int-tensor", lambda L, x: L.pow(-1, x), I)
case("pow-int32-neg-scalar-raises", lambda L, x: L.pow(x, -2), T(i32, (3,), "i"))
case("pow-uint8", lambda L, x: x**2, T(u8, (4,), "u"))
case("square-int", lambda L, x: L.square(x), I)
case("float-power", lambda L, x: L.float_power(x, 2), I)

# ------------------------------------------------------------------ rounding / elementwise
case("round", lambda L, x: L.round(x * 3), X)
case("round-half-even", lambda L: L.round(L.tensor([0.5, 1.5, 2.5, -0.5, -1.5])))
case("round-decimals", lambda L, x: L.round(x, decimals=2), X)
case("round-neg-decimals", lambda L, x: (x * 1000).round(decimals=-2), X)
case("round-int", lambda L, x: L.round(x), I)
case("trunc-frac", lambda L, x: (L.trunc(x * 3), L.frac(x * 3)), X, grad=True)
case("floor-int", lambda L, x: L.floor(x), I)
case("ceil-bool", lambda L, x: L.ceil(x), T(b, (3,), "b"))
case("floor-trunc-round-bool", lambda L, x: (x.floor(), x.trunc(), x.round()), T(b, (3,), "b"))
case("sign-int", lambda L, x: L.sign(x), I)
case("sgn", lambda L, x: L.sgn(x), X)
case("abs-int8", lambda L, x: L.abs(x), T(i8, (5,), "i"))
case("neg-bool-raises", lambda L, x: -x, T(b, (4,), "b"))
case("sqrt-int", lambda L, x: L.sqrt(x), T(i64, (4,), "u"))
case("exp-int", lambda L, x: L.exp(x), I)
case("sigmoid-int", lambda L, x: L.sigmoid(x), I)
case("log-neg", lambda L, x: L.log(x), X)
case("rsqrt", lambda L, x: L.rsqrt(x), XP, grad=True)
case("reciprocal-int", lambda L, x: L.reciprocal(x), T(i64, (4,), "p"))
case("lerp", lambda L, x, y: L.lerp(x, y, 0.3), X, X, grad=True)
case("lerp-tensor-w", lambda L, x, y, w: L.lerp(x, y, w), X, X, T(f32, (4,)), grad=True)
case("addcmul", lambda L, x, y, z: L.addcmul(x, y, z, value=0.5), X, X, T(f32, (4,)), grad=True)
case("addcdiv", lambda L, x, y, z: L.addcdiv(x, y, z, value=-2), X, X, XP, grad=True)
case("nan-to-num", lambda L, x: L.nan_to_num(L.log(x), neginf=-9.0), X)
case("hypot-atan2", lambda L, x, y: (L.hypot(x, y), L.atan2(x, y)), X, X, grad=True)
case("logaddexp", lambda L, x, y: L.logaddexp(x, y), X, T(f32, (4,)), grad=True)
case("xlogy", lambda L, x, y: L.xlogy(x, y), X, XP, grad=True)
case("copysign", lambda L, x, y: L.copysign(x, y), X, T(f32, (4,)), grad=True)
case("copysign-f64-other", lambda L, x, y: x.copysign(y), X, T(f64, (4,)), grad=True)
case("copysign-int-0d-other", lambda L, x, y: L.copysign(x, y), I, T(f64, ()))
case("erf-erfinv", lambda L, x: (L.erf(x), L.erfinv(x * 0.3)), X, grad=True)
case("sinc", lambda L, x: L.sinc(x), X, grad=True)
case("heaviside", lambda L, x: L.heaviside(x, L.tensor(0.5)), X)

# ------------------------------------------------------------------ type promotion
DTYPES = (i8, u8, i16, i32, i64, f16, f32, f64, b)
for da in DTYPES:
    for db in DTYPES:
        case(f"add-{da}-{db}", lambda L, x, y: x + y, T(da, (3,), "u"), T(db, (3,), "u"))
for da in (i8, u8, i32, f16, b):
    case(f"mul-{da}-0d-i64", lambda L, x, y: x * y, T(da, (3,), "u"), T(i64, (), "u"))
    case(f"mul-{da}-0d-f64", lambda L, x, y: x * y, T(da, (3,), "u"), T(f64, (), "u"))
    case(f"add-{da}-pyfloat", lambda L, x: x + 1.5, T(da, (3,), "u"))
    case(f"sub-{da}-pyint", lambda L, x: x - 2, T(da, (3,), "u"))
case("sub-bool-raises", lambda L, x, y: x - y, T(b, (3,), "b"), T(b, (3,), "b"))
case("rsub-bool-raises", lambda L, x: 1 - x, T(b, (3,), "b"))
case("sub-int-bool-raises", lambda L, x, y: L.sub(x, y), I, T(b, (4,), "b"))
case("result-type", lambda L, x: str(L.result_type(x, 2.0)).split(".")[-1], I)
case("promote-types", lambda L: str(L.promote_types(L.uint8, L.int8)).split(".")[-1])
case("iadd-float-into-int-raises", lambda L, x: x.add_(1.5), I)
case("iadd-broadcast-raises", lambda L, x, y: x.add_(y), T(f32, (4,)), X)
case("to-dtype", lambda L, x: (x.to(L.int32), x.int(), x.long(), x.half(), x.bool(), x.byte()), X)

# ------------------------------------------------------------------ indexing
case("index-bool-mask", lambda L, x, m: x[m], X, T(b, (3, 4), "b"), grad=True)
case("index-row-mask", lambda L, x, m: x[m], X, T(b, (3,), "b"), grad=True)
case("index-int-tensor", lambda L, x, i: x[i], X, T(i64, (2, 2), "k3"), grad=True)
case("index-neg-int", lambda L, x: x[-1, -2], X, grad=True)
case("index-ellipsis-none", lambda L, x: x[..., None, 1:], X3, grad=True)
case("index-two-tensors", lambda L, x, i, j: x[i, j], X, T(i64, (5,), "k3"), T(i64, (5,), "k4"), grad=True)
case("index-separated-adv", lambda L, x, i, j: x[i, :, j], X3, T(i64, (2,), "k2"), T(i64, (2,), "k4"), grad=True)
case("index-list", lambda L, x: x[[0, 2, 2]], X, grad=True)
case("index-bool-scalar", lambda L, x: x[True], X)
case("index-out-of-range", lambda L, x: x[3], X)
case("index-tensor-out-of-range", lambda L, x: x[L.tensor([0, 5])], X)
case("index-too-many", lambda L, x: x[0, 0, 0], X)
case("index-float-raises", lambda L, x: x[L.tensor([0.0])], X)
case("index-0d-tensor", lambda L, x: x[L.tensor(1)], X, grad=True)
case("index-step", lambda L, x: x[::2, 1::2], X, grad=True)
case("index-mask-mismatch", lambda L, x, m: x[m], X, T(b, (4,), "b"))


def _setitem(fn):
    def run(L, x, *rest):
        y = x.clone() if x.requires_grad else x
        fn(L, y, *rest)
        return y

    return run


case("setitem-mask-scalar", _setitem(lambda L, x, m: x.__setitem__(m, 0.0)), X, T(b, (3, 4), "b"), grad=True)
case("setitem-mask-tensor", _setitem(lambda L, x, m, v: x.__setitem__(m, v)), X, T(b, (3,), "b"), T(f32, (4,)), grad=True)
case("setitem-int-tensor", _setitem(lambda L, x, i, v: x.__setitem__(i, v)), X, T(i64, (2,), "k3"), T(f32, (2, 4)), grad=True)
case("setitem-two-adv", _setitem(lambda L, x, i, j: x.__setitem__((i, j), 7.0)), X, T(i64, (3,), "k3"), T(i64, (3,), "k4"))
case("setitem-ellipsis", _setitem(lambda L, x, v: x.__setitem__((..., 1), v)), X3, T(f32, (2, 3)), grad=True)
case("setitem-float-into-int", _setitem(lambda L, x: x.__setitem__(0, 2.7)), I)
case("setitem-bad-shape", _setitem(lambda L, x, v: x.__setitem__(0, v)), X, T(f32, (3,)))
case("index-put-accumulate", lambda L, x, i, v: x.index_put((i,), v, accumulate=True), X, T(i64, (4,), "k3"), T(f32, (4, 4)), grad=True)
case("iadd-adv-repeated", _setitem(lambda L, x, i: x.__setitem__(i, x[i] + 1)), T(f32, (5,)), T(i64, (3,), "k2"))

# ------------------------------------------------------------------ gather / scatter / index ops
case("gather", lambda L, x, i: L.gather(x, 1, i), X, T(i64, (3, 2), "k4"), grad=True)
case("gather-neg-dim", lambda L, x, i: x.gather(-2, i), X, T(i64, (2, 4), "k3"), grad=True)
case("gather-out-of-range", lambda L, x, i: x.gather(1, i), X, T(i64, (3, 2), "k9"))
case("gather-int32-index-raises", lambda L, x, i: x.gather(1, i), X, T(i32, (3, 2), "k4"))
case("scatter", lambda L, x, i, s: L.scatter(x, 1, i, s), X, T(i64, (3, 2), "k4"), T(f32, (3, 2)))
case("scatter-value", lambda L, x, i: x.scatter(0, i, 2.5), X, T(i64, (1, 4), "k3"))
case("scatter-add", lambda L, x, i, s: L.scatter_add(x, 1, i, s), X, T(i64, (3, 5), "k4"), T(f32, (3, 5)), grad=True)
case("scatter-reduce-sum", lambda L, x, i, s: x.scatter_reduce(0, i, s, "sum"), X, T(i64, (2, 4), "k3"), T(f32, (2, 4)))
case("scatter-reduce-amax-noself", lambda L, x, i, s: x.scatter_reduce(1, i, s, "amax", include_self=False), X, T(i64, (3, 5), "k4"), T(f32, (3, 5)))
case("scatter-reduce-mean", lambda L, x, i, s: x.scatter_reduce(1, i, s, "mean"), X, T(i64, (3, 5), "k4"), T(f32, (3, 5)))
case("index-select", lambda L, x, i: L.index_select(x, -1, i), X, T(i64, (5,), "k4"), grad=True)
case("index-select-2d-index-raises", lambda L, x, i: L.index_select(x, 0, i), X, T(i64, (2, 2), "k3"))
case("index-select-0d-index", lambda L, x, i: x.index_select(1, i), X, T(i64, (), "k4"), grad=True)
case("index-add", lambda L, x, i, s: x.index_add(0, i, s, alpha=2), X, T(i64, (4,), "k3"), T(f32, (4, 4)), grad=True)
case("index-copy", lambda L, x, i, s: x.index_copy(1, i, s), X, T(i64, (2,), "k1"), T(f32, (3, 2)))
case("index-fill", lambda L, x, i: x.index_fill(1, i, -1.0), X, T(i64, (2,), "k4"), grad=True)
case("masked-fill", lambda L, x, m: x.masked_fill(m, -5), X, T(b, (4,), "b"), grad=True)
case("masked-fill-tensor-value", lambda L, x, m: L.masked_fill(x, m, L.tensor(2.0)), I, T(b, (3, 4), "b"))
case("masked-fill-float-into-int", lambda L, x, m: x.masked_fill(m, 2.5), I, T(b, (3, 4), "b"))
case("masked-fill-nonbool-raises", lambda L, x, m: x.masked_fill(m, 0), X, T(i64, (3, 4), "k2"))
case("masked-fill-inplace-uint8-raises", lambda L, x, m: x.masked_fill_(m, 0), X, T(u8, (3, 4), "k2"))
case("masked-select", lambda L, x, m: L.masked_select(x, m), X, T(b, (4,), "b"), grad=True)
case("masked-scatter", lambda L, x, m, s: x.masked_scatter(m, s), X, T(b, (3, 4), "b"), T(f32, (12,)), grad=True)
case("take-along-dim", lambda L, x, i: L.take_along_dim(x, i, dim=1), X, T(i64, (3, 2), "k4"), grad=True)
case("take-along-dim-none", lambda L, x, i: L.take_along_dim(x, i), X, T(i64, (5,), "k12"), grad=True)
case("take-along-broadcast", lambda L, x, i: L.take_along_dim(x, i, 1), X, T(i64, (1, 2), "k4"), grad=True)
case("take-along-broadcast-input", lambda L, x, i: x.take_along_dim(i, dim=-1), T(f32, (1, 4)), T(i64, (3, 2), "k4"), grad=True)
case("take-along-ndim-mismatch", lambda L, x, i: L.take_along_dim(x, i, 1), X, T(i64, (2,), "k4"))
case("take", lambda L, x, i: L.take(x, i), X, T(i64, (2, 3), "k12"), grad=True)
case("nonzero", lambda L, x: L.nonzero(x), I)
case("nonzero-tuple", lambda L, x: x.nonzero(as_tuple=True), I)
case("argwhere", lambda L, x: L.argwhere(x), I)

# ------------------------------------------------------------------ joining / splitting
case("cat-neg", lambda L, x, y: L.cat([x, y], -1), X, T(f32, (3, 2)), grad=True)
case("cat-mixed-dtype", lambda L, x, y: L.cat((x, y)), I, X)
case("cat-empty-1d", lambda L, x, y: L.cat([x, y]), X, T(f32, (0,)))
case("cat-shape-mismatch", lambda L, x, y: L.cat([x, y], 0), X, T(f32, (3, 2)))
case("cat-0d-raises", lambda L, x: L.cat([x, x]), X0)
case("concat-concatenate", lambda L, x: (L.concat([x, x], 1), L.concatenate([x, x], 0)), X, grad=True)
case("stack-neg", lambda L, x, y: L.stack([x, y], -1), X, X, grad=True)
case("stack-mismatch", lambda L, x, y: L.stack([x, y]), X, T(f32, (4, 3)))
case("hstack-vstack-dstack", lambda L, x: (L.hstack([x, x]), L.vstack([x, x]), L.dstack([x, x])), X, grad=True)
case("column-stack", lambda L, x, y: L.column_stack([x, y]), T(f32, (3,)), T(f32, (3, 2)), grad=True)
case("split-int", lambda L, x: x.split(2, dim=1), T(f32, (3, 5)), grad=True)
case("split-sizes", lambda L, x: L.split(x, [1, 3, 1], 1), T(f32, (3, 5)), grad=True)
case("split-bad-sizes", lambda L, x: L.split(x, [1, 3], 1), T(f32, (3, 5)))
case("tensor-split", lambda L, x: L.tensor_split(x, 3, dim=1), T(f32, (3, 5)), grad=True)
case("tensor-split-indices", lambda L, x: x.tensor_split([1, 4], dim=1), T(f32, (3, 5)))
case("chunk-uneven", lambda L, x: x.chunk(3, 1), T(f32, (3, 5)), grad=True)
case("chunk-more", lambda L, x: L.chunk(x, 4, 0), T(f32, (6, 2)), grad=True)
case("unbind", lambda L, x: L.unbind(x, -1), X, grad=True)
case("hsplit-vsplit", lambda L, x: (L.hsplit(x, 2), L.vsplit(x, [1])), X)
case("flip", lambda L, x: L.flip(x, (0, -1)), X3, grad=True)
case("fliplr-flipud", lambda L, x: (x.fliplr(), x.flipud()), X, grad=True)
case("roll", lambda L, x: L.roll(x, (1, -2), (0, 1)), X, grad=True)
case("roll-flat", lambda L, x: x.roll(5), X, grad=True)
case("rot90", lambda L, x: L.rot90(x, 1, (0, 1)), X, grad=True)
case("rot90-k-neg", lambda L, x: L.rot90(x, -3, [1, 2]), X3, grad=True)
case("tril-triu", lambda L, x: (L.tril(x, -1), L.triu(x, 1)), X, grad=True)
case("tril-batched", lambda L, x: x.tril(), X3, grad=True)
case("tril-1d-raises", lambda L, x: L.tril(x), T(f32, (4,)))
case("diag-vec", lambda L, x: L.diag(x, 1), T(f32, (3,)), grad=True)
case("diag-mat", lambda L, x: L.diag(x, -1), X, grad=True)
case("diagonal", lambda L, x: L.diagonal(x, 1, 0, 2), X3, grad=True)
case("diag-embed", lambda L, x: L.diag_embed(x, offset=-1), X, grad=True)
case("diagflat", lambda L, x: L.diagflat(x), T(f32, (2, 2)), grad=True)
case("trace", lambda L, x: L.trace(x), X, grad=True)
case("tril-indices", lambda L: L.tril_indices(3, 4, -1))
case("triu-indices", lambda L: L.triu_indices(4, 3, 1))

# ------------------------------------------------------------------ repeat / expand / shapes
case("repeat", lambda L, x: x.repeat(2, 1, 3), X, grad=True)
case("repeat-too-few", lambda L, x: x.repeat(2), X)
case("repeat-interleave", lambda L, x: L.repeat_interleave(x, 2, dim=0), X, grad=True)
case("repeat-interleave-tensor", lambda L, x, r: x.repeat_interleave(r, dim=1), X, T(i64, (4,), "k3"), grad=True)
case("repeat-interleave-flat", lambda L, x: x.repeat_interleave(3), X, grad=True)
case("repeat-interleave-counts", lambda L, r: L.repeat_interleave(r), T(i64, (4,), "k3"))
case("expand", lambda L, x: x.expand(2, -1, 4), T(f32, (3, 1)), grad=True)
case("expand-as", lambda L, x, y: x.expand_as(y), T(f32, (4,)), X3, grad=True)
case("expand-bad", lambda L, x: x.expand(3, 4), T(f32, (3, 2)))
case("broadcast-to", lambda L, x: L.broadcast_to(x, (2, 3, 4)), X1, grad=True)
case("broadcast-tensors", lambda L, x, y: L.broadcast_tensors(x, y), T(f32, (3, 1)), T(f32, (4,)), grad=True)
case("tile", lambda L, x: L.tile(x, (2,)), X, grad=True)
case("tile-more", lambda L, x: x.tile(2, 1, 2), X, grad=True)
case("view", lambda L, x: x.view(4, -1), X, grad=True)
case("view-dtype-arg", lambda L, x: x.view(2, 2, 3), X, grad=True)
case("view-bad", lambda L, x: x.view(5, -1), X)
case("view-two-minus-one", lambda L, x: x.view(-1, -1), X)
case("reshape-tuple", lambda L, x: L.reshape(x, (-1,)), X3, grad=True)
case("reshape-0d", lambda L, x: x.reshape(1, 1), X0, grad=True)
case("reshape-empty", lambda L, x: x.reshape(-1, 2), XE)
case("flatten-range", lambda L, x: L.flatten(x, 1, -1), X3, grad=True)
case("flatten-0d", lambda L, x: x.flatten(), X0)
case("unflatten", lambda L, x: x.unflatten(-1, (2, -1)), X3, grad=True)
case("movedim", lambda L, x: L.movedim(x, (0, 1), (-1, 0)), X3, grad=True)
case("moveaxis", lambda L, x: L.moveaxis(x, 0, -1), X3, grad=True)
case("permute", lambda L, x: x.permute(2, 0, 1), X3, grad=True)
case("permute-neg", lambda L, x: L.permute(x, (-1, -3, -2)), X3, grad=True)
case("permute-bad", lambda L, x: x.permute(0, 0, 1), X3)
case("transpose-t", lambda L, x: (x.transpose(-1, 0), x.T, x.mT, L.t(x)), X, grad=True)
case("t-3d-raises", lambda L, x: x.t(), X3)
case("squeeze-dims", lambda L, x: x.squeeze((0, 2)), T(f32, (1, 3, 1, 2)), grad=True)
case("squeeze-not1", lambda L, x: x.squeeze(1), T(f32, (1, 3, 1, 2)), grad=True)
case("unsqueeze-neg", lambda L, x: L.unsqueeze(x, -1), X, grad=True)
case("unsqueeze-bad", lambda L, x: x.unsqueeze(4), X)
case("narrow", lambda L, x: x.narrow(-1, 1, 2), X, grad=True)
case("select", lambda L, x: L.select(x, 1, -1), X, grad=True)
case("atleast", lambda L, x: (L.atleast_1d(x), L.atleast_2d(x), L.atleast_3d(x)), X0)
case("swapaxes", lambda L, x: x.swapaxes(0, 2), X3, grad=True)
case("unfold", lambda L, x: x.unfold(1, 2, 1), X, grad=True)
case("ravel", lambda L, x: x.t().ravel(), X, grad=True)

# ------------------------------------------------------------------ einsum / matmul
case("einsum-batch", lambda L, x, y: L.einsum("bij,bjk->bik", x, y), X3, T(f32, (2, 4, 5)), grad=True)
case("einsum-ellipsis", lambda L, x, y: L.einsum("...i,...i->...", x, y), X3, T(f32, (3, 4)), grad=True)
case("einsum-trace", lambda L, x: L.einsum("ii", x), T(f32, (3, 3)), grad=True)
case("einsum-diag", lambda L, x, y: L.einsum("ii,i->i", x, y), T(f32, (3, 3)), T(f32, (3,)), grad=True)
case("einsum-outer-list", lambda L, x, y: L.einsum("i,j->ij", [x, y]), T(f32, (3,)), T(f32, (2,)), grad=True)
case("einsum-implicit", lambda L, x, y: L.einsum("ij,jk", x, y), X, T(f32, (4, 2)), grad=True)
case("matmul-bcast", lambda L, x, y: L.matmul(x, y), T(f32, (2, 1, 3, 4)), T(f32, (3, 4, 2)), grad=True)
case("matmul-vec-mat", lambda L, x, y: x @ y, T(f32, (3,)), T(f32, (2, 3, 4)), grad=True)
case("matmul-mat-vec", lambda L, x, y: x @ y, X3, T(f32, (4,)), grad=True)
case("matmul-vec-vec", lambda L, x, y: x @ y, T(f32, (4,)), T(f32, (4,)), grad=True)
case("matmul-0d-raises", lambda L, x, y: x @ y, X0, X0)
case("matmul-mismatch", lambda L, x, y: x @ y, X, X)
case("matmul-int", lambda L, x, y: x @ y, I, T(i64, (4, 2), "i"))
case("matmul-mixed-raises", lambda L, x, y: x @ y, X, T(f64, (4, 2)))
case("matmul-fn-int-float-raises", lambda L, x, y: L.matmul(x, y), I, T(f32, (4, 2)))
case("bmm-mixed-raises", lambda L, x, y: L.bmm(x, y), X3, T(f64, (2, 4, 2)))
case("mm-3d-raises", lambda L, x, y: L.mm(x, y), X3, T(f32, (4, 2)))
case("bmm", lambda L, x, y: L.bmm(x, y), X3, T(f32, (2, 4, 2)), grad=True)
case("mv-dot", lambda L, x, v: (L.mv(x, v), L.dot(v, v)), X, T(f32, (4,)), grad=True)
case("outer", lambda L, x, y: L.outer(x, y), T(f32, (3,)), T(f32, (2,)), grad=True)
case("addmm", lambda L, c, x, y: L.addmm(c, x, y, beta=0.5, alpha=2), T(f32, (2,)), T(f32, (3, 4)), T(f32, (4, 2)), grad=True)
case("baddbmm", lambda L, c, x, y: L.baddbmm(c, x, y), T(f32, (2, 3, 2)), X3, T(f32, (2, 4, 2)), grad=True)
case("tensordot", lambda L, x, y: L.tensordot(x, y, dims=([1, 2], [0, 1])), X3, T(f32, (3, 4, 2)), grad=True)
case("kron", lambda L, x, y: L.kron(x, y), T(f32, (2, 2)), T(f32, (2, 3)), grad=True)
case("cross", lambda L, x, y: L.linalg.cross(x, y), T(f32, (4, 3)), T(f32, (4, 3)), grad=True)
case("cdist", lambda L, x, y: L.cdist(x, y), X, T(f32, (5, 4)), grad=True)

# ------------------------------------------------------------------ nn.functional
for nm in ("relu", "relu6", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "softsign",
           "tanhshrink", "hardtanh", "hardswish", "hardsigmoid", "logsigmoid", "sigmoid", "tanh"):  # fmt: skip
    case(f"F.{nm}", lambda L, x, nm=nm: getattr(F(L), nm)(x * 3), X, grad=True)
case("F.gelu-tanh", lambda L, x: F(L).gelu(x, approximate="tanh"), X, grad=True)
case("F.leaky-relu", lambda L, x: F(L).leaky_relu(x, 0.2), X, grad=True)
case("F.elu-alpha", lambda L, x: F(L).elu(x, alpha=0.5), X, grad=True)
case("F.softplus-beta", lambda L, x: F(L).softplus(x * 10, beta=2, threshold=5), X, grad=True)
case("F.hardshrink-softshrink", lambda L, x: (F(L).hardshrink(x, 0.6), F(L).softshrink(x, 0.3)), X, grad=True)
case("F.threshold", lambda L, x: F(L).threshold(x, 0.1, -2.0), X, grad=True)
case("F.prelu", lambda L, x, w: F(L).prelu(x, w), X, T(f32, (3,)), grad=True)
case("F.glu", lambda L, x: F(L).glu(x, -1), X, grad=True)
case("F.relu-int", lambda L, x: F(L).relu(x), I)
case("softmax-dim", lambda L, x: L.softmax(x, -1), X3, grad=True)
case("softmax-dtype", lambda L, x: F(L).softmax(x, 0, dtype=L.float64), X, grad=True)
case("log-softmax-method", lambda L, x: x.log_softmax(1), X3, grad=True)
case("F.softmax-no-dim", lambda L, x: F(L).softmax(x), X3, grad=True)
case("F.log-softmax-no-dim-2d", lambda L, x: F(L).log_softmax(x), X, grad=True)
case("F.softmin", lambda L, x: F(L).softmin(x, 1), X, grad=True)
case("softmax-0d", lambda L, x: L.softmax(x, 0), X0)
case("softmax-int-raises", lambda L, x: L.softmax(x, 0), I)
case("F.normalize", lambda L, x: F(L).normalize(x, p=1, dim=0), X, grad=True)
case("F.cosine-similarity", lambda L, x, y: F(L).cosine_similarity(x, y, dim=-1), X, T(f32, (4,)), grad=True)
case("F.pairwise-distance", lambda L, x, y: F(L).pairwise_distance(x, y), X, X, grad=True)
case("F.one-hot", lambda L, i: F(L).one_hot(i, 5), T(i64, (3, 2), "k5"))
case("F.one-hot-infer", lambda L, i: F(L).one_hot(i), T(i64, (4,), "k5"))
case("F.one-hot-neg-raises", lambda L, i: F(L).one_hot(i - 3, 5), T(i64, (4,), "k2"))
case("F.pad", lambda L, x: F(L).pad(x, (1, 2, 0, 1), value=0.5), X, grad=True)
case("F.pad-reflect", lambda L, x: F(L).pad(x, (2, 1), mode="reflect"), X3, grad=True)
case("F.pad-replicate", lambda L, x: F(L).pad(x, (1, 1, 2, 0), mode="replicate"), T(f32, (1, 2, 3, 4)), grad=True)
case("F.pad-neg", lambda L, x: F(L).pad(x, (-1, 1)), X, grad=True)
case("F.dropout-eval", lambda L, x: F(L).dropout(x, 0.5, training=False), X, grad=True)
case("F.linear", lambda L, x, w, bb: F(L).linear(x, w, bb), X3, T(f32, (5, 4)), T(f32, (5,)), grad=True)
case("F.bilinear", lambda L, x, y, w: F(L).bilinear(x, y, w), X, T(f32, (3, 2)), T(f32, (5, 4, 2)), grad=True)
case("F.embedding", lambda L, i, w: F(L).embedding(i, w, padding_idx=0), T(i64, (2, 3), "k4"), T(f32, (4, 3)), grad=True)
case("F.layer-norm", lambda L, x, w, bb: F(L).layer_norm(x, (4,), w, bb), X3, T(f32, (4,)), T(f32, (4,)), grad=True)
case("F.group-norm", lambda L, x: F(L).group_norm(x, 2), T(f32, (2, 4, 3)), grad=True)
case("F.batch-norm-train", lambda L, x, w, bb: F(L).batch_norm(x, None, None, w, bb, training=True), T(f32, (4, 3, 2)), T(f32, (3,)), T(f32, (3,)), grad=True)
case("F.instance-norm", lambda L, x: F(L).instance_norm(x), T(f32, (2, 3, 5)), grad=True)
case("F.rms-norm", lambda L, x, w: F(L).rms_norm(x, (4,), w), X3, T(f32, (4,)), grad=True)
case("F.conv1d", lambda L, x, w: F(L).conv1d(x, w, padding=1, stride=2), T(f32, (2, 3, 7)), T(f32, (4, 3, 3)), grad=True)
case("F.conv2d-groups", lambda L, x, w: F(L).conv2d(x, w, groups=2, padding="same"), T(f32, (1, 4, 5, 5)), T(f32, (2, 2, 3, 3)), grad=True)
case("F.max-pool2d", lambda L, x: F(L).max_pool2d(x, 2), T(f32, (1, 2, 4, 5), "d"), grad=True)
case("F.avg-pool1d", lambda L, x: F(L).avg_pool1d(x, 3, 2, padding=1, count_include_pad=False), T(f32, (2, 3, 7)), grad=True)
case("F.adaptive-avg-pool2d", lambda L, x: F(L).adaptive_avg_pool2d(x, (2, 3)), T(f32, (1, 2, 5, 7)), grad=True)
case("F.interpolate-nearest", lambda L, x: F(L).interpolate(x, scale_factor=2), T(f32, (1, 2, 3, 3)), grad=True)
case("F.interpolate-bilinear", lambda L, x: F(L).interpolate(x, size=(5, 4), mode="bilinear", align_corners=False), T(f32, (1, 2, 3, 3)), grad=True)
case("F.unfold", lambda L, x: F(L).unfold(x, 2, stride=1), T(f32, (1, 2, 3, 3)), grad=True)

# losses, with reduction variants and weights
LOGITS, TARGET = T(f32, (5, 4)), T(i64, (5,), "k4")
for red in ("mean", "sum", "none"):
    case(f"F.mse-{red}", lambda L, x, y, red=red: F(L).mse_loss(x, y, reduction=red), X, X, grad=True)
    case(f"F.l1-{red}", lambda L, x, y, red=red: F(L).l1_loss(x, y, reduction=red), X, X, grad=True)
    case(f"F.smooth-l1-{red}", lambda L, x, y, red=red: F(L).smooth_l1_loss(x, y, reduction=red, beta=0.5), X, X, grad=True)
    case(f"F.huber-{red}", lambda L, x, y, red=red: F(L).huber_loss(x, y, reduction=red, delta=0.7), X, X, grad=True)
    case(f"F.ce-{red}", lambda L, x, t, red=red: F(L).cross_entropy(x, t, reduction=red), LOGITS, TARGET, grad=True)
    case(f"F.ce-weight-{red}", lambda L, x, t, w, red=red: F(L).cross_entropy(x, t, weight=w, reduction=red), LOGITS, TARGET, T(f32, (4,), "p"), grad=True)
    case(f"F.nll-ignore-{red}", lambda L, x, t, red=red: F(L).nll_loss(x, t, ignore_index=1, reduction=red), LOGITS, TARGET, grad=True)
    case(f"F.bce-{red}", lambda L, x, y, w, red=red: F(L).binary_cross_entropy(L.sigmoid(x), L.sigmoid(y), weight=w, reduction=red), X, X, T(f32, (4,), "p"), grad=True)
    case(f"F.bce-logits-{red}", lambda L, x, y, pw, red=red: F(L).binary_cross_entropy_with_logits(x, L.sigmoid(y), pos_weight=pw, reduction=red), X, X, T(f32, (4,), "p"), grad=True)
    case(f"F.kl-div-{red}", lambda L, x, y, red=red: F(L).kl_div(L.log_softmax(x, 1), L.softmax(y, 1), reduction=red), X, X, grad=True)
    case(f"F.margin-ranking-{red}", lambda L, x, y, t, red=red: F(L).margin_ranking_loss(x, y, L.sign(t), margin=0.2, reduction=red), T(f32, (6,)), T(f32, (6,)), T(f32, (6,)), grad=True)
    case(f"F.cosine-embedding-{red}", lambda L, x, y, red=red: F(L).cosine_embedding_loss(x, y, L.tensor([1, -1, 1]), reduction=red), X, X, grad=True)
case("F.kl-div-batchmean-logtarget", lambda L, x, y: F(L).kl_div(L.log_softmax(x, 1), L.log_softmax(y, 1), reduction="batchmean", log_target=True), X, X, grad=True)
case("F.ce-label-smoothing", lambda L, x, t: F(L).cross_entropy(x, t, label_smoothing=0.1), LOGITS, TARGET, grad=True)
case("F.ce-probs-target", lambda L, x, y: F(L).cross_entropy(x, L.softmax(y, 1)), LOGITS, T(f32, (5, 4)), grad=True)
case("F.ce-ignore-weight", lambda L, x, t, w: F(L).cross_entropy(x, t, weight=w, ignore_index=2), LOGITS, TARGET, T(f32, (4,), "p"), grad=True)
case("F.ce-kdim", lambda L, x, t: F(L).cross_entropy(x, t), T(f32, (2, 4, 3)), T(i64, (2, 3), "k4"), grad=True)
case("F.ce-target-out-of-range", lambda L, x, t: F(L).cross_entropy(x, t + 4), LOGITS, TARGET)
case("F.ce-float-target-shape-raises", lambda L, x, y: F(L).cross_entropy(x, y), LOGITS, T(f32, (5,)))
case("F.nll-1d", lambda L, x, t: F(L).nll_loss(x, t), T(f32, (4,)), T(i64, (), "k4"), grad=True)
case("F.mse-broadcast-refused", lambda L, x, y: F(L).mse_loss(x, y), X, T(f32, (4,)), refuse="broadcasting here")
case("F.bce-out-of-range-raises", lambda L, x, y: F(L).binary_cross_entropy(x * 0 + 2, y), X, XP)
case("F.soft-margin", lambda L, x, y: F(L).soft_margin_loss(x, L.sign(y).detach()), X, X, grad=True)
case("F.multilabel-soft-margin", lambda L, x, y: F(L).multilabel_soft_margin_loss(x, (y > 0).float()), X, X, grad=True)
case("F.multi-margin", lambda L, x, t: F(L).multi_margin_loss(x, t), LOGITS, TARGET, grad=True)
case("F.hinge-embedding", lambda L, x, y: F(L).hinge_embedding_loss(x, L.sign(y)), X, X, grad=True)
case("F.poisson-nll", lambda L, x, y: F(L).poisson_nll_loss(x, y), X, XP, grad=True)
case("F.gaussian-nll", lambda L, x, y, v: F(L).gaussian_nll_loss(x, y, v), X, X, XP, grad=True)
case("F.triplet", lambda L, a, p, n: F(L).triplet_margin_loss(a, p, n), X, X, X, grad=True)
case("F.reduction-bad", lambda L, x, y: F(L).mse_loss(x, y, reduction="avg"), X, X)

# ------------------------------------------------------------------ creation, in place, conversions
case("tensor-infer-bool-int-float", lambda L: (L.tensor([True, False]), L.tensor([1, 2]), L.tensor([1, 2.5]), L.tensor(3)))
case("tensor-infer-mixed-bool-int", lambda L: L.tensor([True, 2]))
case("tensor-infer-np-scalars", lambda L: (L.tensor([np.float64(1.5), 2]), L.tensor(np.int32(3))))
case("as-tensor-np", lambda L: (L.as_tensor(np.arange(3, dtype=np.int32)), L.as_tensor([1.0, 2.0], dtype=L.float64)))
case("arange-variants", lambda L: (L.arange(5), L.arange(1, 2, 0.25), L.arange(0, 5, 2, dtype=L.float32), L.arange(3.0)))
case("arange-neg-step", lambda L: L.arange(5, 0, -2))
case("arange-bad-step", lambda L: L.arange(0, 5, -1))
case("arange-bad-bounds", lambda L: L.arange(5, 0))
case("arange-zero-step", lambda L: L.arange(0.0, 1.0, 0.0))
case("arange-empty-ok", lambda L: (L.arange(5, 5), L.arange(0, -1, -1), L.arange(0)))
case("linspace-logspace", lambda L: (L.linspace(0, 1, 5), L.logspace(0, 2, 3), L.linspace(-1, 1, 1)))
case("eye-full", lambda L: (L.eye(2, 3), L.full((2,), 3), L.full((2,), 1.5), L.full((2,), True)))
case("zeros-like-dtype", lambda L, x: (L.zeros_like(x, dtype=L.int32), L.ones_like(x), L.full_like(x, 7), L.empty_like(x).shape), I)
case("new-tensor-methods", lambda L, x: (x.new_zeros(2, 3), x.new_ones((1,)), x.new_full((2,), 3), x.new_tensor([1, 2])), X)
case("item-tolist", lambda L, x, i: (x[0, 0].item(), i[0, 0].item(), x[0].tolist(), i.tolist(), (i > 0)[0, 0].item()), X, I)
case("int-float-bool-of-0d", lambda L, x: (int(x[1, 1]), float(x[0, 0]), bool(x[0, 0] > 0)), I)
case("len-numel-dim", lambda L, x: (len(x), x.numel(), x.dim(), x.ndim, x.size(-1), tuple(x.size()), x.nelement()), X3)
case("to-python-dtype", lambda L, x: (x.to(float), x.to(int), x.to(bool), x.type(L.int32)), X)
case("double-float-int-methods", lambda L, x: (x.double(), x.float(), x.short(), x.char()), I)
case("iadd-int-into-float", lambda L, x, y: x.add_(y), X, I)
case("idiv-into-int-raises", lambda L, x: x.div_(2), I)
case("imul-bool-into-int", lambda L, x, m: x.mul_(m), I, T(b, (4,), "b"))
case("clamp-inplace-tensor", lambda L, x, lo: x.clamp_(min=lo), X, T(f32, (4,)))
case("fill-diagonal", lambda L, x: x.fill_diagonal_(2.0), X)
case("sum-int8-bool-dtype", lambda L, x: (x.sum(), x.sum(0, keepdim=True), (x > 0).sum()), T(i8, (3, 4), "i"))
case("mean-bool-raises", lambda L, x: x.mean(), T(b, (3,), "b"))
case("std-one-element", lambda L, x: (x.std(), x.var(0)), T(f32, (1,)))
case("std-correction-2", lambda L, x: x.std(dim=1, correction=2, keepdim=True), X, grad=True)
case("median-dim-even", lambda L, x: L.median(x, 0, keepdim=True), T(f32, (4, 3), "d"), grad=True)
case("median-int", lambda L, x: x.median(), T(i64, (6,), "u"))
case("topk-0d", lambda L, x: x.topk(1), X0)
case("kthvalue-out-of-range", lambda L, x: x.kthvalue(5, 1), XD)
case("sort-3d-dim1", lambda L, x: x.sort(1, descending=True), T(f32, (2, 3, 4), "d"), grad=True)
case("argsort-int-desc", lambda L, x: L.argsort(x, descending=True), T(i64, (9,), "d"))
case("unique-bool", lambda L, x: L.unique(x, return_counts=True), T(b, (7,), "b"))
case("unique-empty", lambda L, x: L.unique(x, return_inverse=True), T(i64, (0,), "u"))
case("cumsum-int8", lambda L, x: x.cumsum(0), T(i8, (5,), "i"))
case("cummax-int-ties", lambda L, x: L.cummax(x, 0), T(i64, (8,), "k3"))
case("stack-0d", lambda L, x, y: L.stack([x, y]), X0, X0, grad=True)
case("cat-int-bool", lambda L, x, m: L.cat([x, m], 0), T(i32, (2,), "i"), T(b, (3,), "b"))
case("cat-f16-f32", lambda L, x, y: L.cat([x, y]), T(f16, (2,)), T(f32, (3,)))
case("where-two-scalars", lambda L, c: (L.where(c, 1, 0), L.where(c, 1.0, 0), L.where(c, True, False)), T(b, (3,), "b"))
case("eq-none", lambda L, x: (x == None, x != None), X)  # noqa: E711
case("compare-bool-python", lambda L, x: (x == True, x > 0.5, x < 1), T(b, (4,), "b"))  # noqa: E712
case("min-max-int-binary-mixed", lambda L, x, y: (L.max(x, y), L.min(x, y)), I, T(i32, (4,), "i"))
case("abs-neg-int8-min", lambda L: L.abs(L.tensor([-128, 5], dtype=L.int8)))
case("sign-bool", lambda L, x: L.sign(x), T(b, (3,), "b"))
case("square-bool", lambda L, x: L.square(x), T(b, (3,), "b"))
case("neg-uint8", lambda L, x: -x, T(u8, (4,), "u"))
case("uint8-overflow-add", lambda L, x: x + 250, T(u8, (4,), "u"))
case("int8-mul-overflow", lambda L, x: x * 100, T(i8, (4,), "i"))
case("int-true-div-int-0d", lambda L, x, y: x / y, I, T(i64, (), "p"))
case("f16-add-f64-0d", lambda L, x, y: x + y, T(f16, (3,)), T(f64, ()))
case("int-add-f64-0d", lambda L, x, y: x + y, I, T(f64, ()))
case("int32-add-int64-0d", lambda L, x, y: x + y, T(i32, (3,), "i"), T(i64, (), "i"))
case("uint8-add-int8", lambda L, x, y: x + y, T(u8, (3,), "u"), T(i8, (3,), "i"))
case("softmax-int-dtype", lambda L, x: L.softmax(x, 0, dtype=L.float32), I)
case("log-softmax-f16", lambda L, x: F(L).log_softmax(x, -1), T(f16, (2, 3)))
case("F.nll-weight-kdim", lambda L, x, t, w: F(L).nll_loss(L.log_softmax(x, 1), t, weight=w), T(f32, (2, 4, 3)), T(i64, (2, 3), "k4"), T(f32, (4,), "p"), grad=True)
case("F.ce-weight-smoothing", lambda L, x, t, w: F(L).cross_entropy(x, t, weight=w, label_smoothing=0.2), LOGITS, TARGET, T(f32, (4,), "p"), grad=True)
case("F.ce-probs-weight", lambda L, x, y, w: F(L).cross_entropy(x, L.softmax(y, 1), weight=w.detach(), reduction="sum"), LOGITS, T(f32, (5, 4)), T(f32, (4,), "p"), grad=True)
case("F.ce-probs-weight-grad-refused", lambda L, x, y, w: F(L).cross_entropy(x, L.softmax(y, 1), weight=w), LOGITS, T(f32, (5, 4)), T(f32, (4,), "p"), grad=True, refuse="weight requires grad")
case("F.bce-logits-weight-bcast", lambda L, x, y, w: F(L).binary_cross_entropy_with_logits(x, L.sigmoid(y), weight=w), X, X, T(f32, (3, 1), "p"), grad=True)
case("F.l1-int-raises", lambda L, x: F(L).l1_loss(x, x), I)
case("F.one-hot-0d", lambda L, i: F(L).one_hot(i, 3), T(i64, (), "k3"))
case("F.embedding-max-norm-free", lambda L, i, w: F(L).embedding(i, w), T(i64, (4,), "k5"), T(f32, (5, 2)), grad=True)
case("F.gelu-int-raises", lambda L, x: F(L).gelu(x), I)
case("F.silu-f64", lambda L, x: F(L).silu(x), T(f64, (3, 4)), grad=True)
case("F.softmax-f32-dtype-f64", lambda L, x: F(L).softmax(x, 1, dtype=L.float64), X, grad=True)
case("F.normalize-0", lambda L, x: F(L).normalize(x * 0), X)
case("F.pad-circular", lambda L, x: F(L).pad(x, (1, 2), mode="circular"), X3, grad=True)
case("F.pad-too-big-reflect", lambda L, x: F(L).pad(x, (4, 0), mode="reflect"), X3)
case("F.interpolate-linear-ac", lambda L, x: F(L).interpolate(x, size=7, mode="linear", align_corners=True), T(f32, (1, 2, 4)), grad=True)
case("F.adaptive-max-pool1d", lambda L, x: F(L).adaptive_max_pool1d(x, 3), T(f32, (1, 2, 7), "d"), grad=True)
case("F.avg-pool2d-ceil", lambda L, x: F(L).avg_pool2d(x, 2, ceil_mode=True), T(f32, (1, 1, 5, 5)), grad=True)
case("F.max-pool1d-dilation", lambda L, x: F(L).max_pool1d(x, 2, dilation=2, padding=1), T(f32, (1, 2, 8), "d"), grad=True)
case("F.conv-transpose1d", lambda L, x, w: F(L).conv_transpose1d(x, w, stride=2, output_padding=1), T(f32, (1, 2, 4)), T(f32, (2, 3, 3)), grad=True)
case("F.scaled-dot-product", lambda L, q, k, v: F(L).scaled_dot_product_attention(q, k, v, is_causal=True), T(f32, (2, 3, 4)), T(f32, (2, 3, 4)), T(f32, (2, 3, 4)), grad=True)
case("F.logsigmoid-int-raises", lambda L, x: F(L).logsigmoid(x), I)
# ------------------------------------------------------------------ NaN and infinities
XN = T(f32, (3, 4), "nan")
for nm in ("sum", "mean", "amax", "amin", "prod", "logsumexp", "nansum", "nanmean", "std", "norm", "cumsum", "cummax", "cummin"):
    case(f"nan-{nm}", lambda L, x, nm=nm: getattr(x, nm)(1), XN)
for nm in ("max", "min", "median", "argmax", "argmin", "sort", "argsort", "msort"):
    case(f"nan-{nm}", lambda L, x, nm=nm: getattr(L, nm)(x, 1) if nm != "msort" else L.msort(x), XN)
case("nan-max-all", lambda L, x: (x.max(), x.min(), x.argmax(), x.median()), XN)
case("nan-topk", lambda L, x: x.topk(2, 1), XN)
case("nan-kthvalue", lambda L, x: x.kthvalue(2, 1), XN)
case("nan-sort-desc", lambda L, x: x.sort(1, descending=True), XN)
case("nan-unique", lambda L, x: L.unique(x), T(f32, (6,), "nan"))
case("nan-clamp", lambda L, x: (x.clamp(-0.5, 0.5), x.clamp(min=0.0), L.clamp(x, max=L.tensor(0.2))), XN)
case("nan-maximum-fmin", lambda L, x, y: (L.maximum(x, y), L.minimum(x, y), L.fmin(x, y), L.fmax(x, y)), XN, X)
case("nan-relu-activations", lambda L, x: (L.relu(x), F(L).relu6(x), F(L).hardtanh(x), F(L).leaky_relu(x), F(L).elu(x), L.sigmoid(x), L.tanh(x)), XN)
case("nan-softmax", lambda L, x: (L.softmax(x, 1), L.log_softmax(x, 0)), XN)
case("inf-softmax-row", lambda L: L.softmax(L.tensor([[-float("inf"), -float("inf")], [0.0, -float("inf")]]), 1))
case("nan-round-trunc-sign", lambda L, x: (x.round(), x.trunc(), x.sign(), x.frac(), x.floor()), XN)
case("nan-compare", lambda L, x: (x == x, x > 0, x.isnan(), x.isinf(), x.isposinf(), x.isneginf(), x.isfinite()), XN)
case("nan-where-eq", lambda L, x: L.where(x > 0, x, 0.0), XN)
case("nan-to-num-default", lambda L, x: L.nan_to_num(x), XN)
case("nan-allclose-equal-nan", lambda L, x: (L.allclose(x, x, equal_nan=True), L.isclose(x, x).all(), L.equal(x, x)), XN)
case("nan-pow", lambda L, x: (x**0, x**2, 1.0**x), XN)
case("nan-fmod-remainder", lambda L, x: (L.fmod(x, 1.5), L.remainder(x, 1.5), x // 1.5), XN)
case("nan-count-nonzero-any", lambda L, x: (L.count_nonzero(x), x.any(), x.all(), x.bool()), XN)
case("f16-sum-mean-overflow", lambda L, x: ((x * 3e4).sum(), (x * 3e4).mean(), x.cumsum(0), x.var()), T(f16, (8,), "p"))
case("f16-softmax", lambda L, x: L.softmax(x * 10, 0), T(f16, (6,)))
case("prod-bool", lambda L, x: (x.prod(), x.prod(0)), T(b, (3, 2), "b"))
case("std-int-raises", lambda L, x: x.std(), I)
case("sum-dtype-bool-arg", lambda L, x: L.sum(x, 0, dtype=L.int32), T(b, (3, 2), "b"))
# ------------------------------------------------------------------ shapes, more
case("chunk-zero-raises", lambda L, x: x.chunk(0), X)
case("split-size0-raises", lambda L, x: x.split(0), X)
case("split-zero-section", lambda L, x: L.split(x, [0, 3, 1], 1), X, grad=True)
case("narrow-neg-start", lambda L, x: x.narrow(1, -3, 2), X, grad=True)
case("narrow-too-long", lambda L, x: x.narrow(1, 3, 2), X)
case("roll-no-dims", lambda L, x: L.roll(x, -3), X3, grad=True)
case("diff-append", lambda L, x, y: x.diff(dim=-1, append=y), X, T(f32, (3, 2)), grad=True)
case("flip-empty", lambda L, x: x.flip(0), XE)
case("repeat-zero", lambda L, x: x.repeat(0, 2), X)
case("tile-fewer-dims", lambda L, x: x.tile((2,)), X3, grad=True)
case("expand-new-leading", lambda L, x: x.expand(2, 3, -1), X, grad=True)
case("expand-minus1-new-dim-raises", lambda L, x: x.expand(-1, 3, 4), X)
case("unflatten-bad", lambda L, x: x.unflatten(1, (3, -1)), X)
case("squeeze-no-dim", lambda L, x: (x.squeeze(), L.squeeze(x, -1)), T(f32, (1, 3, 1)), grad=True)
case("squeeze-out-of-range", lambda L, x: x.squeeze(3), T(f32, (1, 3, 1)))
case("movedim-bad", lambda L, x: L.movedim(x, (0, 0), (1, 2)), X3)
case("einsum-spaces-caps", lambda L, x, y: L.einsum("Ab, bC -> AC", x, y), X, T(f32, (4, 2)), grad=True)
case("einsum-sum-out", lambda L, x: L.einsum("ijk->", x), X3, grad=True)
case("einsum-mismatch", lambda L, x, y: L.einsum("ij,jk->ik", x, y), X, X)
case("cross-dim", lambda L, x, y: L.cross(x, y, dim=0), T(f32, (3, 2)), T(f32, (3, 2)), grad=True)
case("cross-bad", lambda L, x, y: L.linalg.cross(x, y), X, X)
case("outer-int", lambda L, x, y: L.outer(x, y), T(i64, (3,), "i"), T(i64, (2,), "i"))
case("dot-mismatch", lambda L, x, y: L.dot(x, y), T(f32, (3,)), T(f32, (4,)))
case("dot-2d-raises", lambda L, x: L.dot(x, x), X)
case("scatter-inplace-reduce-add", lambda L, x, i, s: x.clone().scatter_(1, i, s, reduce="add"), X, T(i64, (3, 2), "k4"), T(f32, (3, 2)))
case("index-add-inplace", lambda L, x, i, s: x.clone().index_add_(1, i, s), X, T(i64, (3,), "k4"), T(f32, (3, 3)))
case("index-add-bad-src", lambda L, x, i, s: x.index_add(1, i, s), X, T(i64, (3,), "k4"), T(f32, (3, 2)))
case("gather-wrong-ndim", lambda L, x, i: x.gather(1, i), X, T(i64, (3,), "k4"))
case("scatter-src-small", lambda L, x, i, s: x.scatter(1, i, s), X, T(i64, (3, 3), "k4"), T(f32, (3, 2)))
case("put-refused", lambda L, x, i, v: x.put(i, v), X, T(i64, (3,), "k12"), T(f32, (3,)), refuse="Tensor.put")
case("scatter-value-reduce-multiply", lambda L, x, i: x.scatter(0, i, 2.0, reduce="multiply"), X, T(i64, (2, 4), "k3"))
case("scatter-reduce-bad", lambda L, x, i, s: x.scatter(1, i, s, reduce="max"), X, T(i64, (3, 2), "k4"), T(f32, (3, 2)))
case("masked-scatter-short-src-raises", lambda L, x, s: x.masked_scatter(L.ones(3, 4, dtype=L.bool), s), X, T(f32, (5,)))
case("index-bool-tensor-0d", lambda L, x: x[L.tensor(True)], X)
case("index-int32-tensor", lambda L, x, i: x[i], X, T(i32, (2,), "k3"), grad=True)
case("index-uint8-mask", lambda L, x, m: x[m], X, T(u8, (3,), "k2"))
case("index-mask-and-slice", lambda L, x, m: x[m, 1:3], X, T(b, (3,), "b"), grad=True)
case("index-nested-list-refused", lambda L, x: x[[[0, 1], [2, 2]]], X, refuse="ambiguous")
case("index-list-of-tensors-refused", lambda L, x: x[[L.tensor(0), L.tensor(1)]], X, refuse="ambiguous")
case("index-list-with-slice-refused", lambda L, x: x[[0, slice(1, 3)]], X, refuse="ambiguous")
case("setitem-list-of-lists-refused", _setitem(lambda L, x: x.__setitem__([[0, 1], [1, 2]], 0.0)), X, refuse="ambiguous")
case("index-list-bools", lambda L, x: x[[True, False, True]], X, grad=True)
case("index-tuple-of-lists", lambda L, x: x[[0, 2], [1, 3]], X, grad=True)
case("index-none-adv", lambda L, x, i: x[None, i, ..., None], X, T(i64, (2,), "k3"), grad=True)
case("setitem-broadcast-row", _setitem(lambda L, x, v: x.__setitem__((slice(None), 1), v)), X, T(f32, (3,)), grad=True)
case("setitem-mask-broadcast-value", _setitem(lambda L, x, m, v: x.__setitem__(m, v)), X, T(b, (3, 4), "b"), T(f32, ()), grad=True)
case("setitem-int-into-float-tensor", _setitem(lambda L, x, v: x.__setitem__(0, v)), X, T(i64, (4,), "i"))
case("setitem-float-tensor-into-int", _setitem(lambda L, x, v: x.__setitem__(0, v)), I, T(f32, (4,)))
case("setitem-repeated-adv", _setitem(lambda L, x, i, v: x.__setitem__(i, v)), T(f32, (5,)), T(i64, (4,), "k2"), T(f32, (4,)))
case("index-put-inplace-accum", lambda L, x, i: x.clone().index_put_((i,), L.tensor(1.0), accumulate=True), T(f32, (5,)), T(i64, (6,), "k3"))
# ------------------------------------------------------------------ edge calls, more
case("sum-dim-empty-tuple", lambda L, x: (x.sum(dim=()), x.mean(dim=[]), L.sum(x, ())), X)
case("amax-dim-empty-tuple", lambda L, x: x.amax(dim=()), X)
case("imul-float-into-int-raises", lambda L, x: x.mul_(1.5), I)
case("iadd-op-float-into-int-raises", lambda L, x: x.__iadd__(1.5), I)
case("clamp-inplace-int-float-raises", lambda L, x: x.clamp_(min=1.5), I)
case("where-uint8-cond", lambda L, c, x: L.where(c, x, 0.0), T(u8, (3, 4), "k2"), X)
case("where-float-cond-raises", lambda L, c, x: L.where(c, x, 0.0), X, X)
case("requires-grad-int-raises", lambda L, x: x.requires_grad_(), I)
case("tensor-requires-grad-int-raises", lambda L: L.tensor([1, 2], requires_grad=True))
case("compare-list", lambda L, x: (x == [1.0, 2.0, 3.0, 4.0]), X)
case("compare-str-raises", lambda L, x: x < "a", X)
case("cat-dim-out-of-range", lambda L, x: L.cat([x, x], 2), X)
case("stack-empty-raises", lambda L: L.stack([]))
case("cat-empty-list-raises", lambda L: L.cat([]))
case("T-3d", lambda L, x: x.T, X3)
case("view-noncontiguous-raises", lambda L, x: x.t().view(-1), X)
case("chunk-0d-raises", lambda L, x: x.chunk(2), X0)
case("softmax-dim-out-of-range", lambda L, x: F(L).softmax(x, dim=2), X)
case("F.one-hot-float-raises", lambda L, x: F(L).one_hot(x), X)
case("F.embedding-out-of-range", lambda L, i, w: F(L).embedding(i + 5, w), T(i64, (3,), "k2"), T(f32, (5, 2)))
case("F.ce-int-logits-raises", lambda L, x, t: F(L).cross_entropy(x, t), T(i64, (5, 4), "i"), TARGET)
case("F.ce-empty-batch", lambda L, x, t: F(L).cross_entropy(x, t), T(f32, (0, 4)), T(i64, (0,), "k4"))
case("F.mse-empty", lambda L, x: F(L).mse_loss(x, x), XE)
case("F.nll-all-ignored", lambda L, x, t: F(L).nll_loss(x, t * 0 - 100), LOGITS, TARGET)
case("einsum-operand-count", lambda L, x: L.einsum("ij,jk->ik", x), X)
case("outer-2d-raises", lambda L, x: L.outer(x, x), X)
case("softmax-empty-dim", lambda L, x: L.softmax(x, 0), XE)
case("logsumexp-all-neg-inf", lambda L: L.logsumexp(L.tensor([[-float("inf"), -float("inf")], [0.0, 1.0]]), 1))
case("logsumexp-int", lambda L, x: L.logsumexp(x, 1), I)
case("max-dim-keepdim-kw", lambda L, x: L.max(x, dim=1, keepdim=True)[0], XD, grad=True)
case("max-tuple-dim-raises", lambda L, x: x.max((0, 1)), X)
case("sort-stable-kw-only", lambda L, x: L.sort(x, 0, True), T(i64, (6,), "u"))
case("topk-sorted-false-values", lambda L, x: L.topk(x, 3, sorted=True).values, XD, grad=True)
case("bincount-negative-raises", lambda L, x: L.bincount(x), T(i64, (4,), "i"))
case("bincount-2d-raises", lambda L, x: L.bincount(x), T(i64, (2, 2), "u"))
case("histc-int-raises", lambda L, x: L.histc(x), I)
case("unique-sorted-false-inverse", lambda L, x: L.unique(x, sorted=True, return_inverse=True)[1], T(i64, (9,), "u"))
case("repeat-interleave-bad-counts", lambda L, x, r: x.repeat_interleave(r, dim=0), X, T(i64, (2,), "k3"))
case("tril-indices-offset-big", lambda L: (L.tril_indices(3, 3, 5), L.triu_indices(3, 3, -5)))
case("diag-embed-dims", lambda L, x: L.diag_embed(x, 1, 0, 2), X, grad=True)
case("diagonal-neg-offset-dims", lambda L, x: x.diagonal(-1, -1, -2), X3, grad=True)
case("flatten-bad-range", lambda L, x: x.flatten(2, 1), X3)
case("transpose-out-of-range", lambda L, x: x.transpose(0, 2), X)
case("select-out-of-range", lambda L, x: x.select(1, 4), X)
case("index-select-out-of-range", lambda L, x: x.index_select(0, L.tensor([3])), X)
case("gather-neg-index-raises", lambda L, x: x.gather(1, L.tensor([[-1], [0], [0]])), X)
case("neg-index-raises-scatter-family", lambda L, x, i, s: (x.scatter(1, i - 2, s), x.scatter_add(1, i - 2, s)), X, T(i64, (3, 2), "k2"), T(f32, (3, 2)))
case("neg-index-raises-index-add", lambda L, x, i, s: x.index_add(0, i - 1, s), X, T(i64, (2,), "k1"), T(f32, (2, 4)))
case("neg-index-raises-scatter-reduce", lambda L, x, i, s: x.scatter_reduce(1, i - 2, s, "sum"), X, T(i64, (3, 2), "k2"), T(f32, (3, 2)))
case("index-fill-neg-index-ok", lambda L, x: x.index_fill(1, L.tensor([-1]), 0.0), X, grad=True)
case("take-neg-index-ok", lambda L, x: L.take(x, L.tensor([-1, -12])), X, grad=True)
case("take-out-of-range", lambda L, x: L.take(x, L.tensor([12])), X)
case("clamp-int-tensor-bounds", lambda L, x, lo: L.clamp(x, min=lo), I, T(i32, (4,), "i"))
case("maximum-bool", lambda L, x, y: L.maximum(x, y), T(b, (3,), "b"), T(b, (3,), "b"))
case("add-alpha", lambda L, x, y: (L.add(x, y, alpha=2), x.sub(y, alpha=0.5)), X, T(f32, (4,)), grad=True)
case("add-alpha-float-int-raises", lambda L, x, y: L.add(x, y, alpha=0.5), I, I)
case("mul-bool-bool", lambda L, x, y: (x * y, x + y, x & y), T(b, (3,), "b"), T(b, (3,), "b"))
case("div-bool", lambda L, x, y: x / y, T(b, (3,), "b"), T(b, (3,), "b"))
case("true-div-int-by-zero", lambda L, x: x / 0, I)
case("float-floor-div-neg-zero", lambda L, x: (x // -1.0, L.floor_divide(x, 2.0)), X)
# ------------------------------------------------------------------ torch's positional forms, more F.*
case("std-positional-unbiased-keepdim", lambda L, x: (L.std(x, 1, True), x.std(0, False, True), L.var(x, 1, False)), X, grad=True)
case("mean-positional-keepdim", lambda L, x: (L.mean(x, (0, 1), True), L.sum(x, 1, True, dtype=L.float64)), X3, grad=True)
case("norm-positional", lambda L, x: (L.norm(x, 2, 1, True), L.norm(x, 1, -1)), X, grad=True)
case("max-positional-keepdim", lambda L, x: (x.max(1, True), L.argmax(x, 1, True), L.topk(x, k=2, dim=0, largest=True, sorted=True)), XD, grad=True)
case("cumprod-dtype", lambda L, x: L.cumprod(x, dim=0, dtype=L.float64), X, grad=True)
case("clamp-tensor-and-0d-tensor", lambda L, x, lo: L.clamp(x, min=lo, max=L.tensor(0.5)), X, T(f32, (4,)), grad=True)
case("out-arg", lambda L, x: L.cumsum(x, 1, out=L.empty(3, 4)), X)
case("max-out-arg", lambda L, x: L.max(x, 1, out=(L.empty(3), L.empty(3, dtype=L.long))), XD)
case("F.pad-int", lambda L, x: F(L).pad(x, (1, 1)), I)
case("F.smooth-l1-beta0", lambda L, x, y: F(L).smooth_l1_loss(x, y, beta=0.0), X, X, grad=True)
case("F.kl-div-default", lambda L, x, y: F(L).kl_div(L.log_softmax(x, 1), L.softmax(y, 1)), X, X, grad=True)
case("F.l1-broadcast-refused", lambda L, x, y: F(L).l1_loss(x, y), X, T(f32, (3, 1)), refuse="broadcasting here")
case("F.nll-weight-ignore-none", lambda L, x, t, w: F(L).nll_loss(x, t, weight=w, ignore_index=0, reduction="none"), LOGITS, TARGET, T(f32, (4,), "p"), grad=True)
case("F.ce-none-kdim", lambda L, x, t: F(L).cross_entropy(x, t, reduction="none"), T(f32, (2, 4, 3)), T(i64, (2, 3), "k4"), grad=True)
case("F.bce-target-out-of-range", lambda L, x, y: F(L).binary_cross_entropy(L.sigmoid(x), y), X, X)
case("F.hardtanh-bounds", lambda L, x: F(L).hardtanh(x, -0.5, 0.25), X, grad=True)
case("F.rrelu-eval", lambda L, x: F(L).rrelu(x, training=False), X, grad=True)
case("F.alpha-dropout-eval", lambda L, x: F(L).alpha_dropout(x, 0.5, training=False), X, grad=True)
case("F.pixel-shuffle", lambda L, x: (F(L).pixel_shuffle(x, 2), F(L).pixel_unshuffle(F(L).pixel_shuffle(x, 2), 2)), T(f32, (1, 8, 2, 3)), grad=True)
case("F.fold", lambda L, x: F(L).fold(x, (3, 3), 2), T(f32, (1, 8, 4)), grad=True)
case("F.affine-grid-sample", lambda L, x, t: F(L).grid_sample(x, F(L).affine_grid(t, (1, 2, 3, 3), align_corners=False), align_corners=False), T(f32, (1, 2, 4, 4)), T(f32, (1, 2, 3)), grad=True)
case("F.adaptive-avg-pool1d", lambda L, x: F(L).adaptive_avg_pool1d(x, 3), T(f32, (2, 3, 7)), grad=True)
case("F.lp-pool1d", lambda L, x: F(L).lp_pool1d(x, 2, 2), T(f32, (1, 2, 6), "p"), grad=True)
case("F.embedding-bag", lambda L, i, w, o: F(L).embedding_bag(i, w, o, mode="mean"), T(i64, (6,), "k5"), T(f32, (5, 3)), T(i64, (2,), "k1") , grad=True)
case("F.local-response-norm", lambda L, x: F(L).local_response_norm(x, 2), T(f32, (1, 4, 3, 3)), grad=True)
case("F.logsoftmax-dtype", lambda L, x: F(L).log_softmax(x, 1, dtype=L.float64), X, grad=True)
case("F.softsign-tanhshrink-f64", lambda L, x: (F(L).softsign(x), F(L).tanhshrink(x)), T(f64, (3, 4)), grad=True)
case("F.silu-mish-large", lambda L, x: (F(L).silu(x * 50), F(L).mish(x * 50), F(L).softplus(x * 50)), X, grad=True)
case("F.gelu-bad-approx", lambda L, x: F(L).gelu(x, approximate="fast"), X)
case("F.cosine-similarity-zero", lambda L, x: F(L).cosine_similarity(x * 0, x), X, grad=True)
case("F.normalize-p-inf", lambda L, x: F(L).normalize(x, p=float("inf"), dim=1), X, grad=True)
case("F.conv2d-stride-dilation", lambda L, x, w, bb: F(L).conv2d(x, w, bb, stride=(2, 1), padding=(1, 2), dilation=(1, 2)), T(f32, (2, 3, 6, 6)), T(f32, (4, 3, 3, 2)), T(f32, (4,)), grad=True)
case("F.conv2d-bad-channels", lambda L, x, w: F(L).conv2d(x, w), T(f32, (1, 3, 5, 5)), T(f32, (2, 2, 3, 3)))
case("F.conv1d-unbatched", lambda L, x, w: F(L).conv1d(x, w), T(f32, (3, 7)), T(f32, (4, 3, 3)), grad=True)
case("F.max-pool2d-indices", lambda L, x: F(L).max_pool2d(x, 2, return_indices=True), T(f32, (1, 1, 4, 4), "d"))
case("F.avg-pool2d-divisor", lambda L, x: F(L).avg_pool2d(x, 3, 1, 1, divisor_override=2), T(f32, (1, 2, 4, 4)), grad=True)
case("F.interpolate-bicubic", lambda L, x: F(L).interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=True), T(f32, (1, 1, 4, 4)), grad=True)
case("F.interpolate-area", lambda L, x: F(L).interpolate(x, size=(2, 3), mode="area"), T(f32, (1, 2, 4, 6)), grad=True)
case("F.interpolate-nearest-exact", lambda L, x: F(L).interpolate(x, size=5, mode="nearest-exact"), T(f32, (1, 2, 3)), grad=True)
case("F.batch-norm-eval", lambda L, x, m, v: F(L).batch_norm(x, m, v, training=False, eps=1e-3), T(f32, (4, 3)), T(f32, (3,)), T(f32, (3,), "p"))
case("F.layer-norm-no-affine-2d", lambda L, x: F(L).layer_norm(x, (3, 4)), X3, grad=True)
case("F.group-norm-affine", lambda L, x, w, bb: F(L).group_norm(x, 2, w, bb), T(f32, (2, 4, 5)), T(f32, (4,)), T(f32, (4,)), grad=True)
case("F.dropout-p-bad", lambda L, x: F(L).dropout(x, 1.5), X)
# ------------------------------------------------------------------ tensor facts
case("is-contiguous", lambda L, x: (x.is_contiguous(), x.t().is_contiguous(), x[:, 1:].is_contiguous(), x.t().contiguous().is_contiguous(), x[None].is_contiguous()), X)
case("stride", lambda L, x: (x.stride(), x.t().stride(), x.stride(1), x[:, ::2].stride(), x.unsqueeze(1).stride()), X3)
case("element-size", lambda L, x, i, m: (x.element_size(), i.element_size(), m.element_size(), x.half().element_size()), X, I, T(b, (2,), "b"))
case("is-signed-floating", lambda L, x, u: (x.is_floating_point(), u.is_floating_point(), u.is_signed(), x.is_signed(), L.is_floating_point(x), L.is_tensor(x), L.numel(x)), X, T(u8, (2,), "u"))
case("leaf-grad-fn", lambda L, x: (x.requires_grad_().is_leaf, (x * 2).is_leaf, (x * 2).grad_fn is None, x.detach().requires_grad, x.clone().requires_grad, x.detach().is_leaf), X)
case("finfo-iinfo", lambda L: (float(L.finfo(L.float32).eps), float(L.finfo(L.float16).max), float(L.finfo(L.float64).tiny), int(L.iinfo(L.int8).min), int(L.iinfo(L.uint8).max), float(L.finfo().eps)))
case("get-default-dtype", lambda L: str(L.get_default_dtype()).split(".")[-1])
case("dtype-props-refused", lambda L: L.float32.is_floating_point, refuse="is_floating_point")
case("size-ops", lambda L, x: (x.size(), x.shape[1:], x.size()[-1], x.size().numel(), x.size() == (2, 3, 4), list(x.shape)), X3)
case("shape-numel", lambda L, x: (x.shape.numel(), isinstance(x.shape, L.Size), x.shape[1:], x.shape + (5,), (1,) + x.shape), X3)
case("tolist-types", lambda L, x, i, m: (type(x.tolist()[0][0]).__name__, type(i.tolist()[0][0]).__name__, type(m.tolist()[0]).__name__, type(x[0, 0].item()).__name__), X, I, T(b, (2,), "b"))
case("bool-of-multi-raises", lambda L, x: bool(x), X)
case("bool-of-empty-raises", lambda L, x: bool(x), XE)
case("int-of-multi-raises", lambda L, x: int(x), X)
case("index-of-float-raises", lambda L, x: [1, 2, 3][x], T(f32, (), "u"))
case("index-of-int-0d", lambda L, x: [1, 2, 3, 4, 5, 6, 7][x], T(i64, (), "u"))
case("len-0d-raises", lambda L, x: len(x), X0)
case("iter-rows", lambda L, x: [r.sum() for r in x], X, grad=True)
case("iter-0d-raises", lambda L, x: list(x), X0)
case("contains", lambda L, x: (2 in x, 99 in x), I)
case("hash-free-eq-in-list", lambda L, x: x.tolist() == x.clone().tolist(), X)
case("format-item", lambda L, x: f"{x[0, 0]:.3f}", X)
case("format-multi-raises", lambda L, x: f"{x:.3f}", X)
case("round-builtin", lambda L, x: round(x[0, 0].item(), 2), X)
case("float-of-1elem", lambda L, x: (float(x), int(x.long()), x.item()), X1 if False else T(f32, (1, 1)))
# fmt: on
CASES_BY_NAME = {c.name: c for c in CASES}
assert len(CASES_BY_NAME) == len(CASES), "case names must be unique"


@pytest.mark.parametrize("name", list(CASES_BY_NAME))
def test_matches_torch(name):
    check(CASES_BY_NAME[name])


def test_int32_class_targets_are_an_extension():
    """torch wants int64 (or uint8) class indices; glassnet also takes int32 ones, giving
    torch's loss for the same targets as int64 (docs/pytorch.md)."""
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 4, 5)
    with pytest.raises(RuntimeError):
        torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t.astype(np.int32)))
    want = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t))
    got = gn.nn.functional.cross_entropy(gn.tensor(x), gn.tensor(t.astype(np.int32)))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("index", [np.s_[::-1], np.s_[:, 3:0:-2], np.s_[-1::-2, 1]])
def test_negative_steps_are_numpy_extensions(index):
    """torch refuses a slice step below 1; glassnet's own indexing follows NumPy there (a
    documented extension, docs/pytorch.md), so the answer is NumPy's, never another one."""
    data = np.arange(12.0).reshape(3, 4)
    with pytest.raises(ValueError):
        torch.tensor(data)[index]
    np.testing.assert_array_equal(gn.tensor(data)[index].numpy(), data[index])
