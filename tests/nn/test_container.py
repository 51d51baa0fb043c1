"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn


def test_sequential_applies_in_order_and_names_by_position():
    a, b = nn.Linear(3, 4), nn.Linear(4, 2)
    seq = nn.Sequential(a, nn.ReLU(), b)
    x = gn.randn(5, 3)
    np.testing.assert_allclose(seq(x).numpy(), b(a(x).relu()).numpy())
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_sequential_from_ordered_dict_keeps_names():
    seq = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.Tanh()))
    assert [n for n, _ in seq.named_children()] == ["fc", "act"]
    assert isinstance(seq.act, nn.Tanh)


def test_sequential_indexing_slicing_len_iter_append():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    assert [n for n, _ in seq[1:].named_children()] == ["1", "2"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    y = seq(gn.randn(4, 2)).numpy()
    assert ((y > 0) & (y < 1)).all()


def test_empty_sequential_is_identity():
    x = gn.randn(2, 2)
    assert nn.Sequential()(x) is x


def test_module_list_registers_parameters():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.Linear(2, 1)).extend([nn.ReLU()])
    assert len(ml) == 5 and isinstance(ml[-1], nn.ReLU)
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    assert [n for n, _ in ml.named_parameters()][-2:] == ["3.weight", "3.bias"]


def test_module_dict():
    md = nn.ModuleDict({"enc": nn.Linear(3, 2), "dec": nn.Linear(2, 3)})
    assert "enc" in md and len(md) == 2
    assert list(md) == ["enc", "dec"] and list(md.keys()) == ["enc", "dec"]
    md["act"] = nn.ReLU()
    assert isinstance(md["act"], nn.ReLU)
    assert [k for k, _ in md.items()] == ["enc", "dec", "act"]
    assert len(list(md.values())) == 3
    assert list(md.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]


@pytest.mark.parametrize(
    "make,match",
    [
        (
            lambda: nn.Sequential(nn.ReLU(), "relu"),
            r"container: entry '1' is str, expected a Module",
        ),
        (lambda: nn.Sequential(OrderedDict(a=3)), r"container: entry 'a' is int"),
        (lambda: nn.ModuleList([nn.ReLU(), None]), r"container: entry '1' is NoneType"),
        (lambda: nn.ModuleDict({"f": lambda x: x}), r"container: entry 'f' is function"),
        (lambda: nn.Sequential().append(np.zeros(2)), r"container: entry '0' is ndarray"),
    ],
)
def test_non_modules_are_rejected_with_their_name(make, match):
    with pytest.raises(TypeError, match=match):
        make()


@pytest.mark.parametrize(
    "pool",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": 2, "stride": 1, "dilation": 2},
    ],
)
def test_relu_then_max_pool_runs_pool_first_with_the_same_values_and_gradients(pool):
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((3, 2, 7, 7))
    x0[0, :, :4, :4] = -1.0  # windows with no positive value
    x0[1, :, 2:6, 2:6] = 0.5  # ties among positive maxima
    results = []
    for swap in (False, True):
        gn.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.ReLU(), nn.MaxPool2d(**pool)).double()
        assert model[2].runs_before(model[1])
        x = gn.tensor(x0.copy(), requires_grad=True)
        out = model(x) if swap else model[2](model[1](model[0](x)))  # swapped / as written
        upstream = np.random.default_rng(1).standard_normal(out.shape)  # the same in both runs
        (out * gn.tensor(upstream)).sum().backward()
        results.append((out.numpy(), x.grad.numpy(), model[0].weight.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_array_equal(b, a)


def test_hooks_keep_relu_and_max_pool_in_their_order():
    seen = []
    relu = nn.ReLU()
    relu.register_forward_hook(lambda m, inp, out: seen.append(inp[0].shape))
    model = nn.Sequential(relu, nn.MaxPool2d(2))
    assert model(gn.randn(1, 1, 4, 4)).shape == (1, 1, 2, 2)
    assert seen == [(1, 1, 4, 4)]  # the ReLU saw the full-size input


def test_sequential_pools_before_the_relu(monkeypatch):
    from glassnet.ops import activation

    shapes = []
    original = activation.relu
    monkeypatch.setattr(activation, "relu", lambda t: shapes.append(t.shape) or original(t))
    model = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2), nn.ReLU())
    assert model(gn.randn(1, 2, 4, 4)).shape == (1, 2, 2, 2)
    assert shapes == [(1, 2, 2, 2), (1, 2, 2, 2)]  # the first ReLU ran on the pooled array


def test_any_module_can_say_it_runs_before_its_predecessor():
    order = []

    class Tag(nn.Module):
        def __init__(self, name, before=()):
            super().__init__()
            self.name, self.before = name, before

        def forward(self, x):
            order.append(self.name)
            return x

        def runs_before(self, previous):
            return getattr(previous, "name", None) in self.before

    assert not nn.Module().runs_before(nn.ReLU())  # the default keeps the written order
    nn.Sequential(Tag("a"), Tag("b", before=("a",)), Tag("c"))(gn.zeros(1))
    assert order == ["b", "a", "c"]
    order.clear()
    nn.Sequential(Tag("a"), Tag("b", before=("x",)), Tag("c"))(gn.zeros(1))
    assert order == ["a", "b", "c"]


def test_container_imports_no_concrete_layer():
    import ast
    import inspect

    import glassnet.nn.container as container

    tree = ast.parse(inspect.getsource(container))
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
    assert not [m for m in imported if "layers" in m], imported
