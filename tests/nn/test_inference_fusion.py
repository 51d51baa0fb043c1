"""Without a graph, Sequential runs Conv2d -> ReLU -> MaxPool2d(2) as one blocked pass
(ops/conv_fused.py): the same values as the modules one by one, on both kernel paths, and
never where hooks, a graph, a subclass or an uncovered shape would see a difference."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import kernels, nn
from glassnet.ops import conv_fused


def _block(c_in: int = 3, c_out: int = 8, **conv) -> nn.Sequential:
    gn.manual_seed(0)
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, **conv), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(c_out, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))  # fmt: skip


def _count_fused(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = conv_fused.conv2d_relu_maxpool2

    def counting(*args, **kw):
        calls[0] += 1
        return real(*args, **kw)

    monkeypatch.setattr("glassnet.nn.layers.conv.conv2d_relu_maxpool2", counting)
    return calls


@pytest.mark.parametrize("path", ["numba", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("conv", [dict(padding=1), dict(), dict(stride=2, padding=1)])
def test_fused_equals_the_modules_one_by_one(monkeypatch, rng, path, dtype, conv):
    if path == "numba" and not kernels.available():
        pytest.skip("numba is not installed")
    monkeypatch.setenv(kernels.ENV, path)
    model = _block(**conv).to(dtype=dtype)
    x = gn.tensor(rng.standard_normal((5, 3, 18, 18)).astype(dtype))
    x.array[0, :, :4, :4] = np.nan  # NaN wins its window on both paths
    expected = model(x).array  # a graph is recorded: the modules run one by one
    calls = _count_fused(monkeypatch)
    with gn.no_grad():
        got = model(x)
    assert calls[0] == 2
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got.array, expected)


def test_seed_cnn_inference_is_fused_and_unchanged(monkeypatch, rng):
    from glassnet.models import seed_cnn

    model = seed_cnn().eval()
    x = gn.tensor(rng.random((4, 1, 28, 28), dtype=np.float32))
    expected = model(x).array
    calls = _count_fused(monkeypatch)
    with gn.inference_mode():
        got = model(x).array
    assert calls[0] == 2
    np.testing.assert_array_equal(got, expected)


def test_an_odd_output_size_falls_back_to_the_modules(monkeypatch, rng):
    model = _block(padding=1)
    x = gn.tensor(rng.standard_normal((2, 3, 17, 17)).astype(np.float32))  # 17x17 after conv
    expected = model(x).array
    calls = _count_fused(monkeypatch)
    with gn.no_grad():
        got = model(x).array
    assert calls[0] == 2  # asked, and declined (it returned None)
    np.testing.assert_array_equal(got, expected)


def test_hooks_keep_the_modules_one_by_one(monkeypatch, rng):
    model = _block(padding=1)
    seen = []
    model[1].register_forward_hook(lambda m, args, out: seen.append(out.shape))
    calls = _count_fused(monkeypatch)
    with gn.no_grad():
        model(gn.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32)))
    assert seen == [(2, 8, 8, 8)]  # the ReLU ran on the full-size output, and its hook saw it
    assert calls[0] == 1  # the second block has no hooks and is fused


def test_with_a_graph_on_the_numpy_path_the_modules_run(monkeypatch, rng):
    monkeypatch.setenv(kernels.ENV, "numpy")
    model = _block(padding=1)
    calls = _count_fused(monkeypatch)
    x = gn.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    model(x).sum().backward()
    assert calls[0] == 2 and x.grad is not None  # asked, and declined (no compiled kernels)
    assert type(model(x).grad_fn).__name__ != "ConvReluPool2d"


def test_other_pools_subclasses_and_groups_are_not_fused():
    relu = nn.ReLU()

    class MyConv(nn.Conv2d):
        pass

    assert nn.Conv2d(2, 4, 3).inference_fusion([relu, nn.MaxPool2d(2)]) is not None
    assert MyConv(2, 4, 3).inference_fusion([relu, nn.MaxPool2d(2)]) is None
    assert nn.Conv2d(2, 4, 3, groups=2).inference_fusion([relu, nn.MaxPool2d(2)]) is None
    assert nn.Conv2d(2, 4, 3).inference_fusion([relu, nn.MaxPool2d(3)]) is None
    assert nn.Conv2d(2, 4, 3).inference_fusion([relu, nn.MaxPool2d(2, 1)]) is None
    assert nn.Conv2d(2, 4, 3).inference_fusion([relu, nn.MaxPool2d(2, ceil_mode=True)]) is None
    assert nn.Conv2d(2, 4, 3).inference_fusion([nn.MaxPool2d(2), relu]) is None
    assert nn.Conv2d(2, 4, 3, padding=1, padding_mode="reflect").inference_fusion(
        [relu, nn.MaxPool2d(2)]
    ) is None
