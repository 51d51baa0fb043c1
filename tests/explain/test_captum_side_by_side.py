"""glassnet.explain against Captum itself on the same weights (skipped without captum/torch).

The calls are written as a Captum user writes them: tuples of inputs and
baselines, ``additional_forward_args``, Captum's argument names and defaults.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet.explain import (
    FeatureAblation,
    GradCAM,
    InputXGradient,
    IntegratedGradients,
    NoiseTunnel,
    Occlusion,
    Saliency,
)
from glassnet.nn import Module

from .helpers import mlp

captum_attr = pytest.importorskip("captum.attr")
pytestmark = pytest.mark.torch


class TwoInputs(Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = mlp(6, 8, 3, smooth=True)

    def forward(self, a, b, scale):
        return self.net(F.cat([a, b], axis=1)) * scale


@pytest.fixture
def pair(torch):
    """The same two-input model in glassnet and torch, and data for it."""
    model = TwoInputs()

    class TorchTwo(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)
            ).double()

        def forward(self, a, b, scale):
            return self.net(torch.cat([a, b], dim=1)) * scale

    tm = TorchTwo()
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    rng = np.random.default_rng(1)
    data = {
        "a": rng.standard_normal((3, 4)),
        "b": rng.standard_normal((3, 2)),
        "scale": np.array([[1.0], [2.0], [-0.5]]),
        "target": [0, 2, 1],
    }
    return model, tm, data


def _t(torch, *arrays):
    return tuple(torch.tensor(a) for a in arrays)


# Captum rounds IG's step sizes and scalar baselines through float32, so float64 results agree
# to about 1e-8 relative, not to the last bit
TOL = {"rtol": 1e-6, "atol": 1e-9}


def _close(got, ref, **kw):
    assert isinstance(got, tuple) and len(got) == len(ref)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r.detach().numpy(), **kw)


def test_integrated_gradients(torch, pair):
    model, tm, d = pair
    base = (np.full((1, 4), 0.3), np.zeros((1, 2)))
    ref, ref_delta = captum_attr.IntegratedGradients(tm).attribute(
        _t(torch, d["a"], d["b"]),
        baselines=_t(torch, *base),
        target=d["target"],
        additional_forward_args=(torch.tensor(d["scale"]),),
        n_steps=20,
        return_convergence_delta=True,
    )
    got, delta = IntegratedGradients(model).attribute(
        (d["a"], d["b"]),
        baselines=base,
        target=d["target"],
        additional_forward_args=(d["scale"],),
        n_steps=20,
        return_convergence_delta=True,
    )
    _close(got, ref, **TOL)
    np.testing.assert_allclose(delta, ref_delta.numpy(), atol=1e-6)


def test_gradients(torch, pair):
    model, tm, d = pair
    inputs = _t(torch, d["a"], d["b"])
    extra = (torch.tensor(d["scale"]),)
    for cls, ours in (
        (captum_attr.Saliency, Saliency),
        (captum_attr.InputXGradient, InputXGradient),
    ):
        ref = cls(tm).attribute(inputs, target=d["target"], additional_forward_args=extra)
        got = ours(model).attribute(
            (d["a"], d["b"]), target=d["target"], additional_forward_args=(d["scale"],)
        )
        _close(got, ref, **TOL)
    ref = captum_attr.Saliency(tm).attribute(
        inputs, target=1, abs=False, additional_forward_args=extra
    )
    got = Saliency(model).attribute((d["a"], d["b"]), 1, False, (d["scale"],))
    _close(got, ref, **TOL)


def test_occlusion_and_ablation(torch, pair):
    model, tm, d = pair
    inputs = _t(torch, d["a"], d["b"])
    extra = (torch.tensor(d["scale"]),)
    ref = captum_attr.Occlusion(tm).attribute(
        inputs,
        sliding_window_shapes=((3,), (1,)),
        strides=((2,), 1),
        baselines=(0.5, 0.0),
        target=d["target"],
        additional_forward_args=extra,
    )
    got = Occlusion(model).attribute(
        (d["a"], d["b"]),
        sliding_window_shapes=((3,), (1,)),
        strides=((2,), 1),
        baselines=(0.5, 0.0),
        target=d["target"],
        additional_forward_args=(d["scale"],),
    )
    _close(got, ref, **TOL)
    masks = (np.array([[0, 0, 1, 1]]), np.array([[1, 2]]))
    ref = captum_attr.FeatureAblation(tm).attribute(
        inputs,
        target=d["target"],
        additional_forward_args=extra,
        feature_mask=_t(torch, *masks),
    )
    got = FeatureAblation(model).attribute(
        (d["a"], d["b"]),
        target=d["target"],
        additional_forward_args=(d["scale"],),
        feature_mask=masks,
    )
    _close(got, ref, **TOL)


def test_occlusion_windows_that_do_not_tile(torch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 1, 5, 6))
    w = rng.standard_normal(30)
    ref = captum_attr.Occlusion(
        lambda t: (t.reshape(t.shape[0], -1) ** 2) @ torch.tensor(w)
    ).attribute(torch.tensor(x), sliding_window_shapes=(1, 3, 4), strides=(1, 2, 3))
    got = Occlusion(lambda t: (t.reshape(t.shape[0], -1) ** 2) @ gn.tensor(w)).attribute(
        x, sliding_window_shapes=(1, 3, 4), strides=(1, 2, 3)
    )
    np.testing.assert_allclose(got, ref.numpy(), **TOL)


def test_noise_tunnel_without_noise(torch, pair):
    """Noise draws differ between the libraries; with stdevs=0 every option must agree."""
    model, tm, d = pair
    ref, ref_delta = captum_attr.NoiseTunnel(captum_attr.IntegratedGradients(tm)).attribute(
        _t(torch, d["a"], d["b"]),
        nt_type="smoothgrad_sq",
        nt_samples=4,
        nt_samples_batch_size=3,
        stdevs=0.0,
        target=d["target"],
        additional_forward_args=(torch.tensor(d["scale"]),),
        n_steps=8,
        return_convergence_delta=True,
    )
    got, delta = NoiseTunnel(IntegratedGradients(model)).attribute(
        (d["a"], d["b"]),
        nt_type="smoothgrad_sq",
        nt_samples=4,
        nt_samples_batch_size=3,
        stdevs=0.0,
        target=d["target"],
        additional_forward_args=(d["scale"],),
        n_steps=8,
        return_convergence_delta=True,
    )
    _close(got, ref, **TOL)
    assert delta.shape == tuple(ref_delta.shape)
    np.testing.assert_allclose(np.sort(delta), np.sort(ref_delta.numpy()), atol=1e-6)


def test_grad_cam(torch):
    model = gn.nn.Sequential(
        gn.nn.Conv2d(1, 3, 3, padding=1), gn.nn.ReLU(), gn.nn.Flatten(), gn.nn.Linear(48, 4)
    ).double()
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(48, 4),
    ).double()
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 1, 4, 4))
    for relu in (False, True):
        ref = captum_attr.LayerGradCam(tm, tm[1]).attribute(
            torch.tensor(x), target=[1, 3], relu_attributions=relu
        )
        got = GradCAM(model, model[1]).attribute(
            x, target=[1, 3], relu_attributions=relu, upsample=False
        )
        np.testing.assert_allclose(got, ref.detach().numpy(), **TOL)


def test_both_refuse_target_none_on_several_outputs(torch, pair):
    model, tm, d = pair
    with pytest.raises(AssertionError, match="Target not provided"):
        captum_attr.Saliency(tm).attribute(
            _t(torch, d["a"], d["b"]), additional_forward_args=(torch.tensor(d["scale"]),)
        )
    with pytest.raises(ValueError, match="pass target="):
        Saliency(model).attribute((d["a"], d["b"]), additional_forward_args=(d["scale"],))
