"""Differences from torch.nn found by differential fuzzing (torch as the reference), one test each."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn import functional as F


def _grads(gfn, tfn, torch, x):
    """Values and input gradients of ``sum(f(x) * w)`` in glassnet and torch."""
    g, t = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gy, ty = gfn(g), tfn(t)
    w = np.random.default_rng(1).standard_normal(gy.shape).astype(x.dtype)
    (gy * gn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    return gy.numpy(), ty.detach().numpy(), g.grad.numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", ["hardtanh", "relu6", "hardsigmoid", "hardswish"])
def test_hard_activations_are_torchs_bit_for_bit(name, torch):
    # the old hardtanh, max - relu((max - min) - relu(x - min)), lost small values' bits
    x = np.array([1e-9, -3e-7, 1e-6, 0.1, -3.0, 3.0, 6.0, 2.5], dtype=np.float32)
    gy, ty, _, _ = _grads(getattr(F, name), getattr(torch.nn.functional, name), torch, x)
    np.testing.assert_array_equal(gy, ty)


def test_hardswish_gradient_at_the_kinks_is_torchs(torch):
    x = np.array([-3.0, -2.5, 0.0, 2.5, 3.0, 4.0])
    _, _, gg, tg = _grads(F.hardswish, torch.nn.functional.hardswish, torch, x)
    np.testing.assert_allclose(gg, tg, rtol=1e-12, atol=1e-15)  # 0 at -3, 1 at 3


@pytest.mark.parametrize(
    "name,args",
    [("ReLU", (True,)), ("LeakyReLU", (0.2, True)), ("ELU", (0.5, True)), ("SiLU", (True,)),
     ("Hardtanh", (-2.0, 2.0, True)), ("ReLU6", (True,)), ("SELU", (True,)), ("CELU", (0.5, True)),
     ("Dropout", (0.3,)), ("Dropout2d", (0.3, True)), ("Identity", (3,)),
     ("ConvTranspose2d", (2, 3, 3, 2, 1, 1, 1, True, 2)), ("MaxPool1d", (3, 2, 1, 2)),
     ("AvgPool1d", (3,)), ("AdaptiveAvgPool1d", (2,)), ("AdaptiveMaxPool1d", (2,)),
     ("ConstantPad1d", ((1, 2), 0.5)), ("ZeroPad2d", (1,)),
     ("UpsamplingNearest2d", (None, (2, 3))), ("Embedding", (5, 3, None, None, 1.0)),
     ("LayerNorm", (4,)), ("GroupNorm", (2, 4)), ("InstanceNorm1d", (3, 1e-5, None, True)),
     ("Unflatten", (1, (2, 3)))],
)  # fmt: skip
def test_repr_is_torchs(name, args, torch):
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_identity_takes_and_ignores_any_arguments():
    ident = nn.Identity(54, unused_argument1=0.1, unused_argument2=False)
    assert ident(7) == 7


@pytest.mark.parametrize(
    "name,args,shape",
    [("Conv1d", (2, 3, 2), (2, 5)), ("Conv2d", (2, 3, 2, 1, 1), (2, 4, 4)),
     ("MaxPool2d", (2,), (2, 4, 4)), ("AvgPool2d", (3, 1, 1), (2, 4, 4)),
     ("AdaptiveAvgPool2d", ((2, 3),), (2, 4, 5))],
)  # fmt: skip
def test_unbatched_inputs_as_torch(name, args, shape, torch):
    torch.manual_seed(0)
    t, g = getattr(torch.nn, name)(*args).double(), getattr(nn, name)(*args)
    g.to(dtype=np.float64)
    g.load_state_dict(t.state_dict())
    x = np.random.default_rng(0).standard_normal(shape)
    gy, ty, gg, tg = _grads(g, t, torch, x)
    np.testing.assert_allclose(gy, ty, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gg, tg, rtol=1e-12, atol=1e-12)


def test_unbatched_conv_relu_pool_in_a_sequential_without_graph():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    x = np.random.default_rng(0).standard_normal((1, 6, 6)).astype(np.float32)
    with gn.no_grad():
        one = model(gn.tensor(x)).numpy()
        batch = model(gn.tensor(x[None])).numpy()
    np.testing.assert_array_equal(one, batch[0])


def test_upsample_refuses_recompute_scale_factor_with_a_size():
    with pytest.raises(ValueError, match="recompute_scale_factor"):
        nn.Upsample(4, None, "nearest", None, True)(gn.zeros(1, 1, 2, 2))


def test_dropout_p_one_zeroes_everything_in_training():
    x = gn.tensor(np.ones((2, 3)), requires_grad=True)
    drop = nn.Dropout(1.0)
    y = drop(x)
    y.sum().backward()
    assert y.numpy().sum() == 0 and x.grad.numpy().sum() == 0
    drop.eval()
    assert drop(x) is x


def test_instance_norm_momentum_none_keeps_running_stats(torch):
    t = torch.nn.InstanceNorm1d(3, momentum=None, track_running_stats=True).double()
    g = nn.InstanceNorm1d(3, momentum=None, track_running_stats=True)
    x = np.random.default_rng(0).standard_normal((2, 3, 5))
    np.testing.assert_allclose(g(gn.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy(), atol=1e-6)  # fmt: skip
    for key, value in t.state_dict().items():
        np.testing.assert_allclose(np.asarray(g.state_dict()[key]), value.numpy())


def test_group_norm_refuses_one_value_per_group_as_torch():
    with pytest.raises(ValueError, match="more than 1 value per group"):
        nn.GroupNorm(2, 2)(gn.zeros(1, 2))


def test_unflatten_matches_torch(torch):
    x = np.arange(24.0).reshape(2, 12)
    for dim, sizes in ((1, (3, 4)), (-1, [2, -1, 3])):
        got = nn.Unflatten(dim, sizes)(gn.tensor(x)).numpy()
        np.testing.assert_array_equal(got, torch.nn.Unflatten(dim, sizes)(torch.tensor(x)).numpy())
    with pytest.raises(ValueError, match="do not multiply to 12"):
        nn.Unflatten(1, (5, -1))(gn.tensor(x))


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_all_targets_ignored_gives_zero_gradient_as_torch(smoothing, torch):
    x = np.random.default_rng(0).standard_normal((2, 3))
    t = np.array([1, 1])
    for gfn, tfn in (
        (lambda a: F.cross_entropy(a, t, ignore_index=1, label_smoothing=smoothing),
         lambda a: torch.nn.functional.cross_entropy(
             a, torch.tensor(t), ignore_index=1, label_smoothing=smoothing)),
        (lambda a: F.nll_loss(a, t, ignore_index=1),
         lambda a: torch.nn.functional.nll_loss(a, torch.tensor(t), ignore_index=1)),
    ):  # fmt: skip
        g = gn.tensor(x, requires_grad=True)
        a = torch.tensor(x, requires_grad=True)
        gfn(g).backward()
        tfn(a).backward()
        np.testing.assert_array_equal(g.grad.numpy(), a.grad.numpy())  # zeros, not NaN


def _seq(lib):
    return lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 4), lib.Tanh())


@pytest.mark.parametrize(
    "op",
    [lambda L, s: s.insert(0, L.Sigmoid()), lambda L, s: s.insert(-1, L.Sigmoid()),
     lambda L, s: s.pop(1), lambda L, s: s.__delitem__(slice(0, 2)),
     lambda L, s: s.__setitem__(-1, L.Sigmoid()), lambda L, s: s.extend([L.ReLU()]),
     lambda L, s: s.__iadd__(L.Sequential(L.ReLU())), lambda L, s: s.__imul__(2),
     lambda L, s: L.ModuleList(list(s)).pop(0), lambda L, s: L.ModuleList(list(s)) + [L.ReLU()]],
)  # fmt: skip
def test_container_operations_as_torch(op, torch):
    ts, gs = _seq(torch.nn), _seq(nn)
    tr, gr = op(torch.nn, ts), op(nn, gs)
    assert repr(gs) == repr(ts)
    assert repr(gr) == repr(tr)
    assert list(gs.state_dict()) == list(ts.state_dict())


def test_module_dict_pop_clear_update_and_module_list_repr(torch):
    d = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()})
    assert isinstance(d.pop("a"), nn.Tanh) and list(d) == ["b"]
    d.update([("c", nn.ReLU())])
    d.update({"b": nn.Tanh()})
    assert [type(m).__name__ for m in d.values()] == ["Tanh", "ReLU"]
    del d["c"]
    d.clear()
    assert len(d) == 0
    lib = [torch.nn, nn]
    reprs = [repr(L.ModuleList([L.ReLU(), L.Tanh(), L.ReLU(), L.ReLU()])) for L in lib]
    assert reprs[0] == reprs[1]  # (2-3): 2 x ReLU()


def test_state_dict_lists_a_shared_module_under_each_name(torch):
    t_lin = torch.nn.Linear(2, 2)
    t = torch.nn.Sequential(t_lin, torch.nn.ReLU(), t_lin)
    g_lin = nn.Linear(2, 2)
    g = nn.Sequential(g_lin, nn.ReLU(), g_lin)
    assert list(g.state_dict()) == list(t.state_dict())
    g.load_state_dict(t.state_dict())  # strict: no unexpected '2.weight'
    np.testing.assert_array_equal(g_lin.weight.numpy(), t_lin.weight.detach().numpy())
