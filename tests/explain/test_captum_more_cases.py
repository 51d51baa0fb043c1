"""Captum's calling forms the other side-by-side tests leave out (skipped without captum/torch).

Models with outputs ``(N, T, C)`` explained through tuple targets, Captum's
tuple-of-one arguments for a single input, and Grad-CAM on a layer without
spatial axes.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import (
    FeatureAblation,
    GradCAM,
    IntegratedGradients,
    NoiseTunnel,
    Occlusion,
    Saliency,
)
from glassnet.nn import Module

from .helpers import mlp

captum_attr = pytest.importorskip("captum.attr")
pytestmark = pytest.mark.torch

TOL = {"rtol": 1e-6, "atol": 1e-9}


class Steps(Module):
    """Per-step scores ``(N, T, 2)`` of an input ``(N, T, 3)``."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = gn.nn.Linear(3, 2)

    def forward(self, x):
        return gn.functional.tanh(self.fc(x)) * x.mean(axis=(1, 2), keepdims=True)


@pytest.fixture
def steps(torch):
    model = Steps().double()

    class TorchSteps(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)

        def forward(self, x):
            return torch.tanh(self.fc(x)) * x.mean(dim=(1, 2), keepdim=True)

    tm = TorchSteps().double()
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    return model, tm, np.random.default_rng(0).standard_normal((2, 4, 3))


@pytest.mark.parametrize("target", [(3, 1), [(3, 0), (1, 1)]])
def test_tuple_targets_on_sequence_outputs(torch, steps, target):
    model, tm, x = steps
    for ours, theirs, kw in (
        (IntegratedGradients, captum_attr.IntegratedGradients, {"n_steps": 6}),
        (Saliency, captum_attr.Saliency, {}),
        (Occlusion, captum_attr.Occlusion, {"sliding_window_shapes": (2, 3)}),
        (FeatureAblation, captum_attr.FeatureAblation, {}),
    ):
        ref = theirs(tm).attribute(torch.tensor(x), target=target, **kw)
        got = ours(model).attribute(x, target=target, **kw)
        np.testing.assert_allclose(got, ref.detach().numpy(), **TOL)


def test_noise_tunnel_passes_tuple_targets_on(torch, steps):
    model, tm, x = steps
    kw = {"nt_samples": 3, "nt_samples_batch_size": 2, "stdevs": 0.0, "target": [(3, 0), (1, 1)]}
    ref = captum_attr.NoiseTunnel(captum_attr.Saliency(tm)).attribute(torch.tensor(x), **kw)
    got = NoiseTunnel(Saliency(model)).attribute(x, **kw)
    np.testing.assert_allclose(got, ref.detach().numpy(), **TOL)


def test_tuple_of_one_arguments_for_one_input(torch):
    model = mlp(5, 6, 3, smooth=True)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    tm.double()
    rng = np.random.default_rng(1)
    x, base = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    tx = torch.tensor(x)
    ref = captum_attr.IntegratedGradients(tm).attribute(
        tx, baselines=(torch.tensor(base),), target=1
    )
    got = IntegratedGradients(model).attribute(x, baselines=(base,), target=1)
    np.testing.assert_allclose(got, ref.numpy(), **TOL)
    kw = {"sliding_window_shapes": ((2,),), "strides": ((1,),), "target": 2}
    ref = captum_attr.Occlusion(tm).attribute(tx, **kw)
    np.testing.assert_allclose(Occlusion(model).attribute(x, **kw), ref.numpy(), **TOL)
    kw = {"stdevs": (0.0,), "nt_samples": 2, "target": 0}
    ref = captum_attr.NoiseTunnel(captum_attr.Saliency(tm)).attribute(tx, **kw)
    np.testing.assert_allclose(NoiseTunnel(Saliency(model)).attribute(x, **kw), ref.numpy())
    ref = captum_attr.NoiseTunnel(captum_attr.IntegratedGradients(tm)).attribute(
        tx, nt_samples=2, stdevs=0.0, target=0, baselines=(torch.tensor(base),), n_steps=5
    )
    got = NoiseTunnel(IntegratedGradients(model)).attribute(
        x, nt_samples=2, stdevs=0.0, target=0, baselines=(base,), n_steps=5
    )
    np.testing.assert_allclose(got, ref.numpy(), **TOL)


def test_grad_cam_on_a_layer_without_spatial_axes(torch):
    model = gn.nn.Sequential(
        gn.nn.Conv2d(1, 2, 3), gn.nn.ReLU(), gn.nn.Flatten(), gn.nn.Linear(4, 4), gn.nn.Tanh(),
        gn.nn.Linear(4, 3),
    ).double()  # fmt: skip
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4, 4),
        torch.nn.Tanh(), torch.nn.Linear(4, 3),
    ).double()  # fmt: skip
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((2, 1, 4, 3))
    ref = captum_attr.LayerGradCam(tm, tm[4]).attribute(torch.tensor(x), target=[2, 0])
    got = GradCAM(model, model[4]).attribute(x, target=[2, 0], relu=False, upsample=False)
    np.testing.assert_allclose(got, ref.detach().numpy(), **TOL)
