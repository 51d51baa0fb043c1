"""Max pooling against PyTorch where windows hold only ``-inf`` and padding, and the
padding limit with dilation (``padding <= kernel_size // 2``, not dilated)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import kernels, nn
from glassnet.ops.pool import avg_pool2d, max_pool2d
from glassnet.ops.pool_more import avg_pool1d, max_pool1d

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.fixture(params=["numba", "numpy"])
def path(request, monkeypatch):
    """Each test on the compiled kernels and on the NumPy reference."""
    if request.param == "numba" and not kernels.available():
        pytest.skip("numba is not installed")
    monkeypatch.setenv(kernels.ENV, request.param)
    return request.param


def _compare(x: np.ndarray, dims: int, seed: int = 0, **kw) -> None:
    """Values, indices and the input's gradient against torch's ``max_pool{dims}d``."""
    tfn = F.max_pool2d if dims == 2 else F.max_pool1d
    gfn = max_pool2d if dims == 2 else max_pool1d
    xt = torch.tensor(x, requires_grad=True)
    yt, it = tfn(xt, return_indices=True, **kw)
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(x.dtype)
    yt.backward(torch.tensor(g))
    xg = gn.Tensor(x, requires_grad=True)
    y, i = gfn(xg, return_indices=True, **kw)
    y.backward(gn.Tensor(g))
    np.testing.assert_array_equal(y.array, yt.detach().numpy())
    np.testing.assert_array_equal(i.array, it.numpy())
    np.testing.assert_allclose(xg.grad.array, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


WINDOWS_2D = [
    dict(kernel_size=2, stride=2, padding=1),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=2, padding=1, dilation=2),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=(2, 4), stride=(1, 3), padding=(1, 2), dilation=(2, 1)),
    dict(kernel_size=3, stride=2, ceil_mode=True),  # a last window over the right edge
    dict(kernel_size=2),  # no padding: the compiled kernels where numba is in use
]


@pytest.mark.parametrize("kw", WINDOWS_2D)
def test_all_inf_input_sends_each_gradient_to_its_windows_first_real_position(path, kw):
    x = np.full((1, 2, 5, 6), -np.inf, np.float32)
    _compare(x, 2, **kw)


@pytest.mark.parametrize("kw", WINDOWS_2D)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mostly_inf_inputs_match_torch(path, kw, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 8)).astype(dtype)
    x[rng.random(x.shape) < 0.8] = -np.inf  # many windows of -inf only, some mixed
    x[0, 0, :3, :3] = -np.inf  # an all -inf corner, against the padding
    _compare(x, 2, seed=2, **kw)


@pytest.mark.parametrize(
    "kw",
    [
        dict(kernel_size=2, stride=2, padding=1),
        dict(kernel_size=3, stride=2, padding=1, dilation=2),
        dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
        dict(kernel_size=3),
    ],
)
def test_max_pool1d_inf_windows_match_torch(path, kw):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 11)).astype(np.float32)
    x[rng.random(x.shape) < 0.7] = -np.inf
    x[:, 0] = -np.inf
    _compare(x, 1, seed=4, **kw)


def test_nan_still_wins_next_to_inf_windows(path):
    x = np.full((1, 1, 4, 4), -np.inf, np.float32)
    x[0, 0, 2, 3] = np.nan
    x[0, 0, 3, 0] = 1.0
    _compare(x, 2, kernel_size=2, stride=2, padding=1)


# ---------------------------------------------------------------- padding limit
PADDINGS = [  # (kernel, padding, dilation): torch's rule is padding <= kernel // 2
    (3, 2, 2), (2, 2, 3), (1, 1, 3), (3, 3, 3), (2, 2, 2), (3, 1, 2), (2, 1, 3), (4, 2, 2),
]  # fmt: skip


def _torch_refuses(fn, *args) -> bool:
    try:
        fn(*args)
    except RuntimeError:
        return True
    return False


@pytest.mark.parametrize("k, p, d", PADDINGS)
def test_max_pool2d_refuses_the_padding_torch_refuses(k, p, d):
    x = np.random.default_rng(0).standard_normal((1, 1, 9, 9)).astype(np.float32)
    refused = _torch_refuses(F.max_pool2d, torch.tensor(x), k, 1, p, d)
    if refused:
        with pytest.raises(ValueError, match=r"max_pool2d: padding must be at most half .*"
                           rf"expected padding <= \({k // 2}, {k // 2}\).*got padding"):  # fmt: skip
            max_pool2d(gn.Tensor(x), k, 1, p, d)
    else:
        y = max_pool2d(gn.Tensor(x), k, 1, p, d)
        np.testing.assert_array_equal(y.array, F.max_pool2d(torch.tensor(x), k, 1, p, d).numpy())


@pytest.mark.parametrize("k, p, d", PADDINGS)
def test_max_pool1d_refuses_the_padding_torch_refuses_in_its_own_name(k, p, d):
    x = np.random.default_rng(0).standard_normal((1, 2, 9)).astype(np.float32)
    refused = _torch_refuses(F.max_pool1d, torch.tensor(x), k, 1, p, d)
    if refused:
        with pytest.raises(ValueError, match=rf"max_pool1d: .*expected padding <= \({k // 2},\)"):
            max_pool1d(gn.Tensor(x), k, 1, p, d)
    else:
        y = max_pool1d(gn.Tensor(x), k, 1, p, d)
        np.testing.assert_array_equal(y.array, F.max_pool1d(torch.tensor(x), k, 1, p, d).numpy())


@pytest.mark.parametrize("k, p, d", PADDINGS)
def test_max_pool_layers_refuse_as_torch_does(k, p, d):
    x = np.random.default_rng(0).standard_normal((1, 1, 9, 9)).astype(np.float32)
    if _torch_refuses(torch.nn.MaxPool2d(k, 1, p, d), torch.tensor(x)):
        with pytest.raises(ValueError, match="MaxPool2d: padding must be at most half"):
            nn.MaxPool2d(k, 1, p, d)(gn.Tensor(x))
    else:
        nn.MaxPool2d(k, 1, p, d)(gn.Tensor(x))


def test_avg_pool1d_names_itself_when_padding_is_too_large():
    x = gn.Tensor(np.zeros((1, 1, 8), np.float32))
    assert _torch_refuses(F.avg_pool1d, torch.zeros(1, 1, 8), 3, 1, 2)
    with pytest.raises(ValueError, match=r"avg_pool1d: .*expected padding <= \(1,\).*got padding 2"):
        avg_pool1d(x, 3, 1, 2)


# ------------------------------------------- ceil_mode: a kernel over the padded input
@pytest.mark.parametrize(
    "kw, shape",
    [
        (dict(kernel_size=4, stride=3, ceil_mode=True), (1, 2, 2, 2)),
        (dict(kernel_size=(5, 3), stride=3, padding=1, ceil_mode=True), (1, 1, 2, 3)),
        (dict(kernel_size=2, stride=2, dilation=(2, 1), ceil_mode=True), (2, 1, 2, 3)),
    ],
)
def test_ceil_mode_takes_a_kernel_larger_than_the_padded_input_as_torch(path, kw, shape):
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    _compare(x, 2, seed=7, **kw)
    if "dilation" not in kw:  # avg_pool2d: its divisor over the window clipped as torch's
        xt = torch.tensor(x, requires_grad=True)
        yt = F.avg_pool2d(xt, **kw)
        yt.sum().backward()
        xg = gn.Tensor(x, requires_grad=True)
        y = avg_pool2d(xg, **kw)
        y.sum().backward()
        np.testing.assert_allclose(y.array, yt.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(xg.grad.array, xt.grad.numpy(), rtol=1e-6)


def test_without_ceil_mode_a_kernel_over_the_padded_input_is_still_refused():
    x = np.zeros((1, 1, 2, 2), np.float32)
    assert _torch_refuses(F.max_pool2d, torch.tensor(x), 4, 3)
    with pytest.raises(ValueError, match=r"max_pool2d: kernel 4x4 is larger than the padded "
                       r"input 2x2: expected an output of at least 1x1, got 0x0"):  # fmt: skip
        max_pool2d(gn.Tensor(x), 4, 3)
