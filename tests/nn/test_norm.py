"""BatchNorm1d / BatchNorm2d against PyTorch: buffers and state dicts, running statistics over
several steps (momentum and cumulative average), train/eval, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn.layers.norm import BatchNorm1d, BatchNorm2d

CASES = [
    ("BatchNorm1d", (8, 5), {}),
    ("BatchNorm1d", (6, 5, 7), {"momentum": 0.3}),
    ("BatchNorm2d", (4, 5, 6, 3), {}),
    ("BatchNorm2d", (4, 5, 3, 3), {"momentum": None}),
    ("BatchNorm2d", (4, 5, 3, 3), {"affine": False, "eps": 1e-3}),
    ("BatchNorm2d", (4, 5, 3, 3), {"track_running_stats": False}),
    ("BatchNorm1d", (7, 5), {"bias": False}),
]


def _pair(name, kwargs, torch):
    import glassnet.nn.layers.norm as N

    layer = getattr(N, name)(5, **kwargs).double()
    ref = getattr(torch.nn, name)(5, **kwargs).double()
    return layer, ref


@pytest.mark.parametrize("name, shape, kwargs", CASES)
def test_batch_norm_layers_track_torch_over_steps(name, shape, kwargs, rng, torch):
    layer, ref = _pair(name, kwargs, torch)
    assert repr(layer) == repr(ref)
    assert list(layer.state_dict()) == list(ref.state_dict())
    for name in ("weight", "bias"):  # start from non-trivial affine parameters
        if getattr(layer, name) is not None:
            v = rng.standard_normal(5)
            getattr(layer, name).array[...] = v
            with torch.no_grad():
                getattr(ref, name).copy_(torch.tensor(v))
    for step in range(4):  # training steps: outputs, input gradients, running statistics
        x = rng.standard_normal(shape) * (step + 1) + step
        t = gn.tensor(x, requires_grad=True)
        tt = torch.tensor(x, requires_grad=True)
        y, yt = layer(t), ref(tt)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
        w = rng.standard_normal(shape)
        (y * gn.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-8, atol=1e-12)
        for k, v in ref.state_dict().items():
            np.testing.assert_allclose(layer.state_dict()[k], v.numpy(), rtol=1e-12, err_msg=k)
    for name in ("weight", "bias"):
        if getattr(layer, name) is not None:
            np.testing.assert_allclose(
                getattr(layer, name).grad.numpy(), getattr(ref, name).grad.numpy(), rtol=1e-8
            )
    layer.eval()
    ref.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(
        layer(gn.tensor(x)).numpy(), ref(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-12
    )


def test_state_dict_interchanges_with_torch(rng, torch):
    ref = torch.nn.BatchNorm2d(3)
    ref.train()
    for _ in range(3):
        ref(torch.randn(4, 3, 5, 5) * 2 + 1)
    layer = BatchNorm2d(3)
    layer.load_state_dict(ref.state_dict())
    assert int(layer.num_batches_tracked.item()) == 3
    assert layer.num_batches_tracked.dtype == np.int64
    back = torch.nn.BatchNorm2d(3)
    back.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in layer.state_dict().items()})
    layer.eval()
    back.eval()
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(
        layer(gn.tensor(x)).numpy(), back(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_reset_and_defaults():
    bn = BatchNorm1d(4)
    assert bn.weight.numpy().tolist() == [1.0] * 4 and bn.bias.numpy().tolist() == [0.0] * 4
    bn(gn.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4)))
    assert int(bn.num_batches_tracked.item()) == 1
    assert bn.running_mean.numpy().any()
    bn.reset_running_stats()
    assert not bn.running_mean.numpy().any() and int(bn.num_batches_tracked.item()) == 0
    assert (bn.running_var.numpy() == 1).all()
    assert BatchNorm2d(3, track_running_stats=False).running_mean is None


def test_eval_without_running_stats_uses_batch_statistics(rng):
    bn = BatchNorm2d(2, track_running_stats=False, affine=False).eval()
    x = rng.standard_normal((4, 2, 3, 3))
    y = bn(gn.tensor(x)).numpy()
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-10)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: BatchNorm2d(0), r"BatchNorm2d: num_features must be a positive int, got 0"),
        (lambda: BatchNorm1d(4, momentum=2.0), r"BatchNorm1d: momentum must be a float in \[0, 1\] or None, got 2.0"),
        (lambda: BatchNorm1d(4, eps=0), r"BatchNorm1d: eps must be a positive float, got 0"),
    ],
)  # fmt: skip
def test_construction_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "layer, shape, match",
    [
        (BatchNorm2d(3), (3, 28, 28), r"BatchNorm2d\(3, .*\): expected input of shape \(N, C, H, W\), got \(3, 28, 28\)"),
        (BatchNorm2d(3), (2, 4, 5, 5), r"BatchNorm2d\(3, .*\): expected input of shape \(N, C, H, W\) with C=3, got \(2, 4, 5, 5\)"),
        (BatchNorm1d(3), (2, 3, 4, 4), r"BatchNorm1d\(3, .*\): expected input of shape \(N, C\) or \(N, C, L\), got \(2, 3, 4, 4\)"),
        (BatchNorm1d(3), (1, 3), r"expected more than 1 value per channel when training"),
    ],
)  # fmt: skip
def test_forward_errors(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(gn.zeros(*shape))
