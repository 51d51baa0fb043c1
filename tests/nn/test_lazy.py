"""Lazy layers against torch: class after the first call, state-dict keys and shapes,
outputs, running statistics, an optimizer created before the first call, init bounds."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as gnn

_CASES = [
    ("LazyLinear", (3,), {}, (2, 5)),
    ("LazyConv1d", (4, 3), {"padding": 1}, (2, 3, 7)),
    ("LazyConv2d", (4, 3), {"groups": 2, "stride": 2}, (2, 4, 6, 6)),
    ("LazyConvTranspose1d", (3, 2), {"stride": 2}, (2, 3, 5)),
    ("LazyConvTranspose2d", (3, 3), {"output_padding": 1, "stride": 2}, (1, 2, 4, 4)),
    ("LazyBatchNorm1d", (), {}, (4, 3)),
    ("LazyBatchNorm2d", (), {"momentum": 0.3}, (2, 3, 4, 4)),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 5)),
    ("LazyInstanceNorm2d", (), {"track_running_stats": False}, (2, 3, 4, 4)),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), _CASES)
def test_lazy_layer_becomes_torchs_layer(name, args, kwargs, shape, torch):
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    gm = getattr(gnn, name)(*args, **kwargs, dtype=gn.float64)
    opt = gn.optim.SGD(gm.parameters(), lr=0.1)  # before the first call, as torch allows
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)
    x = np.random.default_rng(0).standard_normal(shape)
    tm(torch.tensor(x))
    gm(gn.tensor(x))
    assert type(gm).__name__ == type(tm).__name__
    assert [(k, tuple(v.shape)) for k, v in gm.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in tm.state_dict().items()
    ]
    gm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    xt, xg = torch.tensor(x, requires_grad=True), gn.tensor(x, requires_grad=True)
    yt, yg = tm(xt), gm(xg)
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-10)
    (yt**2).sum().backward()
    (yg**2).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-10)
    opt.step()
    topt.step()
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(gm.state_dict()[k].numpy(), v.numpy(), rtol=1e-9, atol=1e-10)


def test_placeholders_until_the_first_call_then_the_same_objects():
    layer = gnn.LazyLinear(4)
    weight = layer.weight
    assert isinstance(weight, gnn.UninitializedParameter) and layer.has_uninitialized_params()
    assert repr(weight) == "<UninitializedParameter>"
    assert "in_features=0" in repr(layer)
    opt = gn.optim.Adam(layer.parameters(), lr=0.01)
    out = layer(gn.ones(2, 9))
    assert type(layer) is gnn.Linear and layer.in_features == 9 and tuple(out.shape) == (2, 4)
    assert layer.weight is weight and type(weight) is gnn.Parameter
    bound = 1 / np.sqrt(9)  # Linear's own initialisation
    assert np.abs(weight.numpy()).max() <= bound and np.abs(weight.numpy()).std() > bound / 4
    before = weight.numpy().copy()
    out.sum().backward()
    opt.step()
    assert not np.array_equal(before, weight.numpy())


def test_lazy_layers_in_a_model_and_unbatched_input():
    model = gnn.Sequential(gnn.LazyConv1d(5, 3), gnn.ReLU(), gnn.Flatten(0), gnn.LazyLinear(2))
    out = model(gn.ones(3, 10))  # unbatched: (channels, length)
    assert tuple(out.shape) == (2,)
    assert tuple(model[0].weight.shape) == (5, 3, 3) and tuple(model[3].weight.shape) == (2, 40)


def test_wrong_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match=r"LazyConv2d: expected a 3-d or 4-d input, got shape \(2, 3\)"):
        gnn.LazyConv2d(4, 3)(gn.ones(2, 3))
    with pytest.raises(TypeError, match="LazyLinear: expected a Tensor input, got list"):
        gnn.LazyLinear(2)([1.0, 2.0])
    with pytest.raises(AttributeError, match="LazyConv3d"):
        gnn.LazyConv3d  # noqa: B018


def test_load_state_dict_before_the_first_call_builds_the_layers(torch):
    """d2l's pattern: a model of lazy layers, trained in torch, loaded into a fresh copy."""

    def make(nn):
        return nn.Sequential(
            nn.LazyConv2d(4, 3, groups=2), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Flatten(),
            nn.LazyLinear(5), nn.ReLU(), nn.LazyLinear(2),
        )  # fmt: skip

    tm = make(torch.nn).double()
    x = np.random.default_rng(0).standard_normal((2, 6, 5, 5))
    tm(torch.tensor(x))
    tm.eval()
    gm = make(gnn)
    gm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    assert [type(m).__name__ for m in gm] == [type(m).__name__ for m in tm]
    gm.eval()
    want = tm(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(gm(gn.tensor(x, dtype=gn.float32)).numpy(), want, rtol=1e-4, atol=1e-5)
