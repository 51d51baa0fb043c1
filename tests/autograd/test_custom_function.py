"""User-defined autograd Functions in PyTorch's form (static forward/backward with ctx)."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import Function, GradcheckError, gradcheck
from glassnet.autograd.function import FunctionCtx, once_differentiable


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class LinearFn(Function):
    """``x @ w.T + b`` with saved tensors and needs_input_grad, as in PyTorch's tutorial."""

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w, b)
        out = x @ w.T
        if b is not None:
            out = out + b
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.saved_tensors
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = grad @ w
        if ctx.needs_input_grad[1]:
            gw = grad.T @ x
        if b is not None and ctx.needs_input_grad[2]:
            gb = grad.sum(0)
        return gx, gw, gb


class Scale(Function):
    """A non-tensor argument (``k``) and an attribute on ctx."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        return grad * ctx.k, None


class SortFn(Function):
    """Two outputs, the second (indices) not differentiable."""

    @staticmethod
    def forward(ctx, x):
        idx = np.argsort(x.numpy(), axis=-1)
        vals = gn.tensor(np.take_along_axis(x.numpy(), idx, axis=-1))
        ind = gn.tensor(idx)
        ctx.save_for_backward(ind)
        ctx.mark_non_differentiable(ind)
        return vals, ind

    @staticmethod
    def backward(ctx, gvals, gind):
        (ind,) = ctx.saved_tensors
        g = np.zeros_like(gvals.numpy())
        np.put_along_axis(g, ind.numpy(), gvals.numpy(), axis=-1)
        return gn.tensor(g)


def test_exp_forward_and_grad(rng):
    a = rng.standard_normal((3, 4))
    x = gn.tensor(a, requires_grad=True)
    y = Exp.apply(x)
    assert y.requires_grad and repr(y.grad_fn) == "<ExpBackward>"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(a))


def test_gradcheck_exp_and_linear(rng):
    x = gn.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = gn.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(Exp.apply, (x,))
    assert gradcheck(Exp.apply, x)
    assert gradcheck(LinearFn.apply, (x, w, b))
    assert gradcheck(LinearFn.apply, (x, w))


def test_gradcheck_catches_a_wrong_backward(rng):
    class BadExp(Exp):
        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y * 1.01

    x = gn.tensor(rng.standard_normal(4), requires_grad=True)
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(BadExp.apply, (x,))
    assert gradcheck(BadExp.apply, (x,), raise_exception=False) is False


def test_gradcheck_only_checks_inputs_that_require_grad(rng):
    x = gn.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((4, 3)))  # constant: its wrong gradient is not checked

    class WrongW(LinearFn):
        @staticmethod
        def backward(ctx, grad):
            gx, gw, gb = LinearFn.backward(ctx, grad)
            return gx, None if gw is None else gw * 2, gb

    assert gradcheck(WrongW.apply, (x, w))
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(WrongW.apply, (x, w.requires_grad_()))


def test_needs_input_grad_and_weight_only(rng):
    seen = []

    class Probe(LinearFn):
        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.needs_input_grad)
            return LinearFn.backward(ctx, grad)

    x = gn.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    w = gn.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    Probe.apply(x, w, None).sum().backward()
    assert seen == [(False, True, False)]
    np.testing.assert_allclose(w.grad.numpy(), np.ones((2, 4)).T @ x.numpy(), rtol=1e-6)
    assert w.grad.dtype == np.float32


def test_non_tensor_argument_and_ctx_attribute(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    Scale.apply(x, 2.5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 2.5))
    assert gradcheck(Scale.apply, (x, 3))


def test_keyword_arguments_are_constants(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)

    class KScale(Function):
        @staticmethod
        def forward(ctx, x, k=2.0):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.k

    KScale.apply(x, k=4.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 4.0))


def test_multiple_outputs_and_non_differentiable(rng):
    a = rng.standard_normal((2, 5))
    x = gn.tensor(a, requires_grad=True)
    vals, ind = SortFn.apply(x)
    assert vals.requires_grad and not ind.requires_grad and ind.grad_fn is None
    np.testing.assert_array_equal(ind.numpy(), np.argsort(a, axis=-1))
    w = rng.standard_normal((2, 5))
    (vals * gn.tensor(w)).sum().backward()
    expected = np.zeros_like(a)
    np.put_along_axis(expected, np.argsort(a, axis=-1), w, axis=-1)
    np.testing.assert_allclose(x.grad.numpy(), expected)
    assert gradcheck(SortFn.apply, (x,))


def test_materialize_grads_and_non_tensor_outputs(rng):
    got = {}

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(ctx_flag[0])
            return x * 2, x * 3, "label"

        @staticmethod
        def backward(ctx, ga, gb, gs):
            got["gb"], got["gs"] = gb, gs
            return ga * 2 + (0 if gb is None else gb * 3)

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    ctx_flag = [True]
    a, b, s = Two.apply(x)
    assert s == "label"
    a.sum().backward()
    assert got["gs"] is None
    np.testing.assert_array_equal(got["gb"].numpy(), np.zeros(3))
    ctx_flag[0] = False
    a, b, s = Two.apply(x)
    a.sum().backward()
    assert got["gb"] is None and got["gs"] is None


def test_output_that_is_an_input_is_a_new_tensor(rng):
    class Ident(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    y = Ident.apply(x)
    assert y is not x and x.grad_fn is None and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 2.0))


def test_no_graph_without_grad(rng):
    x = gn.tensor(rng.standard_normal(3))
    y = Exp.apply(x)
    assert not y.requires_grad and y.grad_fn is None
    with gn.no_grad():
        y = Exp.apply(gn.tensor(rng.standard_normal(3), requires_grad=True))
    assert not y.requires_grad


def test_forward_runs_without_recording(rng):
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen["enabled"] = gn.is_grad_enabled()
            seen["ctx"] = isinstance(ctx, FunctionCtx)
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            seen["bw_enabled"] = gn.is_grad_enabled()
            return grad * 2

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    Probe.apply(x).sum().backward()
    assert seen == {"enabled": False, "ctx": True, "bw_enabled": False}


def test_setup_context_form(rng):
    class Mul(Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            return grad * y, grad * x

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    y = gn.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(Mul.apply, (x, y))


def test_in_a_module_with_autograd_grad(rng):
    class MyLinear(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = gn.nn.Parameter(gn.tensor(rng.standard_normal((2, 3)).astype(np.float32)))

        def forward(self, x):
            return LinearFn.apply(x, self.weight)

    m = MyLinear()
    x = gn.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    out = Exp.apply(m(x)).sum()
    (gx,) = gn.autograd.grad(out, x)
    expected = np.exp(x.numpy() @ m.weight.numpy().T) @ m.weight.numpy()
    np.testing.assert_allclose(gx.numpy(), expected, rtol=1e-5)
    assert m.weight.grad is None and x.grad is None


def test_intermediates_freed_after_backward(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    y = Exp.apply(x * 2)
    node = weakref.ref(y.grad_fn)
    y.sum().backward()
    del y
    gc.collect()
    assert node() is None


# ----------------------------------------------------------------------------- errors
def test_wrong_number_of_gradients_names_the_function(rng):
    class Few(Function):
        @staticmethod
        def forward(ctx, x, w):
            return x * w

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    with pytest.raises(
        RuntimeError,
        match=r"FewBackward returned an incorrect number of gradients \(expected 2, got 1\)",
    ):
        Few.apply(x, x).sum().backward()


def test_vjp_is_backwards_other_name(rng):
    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, grad):
            return grad * 2

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    Twice.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 2.0))


def test_extra_none_gradients_are_allowed(rng):
    class Extra(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, None, None

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    Extra.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 2.0))


def test_gradient_for_a_non_tensor_argument_is_refused(rng):
    class G(Function):
        @staticmethod
        def forward(ctx, x, n):
            return x * n

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    with pytest.raises(
        RuntimeError, match="GBackward returned a gradient different than None at position 2"
    ):
        G.apply(x, 2).sum().backward()


def test_gradient_of_wrong_shape_or_type(rng):
    class Short(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad[:1] if ctx.mode == "shape" else "a"

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)

    class ShapeBad(Short):
        @staticmethod
        def forward(ctx, x):
            ctx.mode = "shape"
            return x * 2

    class TypeBad(Short):
        @staticmethod
        def forward(ctx, x):
            ctx.mode = "type"
            return x * 2

    with pytest.raises(
        RuntimeError,
        match=r"ShapeBadBackward returned an invalid gradient at index 0 - got \[1\] but expected shape compatible with \[3\]",
    ):
        ShapeBad.apply(x).sum().backward()
    with pytest.raises(
        RuntimeError, match="TypeBadBackward: expected a Tensor or None as gradient 0, got str"
    ):
        TypeBad.apply(x).sum().backward()


def test_save_for_backward_refuses_non_tensors(rng):
    class S(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(3)
            return x

    with pytest.raises(TypeError, match="argument 0 is of type int"):
        S.apply(gn.tensor([1.0], requires_grad=True))


def test_saved_tensor_changed_in_place_raises(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    w = Exp.apply(x * 1)
    with gn.no_grad():
        w.mul_(2)  # Exp saved its output
    with pytest.raises(
        RuntimeError,
        match="modified by an inplace operation.*saved tensor 0 of ExpBackward.*version 1; expected version 0",
    ):
        w.sum().backward()


def test_unsaved_input_changed_in_place_is_fine(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    y = Scale.apply(x, 3.0)
    with gn.no_grad():
        x.add_(1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 3.0))


def test_missing_backward_and_mark_dirty_raise(rng):
    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    class Dirty(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    with pytest.raises(NotImplementedError, match="NoBackward: you must implement backward"):
        NoBackward.apply(x).sum().backward()
    with pytest.raises(NotImplementedError, match="mark_dirty"):
        Dirty.apply(x)


def test_backward_twice_without_retain_graph(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    y = Exp.apply(x * 1).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(x.numpy()))
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_create_graph_differentiates_a_tensor_backward(rng):
    # the user's backward (grad * y, y the saved output) runs with recording on, so its
    # gradient is differentiable again: d2/dx2 sum(exp(x)) = exp(x), as torch gives
    values = rng.standard_normal(3)
    x = gn.tensor(values, requires_grad=True)
    (g,) = gn.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (gg,) = gn.autograd.grad((g * g).sum(), x)
    np.testing.assert_allclose(gg.numpy(), 2 * np.exp(2 * values), rtol=1e-12)
    x.grad = None
    Exp.apply(x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    x.grad.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.exp(values), rtol=1e-12)


def test_create_graph_refuses_a_once_differentiable_backward(rng):
    class OnceExp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        @gn.autograd.function.once_differentiable
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        gn.autograd.grad(OnceExp.apply(x).sum(), x, create_graph=True)


def test_array_level_recipe_still_works(rng):
    class Cube(Function):
        def forward(self, a):
            self.a = a
            return a**3

        def backward(self, g):
            return 3 * self.a**2 * g

    assert not Cube._torch_form and Exp._torch_form
    assert gradcheck(lambda t: Cube.apply(t), [rng.standard_normal(4)])


# ------------------------------------------------------------------------ torch
def test_agrees_with_the_same_function_written_for_torch(torch, rng):
    class TorchLinear(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b=None):
            ctx.save_for_backward(x, w, b)
            out = x @ w.T
            return out if b is None else out + b

        @staticmethod
        def backward(ctx, grad):
            x, w, b = ctx.saved_tensors
            gx = grad @ w if ctx.needs_input_grad[0] else None
            gw = grad.T @ x if ctx.needs_input_grad[1] else None
            gb = grad.sum(0) if b is not None and ctx.needs_input_grad[2] else None
            return gx, gw, gb

    class TorchExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    arrays = [rng.standard_normal(s) for s in ((5, 3), (4, 3), (4,))]
    gts = [gn.tensor(a, requires_grad=True) for a in arrays]
    tts = [torch.tensor(a, requires_grad=True) for a in arrays]
    g_out = Exp.apply(LinearFn.apply(*gts) * 0.3)
    t_out = TorchExp.apply(TorchLinear.apply(*tts) * 0.3)
    np.testing.assert_allclose(g_out.numpy(), t_out.detach().numpy(), rtol=1e-12)
    w = rng.standard_normal(g_out.shape)
    g_out.backward(w)
    t_out.backward(torch.tensor(w))
    for g, t in zip(gts, tts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-10)
    assert torch.autograd.gradcheck(TorchExp.apply, (tts[0],))
    assert gradcheck(Exp.apply, (gts[0],))


def test_onnx_export_traces_the_ops_inside(rng, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import glassnet.io as gio

    class Net(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = gn.nn.Parameter(gn.tensor(rng.standard_normal((4, 3)).astype(np.float32)))

        def forward(self, x):
            return Exp.apply(LinearFn.apply(x, self.weight) * 0.1)

    net = Net()
    x = rng.standard_normal((2, 3)).astype(np.float32)
    path = gio.export_onnx(net, (x,), tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {sess.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, net(gn.tensor(x)).detach().numpy(), rtol=1e-5)


# ------------------------------------------------------- autograd.grad / backward
def test_grad_takes_torchs_positional_arguments(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    u = gn.tensor(rng.standard_normal(3), requires_grad=True)
    y = (x * x).sum()
    (g,) = gn.autograd.grad([y], [x], [None], True)  # retain_graph positionally
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())
    with pytest.raises(RuntimeError, match="input 1 .* is not used"):
        gn.autograd.grad(y, [x, u], retain_graph=True)
    gx, gu = gn.autograd.grad(y, [x, u], retain_graph=True, allow_unused=True)
    assert gu is None
    gx, gu = gn.autograd.grad(y, [x, u], materialize_grads=True)
    np.testing.assert_array_equal(gu.numpy(), np.zeros(3))
    with pytest.raises(NotImplementedError, match="is_grads_batched"):
        gn.autograd.grad(y, x, is_grads_batched=True)


def test_grad_outputs_count_must_match(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    a, b = x * 2, x * 3
    gs = gn.autograd.grad([a, b], x, [gn.ones(3), gn.ones(3)])
    np.testing.assert_allclose(gs[0].numpy(), np.full(3, 5.0))
    with pytest.raises(RuntimeError, match="got 1 gradients for 2 outputs"):
        gn.autograd.grad([a, b], x, [gn.ones(3)])


def test_backward_with_inputs_accumulates_only_there(rng):
    x = gn.tensor(rng.standard_normal(3), requires_grad=True)
    w = gn.tensor(rng.standard_normal(3), requires_grad=True)
    h = x * w
    loss = Exp.apply(h).sum()
    loss.backward(inputs=[w], retain_graph=True)
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), np.exp(h.numpy()) * x.numpy())
    gn.autograd.backward(loss, inputs=h)
    np.testing.assert_allclose(h.grad.numpy(), np.exp(h.numpy()))
    assert x.grad is None


def test_docs_autograd_examples_run():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "autograd.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 4
    for block in blocks:
        ns: dict = {}
        exec(compile(block, "docs/autograd.md", "exec"), ns)  # noqa: S102
    assert ns["y"].grad_fn is not None and ns["w"].grad.shape == (4, 3)


def test_on_every_device(device, rng):
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    x = gn.tensor(a, requires_grad=True).to(device)
    w = gn.tensor(b, requires_grad=True).to(device)
    y = Exp.apply(LinearFn.apply(x, w) * 0.1)
    assert y.device.type == ("cpu" if device == "cpu" else "cuda")
    y.sum().backward()
    e = np.exp(a @ b.T * 0.1) * 0.1
    np.testing.assert_allclose(x.grad.numpy(), e @ b, rtol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), e.T @ a, rtol=1e-10)
    assert x.grad.device == x.device
