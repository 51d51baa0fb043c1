"""torch's top-level functions and Tensor methods of ``_torch_math``, ``_torch_config`` and
``_torch_nn_top``: values and gradients against torch, the settings' round trips, and the
errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.testing import check_against_torch, torch_available

R = np.random.default_rng(7)
A, B = R.standard_normal((3, 4)), R.standard_normal((3, 4))
V3, W3 = R.standard_normal((2, 3)), R.standard_normal((2, 3))
needs_torch = pytest.mark.skipif(not torch_available(), reason="needs torch")

#: name -> (function taking the library, inputs); each runs as lib.<...> in both libraries
CASES = {
    "mv": (lambda L: lambda a, v: L.mv(a, v), [A, B[0]]),
    "inner": (lambda L: lambda a, b: L.inner(a, b), [A, B]),
    "vdot": (lambda L: lambda a, b: L.vdot(a, b), [A[0], B[0]]),
    "ger": (lambda L: lambda a, b: L.ger(a, b), [A[0], B[1]]),
    "addmv": (lambda L: lambda c, a, v: L.addmv(c, a, v, beta=0.5, alpha=2), [A[:, 0], A, B[0]]),
    "addr": (lambda L: lambda c, a, b: L.addr(c, a, b, beta=2, alpha=-1), [A, A[:, 0], B[0]]),
    "addcmul": (lambda L: lambda c, a, b: L.addcmul(c, a, b, value=0.3), [A, B, A[0]]),
    "addcdiv": (lambda L: lambda c, a, b: c.addcdiv(a, b.abs() + 1, value=-2), [A, B, A]),
    "chain_matmul": (lambda L: lambda a, b: L.chain_matmul(a, b.T, a), [A, B]),
    "kron": (lambda L: lambda a, b: L.kron(a, b), [A[:2, :3], B[:3]]),
    "kron_ranks": (lambda L: lambda a, b: L.kron(a, b), [A[0], B[:2, :2]]),
    "cross": (lambda L: lambda a, b: L.cross(a, b, dim=1), [V3, W3]),
    "linalg_cross": (lambda L: lambda a, b: L.linalg.cross(a, b), [V3, W3]),
    "hypot": (lambda L: lambda a, b: L.hypot(a, b), [A, B]),
    "logaddexp": (lambda L: lambda a, b: L.logaddexp(a * 30, b), [A, B]),
    "logaddexp2": (lambda L: lambda a, b: L.logaddexp2(a, b), [A, B]),
    "float_power": (lambda L: lambda a: L.float_power(a.abs(), 2.5), [A.astype(np.float32)]),
    "copysign": (lambda L: lambda a, b: L.copysign(a, b), [A, B]),
    "deg2rad": (lambda L: lambda a: L.deg2rad(a) + L.rad2deg(a), [A]),
    # (torch's ldexp gradient is 0 where the exponent is a negative integer: not compared)
    "ldexp": (lambda L: lambda a: L.ldexp(a, L.tensor([1, 2, 3, 0])), [A]),
    "broadcast_tensors": (lambda L: lambda a, b: L.broadcast_tensors(a, b[:, :1]), [A, B]),
    "atleast": (lambda L: lambda a: (L.atleast_1d(a[0, 0]), L.atleast_2d(a[0]), L.atleast_3d(a), L.atleast_3d(a[0])), [A]),
    "column_stack": (lambda L: lambda a, b: L.column_stack([a[0], b.T]), [A, B]),
    "dstack": (lambda L: lambda a, b: L.dstack([a, b]), [A, B]),
    "tensor_split_indices": (lambda L: lambda a: a.tensor_split([1, 3, 9], dim=1) + a.tensor_split(L.tensor([2]))  + L.tensor_split(a, 3, 1), [A]),
    "ravel": (lambda L: lambda a: L.ravel(a.T), [A]),
    "splits": (lambda L: lambda a: L.hsplit(a, 2) + L.vsplit(a, [1]) + L.dsplit(a.reshape(1, 3, 4), 2), [A]),
    "diag_embed": (lambda L: lambda a: L.diag_embed(a, 1), [A]),
    "diag_embed_dims": (lambda L: lambda a: L.diag_embed(a, -1, 0, 2), [A]),
    "diagflat": (lambda L: lambda a: L.diagflat(a[:2], -2), [A]),
    "combinations": (lambda L: lambda a: (L.combinations(a[0]), L.combinations(a[0], 3, True)), [A]),
    "take": (lambda L: lambda a: L.take(a, L.tensor([[0, 11], [5, 5]])), [A]),
    "index_copy": (lambda L: lambda a, b: L.index_copy(a, 1, L.tensor([3, 0]), b[:, :2]), [A, B]),
    "cov": (lambda L: lambda a: L.cov(a), [A]),
    "cov_weighted": (lambda L: lambda a: L.cov(a, correction=0, fweights=L.tensor([1, 2, 1, 3]), aweights=L.tensor([0.5, 1.0, 2.0, 1.0], dtype=a.dtype)), [A]),
    "corrcoef": (lambda L: lambda a: L.corrcoef(a), [A]),
    "renorm": (lambda L: lambda a: L.renorm(a, 2, 0, 1.5), [A]),
    "cumulative_trapezoid": (lambda L: lambda a: (L.cumulative_trapezoid(a), L.cumulative_trapezoid(a, dx=0.5, dim=0)), [A]),
    "gradient": (lambda L: lambda a: (*L.gradient(a, spacing=0.5), *L.gradient(a, spacing=[2.0, 0.3], edge_order=2), *L.gradient(a, dim=1)), [A]),
    "gradient_coords": (lambda L: lambda a: (*L.gradient(a, spacing=(L.tensor([0.0, 0.4, 1.5, 1.7], dtype=a.dtype),), dim=1), *L.gradient(a, spacing=(L.tensor([-1.0, 0.5, 0.7], dtype=a.dtype),), dim=[0], edge_order=2)), [A]),
    "pdist": (lambda L: lambda a: L.pdist(a), [A]),
    "pdist_p1": (lambda L: lambda a: L.pdist(a, 1.0), [A]),
    "sum_to_size": (lambda L: lambda a: a.sum_to_size(1, 4) + a.sum_to_size(3, 1).sum(), [A]),
    "batch_norm_top": (lambda L: lambda x, w: L.batch_norm(x, w, w * 0.5, None, None, True, 0.1, 1e-5, False), [A.reshape(3, 4, 1), B[0]]),
    "layer_norm_top": (lambda L: lambda x, w: L.layer_norm(x, (4,), w, None, 1e-5, True), [A, B[0]]),
    "group_norm_top": (lambda L: lambda x: L.group_norm(x.reshape(1, 4, 3), 2), [A]),
    "embedding_top": (lambda L: lambda w: L.embedding(w, L.tensor([[0, 2], [1, 1]])), [A]),
    "conv2d_top": (lambda L: lambda x, w: L.conv2d(x.reshape(1, 1, 3, 4), w[:2, :2].reshape(1, 1, 2, 2), None, 1, 1), [A, B]),
    "adaptive_max_pool1d_top": (lambda L: lambda x: L.adaptive_max_pool1d(x.reshape(1, 3, 4), 2)[0], [A]),
}  # fmt: skip


@needs_torch
@pytest.mark.parametrize("name", list(CASES))
def test_agrees_with_torch(name):
    import torch

    make, inputs = CASES[name]
    check_against_torch(make(gn), make(torch), *inputs)


@needs_torch
def test_results_without_gradients_agree_with_torch():
    import torch

    x = np.array([[1.0, -0.0, np.inf], [-np.inf, 2.0, 2.0]])
    ints = np.array([[12, 18, 7], [0, 5, 9]])
    for fn in (
        lambda L, x: L.signbit(L.tensor(x)),
        lambda L, x: L.isposinf(L.tensor(x)),
        lambda L, x: L.isneginf(L.tensor(x)),
        lambda L, x: L.isreal(L.tensor(x)),
        lambda L, x: L.gcd(L.tensor(ints), L.tensor(ints[::-1].copy())),
        lambda L, x: L.lcm(L.tensor(ints), L.tensor(ints[::-1].copy())),
        lambda L, x: L.histc(L.tensor(A), bins=5),
        lambda L, x: L.histc(L.tensor([1.0, 2, 1, 7]), bins=4, min=0, max=3),
        lambda L, x: L.histogram(L.tensor(A), bins=4)[0],
        lambda L, x: L.histogram(L.tensor(A), bins=4, range=(-1.0, 1.0), density=True)[1],
        lambda L, x: L.unique_consecutive(L.tensor([1, 1, 2, 2, 3, 1, 1]), return_inverse=True, return_counts=True),
        lambda L, x: L.unique_consecutive(L.tensor([[1, 1], [1, 1], [2, 3]]), dim=0, return_counts=True),
        lambda L, x: L.msort(L.tensor(A)),
        lambda L, x: L.gradient(L.tensor([1, 2, 4, 7])),
        lambda L, x: L.gradient(L.tensor([1, 2, 4, 7]), spacing=[L.tensor([0, 1, 3, 4])]),
        lambda L, x: L.broadcast_shapes((2, 1), (3, 1, 4), 1),
        lambda L, x: L.result_type(L.tensor([1, 2]), 1.0),
        lambda L, x: L.result_type(L.tensor([1, 2], dtype=L.int32), L.tensor(2.0, dtype=L.float64)),
        lambda L, x: L.result_type(L.tensor([1.0], dtype=L.float16), L.tensor(2, dtype=L.int64)),
        lambda L, x: L.promote_types(L.int32, L.float16),
        lambda L, x: (L.can_cast(L.float32, L.int32), L.can_cast(L.int32, L.float16)),
        lambda L, x: L.tensor(A).stride(),
        lambda L, x: L.tensor(A).T.stride(1),
        lambda L, x: L.tensor(A)[1:, 2:].storage_offset(),
        lambda L, x: (L.tensor(ints).is_signed(), L.tensor(ints, dtype=L.uint8).is_signed()),
        lambda L, x: L.tensor(A).mH.shape,
        lambda L, x: L.is_nonzero(L.tensor([0.5])),
    ):
        got, want = fn(gn, x), fn(torch, x)
        got = got if isinstance(got, tuple) else (got,)
        want = want if isinstance(want, tuple) else (want,)
        for g, w in zip(got, want):
            if hasattr(w, "numpy"):
                np.testing.assert_array_equal(g.numpy(), w.numpy())
            elif isinstance(w, torch.dtype):
                assert str(g) == str(w).removeprefix("torch.")
            else:
                assert tuple(g) == tuple(w) if isinstance(w, tuple) else g == w


@needs_torch
def test_histogram_is_a_named_pair_as_torchs():
    import torch

    got, want = gn.histogram(gn.tensor(A), bins=3), torch.histogram(torch.tensor(A), bins=3)
    for result in (got, want):
        hist, bin_edges = result
        assert result.hist is hist and result.bin_edges is bin_edges
    np.testing.assert_array_equal(got.hist.numpy(), want.hist.numpy())
    np.testing.assert_allclose(got.bin_edges.numpy(), want.bin_edges.numpy(), rtol=1e-12)


@needs_torch
def test_cdist_takes_torchs_compute_mode():
    import torch

    a, b = R.standard_normal((2, 4, 3)), R.standard_normal((2, 5, 3))
    for mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                 "donot_use_mm_for_euclid_dist"):  # fmt: skip
        for p in (2.0, 1.0):
            check_against_torch(lambda x, y, p=p, m=mode: gn.cdist(x, y, p=p, compute_mode=m),
                                lambda x, y, p=p, m=mode: torch.cdist(x, y, p=p, compute_mode=m),
                                a, b)  # fmt: skip
    with pytest.raises(ValueError, match="cdist: compute_mode must be one of"):
        gn.cdist(gn.tensor(a), gn.tensor(b), compute_mode="fast")


def test_settings_round_trip_and_change_no_result():
    gn.set_float32_matmul_precision("high")
    assert gn.get_float32_matmul_precision() == "high"
    gn.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="expected 'highest', 'high' or 'medium'"):
        gn.set_float32_matmul_precision("low")
    gn.use_deterministic_algorithms(True, warn_only=True)
    assert gn.are_deterministic_algorithms_enabled()
    assert gn.is_deterministic_algorithms_warn_only_enabled()
    gn.use_deterministic_algorithms(False)
    assert gn.set_flush_denormal(True) is False
    gn.set_num_interop_threads(2)
    assert gn.get_num_interop_threads() == 2
    gn.set_default_device("cpu")
    assert gn.get_default_device().type == "cpu"
    with pytest.raises(NotImplementedError, match="set_default_device"):
        gn.set_default_device("meta")
    assert isinstance(gn.ones(2).dtype, gn.dtype)


def test_random_state_round_trip():
    gn.manual_seed(11)
    assert gn.initial_seed() == 11
    state = gn.get_rng_state()
    assert state.dtype == np.uint8 and state.ndim == 1
    first = gn.rand(4).numpy()
    gn.set_rng_state(state)
    np.testing.assert_array_equal(gn.rand(4).numpy(), first)
    s = gn.seed()
    assert gn.initial_seed() == s
    with pytest.raises(TypeError, match="expected the uint8 tensor get_rng_state returned"):
        gn.set_rng_state(gn.zeros(3))
    with pytest.raises(ValueError, match="not a state from glassnet's get_rng_state"):
        gn.set_rng_state(gn.tensor([255, 0, 1], dtype=gn.uint8))
    draws = gn.poisson(gn.full((20000,), 3.0)).numpy()
    assert draws.dtype == np.float32 and abs(draws.mean() - 3) < 0.05


def test_compile_returns_the_model_and_says_so():
    model = gn.nn.Linear(2, 2)
    with pytest.warns(UserWarning, match="runs the model eagerly"):
        gn._torch_config._settings["compile_warned"] = False
        assert gn.compile(model, mode="max-autotune") is model
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once only

        @gn.compile()
        def f(x):
            return x * 2

    assert f(gn.ones(1)).item() == 2
    with pytest.raises(TypeError, match="compile: expected a Module or a function, got int"):
        gn.compile(3)


def test_dropout_family_at_the_top_level():
    x = gn.ones(4, 6, 3, 3)
    gn.manual_seed(0)
    y = gn.feature_dropout(x, 0.5, True).numpy()
    per_channel = y.reshape(4, 6, -1)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # whole channels
    np.testing.assert_array_equal(gn.dropout(x, 0.3, False).numpy(), x.numpy())
    with pytest.raises(TypeError):
        gn.dropout(x, 0.3)  # torch's top-level dropout needs train


def test_errors_name_the_function():
    with pytest.raises(RuntimeError, match=r"mv: expected input to be 2-D, got shape \(4,\)"):
        gn.mv(gn.ones(4), gn.ones(4))
    with pytest.raises(RuntimeError, match="cross: dimension 1 must have size 3"):
        gn.cross(gn.ones(3, 4), gn.ones(3, 4), dim=1)
    with pytest.raises(RuntimeError, match="gcd: expected integer tensors, got dtype float32"):
        gn.gcd(gn.ones(2), gn.ones(2))
    with pytest.raises(RuntimeError, match="is_nonzero: expected a tensor with one element, got 2"):
        gn.is_nonzero(gn.ones(2))
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        gn.ones(2).imag  # noqa: B018
    with pytest.raises(RuntimeError, match="hsplit: dimension 1 of size 4 is not divisible by 3"):
        gn.hsplit(gn.ones(2, 4), 3)
    with pytest.raises(RuntimeError, match=r"pdist: expected a 2-D input \(N, M\)"):
        gn.pdist(gn.ones(3))
    with pytest.raises(RuntimeError, match="broadcast_shapes: shapes"):
        gn.broadcast_shapes((2,), (3,))
    with pytest.raises(RuntimeError, match="gradient: expected each dimension size to be at least"):
        gn.gradient(gn.ones(2), edge_order=2)
    with pytest.raises(RuntimeError, match=r"gradient: expected spacing to be a scalar or one"):
        gn.gradient(gn.ones(3, 3), spacing=[1.0, 2.0, 3.0])
