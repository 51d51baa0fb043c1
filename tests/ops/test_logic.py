"""The ops without a gradient (glassnet/ops/logic.py): unchanged results outside a trace,
one recorded node each inside one, and TakeAlong's gradient."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import tracing
from glassnet.io.onnx_trace import Tape
from glassnet.ops import logic
from glassnet.testing import check_against_torch, check_gradients

A = np.array([[1.5, -2.0, 0.5, 3.0], [0.0, 2.5, -0.5, 2.5]])


def _both(fn):
    """``fn`` on a tensor that requires grad, outside and inside a trace."""
    x = gn.tensor(A, requires_grad=True)
    plain = fn(x)
    tape = Tape()
    with gn.no_grad(), tracing.recording(tape):
        traced = fn(gn.tensor(A))
    return plain, traced, tape


@pytest.mark.parametrize(
    ("fn", "cls"),
    [
        (lambda x: x > 0, logic.Compare),
        (lambda x: (x > 0) & (x < 2), logic.Logic),
        (lambda x: ~(x > 0), logic.Not),
        (lambda x: x.floor(), logic.Step),
        (lambda x: x.round(), logic.Step),
        (lambda x: x.isfinite(), logic.Classify),
        (lambda x: x.argmax(1), logic.ArgExtreme),
        (lambda x: x.argsort(1, descending=True), logic.Order),
        (lambda x: x.topk(2, 1).values, logic.TakeAlong),
        (lambda x: x.all(1), logic.Truth),
        (lambda x: (x > 0).any(), logic.Truth),
        (lambda x: (x > 0).all((0, 1), keepdim=True), logic.Truth),
        (lambda x: x.norm(0, dim=1, keepdim=True), logic.Truth),
        (lambda x: x.norm(0), logic.Truth),
        (lambda x: x.kthvalue(2, 1).values, logic.Rank),
        (lambda x: x.kthvalue(2, 0, keepdim=True).indices, logic.Rank),
        # a float median is the stable order with NaNs last (torch's NaN rule), as nanmedian
        (lambda x: x.median(1).values, logic.Order),
        (lambda x: x.median(1).indices, logic.Order),
        (lambda x: x.median(), logic.Order),
        (lambda x: x.long().median(1).values, logic.Rank),
        (lambda x: x // -1.5, logic.Step),
        (lambda x: x % -1.5, logic.Step),
    ],
)
def test_same_result_and_a_recorded_node_when_traced(fn, cls) -> None:
    plain, traced, tape = _both(fn)
    assert plain.dtype == traced.dtype
    np.testing.assert_array_equal(plain.numpy(), traced.numpy())
    assert any(type(s.fn) is cls for s in tape.steps)
    assert not traced.requires_grad


def test_no_graph_outside_a_trace() -> None:
    x = gn.tensor(A, requires_grad=True)
    for out in (x > 0, ~(x > 0), x.argmax(1), x.argsort(1), x.isnan(), x.sign() > 0):
        assert not out.requires_grad and out._ctx is None
    for out in (x.all(1), x.any(), x.median(1).indices, x.kthvalue(1, 0).indices):
        assert not out.requires_grad and out._ctx is None
    count = x.norm(0)  # as torch: in the graph, with a zero gradient
    count.backward()
    assert count.requires_grad and not x.grad.numpy().any()
    assert x.argmax(1).dtype == np.int64 and (x == 0).dtype == np.bool_


#: Integers of both signs, none zero (they divide too).
B = np.array([[7, -7, 5, -1], [-3, 3, -8, 9]])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8])
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x // 3,
        lambda x: x // -3,
        lambda x: x % 3,
        lambda x: x % -3,
        lambda x: -7 // x,
        lambda x: 7 // x,
        lambda x: x % x.flip(1),
        lambda x: x.floor_divide(x.flip(0)),
        lambda x: x.remainder(-4),
    ],
)
def test_integer_division_same_when_traced(fn, dtype) -> None:
    x = gn.tensor(B.astype(dtype))
    plain = fn(x)
    tape = Tape()
    with gn.no_grad(), tracing.recording(tape):
        traced = fn(gn.tensor(B.astype(dtype)))
    assert plain.dtype == traced.dtype
    np.testing.assert_array_equal(plain.numpy(), traced.numpy())
    assert any(type(s.fn) is logic.IntDivide for s in tape.steps)


def test_integer_division_follows_python_signs() -> None:
    """Quotients round toward minus infinity; remainders take the divisor's sign."""
    x = gn.tensor(B)
    for d in (3, -3, 4, -4):
        np.testing.assert_array_equal((x // d).numpy(), [[v // d for v in r] for r in B.tolist()])
        np.testing.assert_array_equal((x % d).numpy(), [[v % d for v in r] for r in B.tolist()])
        out = logic.int_divide(x, d, "remainder").numpy()
        np.testing.assert_array_equal(out, (x % d).numpy())


def test_rank_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.array([[3.0, 1.0, 2.0, 1.0], [0.5, 0.5, -1.0, 4.0], [2.0, 2.0, 2.0, 2.0]])
    t = torch.as_tensor(a)
    for d in (0, 1):
        m = t.median(d)
        np.testing.assert_array_equal(
            logic.take_along(gn.tensor(a), logic.rank(gn.tensor(a), d), d).numpy().squeeze(d),
            m.values.numpy(),
        )
        np.testing.assert_array_equal(
            logic.take_along(gn.tensor(a), logic.rank(gn.tensor(a), d, 2), d).numpy().squeeze(d),
            t.kthvalue(2, d).values.numpy(),
        )


def test_truth_of_nan_and_empty() -> None:
    x = gn.tensor(np.array([[np.nan, 0.0], [1.0, 2.0]]))
    np.testing.assert_array_equal(logic.truth(x, "all", 1).numpy(), [False, True])
    np.testing.assert_array_equal(logic.truth(x, "count", 0).numpy(), [2, 1])
    assert logic.truth(gn.tensor(np.zeros((0, 2))), "all").numpy() == np.True_


def test_nondifferentiable_apply_records_nothing() -> None:
    x = gn.tensor(A, requires_grad=True)
    out = logic.Compare.apply(x, 0.0, op="__gt__")
    assert out._ctx is None and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), A > 0)


def test_stable_order_matches_numpy() -> None:
    idx = logic.order(gn.tensor(A), 1, True).numpy()
    np.testing.assert_array_equal(idx, [[3, 0, 2, 1], [1, 3, 0, 2]])  # ties in index order


def test_take_along_gradient() -> None:
    index = gn.tensor(np.array([[3, 0], [1, 1]]))
    check_gradients(lambda a: logic.take_along(a, index, 1), A.copy())


def test_take_along_smaller_index_than_input() -> None:
    index = np.array([[2], [0]])
    out = logic.take_along(gn.tensor(A), gn.tensor(index), 1)
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(A, index, 1))


def test_take_along_against_torch() -> None:
    pytest.importorskip("torch")
    index = np.array([[3, 0, 0], [1, 2, 1]])
    check_against_torch(
        lambda a: logic.take_along(a, gn.tensor(index), 1),
        lambda t: t.gather(1, __import__("torch").as_tensor(index)),
        A.copy(),
    )
