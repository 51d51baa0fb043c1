"""torch API gaps closed in round 8, each against torch: the state-dict hooks of
``Module``, ``empty_strided``, a tensor ``lr`` in SGD/Adam/AdamW, the constants and small
functions (``pi``, ``e``, ``unravel_index``, ``row_stack``, ``trapz``, ``is_complex``,
``Tensor.addmm``/``baddbmm``, ``F.*_with_indices``), and the clear refusals (complex
tensors, window functions, ``DistributedSampler``, ...)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn.functional as F
from glassnet.cli.torch_alias import TorchAPIMissing, torch_aliases
from glassnet.testing import check_against_torch

R = np.random.default_rng(8)


def _nets(torch):  # the same two-layer net in both libraries, same weights
    g = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in g.state_dict().items()})
    return g, t


# ------------------------------------------------------------------ state-dict hooks
def test_state_dict_pre_and_post_hooks_order_and_edits_match_torch(torch):
    g, t = _nets(torch)
    logs: dict[str, list] = {"g": [], "t": []}
    for key, net in (("g", g), ("t", t)):
        log = logs[key]
        for name, m in [("root", net), ("0", net[0]), ("2", net[2])]:
            m.register_state_dict_pre_hook(
                lambda mod, prefix, keep_vars, n=name, log=log: log.append(("pre", n, prefix, keep_vars))
            )

            def post(mod, sd, prefix, meta, n=name, log=log):
                log.append(("post", n, prefix, sorted(sd)))
                if n == "0":  # edit the state dict in place
                    sd[prefix + "extra"] = sd[prefix + "bias"] * 2
                    del sd[prefix + "bias"]

            m.register_state_dict_post_hook(post)
    sg, st = g.state_dict(prefix="m.", keep_vars=True), t.state_dict(prefix="m.", keep_vars=True)
    assert logs["g"] == logs["t"]
    assert list(sg) == list(st)
    for k in sg:
        np.testing.assert_allclose(sg[k].detach().numpy(), st[k].detach().numpy())


def test_state_dict_post_hook_returning_a_value_is_refused_as_torch(torch):
    g, t = _nets(torch)
    for net in (g, t):
        handle = net.register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd)
        with pytest.raises(RuntimeError, match="must return None"):
            net.state_dict()
        handle.remove()
        net.state_dict()  # removed: no error


def test_load_state_dict_pre_hook_renames_keys_as_torch(torch):
    g, t = _nets(torch)
    src = {k.replace("0.", "first."): v.numpy() * 3 for k, v in g.state_dict().items()}
    seen: dict[str, list] = {"g": [], "t": []}
    for key, net in (("g", g), ("t", t)):
        def pre(mod, sd, prefix, meta, strict, missing, unexpected, errors, key=key):
            seen[key].append((prefix, strict))
            for k in [k for k in sd if k.startswith("first.")]:
                sd[k.replace("first.", "0.")] = sd.pop(k)

        net.register_load_state_dict_pre_hook(pre)
    rg = g.load_state_dict(dict(src))
    rt = t.load_state_dict({k: torch.tensor(v) for k, v in src.items()})
    assert seen["g"] == seen["t"] == [("", True)]
    assert (rg.missing_keys, rg.unexpected_keys) == (rt.missing_keys, rt.unexpected_keys) == ([], [])
    for k, v in g.state_dict().items():
        np.testing.assert_allclose(v.numpy(), t.state_dict()[k].numpy(), rtol=1e-6)


def test_load_state_dict_pre_hook_error_msgs_raise_runtime_error(torch):
    g, t = _nets(torch)
    sd = {k: v.numpy() for k, v in g.state_dict().items()}
    for net in (g, t):
        net.register_load_state_dict_pre_hook(
            lambda mod, sd, p, meta, strict, miss, unexp, errors: errors.append("no thanks")
        )
    with pytest.raises(RuntimeError, match="no thanks") as eg:
        g.load_state_dict(sd)
    with pytest.raises(RuntimeError, match="no thanks") as et:
        t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    assert str(eg.value) == str(et.value)


@pytest.mark.parametrize("clear", [True, False])
def test_load_state_dict_post_hook_edits_incompatible_keys_as_torch(torch, clear):
    g, t = _nets(torch)
    sd = {k: v.numpy() + 1 for k, v in g.state_dict().items() if k != "2.bias"}
    sd["stray"] = np.zeros(1, np.float32)
    got: dict[str, list] = {"g": [], "t": []}
    for key, net in (("g", g), ("t", t)):
        def post(mod, keys, key=key):
            got[key].append((list(keys.missing_keys), list(keys.unexpected_keys)))
            if clear:
                keys.missing_keys.clear()
                keys.unexpected_keys.clear()

        net.register_load_state_dict_post_hook(post)
    if clear:
        rg = g.load_state_dict(dict(sd))
        rt = t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
        assert (rg.missing_keys, rg.unexpected_keys) == (rt.missing_keys, rt.unexpected_keys)
    else:
        with pytest.raises(RuntimeError, match="2.bias"):
            g.load_state_dict(dict(sd))
        with pytest.raises(RuntimeError, match="2.bias"):
            t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    assert got["g"] == got["t"]
    # as torch, the values were copied before the hooks ran (strict raised after)
    np.testing.assert_allclose(g[0].weight.detach().numpy(), t[0].weight.detach().numpy())


def test_load_state_dict_post_hook_returning_a_value_is_refused_as_torch(torch):
    g, t = _nets(torch)
    sd = {k: v.numpy() for k, v in g.state_dict().items()}
    for net in (g, t):
        net.register_load_state_dict_post_hook(lambda mod, keys: keys)
    with pytest.raises(AssertionError, match="inplace"):
        g.load_state_dict(sd)
    with pytest.raises(AssertionError, match="inplace"):
        t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})


# -------------------------------------------------------------------- empty_strided
@pytest.mark.parametrize(
    "size,stride", [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (0,)), ((2, 0, 3), (1, 1, 1)), ((), ())]
)
@pytest.mark.parametrize("dtype", [None, "float64", "int64"])
def test_empty_strided_shape_stride_dtype_match_torch(torch, size, stride, dtype):
    a = gn.empty_strided(size, stride, dtype=None if dtype is None else getattr(gn, dtype))
    b = torch.empty_strided(size, stride, dtype=None if dtype is None else getattr(torch, dtype))
    assert tuple(a.shape) == tuple(b.shape)
    assert a.stride() == b.stride()
    assert str(a.dtype).replace("torch.", "") == str(b.dtype).replace("torch.", "")
    assert a.is_contiguous() == b.is_contiguous()


def test_empty_strided_is_writable_and_differentiable(torch):
    a = gn.empty_strided((2, 3), (1, 2), requires_grad=True)
    b = torch.empty_strided((2, 3), (1, 2), requires_grad=True)
    assert a.is_leaf and b.is_leaf
    with gn.no_grad():
        a.fill_(2.0)
    with torch.no_grad():
        b.fill_(2.0)
    (a * a).sum().backward()
    (b * b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())


def test_empty_strided_refuses_mismatched_lengths(torch):
    with pytest.raises(RuntimeError, match="empty_strided"):
        gn.empty_strided((2, 3), (1,))
    with pytest.raises(RuntimeError):
        torch.empty_strided((2, 3), (1,))


# ------------------------------------------------------------------------ tensor lr
@pytest.mark.parametrize(
    "name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Rprop", "NAdam", "RAdam", "Adamax"]
)
@pytest.mark.parametrize("shape", [(), (1,)])
def test_tensor_lr_steps_as_torch_and_is_kept(torch, name, shape):
    w0 = R.standard_normal((3, 2))
    grads = [R.standard_normal((3, 2)) for _ in range(3)]
    results = []
    for lib in (gn, torch):
        p = lib.nn.Parameter(lib.tensor(w0, dtype=lib.float32))
        lr = lib.full(shape, 0.05)
        opt = getattr(lib.optim, name)([p], lr=lr)
        assert opt.param_groups[0]["lr"] is lr  # torch keeps the tensor
        for i, gr in enumerate(grads):
            if i == 2:
                with lib.no_grad():
                    lr.fill_(0.01)  # a change to the tensor reaches the next step
            p.grad = lib.tensor(gr, dtype=lib.float32)
            opt.step()
        results.append(p.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_tensor_lr_in_lbfgs_as_torch(torch):
    results = []
    for lib in (gn, torch):
        p = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
        opt = lib.optim.LBFGS([p], lr=lib.tensor(0.5), max_iter=3)

        def closure(opt=opt, p=p):
            opt.zero_grad()
            loss = (p * p * p * p).sum() + p.sum()
            loss.backward()
            return loss

        opt.step(closure)
        results.append(p.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_tensor_lr_with_foreach_is_refused_as_torch(torch, name):
    msg = "lr as a Tensor is not supported for capturable=False and foreach=True"
    for lib in (gn, torch):
        p = lib.nn.Parameter(lib.zeros(2))
        with pytest.raises(ValueError, match=msg):
            getattr(lib.optim, name)([p], lr=lib.tensor(1e-3), foreach=True)


def test_tensor_lr_negative_or_many_elements_refused(torch):
    p = gn.nn.Parameter(gn.zeros(2))
    with pytest.raises(ValueError, match="lr"):
        gn.optim.SGD([p], lr=gn.tensor(-1.0))
    with pytest.raises(ValueError, match="one-element"):
        gn.optim.Adam([p], lr=gn.tensor([1e-3, 1e-3]))
    with pytest.raises((ValueError, RuntimeError)):
        torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=torch.tensor(-1.0))


def test_scheduler_fills_a_tensor_lr_in_place_as_torch(torch):
    lrs = []
    for lib in (gn, torch):
        p = lib.nn.Parameter(lib.zeros(2))
        lr = lib.tensor(0.1)
        opt = lib.optim.SGD([p], lr=lr)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        p.grad = lib.ones(2)
        opt.step()
        sched.step()
        assert opt.param_groups[0]["lr"] is lr
        lrs.append(float(lr))
    assert lrs[0] == pytest.approx(lrs[1])


# ------------------------------------------------------- small functions and methods
def test_constants_match_torch(torch):
    assert gn.pi == torch.pi and gn.e == torch.e and gn.newaxis is torch.newaxis


@pytest.mark.parametrize("shape", [(2, 3), (8,), 6, (2, 1, 3)])
def test_unravel_index_matches_torch(torch, shape):
    idx = np.array([[0, 5], [-1, 3]])
    got = gn.unravel_index(gn.tensor(idx), shape)
    want = torch.unravel_index(torch.tensor(idx), shape)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert str(a.dtype) == "int64" and b.dtype == torch.int64


def test_row_stack_trapz_is_complex_match_torch(torch):
    a, b = R.standard_normal(4), R.standard_normal((2, 4))
    check_against_torch(lambda x, y: gn.row_stack([x, y]), lambda x, y: torch.row_stack([x, y]), a, b)
    check_against_torch(lambda y: gn.trapz(y, dim=0), lambda y: torch.trapz(y, dim=0), b)
    check_against_torch(lambda y, x: gn.trapz(y, x), lambda y, x: torch.trapz(y, x), b, a)
    assert gn.is_complex(gn.zeros(2)) == torch.is_complex(torch.zeros(2))


def test_tensor_addmm_baddbmm_match_torch(torch):
    c, m1, m2 = R.standard_normal((2, 3)), R.standard_normal((2, 4)), R.standard_normal((4, 3))
    check_against_torch(
        lambda c, a, b: c.addmm(a, b, beta=0.5, alpha=2), lambda c, a, b: c.addmm(a, b, beta=0.5, alpha=2),
        c, m1, m2,
    )  # fmt: skip
    c3, b1, b2 = R.standard_normal((1, 2, 3)), R.standard_normal((5, 2, 4)), R.standard_normal((5, 4, 3))
    check_against_torch(lambda c, a, b: c.baddbmm(a, b, alpha=-1), lambda c, a, b: c.baddbmm(a, b, alpha=-1), c3, b1, b2)


@pytest.mark.parametrize(
    "name,shape,args",
    [
        ("max_pool1d_with_indices", (2, 3, 8), (2,)),
        ("max_pool2d_with_indices", (2, 3, 6, 6), (3, 2, 1)),
        ("max_pool3d_with_indices", (1, 2, 4, 4, 4), (2,)),
        ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,)),
        ("adaptive_max_pool2d_with_indices", (2, 3, 7, 7), (3,)),
        ("adaptive_max_pool3d_with_indices", (1, 2, 5, 5, 5), (2,)),
    ],
)
def test_pool_with_indices_match_torch(torch, name, shape, args):
    x = R.standard_normal(shape)
    check_against_torch(
        lambda t: getattr(F, name)(t, *args)[0], lambda t: getattr(torch.nn.functional, name)(t, *args)[0], x
    )  # fmt: skip
    gi = getattr(F, name)(gn.tensor(x), *args)[1].numpy()
    ti = getattr(torch.nn.functional, name)(torch.tensor(x), *args)[1].numpy()
    np.testing.assert_array_equal(gi, ti)


# ------------------------------------------------------------------------ refusals
@pytest.mark.parametrize("name", ["view_as_real", "view_as_complex", "complex", "polar", "complex64"])
def test_complex_apis_refused_clearly(name):
    with torch_aliases():
        import torch as alias

        with pytest.raises(TorchAPIMissing, match=rf"torch\.{name} .*no complex dtypes"):
            getattr(alias, name)
        with pytest.raises(NotImplementedError, match="no complex dtypes"):
            exec(f"from torch import {name}", {})


@pytest.mark.parametrize(
    "module,name,nearest",
    [
        ("torch", "hann_window", "numpy.hanning"),
        ("torch", "GradScaler", "glassnet.amp.GradScaler"),
        ("torch.utils.data", "DistributedSampler", "DistributedBatchSampler"),
        ("torch.optim", "SparseAdam", "glassnet.optim.Adam"),
        ("torch.nn", "RNNBase", "glassnet.nn.LSTM"),
    ],
)
def test_missing_names_name_the_nearest_glassnet_api(module, name, nearest):
    with torch_aliases():
        mod = importlib.import_module(module)
        with pytest.raises(TorchAPIMissing, match=rf"{module}\.{name} .*nearest glassnet API: .*{nearest}"):
            getattr(mod, name)
