"""Round 3 of tutorial-style PyTorch scripts (``round3/``), run unchanged under ``glassnet run``.

The scripts follow PyTorch's official tutorials: the Tensors tutorial's NumPy bridge,
"Learning PyTorch with Examples" (the polynomial fit four ways, RMSprop, a dynamic net), the
autograd tutorial, "What is torch.nn really?", a spatial transformer, FGSM, EmbeddingBag text
classification, char-RNN name generation, knowledge distillation, a custom Dataset with
transform classes and a training loop in ``torch.nn.functional`` alone. Where torch is
installed each runs first under torch (which saves its initial weights under
``INIT_WEIGHTS``) and then under glassnet from those weights; every ``LOSS`` line must agree:
its numbers to a relative 1e-4, its other words exactly.

The tests after the runner pin the glassnet fixes the scripts led to, each against torch.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import glassnet as gn

from .script_runs import check_script

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "round3")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_round3_script_gives_torchs_results(script, tmp_path):
    check_script(os.path.join(HERE, script), tmp_path)


# ---------------------------------------------------------------- the fixes, against torch
def test_out_argument_writes_into_the_given_tensor_as_torchs():
    torch = pytest.importorskip("torch")
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    for lib in (torch, gn):
        t = lib.tensor(a)
        out = lib.empty(2, 2)
        assert lib.matmul(t, t.T, out=out) is out
        np.testing.assert_allclose(out.numpy(), a @ a.T)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            resized = lib.zeros(3)
            lib.add(lib.ones(2), 1, out=resized)
        assert resized.tolist() == [2.0, 2.0] and any("resized" in str(w.message) for w in seen)
        vals, idx = lib.empty(2), lib.empty(2, dtype=lib.int64)
        got = lib.max(t, 1, out=(vals, idx))
        assert got[0] is vals and idx.tolist() == [2, 2]
        grown = lib.zeros(0)
        lib.cat([t, t], out=grown)
        assert tuple(grown.shape) == (4, 3)
        with pytest.raises(RuntimeError, match="can't be cast"):
            lib.add(t, 1, out=lib.zeros(2, 3, dtype=lib.int64))
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.mul(w, 2, out=lib.empty(2))
        with lib.no_grad():
            assert lib.mul(w, 2, out=lib.empty(2)).tolist() == [2.0, 2.0]


def _metadata_program(lib):
    """unsqueeze_/squeeze_/t_/transpose_ on fresh tensors, on views and in the graph."""
    seen = []
    a = lib.ones(2, 3)
    n = a.numpy()
    a.unsqueeze_(1)
    seen += [tuple(a.shape), a._version]
    a.squeeze_()
    a.t_()
    seen += [tuple(a.shape), a.is_contiguous()]
    a.add_(1)
    seen.append(n.tolist())
    base = lib.zeros(2, 3)
    v = base[0]
    v.unsqueeze_(0)
    v.add_(1)
    row = base[1]
    base.transpose_(0, 1)
    base[2] = lib.tensor([5.0, 6.0])
    seen += [base.tolist(), row.tolist(), tuple(v.shape)]
    h = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = h * 3
    y.unsqueeze_(1)
    buf = lib.zeros(2, 3)
    r = buf[1]
    r.unsqueeze_(0)
    r += h * 2
    ((y * lib.tensor([[1.0], [2.0], [3.0]])).sum() + (buf * buf).sum()).backward()
    seen += [tuple(y.shape), h.grad.tolist(), buf.tolist()]
    with pytest.raises(RuntimeError):
        h.unsqueeze_(0)
    return seen


def test_shape_changing_inplace_methods_as_torchs():
    torch = pytest.importorskip("torch")
    assert _metadata_program(gn) == _metadata_program(torch)


def test_torch_tensor_constructor_is_torchs_legacy_one_under_the_alias():
    torch = pytest.importorskip("torch")
    from glassnet.cli.torch_alias import torch_aliases

    cases = [(), ([0],), ([1, 2],), (3,), (2, 3), (np.array([1, 2]),), ([[True]],)]
    want = [(tuple(torch.Tensor(*c).shape), str(torch.Tensor(*c).dtype)) for c in cases]
    with torch_aliases():
        import torch as gtorch

        assert gtorch is gn
        got = [(tuple(gtorch.Tensor(*c).shape), str(gtorch.Tensor(*c).dtype)) for c in cases]
        assert gtorch.Tensor([1, 2]).tolist() == [1.0, 2.0]
        assert gtorch.Tensor(gtorch.tensor([1, 2])).dtype == np.int64  # a Tensor keeps its dtype
        assert gtorch.tensor([1, 2]).dtype == np.int64  # torch.tensor infers, as torch's
    assert got == want
    assert gn.Tensor([1, 2]).dtype == np.int64  # glassnet's own constructor is unchanged


def _small_fixes_program(lib):
    seen = []
    # transfer learning: running_corrects = 0; running_corrects += torch.sum(preds == labels)
    preds, labels = lib.tensor([1, 0, 1]), lib.tensor([1, 1, 1])
    acc = 0
    for _ in range(3):
        acc += lib.sum(preds == labels)
    seen.append((acc.item(), str(acc.double().dtype).replace("torch.", "")))
    # a retained gradient accumulates over backward calls, as a leaf's
    a = lib.ones(2, requires_grad=True)
    y = a * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    seen.append(y.grad.tolist())
    # x ** 0 has gradient 0 at x = 0
    b = lib.tensor([0.0, 2.0], requires_grad=True)
    (b**0).sum().backward()
    e = lib.tensor([0.0, 3.0], requires_grad=True)
    (e ** lib.tensor([0.0, 2.0])).sum().backward()
    seen += [b.grad.tolist(), e.grad.tolist()]
    # where() with two Python numbers takes torch's dtype for them
    cond = lib.tensor([True, False])
    for pair in ((1.0, 0), (1, 0), (True, False)):
        seen.append(str(lib.where(cond, *pair).dtype).replace("torch.", ""))
    # nbytes, itemsize, numpy(force=True)
    t = lib.ones(2, 3, dtype=lib.float64)
    seen += [t.nbytes, t.itemsize, lib.ones(2, requires_grad=True).numpy(force=True).tolist()]
    # grad_fn.next_functions: one pair per tensor input; a leaf's is AccumulateGrad
    w = lib.ones(3, requires_grad=True)
    out = (w * lib.ones(3)).sum()
    mul = out.grad_fn.next_functions[0][0]
    pairs = mul.next_functions
    seen += [len(pairs), pairs[1][0] is None, type(pairs[0][0]).__name__, pairs[0][0].variable is w]
    return seen


def test_small_fixes_as_torchs():
    torch = pytest.importorskip("torch")
    assert _small_fixes_program(gn) == _small_fixes_program(torch)


def _backward_hooks_program(lib):
    """Module full backward hooks and pre-hooks (Grad-CAM's way of reading gradients)."""
    rng = np.random.default_rng(0)

    def arr(*shape):
        return lib.tensor(rng.normal(size=shape).astype(np.float32))

    conv, head = lib.nn.Conv2d(2, 3, 3, padding=1), lib.nn.Linear(3, 4)
    with lib.no_grad():
        for p in (*conv.parameters(), *head.parameters()):
            p.copy_(arr(*p.shape))
    model = lib.nn.Sequential(conv, lib.nn.ReLU(), lib.nn.AdaptiveAvgPool2d(1), lib.nn.Flatten(), head)
    seen = []

    def hook(m, gi, go):
        seen.append([None if g is None else round(g.abs().sum().item(), 4) for g in (*gi, *go)])

    handle = conv.register_full_backward_hook(hook)
    pre = conv.register_full_backward_pre_hook(lambda m, go: seen.append(round(go[0].sum().item(), 4)))
    x = arr(2, 2, 4, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no input requires grad: torch's warning
        model(x)[:, 1].sum().backward()
    x.requires_grad_(True)
    model(x)[:, 2].sum().backward()
    handle.remove()
    pre.remove()
    conv.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))
    x.grad = None
    model(x)[:, 2].sum().backward()
    seen.append(round(x.grad.abs().sum().item(), 4))

    class Two(lib.nn.Module):
        def forward(self, a, b):
            return a * b, a + b

    two = Two()
    two.register_full_backward_hook(lambda m, gi, go: seen.append([g.tolist() for g in (*gi, *go)]))
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    p, q = two(a, lib.tensor([3.0, 4.0]))
    (p * 2 + q * 3).sum().backward()
    seen.append(a.grad.tolist())
    seen += [tuple(model.get_parameter("4.weight").shape), model.get_submodule("0") is conv]
    bn = lib.nn.Sequential(lib.nn.BatchNorm1d(2))
    seen.append(bn.get_buffer("0.running_var").tolist())
    half = lib.nn.Linear(2, 1).half()
    seen.append(str(half.weight.dtype).replace("torch.", ""))
    return seen


def test_module_backward_hooks_as_torchs():
    torch = pytest.importorskip("torch")
    assert _backward_hooks_program(gn) == _backward_hooks_program(torch)


def test_torch_tensor_of_arrays_keeps_their_floating_dtype_as_torchs():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: [np.ones(2), np.zeros(2)],
        lambda lib: [np.ones(2, dtype=np.float16)],
        lambda lib: [np.ones(2), np.ones(2, dtype=np.float32)],
        lambda lib: [[np.float32(1), 2.0]],
        lambda lib: [lib.tensor(1.0, dtype=lib.float64), lib.tensor(2.0)],
        lambda lib: [1.0, 2],
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: a list of arrays is slow
        want = [str(torch.tensor(make(torch)).dtype) for make in cases]
    got = [f"torch.{gn.tensor(make(gn)).dtype}" for make in cases]
    assert got == want


def test_init_private_fan_helpers_as_torchs():
    torch = pytest.importorskip("torch")
    for shape in [(4, 3), (8, 2, 3, 5)]:
        want = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert gn.nn.init._calculate_fan_in_and_fan_out(gn.empty(*shape)) == want
        for mode in ("fan_in", "fan_out"):
            want = torch.nn.init._calculate_correct_fan(torch.empty(shape), mode)
            assert gn.nn.init._calculate_correct_fan(gn.empty(*shape), mode) == want


def _legacy_idioms_program(lib):
    seen = []
    a = lib.tensor([[1.0, 2.0], [3.0, 5.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        picked = a[lib.tensor([[1, 0], [0, 1]], dtype=lib.uint8)]  # an old-style mask
        rows = lib.arange(3)[lib.tensor([1, 0, 1], dtype=lib.uint8)]
    seen += [picked.tolist(), rows.tolist(), any("uint8" in str(w.message) for w in caught)]
    idx = lib.tensor([0, 1, 1])
    for w in (lib.tensor([0.5, 1.0, 2.0]), lib.tensor([0.5, 1.0], dtype=lib.float64)[[0, 1, 1]],
              lib.tensor([1, 2, 3])):
        out = lib.bincount(idx, weights=w)
        seen.append((out.tolist(), str(out.dtype).replace("torch.", "")))
    seen.append(lib.arange(4).view(2, 2).flip(dims=[0, 1]).tolist())
    seen.append(lib.flip(lib.arange(3), dims=(0,)).tolist())
    x = lib.ones(2, dtype=lib.float64)
    seen += [tuple(x.new(2, 3).shape), str(x.new(2, 3).dtype).replace("torch.", ""),
             x.new([1, 2]).tolist(), str(x.new([1, 2]).dtype).replace("torch.", ""),
             tuple(x.new().shape), tuple(x.new(lib.Size([3])).shape)]
    return seen


def test_legacy_idioms_as_torchs():
    torch = pytest.importorskip("torch")
    assert _legacy_idioms_program(gn) == _legacy_idioms_program(torch)


def _zero_dim_scatter_program(lib):
    # the Quickstart's target transform: zeros(10).scatter_(0, torch.tensor(y), value=1)
    seen = [lib.zeros(10, dtype=lib.float).scatter_(0, lib.tensor(3), value=1).tolist()]
    seen.append(lib.zeros(4).scatter(0, lib.tensor(2), lib.tensor(5.0)).tolist())
    seen.append(lib.zeros(4).scatter_add(0, lib.tensor(1), lib.tensor([5.0, 6.0])).tolist())
    w = lib.tensor(2.0, requires_grad=True)
    lib.zeros(3).scatter(0, lib.tensor(1), w * 3).sum().backward()
    return [*seen, w.grad.item()]


def test_scatter_with_a_zero_dim_index_as_torchs():
    torch = pytest.importorskip("torch")
    assert _zero_dim_scatter_program(gn) == _zero_dim_scatter_program(torch)
