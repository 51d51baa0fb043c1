"""The engine: accumulation, un-broadcasting, graph freeing, grad modes, aliasing."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import GradcheckError, gradcheck, unbroadcast


def test_simple_chain():
    x = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x * 3.0).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0, 18.0])


def test_fan_out_accumulates():
    x = gn.tensor([2.0], requires_grad=True)
    y = x * x + x * 3.0 + x
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * 2.0 + 3.0 + 1.0])


def test_unbroadcast_shapes():
    g = np.ones((4, 3, 5))
    assert unbroadcast(g, (3, 1)).shape == (3, 1)
    np.testing.assert_allclose(unbroadcast(g, (3, 1)), np.full((3, 1), 20.0))
    assert unbroadcast(g, (5,)).shape == (5,)
    assert unbroadcast(g, ()).shape == ()


def test_broadcast_grad_summed():
    a = gn.tensor(np.ones((4, 3)), requires_grad=True)
    b = gn.tensor(np.ones((3,)), requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [4.0, 4.0, 4.0])
    assert a.grad.shape == (4, 3)


def test_grads_accumulate_across_backward_calls():
    x = gn.tensor([1.0], requires_grad=True)
    (x * 2.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0])


def test_leaf_grads_never_alias():
    a = gn.tensor(np.ones(3), requires_grad=True)
    b = gn.tensor(np.ones(3), requires_grad=True)
    c = gn.tensor(np.ones(6), requires_grad=True)
    y = a + b  # Add returns the same gradient array for both inputs
    z = y.sum() + (c.reshape(2, 3) + a).sum()
    z.backward()
    assert not np.shares_memory(a.grad.array, b.grad.array)
    a.grad.array *= 10  # in-place (like clipping) must not touch b
    np.testing.assert_allclose(b.grad.numpy(), np.ones(3))


def test_intermediates_are_freed_after_backward():
    x = gn.tensor(np.random.default_rng(0).random(100), requires_grad=True)
    h = x * 2.0
    ref = weakref.ref(h)
    y = (h.exp() * 3.0).sum()
    del h
    assert ref() is not None  # the graph holds it
    y.backward()
    gc.collect()
    assert ref() is None


def test_backward_twice_needs_retain_graph():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_no_grad_records_nothing():
    x = gn.tensor([1.0], requires_grad=True)
    with gn.no_grad():
        y = x * 2.0
    assert not y.requires_grad and y.grad_fn is None

    @gn.no_grad()
    def f(t):
        return t * 2.0

    assert not f(x).requires_grad
    with gn.no_grad(), gn.enable_grad():
        assert (x * 2.0).requires_grad


def test_backward_on_non_scalar_needs_gradient():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="single-element"):
        (x * 2.0).backward()
    (x * 2.0).backward(gradient=np.array([1.0, 1.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_backward_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gn.tensor([1.0]).sum().backward()


def test_retain_grad_and_detach():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3.0).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])
    d = h.detach()
    assert not d.requires_grad and d.is_leaf


def test_deep_graph_no_recursion_limit():
    x = gn.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0])


def test_multi_output_function_unused_output_gets_zeros():
    from glassnet.autograd import Function

    class SplitTwo(Function):
        def forward(self, a):
            return a * 2, a * 3

        def backward(self, g1, g2):
            return g1 * 2 + g2 * 3

    x = gn.tensor([1.0, 1.0], requires_grad=True)
    a, b = SplitTwo.apply(x)
    (b * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_dtype_default_float32_and_float64_allowed():
    assert gn.tensor([1.0, 2.0]).dtype == np.float32
    assert gn.tensor(np.array([1.0]), dtype=np.float64).dtype == np.float64
    assert gn.tensor([1, 2]).dtype.kind == "i"
    x = gn.tensor([1.0], requires_grad=True)
    assert (x * 2.5).dtype == np.float32


def test_gradcheck_detects_wrong_backward():
    from glassnet.autograd import Function

    class BadSquare(Function):
        def forward(self, a):
            self.a = a
            return a * a

        def backward(self, g):
            return g * self.a  # should be 2 * a

    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda t: BadSquare.apply(t), [np.array([1.0, 2.0])])


def test_grad_returns_without_touching_dot_grad():
    from glassnet.autograd import grad

    w = gn.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = gn.tensor([1.0, -1.0], requires_grad=True)
    h = w @ x
    y = (h * h).sum()
    (gx,) = grad(y, x, retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), 2 * w.numpy().T @ (w.numpy() @ x.numpy()))
    assert w.grad is None and x.grad is None
    (gh,) = grad(y, h)  # an intermediate tensor
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())


def test_grad_skips_weight_gradient_work():
    from glassnet.autograd import Function, grad

    seen = []

    class Spy(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, g):
            seen.append(self.needs_input_grad)
            return g, g

    a = gn.tensor([1.0], requires_grad=True)
    b = gn.tensor([2.0], requires_grad=True)
    grad(Spy.apply(a, b).sum(), a)
    assert seen == [(True, False)]


def test_grad_unused_input():
    from glassnet.autograd import grad

    a = gn.tensor([1.0], requires_grad=True)
    b = gn.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        grad((a * 2.0).sum(), [a, b])
    ga, gb = grad((a * 2.0).sum(), [a, b], allow_unused=True)
    assert gb is None and ga.item() == 2.0


# ------------------------------------------------------------ ReLU -> max-pool in the engine
def _relu_pool_grads(x_np, opts, *, extra_reader=False, retain=False, torch=None):
    """Gradient of sum(w * max_pool2d(relu(x))) w.r.t. x, and whether ReLU.backward ran."""
    from glassnet.ops import activation

    calls = []
    original = activation.ReLU.backward

    def counted(self, g):
        calls.append(1)
        return original(self, g)

    x = gn.tensor(x_np, requires_grad=True)
    activation.ReLU.backward = counted
    try:
        y = gn.functional.relu(x)
        if retain:
            y.retain_grad()
        p = gn.functional.max_pool2d(y, **opts)
        w = np.random.default_rng(1).standard_normal(p.shape)
        loss = (p * gn.tensor(w)).sum()
        if extra_reader:
            loss = loss + (y * 0.5).sum()
        loss.backward()
    finally:
        activation.ReLU.backward = original
    return x.grad.numpy(), bool(calls), y


def _relu_pool_reference(x_np, opts, extra_reader=False):
    """The same gradient through autograd.grad."""
    x = gn.tensor(x_np, requires_grad=True)
    y = gn.functional.relu(x)
    p = gn.functional.max_pool2d(y, **opts)
    w = np.random.default_rng(1).standard_normal(p.shape)
    loss = (p * gn.tensor(w)).sum()
    if extra_reader:
        loss = loss + (y * 0.5).sum()
    (g,) = gn.autograd.grad(loss, [x])
    return g.numpy()


def test_relu_then_max_pool_fusion_agrees_with_torch(torch, rng):
    x = rng.standard_normal((2, 4, 8, 8))
    check_against_torch = gn.testing.check_against_torch
    check_against_torch(
        lambda t: gn.functional.max_pool2d(gn.functional.relu(t), 2),
        lambda t: torch.nn.functional.max_pool2d(torch.relu(t), 2),
        x,
    )


def test_relu_output_read_elsewhere_is_not_fused(rng):
    x = rng.standard_normal((2, 3, 6, 6))
    grad, relu_ran, _ = _relu_pool_grads(x, {"kernel_size": 2}, extra_reader=True)
    assert relu_ran
    np.testing.assert_allclose(grad, _relu_pool_reference(x, {"kernel_size": 2}, True))


def test_retained_relu_output_is_not_fused_and_gets_its_grad(rng):
    x = rng.standard_normal((2, 3, 6, 6))
    grad, relu_ran, y = _relu_pool_grads(x, {"kernel_size": 2}, retain=True)
    assert relu_ran and y.grad is not None and y.grad.shape == y.shape
    np.testing.assert_array_equal(grad, _relu_pool_reference(x, {"kernel_size": 2}))


def test_fused_graph_can_be_retained_and_run_twice(rng):
    x = gn.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    loss = gn.functional.max_pool2d(gn.functional.relu(x), 2).sum()
    loss.backward(retain_graph=True)
    once = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * once)


def test_fusion_frees_the_relu_output_at_the_pool_backward(rng):
    x = gn.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    y = gn.functional.relu(x)
    relu_node = y._ctx
    loss = gn.functional.max_pool2d(y, 2).sum()
    del y
    loss.backward()
    assert relu_node.__dict__ == {}  # saved output released, as after its own backward


# ------------------------------------------------------------ the plan, then its execution
def _node_state(outputs):
    """Every node's attributes (by identity of their values), for checking nothing changed."""
    from glassnet.autograd.engine import _toposort

    nodes = _toposort([o._ctx for o in outputs])
    return {id(n): {k: id(v) for k, v in n.__dict__.items()} for n in nodes}


def test_plan_orders_consumers_first_and_needs_what_nodes_recorded():
    from glassnet.autograd.engine import plan

    x = gn.tensor([1.0, 2.0], requires_grad=True)
    c = gn.tensor([3.0, 4.0])  # no gradient
    h = x * c
    y = (h.exp() + h).sum()
    before = _node_state([y])
    p = plan([y])
    assert _node_state([y]) == before  # planning reads the graph only
    pos = {id(n): i for i, n in enumerate(p.order)}
    assert len(pos) == 4  # mul, exp, add, sum: each once although h has two readers
    assert pos[id(y._ctx)] == 0 and pos[id(h._ctx)] == 3
    assert p.needs_of(h._ctx) == (True, False)  # as recorded: c needs no gradient
    assert p.needs_of(h._ctx) is h._ctx.needs_input_grad


def test_plan_toward_some_inputs_skips_the_others():
    from glassnet.autograd.engine import plan

    w = gn.tensor(np.ones((3, 2)), requires_grad=True)
    b = gn.tensor(np.zeros(3), requires_grad=True)
    x = gn.tensor(np.ones(2), requires_grad=True)
    pre = w @ x
    h = pre + b
    y = (h * h).sum()
    p = plan([y], [x])
    assert p.needs_of(pre._ctx) == (False, True)  # the weight's gradient is not computed
    assert p.needs_of(h._ctx) == (True, False)  # nor the bias's
    toward_h = plan([y], [h])
    assert toward_h.needs_of(h._ctx) is None  # nothing before the requested tensor runs
    assert toward_h.needs_of(pre._ctx) is None
    assert toward_h.needs_of(y._ctx) == (True,)


def test_grad_to_a_subset_touches_no_other_leaf_and_leaves_nodes_unchanged():
    from glassnet.autograd import grad

    rng = np.random.default_rng(0)
    w = gn.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = gn.tensor(rng.standard_normal(4), requires_grad=True)
    x = gn.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    y = ((x @ w.T + b).tanh() ** 2).sum()
    before = _node_state([y])
    (gx,) = grad(y, x, retain_graph=True)
    assert _node_state([y]) == before  # needs_input_grad and saved arrays as they were
    assert w.grad is None and b.grad is None and x.grad is None
    y.backward()  # the retained graph still gives every leaf its gradient
    np.testing.assert_allclose(x.grad.numpy(), gx.numpy())
    t = np.tanh(x.numpy() @ w.numpy().T + b.numpy())
    np.testing.assert_allclose(b.grad.numpy(), (2 * t * (1 - t * t)).sum(axis=0))


def test_backprop_node_asks_only_for_planned_inputs_on_a_copy():
    from glassnet.autograd import Function
    from glassnet.autograd.engine import backprop_node

    seen = []

    class Spy(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, g):
            seen.append((self.needs_input_grad, self.inputs is not None))
            return (
                g if self.needs_input_grad[0] else None,
                g if self.needs_input_grad[1] else None,
            )

    a = gn.tensor([1.0], requires_grad=True)
    b = gn.tensor([2.0], requires_grad=True)
    node = Spy.apply(a, b)._ctx
    ga, gb = backprop_node(node, [np.ones(1)], (True, False))
    assert seen == [((True, False), True)] and gb is None and ga.tolist() == [1.0]
    assert node.needs_input_grad == (True, True)  # the node itself is unchanged


def test_backprop_node_names_a_wrong_number_of_gradients():
    from glassnet.autograd import Function
    from glassnet.autograd.engine import backprop_node

    class Short(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, g):
            return g

    a = gn.tensor([1.0], requires_grad=True)
    node = Short.apply(a, a)._ctx
    with pytest.raises(RuntimeError, match="Short.backward returned 1 gradients for 2 inputs"):
        backprop_node(node, [np.ones(1)], (True, True))


def test_plan_of_a_freed_graph_says_so():
    from glassnet.autograd.engine import plan

    x = gn.tensor([1.0], requires_grad=True)
    y = (x * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        plan([y])


def test_grad_frees_the_graph_as_backward_does():
    x = gn.tensor(np.random.default_rng(0).random(50), requires_grad=True)
    h = x * 2.0
    ref = weakref.ref(h)
    y = (h.exp() * 3.0).sum()
    del h
    gn.autograd.grad(y, x)
    gc.collect()
    assert ref() is None
