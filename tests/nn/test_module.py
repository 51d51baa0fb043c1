"""``Module``: registration, state dicts (and torch interchange), modes, hooks, dtype moves, repr."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))
        self.register_buffer("steps", np.zeros((), dtype=np.int64))
        self.register_buffer("cache", np.zeros(2, dtype=np.float32), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_parameters_registered_by_assignment_in_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert net.num_parameters() == 3 + 4 * 8 + 8 + 8 * 3 + 3
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]


def test_reassigning_replaces_and_plain_values_are_not_registered():
    net = Net()
    net.fc2 = nn.Linear(8, 5)
    assert net.fc2.out_features == 5
    net.note = "hello"
    net.array = np.zeros(3)
    assert "note" not in dict(net.named_parameters()) and net.note == "hello"
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'scale'"):
        _ = net.scale


def test_shared_parameters_are_listed_once():
    a = nn.Linear(3, 3)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    tied = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    tied[1].weight = tied[0].weight
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias", "1.bias"]


def test_assigning_before_super_init_is_explained():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(2, dtype=np.float32))

    with pytest.raises(AttributeError, match=r"Bad: call super\(\).__init__\(\) before"):
        Bad()


def test_register_parameter_none_and_type_check():
    m = nn.Linear(3, 2, bias=False)
    assert m.bias is None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    with pytest.raises(TypeError, match="register_parameter: expected a Parameter for 'w'"):
        m.register_parameter("w", gn.zeros(2))


# ------------------------------------------------------------------ state dict
def test_state_dict_has_parameters_and_persistent_buffers_only():
    sd = Net().state_dict()
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(isinstance(v, gn.Tensor) and not v.requires_grad for v in sd.values())
    net = Net()
    assert net.state_dict()["fc1.weight"].array is net.fc1.weight.array  # shares memory, as torch


def test_load_state_dict_roundtrip_in_place():
    src, dst = Net(), Net()
    x = gn.randn(5, 4)
    w = dst.fc1.weight
    data_before = w.array
    res = dst.load_state_dict(src.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert dst.fc1.weight is w and w.array is data_before  # same Parameter, same array
    np.testing.assert_array_equal(dst(x).numpy(), src(x).numpy())


def test_load_state_dict_copies_values():
    src, dst = Net(), Net()
    sd = src.state_dict()
    dst.load_state_dict(sd)
    dst.fc1.weight.array[...] = 0
    assert not np.all(src.fc1.weight.numpy() == 0)


def test_load_state_dict_strict_and_not():
    net = Net()
    sd = net.state_dict()
    del sd["fc2.bias"]
    sd["extra.weight"] = np.zeros(2)
    with pytest.raises(KeyError, match=r"missing keys \['fc2.bias'\], unexpected keys \['extra.weight'\]"):  # fmt: skip
        net.load_state_dict(sd)
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc2.bias"] and res.unexpected_keys == ["extra.weight"]


def test_load_state_dict_shape_mismatch_names_the_key():
    net = Net()
    sd = net.state_dict()
    sd["fc1.weight"] = np.zeros((8, 5))
    before = net.fc1.bias.numpy().copy()
    with pytest.raises(ValueError, match=r"'fc1.weight' has shape \(8, 5\) in the state dict, expected \(8, 4\)"):  # fmt: skip
        net.load_state_dict(sd)
    np.testing.assert_array_equal(net.fc1.bias.numpy(), before)  # nothing loaded on error


def test_load_state_dict_casts_to_parameter_dtype():
    net = Net()
    sd = {
        k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in net.state_dict().items()
    }
    net.load_state_dict(sd)
    assert net.fc1.weight.dtype == np.float32


def test_names_match_torch_sequential_and_outputs_agree(torch):
    tm = torch.nn.Sequential(
        torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 4), torch.nn.Softmax(dim=1)
    )
    gm = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 4), nn.Softmax(dim=1))
    assert list(gm.state_dict()) == list(tm.state_dict())
    gm.load_state_dict(tm.state_dict())  # torch tensors accepted
    x = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    expected = tm(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(gm(gn.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)
    # and back: torch loads glassnet's state dict
    gm2 = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 4), nn.Softmax(dim=1))
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in gm2.state_dict().items()})
    np.testing.assert_allclose(
        gm2(gn.tensor(x)).numpy(), tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


# ------------------------------------------------------------------ modes and grads
def test_train_eval_propagate_to_all_submodules():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.ReLU()))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net[1].train(False)
    assert net.training and not net[1][0].training


def test_zero_grad_and_requires_grad():
    net = Net()
    net(gn.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert net.num_parameters(trainable_only=True) == 0
    assert not net(gn.randn(2, 4)).requires_grad


def test_apply_visits_every_module():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert sorted(seen) == ["Linear", "Linear", "Net", "ReLU"]


# ------------------------------------------------------------------ hooks
def test_forward_hooks_see_inputs_and_can_replace_output():
    net = Net()
    calls = []
    h1 = net.fc1.register_forward_hook(lambda m, inp, out: calls.append((inp[0].shape, out.shape)))
    h2 = net.fc2.register_forward_hook(lambda m, inp, out: out * 0.0)
    y = net(gn.randn(3, 4))
    assert calls == [((3, 4), (3, 8))]
    assert np.all(y.numpy() == 0)
    h1.remove()
    h2.remove()
    net(gn.randn(3, 4))
    assert len(calls) == 1
    assert not np.all(net(gn.randn(3, 4)).numpy() == 0)


def test_forward_pre_hook_replaces_input_and_handle_is_a_context_manager():
    lin = nn.Linear(2, 2)
    with lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 0.0,)):
        np.testing.assert_allclose(lin(gn.ones(1, 2)).numpy()[0], lin.bias.numpy())
    assert not np.allclose(lin(gn.ones(1, 2)).numpy()[0], lin.bias.numpy())


# ------------------------------------------------------------------ dtype and device
def test_to_float64_casts_parameters_buffers_and_grads_in_place():
    net = Net()
    net(gn.randn(2, 4)).sum().backward()
    w = net.fc1.weight
    assert net.to(dtype=np.float64) is net
    assert net.fc1.weight is w
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert all(p.grad.dtype == np.float64 for p in net.parameters())
    assert dict(net.named_buffers())["steps"].dtype == np.int64  # integer buffers untouched
    y = net(gn.randn(2, 4).double())
    assert y.dtype == np.float64
    net.float()
    assert net.fc2.bias.dtype == np.float32
    assert net.device == gn.device("cpu")


# ------------------------------------------------------------------ lookup and repr
def test_get_submodule_and_error_lists_names():
    net = nn.Sequential(OrderedDict(features=nn.Sequential(nn.Linear(2, 3), nn.ReLU()), head=nn.Linear(3, 1)))  # fmt: skip
    assert isinstance(net.get_submodule("features.1"), nn.ReLU)
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match=r"Sequential has no submodule 'features.5'; submodules are: features, features.0, features.1, head"):  # fmt: skip
        net.get_submodule("features.5")


def test_repr_is_a_tree():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.1, inplace=False)\n"
        "  )\n"
        ")"
    )


def test_forward_must_be_defined():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty does not define forward"):
        Empty()(gn.zeros(1))


def test_parameter_rejects_integer_data():
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(np.arange(3))


def test_load_state_dict_widens_torch_bfloat16_and_refuses_complex():
    torch = pytest.importorskip("torch")
    src = torch.nn.Linear(4, 3)
    layer = nn.Linear(4, 3)
    layer.load_state_dict({k: v.bfloat16() for k, v in src.state_dict().items()})
    want = src.weight.detach().bfloat16().float().numpy()
    np.testing.assert_array_equal(layer.weight.numpy(), want)
    assert layer.weight.dtype == np.float32
    with pytest.raises(TypeError, match=r"'weight' holds complex values .* expected float32"):
        layer.load_state_dict({"weight": np.ones((3, 4), np.complex64), "bias": np.zeros(3)})


def _torch_style_program(lib):
    """Module API torch scripts use: the text of a clean load, register_module, Module.type,
    share_memory and forward (pre-)hooks with kwargs and prepend; what it returns must match."""

    class Scaled(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 2, dtype=lib.float64)
            self.register_module("bn", lib.nn.BatchNorm1d(2, dtype=lib.float64))

        def forward(self, x, scale=1.0):
            return self.bn(self.fc(x)) * scale

    m = Scaled()
    state = {k: lib.tensor(np.arange(v.numel(), dtype=np.float64).reshape(tuple(v.shape)) / 7)
             if v.dtype == lib.float64 else v for k, v in m.state_dict().items()}  # fmt: skip
    seen = [str(m.load_state_dict(state)), repr(m.load_state_dict(state))]
    seen.append(str(m.load_state_dict({"fc.weight": state["fc.weight"]}, strict=False)))
    # a BatchNorm entry without num_batches_tracked (an old or hand-written dict) loads
    m.bn.num_batches_tracked.fill_(3)
    seen.append(str(m.load_state_dict({k: v for k, v in state.items() if "num_batches" not in k})))
    seen[-1] += f" {int(m.bn.num_batches_tracked)}"
    order = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": kwargs["scale"] * 2}),
                                with_kwargs=True)  # fmt: skip
    m.register_forward_hook(lambda mod, args, out: order.append("plain"))
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(("kw", kwargs["scale"])),
                            with_kwargs=True, prepend=True)  # fmt: skip
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3))
    out = m(x, scale=1.5)
    seen += [np.round(out.detach().numpy(), 12).tolist(), order]
    assert m.share_memory() is m
    assert m.type(lib.float32) is m
    seen += [str(m.fc.weight.dtype), str(m.bn.num_batches_tracked.dtype), [k for k, _ in m.named_children()]]
    return seen


def test_module_api_of_torch_scripts_agrees_with_torch(torch):
    ours, theirs = _torch_style_program(gn), _torch_style_program(torch)
    assert ours[:6] == theirs[:6] and ours[8] == theirs[8]
    assert [s.removeprefix("torch.") for s in ours[6:8]] == [s.removeprefix("torch.") for s in theirs[6:8]]
    assert ours[0] == "<All keys matched successfully>"
    with pytest.raises(NotImplementedError, match=r"register_forward_hook\(always_call=True\)"):
        nn.Linear(2, 2).register_forward_hook(lambda *a: None, always_call=True)
