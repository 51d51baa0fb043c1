"""``x[index] = value`` inside the graph, and in-place changes through views (``x[0]``,
``x.view(...)``, ``x.t()``, ``x.chunk(...)``) reaching the tensor they view, against torch.

Each scenario is written once against a module ``lib`` (``torch`` or ``glassnet``) and
returns the values and gradients it produced; both frameworks must agree. A scenario
where torch raises must raise in glassnet too."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

torch = pytest.importorskip("torch")

W = np.arange(1.0, 7.0).reshape(2, 3) / 7.0
V = np.array([0.5, -1.5, 2.0])


def _leaf(lib, a):
    return lib.tensor(np.array(a, dtype=np.float64), requires_grad=True)


def _run(lib, body):
    w, v = _leaf(lib, W), _leaf(lib, V)
    x = body(lib, w, v)
    (x * lib.tensor(np.arange(1.0, x.numel() + 1).reshape(x.shape))).sum().backward()
    grads = [t.grad.numpy().copy() if t.grad is not None else None for t in (w, v)]
    return [x.detach().numpy().copy(), *grads]


def seq2seq_outputs(lib, w, v):
    out = lib.zeros(4, 3, dtype=lib.float64)  # outputs = zeros(T, ...); outputs[t] = step
    h = v
    for t in range(4):
        h = (h * w[t % 2]).tanh()
        out[t] = h
    return out


def assign_number_and_slice(lib, w, v):
    x = w * 1
    x[0, 1] = 5.0
    x[1, 1:] = v[:2] * 3
    return x


def assign_with_a_mask(lib, w, v):
    x = w * v
    x[x > 0.5] = 0.0
    return x


def assign_with_index_arrays(lib, w, v):
    x = (w * 2).reshape(-1)
    x[lib.tensor(np.array([0, 4]))] = v[1:] ** 2
    return x


def assign_broadcast_value(lib, w, v):
    x = w + 0
    x[1] = v.sum()  # one value into a row
    x[:, :1] = v[:2].reshape(2, 1)
    return x


def iadd_into_an_index(lib, w, v):
    x = w * 1
    x[:, 0] += v[:2]
    x[1] *= 2
    return x


def add_through_a_slice(lib, w, v):
    x = w * 1
    y = x[0, 1:]
    y.add_(v[:2])
    return x


def mul_through_view_of_view(lib, w, v):
    x = (w * 1).reshape(6)
    y = x.view(2, 3)[1]
    y.mul_(v)
    return x


def through_a_transpose(lib, w, v):
    x = w * 1
    x.t()[2].sub_(v[:2])
    return x


def through_narrow_and_unsqueeze(lib, w, v):
    x = w * 1
    x.narrow(1, 0, 2).unsqueeze(0).mul_(v[0])  # (torch refuses this for chunk's views)
    return x


def view_sees_base_outside_graph(lib, w, v):
    buf = lib.zeros(2, 3, dtype=lib.float64)
    row = buf[1]
    with lib.no_grad():
        row.add_(1.0)  # writes into buf's memory
    return w * buf


def value_of_another_dtype(lib, w, v):
    x = (w * 1).to(lib.float32)
    x[0] = v.to(lib.float64) * 2  # cast into the tensor's dtype; v's gradient stays float64
    return x.to(lib.float64)


# --- found by test_views_fuzz.py: each failed before its fix
def view_sees_a_later_change_of_its_base(lib, w, v):
    x = w * 1
    y = x.t()  # taken before the change: made again from x afterwards
    x.mul_(v[0])
    return y * 1


def view_sees_a_change_through_a_sibling_view(lib, w, v):
    x = w * 1
    row = x[1]
    x.view(6)[3:5] += v[:2]  # the same memory as row
    return row * 1


def op_that_read_a_view_survives_a_change_of_its_base(lib, w, v):
    x = w * 1
    s = x[0] + v  # add keeps nothing: torch backprops, and so must glassnet
    x.add_(v[1])
    return s * 1 + x.sum()


def change_through_a_zero_dim_view(lib, w, v):
    x = w * 1
    x[0, 1].add_(v[0])  # an int for every axis: a 0-d view, not a copy
    x.select(0, 1).select(0, 2).fill_(0.5)
    return x


def zero_dim_view_used_twice(lib, w, v):
    e = (w * 1).reshape(-1)[2]
    a = e + e  # the 0-d gradients add up (NumPy scalars)
    return (e * 2 + a * 3).reshape(1)


def change_through_a_transpose_keeps_the_base_layout(lib, w, v):
    x = w * 2
    b = x.t()
    b[0:3] += v.reshape(3, 1)
    return x.view(-1)  # x is still contiguous, as in torch



def decoder_reads_earlier_rows(lib, w, v):
    out = lib.zeros(4, 3, dtype=lib.float64)
    out[0] = v
    for t in range(1, 4):  # out[t - 1] is kept by the graph; out[t] = ... must not stale it
        out[t] = (out[t - 1] + w[t % 2]).tanh()  # (add keeps nothing: torch agrees)
    return out


def change_through_a_view_of_a_view_reaches_overlapping_siblings(lib, w, v):
    x = w * 1
    n = x[:, 1:]
    row, col = n[0], n[:, 0]  # overlap at n[0, 0]
    row[0:1] = v[0]  # the view of a view changes; col must see it, x too
    n.squeeze()[1, 1:] += v[2]
    return col * 1 + x.sum()


SCENARIOS = [
    seq2seq_outputs, assign_number_and_slice, assign_with_a_mask, assign_with_index_arrays,
    assign_broadcast_value, iadd_into_an_index, add_through_a_slice, mul_through_view_of_view,
    through_a_transpose, through_narrow_and_unsqueeze, view_sees_base_outside_graph,
    value_of_another_dtype, view_sees_a_later_change_of_its_base,
    view_sees_a_change_through_a_sibling_view, op_that_read_a_view_survives_a_change_of_its_base,
    change_through_a_zero_dim_view, zero_dim_view_used_twice,
    change_through_a_transpose_keeps_the_base_layout, decoder_reads_earlier_rows,
    change_through_a_view_of_a_view_reaches_overlapping_siblings,
]  # fmt: skip


@pytest.mark.parametrize("body", SCENARIOS, ids=lambda f: f.__name__)
def test_values_and_gradients_match_torch(body):
    ours, theirs = _run(gn, body), _run(torch, body)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
        else:
            assert a is not None and a.dtype == b.dtype
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _leaf_assign(lib, w, v):
    w[0] = 1.0


def _leaf_view_change(lib, w, v):
    w[0].add_(v[0])


def _leaf_transposed_change(lib, w, v):
    w.t().mul_(2)


@pytest.mark.parametrize("body", [_leaf_assign, _leaf_view_change, _leaf_transposed_change])
def test_changing_a_leaf_or_its_view_in_the_graph_is_refused(body):
    with pytest.raises(RuntimeError, match="leaf"):
        body(torch, _leaf(torch, W), _leaf(torch, V))
    with pytest.raises(RuntimeError, match="leaf"):
        body(gn, _leaf(gn, W), _leaf(gn, V))


def test_a_change_through_a_view_of_a_saved_input_fails_at_backward():
    def body(lib):
        w = _leaf(lib, V)
        a = lib.ones(3, dtype=lib.float64)
        z = (w * a).sum()  # saves a for w's gradient
        a[:2].mul_(2)  # outside the graph, through a view: a's memory changed
        z.backward()

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        body(torch)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        body(gn)


def test_setitem_op_gradients_by_finite_differences():
    from glassnet.ops.shape import setitem
    from glassnet.testing import check_gradients

    rng = np.random.default_rng(0)
    a, val = rng.standard_normal((3, 4)), rng.standard_normal((2, 1))
    check_gradients(lambda x, y: setitem(x, (slice(1, 3), slice(0, 4)), y), a, val)
    mask = np.array([[True, False, True, False]] * 3)
    check_gradients(lambda x, y: setitem(x, mask, y), a, rng.standard_normal(()))


@pytest.mark.parametrize("view", ["reshape", "slice", "transpose"])
def test_gradient_with_respect_to_a_tensor_that_was_then_viewed(view):
    # the view op records a second tensor of the same node: autograd.grad(inputs=...) and
    # backward(inputs=...) find the target by its node (Grad-CAM asks for a layer's output)
    def run(lib):
        w = _leaf(lib, W)
        h = (w * 2).relu()
        v = {
            "reshape": lambda: h.reshape(-1),
            "slice": lambda: h[:, 1:],
            "transpose": lambda: h.t(),
        }[view]()
        out = (v * v).sum()
        (g,) = lib.autograd.grad(out, [h], retain_graph=True)
        h.retain_grad()
        out2 = (v * 3).sum()
        out2.backward(inputs=[h])
        return g.numpy(), h.grad.numpy()

    for a, b in zip(run(gn), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_view_of_a_non_contiguous_tensor_is_refused_as_in_torch():
    got = []
    for lib in (torch, gn):
        x = _leaf(lib, W).t()
        with pytest.raises(RuntimeError, match="view"):
            x.view(-1)
        assert tuple(x.reshape(-1).shape) == (6,)  # reshape copies instead
        y = _leaf(lib, np.arange(24.0)).view(2, 3, 4).permute(1, 0, 2)
        got.append(y.contiguous().view(3, -1).detach().numpy())  # contiguous() copies
    np.testing.assert_array_equal(*got)


def test_where_torch_refuses_a_changed_saved_output_glassnet_gives_the_programs_answer():
    # exp keeps its output for backward; torch raises once a view of it changes. glassnet
    # kept the array exp saw, so its gradient is that of the same program in which exp's
    # output is cloned before the change (which torch computes).
    def body(lib, w, v, clone):
        y = (w * 1).exp()
        y = y.clone() if clone else y
        y[0].mul_(v[0])
        return y

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _run(torch, lambda lib, w, v: body(lib, w, v, False))
    ours = _run(gn, lambda lib, w, v: body(lib, w, v, False))
    theirs = _run(torch, lambda lib, w, v: body(lib, w, v, True))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
