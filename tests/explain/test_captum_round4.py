"""Round 4 of glassnet.explain against Captum 0.9 on the same weights (skipped without captum).

The methods added in this round: DeepLift and DeepLiftShap (every nonlinear module type
Captum has a rule for, chains such as ReLU -> MaxPool2d, Softmax, custom attribution
functions), GuidedBackprop, Deconvolution, GuidedGradCam, LayerActivation,
LayerGradientXActivation, LayerConductance, LayerAttribution.interpolate, and
ShapleyValues / ShapleyValueSampling.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import (
    Deconvolution,
    DeepLift,
    DeepLiftShap,
    GuidedBackprop,
    GuidedGradCam,
    KernelShap,
    LayerActivation,
    LayerAttribution,
    LayerConductance,
    LayerGradCam,
    LayerGradientXActivation,
    ShapleyValues,
    ShapleyValueSampling,
)
from tests import device_params

from .helpers import assert_same_state, give_grads, snapshot

device = device_params.device  # the fixture

captum_attr = pytest.importorskip("captum.attr")
pytestmark = [pytest.mark.torch, pytest.mark.filterwarnings("ignore::UserWarning")]

TOL = {"rtol": 1e-7, "atol": 1e-10}


def _same(model, tm):
    import torch

    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    return tm.eval()


def _close(got, ref, **kw):
    if isinstance(ref, (tuple, list)):
        assert type(got) is type(ref) and len(got) == len(ref)
        for g, r in zip(got, ref):
            _close(g, r, **kw)
        return
    ref = ref.detach().numpy()
    assert np.shape(got) == ref.shape
    np.testing.assert_allclose(got, ref, **(kw or TOL))


def _both(torch, name, *args, **kw):
    """The same layer in glassnet and torch."""
    return getattr(gn.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)


def _pair(torch, spec):
    """A glassnet Sequential and the same torch Sequential (float64, same weights)."""
    g, t = zip(*(_both(torch, name, *a, **k) for name, a, k in spec))
    model = gn.nn.Sequential(*g).double()
    return model, _same(model, torch.nn.Sequential(*t).double())


CNN = [
    ("Conv2d", (2, 3, 3), {"padding": 1}), ("ReLU", (), {}), ("MaxPool2d", (2,), {}),
    ("Conv2d", (3, 4, 3), {}), ("ReLU", (), {}), ("Flatten", (), {}), ("Linear", (4, 3), {}),
]  # fmt: skip


@pytest.fixture
def cnn(torch):
    model, tm = _pair(torch, CNN)
    rng = np.random.default_rng(0)
    return model, tm, rng.standard_normal((3, 2, 6, 6)), rng.standard_normal((3, 2, 6, 6)) * 0.3


# ---------------------------------------------------------------------- DeepLift
@pytest.mark.parametrize(
    "act", [("ReLU", {}), ("ELU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("Sigmoid", {}),
            ("Tanh", {}), ("Softplus", {})],
)  # fmt: skip
def test_deeplift_mlp_each_nonlinearity_with_softmax(torch, act):
    name, kw = act
    spec = [("Linear", (5, 6), {}), (name, (), kw), ("Linear", (6, 4), {}),
            ("Softmax", (), {"dim": 1})]  # fmt: skip
    model, tm = _pair(torch, spec)
    rng = np.random.default_rng(1)
    x, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5)) * 0.2
    for mult in (True, False):
        args = (torch.tensor(b), [0, 2, 1, 3], None, True)
        ref, ref_d = captum_attr.DeepLift(tm, multiply_by_inputs=mult).attribute(
            torch.tensor(x), *args
        )
        got, d = DeepLift(model, multiply_by_inputs=mult).attribute(x, b, [0, 2, 1, 3], None, True)
        _close(got, ref)
        np.testing.assert_allclose(d, ref_d.numpy(), atol=1e-10)


def test_deeplift_cnn_relu_into_maxpool_matches_captum(torch, cnn):
    # Captum's hooks give the ReLU before a MaxPool the pool's ordinary gradient; the
    # attributions then miss F(x) - F(b) by a visible delta, which glassnet reproduces
    model, tm, x, b = cnn
    for target in (1, [0, 2, 1], torch.tensor([2, 0, 1])):
        ref, ref_d = captum_attr.DeepLift(tm).attribute(
            torch.tensor(x), torch.tensor(b), target=target, return_convergence_delta=True
        )
        got, d = DeepLift(model).attribute(x, b, target=target, return_convergence_delta=True)
        _close(got, ref)
        np.testing.assert_allclose(d, ref_d.numpy(), atol=1e-10)
    assert np.abs(ref_d.numpy()).max() > 1e-3  # the case really is a chain


def test_deeplift_pool_between_convs_adds_up(torch):
    """MaxPool after a linear layer (no chain): the rule is exact and the delta ~0."""
    spec = [("Conv1d", (2, 3, 3), {}), ("MaxPool1d", (2,), {}), ("Flatten", (), {}),
            ("Linear", (27, 4), {}), ("Tanh", (), {}), ("Linear", (4, 2), {})]  # fmt: skip
    model, tm = _pair(torch, spec)
    rng = np.random.default_rng(2)
    x, b = rng.standard_normal((3, 2, 20)), rng.standard_normal((1, 2, 20))
    ref, ref_d = captum_attr.DeepLift(tm).attribute(
        torch.tensor(x), torch.tensor(b), target=1, return_convergence_delta=True
    )
    got, d = DeepLift(model).attribute(x, b, target=1, return_convergence_delta=True)
    _close(got, ref)
    np.testing.assert_allclose(d, ref_d.numpy(), atol=1e-10)
    assert np.abs(d).max() < 1e-10


@pytest.mark.parametrize(
    "pool", [{"kernel_size": 3, "stride": 2}, {"kernel_size": 2, "padding": 1}]
)
def test_deeplift_overlapping_and_padded_pools(torch, pool):
    spec = [("Conv2d", (2, 3, 3), {"padding": 1}), ("MaxPool2d", (), pool), ("Flatten", (), {})]
    model, tm = _pair(torch, spec)
    n_flat = model(gn.zeros(1, 2, 7, 7, dtype=gn.float64)).shape[1]
    lin, tlin = _both(torch, "Linear", n_flat, 3)
    model, tm = gn.nn.Sequential(*model, lin.double()), torch.nn.Sequential(*tm, tlin.double())
    _same(model, tm)
    rng = np.random.default_rng(10)
    x, b = rng.standard_normal((2, 2, 7, 7)), rng.standard_normal((2, 2, 7, 7))
    ref, ref_d = captum_attr.DeepLift(tm).attribute(
        torch.tensor(x), torch.tensor(b), target=2, return_convergence_delta=True
    )
    got, d = DeepLift(model).attribute(x, b, target=2, return_convergence_delta=True)
    _close(got, ref)
    np.testing.assert_allclose(d, ref_d.numpy(), atol=1e-10)


def test_deeplift_and_guided_backprop_where_a_ruled_input_is_shared(torch):
    """``h + relu(h)``: as with Captum's tensor hooks, the ReLU's rule replaces the gradient
    of ``h`` from all its uses (DeepLift's delta shows it)."""

    class Skip(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.r, self.c = gn.nn.Linear(4, 5), gn.nn.ReLU(), gn.nn.Linear(5, 2)

        def forward(self, x):
            h = self.a(x)
            return self.c(self.r(h) + h)

    class TSkip(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.r, self.c = torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2)

        def forward(self, x):
            h = self.a(x)
            return self.c(self.r(h) + h)

    model = Skip().double()
    tm = _same(model, TSkip().double())
    x = np.random.default_rng(14).standard_normal((3, 4))
    ref, ref_d = captum_attr.DeepLift(tm).attribute(torch.tensor(x), target=1,
                                                    return_convergence_delta=True)  # fmt: skip
    got, d = DeepLift(model).attribute(x, target=1, return_convergence_delta=True)
    _close(got, ref)
    np.testing.assert_allclose(d, ref_d.numpy(), atol=1e-10)
    ref = captum_attr.GuidedBackprop(tm).attribute(torch.tensor(x), target=0)
    _close(GuidedBackprop(model).attribute(x, target=0), ref)


def test_deeplift_float32_tuple_inputs_extra_args_and_custom_func(torch):
    class Two(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.act = gn.nn.Linear(3, 4), gn.nn.Linear(2, 4), gn.nn.Sigmoid()
            self.out = gn.nn.Linear(4, 3)

        def forward(self, x, y, scale):
            return self.out(self.act(self.a(x) + self.b(y))) * scale

    class TTwo(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.act = (
                torch.nn.Linear(3, 4),
                torch.nn.Linear(2, 4),
                torch.nn.Sigmoid(),
            )
            self.out = torch.nn.Linear(4, 3)

        def forward(self, x, y, scale):
            return self.out(self.act(self.a(x) + self.b(y))) * scale

    model = Two()
    tm = _same(model, TTwo())
    rng = np.random.default_rng(3)
    x, y = (
        rng.standard_normal((4, 3), dtype=np.float32),
        rng.standard_normal((4, 2), dtype=np.float32),
    )
    scale = rng.random((4, 1), dtype=np.float32) + 0.5
    tx, ty = torch.tensor(x), torch.tensor(y)
    ref = captum_attr.DeepLift(tm).attribute(
        (tx, ty), (0.1, torch.tensor(y[:1])), 2, (torch.tensor(scale),)
    )
    got = DeepLift(model).attribute((x, y), (0.1, y[:1]), 2, (scale,))
    _close(got, ref, rtol=1e-5, atol=1e-6)
    assert got[0].dtype == np.float32

    def custom(mults, inputs, baselines):
        return tuple(m * (i - b) ** 2 for m, i, b in zip(mults, inputs, baselines))

    ref = captum_attr.DeepLift(tm).attribute(
        (tx, ty), target=0, additional_forward_args=(torch.tensor(scale),),
        custom_attribution_func=custom,
    )  # fmt: skip
    got = DeepLift(model).attribute((x, y), target=0, additional_forward_args=(scale,),
                                    custom_attribution_func=custom)  # fmt: skip
    _close(got, ref, rtol=1e-5, atol=1e-6)


def test_deeplift_leaves_the_model_as_it_was(torch, cnn):
    model, _, x, b = cnn
    model.train()
    give_grads(model)
    before = snapshot(model)
    DeepLift(model).attribute(x, b, target=0)
    DeepLiftShap(model).attribute(x, b, target=0)
    GuidedBackprop(model).attribute(x, target=0)
    assert_same_state(before, snapshot(model))


def test_deeplift_shap(torch, cnn):
    model, tm, x, b = cnn
    ref, ref_d = captum_attr.DeepLiftShap(tm).attribute(
        torch.tensor(x[:2]), torch.tensor(b), target=[1, 2], return_convergence_delta=True
    )
    got, d = DeepLiftShap(model).attribute(x[:2], b, target=[1, 2], return_convergence_delta=True)
    _close(got, ref)
    np.testing.assert_allclose(d, ref_d.numpy(), atol=1e-10)
    with pytest.raises(ValueError, match="B > 1"):
        DeepLiftShap(model).attribute(x, b[:1], target=0)


def test_deeplift_refuses_a_plain_callable():
    with pytest.raises(TypeError, match="DeepLift: model must be a glassnet Module"):
        DeepLift(lambda x: x)


# ------------------------------------------------- Guided Backprop, Deconvolution
def test_guided_backprop_and_deconvolution(torch, cnn):
    model, tm, x, _ = cnn
    tx = torch.tensor(x)
    for ours, theirs in ((GuidedBackprop, "GuidedBackprop"), (Deconvolution, "Deconvolution")):
        for target in (2, [0, 1, 2]):
            ref = getattr(captum_attr, theirs)(tm).attribute(tx, target=target)
            _close(ours(model).attribute(x, target=target), ref)


def test_guided_backprop_inplace_and_reused_relu(torch):
    """One ReLU module (inplace) called twice: each call gets the rule with its own input."""

    class Net(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = gn.nn.Linear(4, 5), gn.nn.Linear(5, 5), gn.nn.Linear(5, 2)
            self.relu = gn.nn.ReLU(inplace=True)

        def forward(self, x):
            return self.c(self.relu(self.b(self.relu(self.a(x)))))

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = (
                torch.nn.Linear(4, 5),
                torch.nn.Linear(5, 5),
                torch.nn.Linear(5, 2),
            )
            self.relu = torch.nn.ReLU(inplace=True)

        def forward(self, x):
            return self.c(self.relu(self.b(self.relu(self.a(x)))))

    model = Net().double()
    tm = _same(model, TNet().double())
    x = np.random.default_rng(4).standard_normal((5, 4))
    ref = captum_attr.GuidedBackprop(tm).attribute(torch.tensor(x), target=1)
    _close(GuidedBackprop(model).attribute(x, target=1), ref)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "area"])
@pytest.mark.parametrize("layer", [0, 3])
def test_guided_grad_cam(torch, cnn, mode, layer):
    model, tm, x, _ = cnn
    for to_input in (False, True):
        args = ([0, 1, 2], None, mode, to_input)
        ref = captum_attr.GuidedGradCam(tm, tm[layer]).attribute(torch.tensor(x), *args)
        _close(GuidedGradCam(model, model[layer]).attribute(x, *args), ref)


def test_interpolate(torch):
    att = np.random.default_rng(5).standard_normal((2, 3, 4, 5))
    for mode, dims in (
        ("nearest", (7, 9)),
        ("bilinear", (8, 8)),
        ("bicubic", (5, 6)),
        ("area", (2, 3)),
    ):
        ref = captum_attr.LayerAttribution.interpolate(torch.tensor(att), dims, mode)
        _close(LayerAttribution.interpolate(att, dims, mode), ref)


# ------------------------------------------------------------------ layer methods
@pytest.mark.parametrize("layer", [0, 2, 4, 6])
def test_layer_activation_grad_x_activation_conductance(torch, cnn, layer):
    model, tm, x, _ = cnn
    tx = torch.tensor(x)
    for to_input in (False, True):
        ref = captum_attr.LayerActivation(tm, tm[layer]).attribute(tx, None, to_input)
        _close(LayerActivation(model, model[layer]).attribute(x, None, to_input), ref)
        for mult in (True, False):
            lga = captum_attr.LayerGradientXActivation(tm, tm[layer], multiply_by_inputs=mult)
            ref = lga.attribute(tx, [2, 0, 1], None, to_input)
            got = LayerGradientXActivation(model, model[layer], multiply_by_inputs=mult).attribute(
                x, [2, 0, 1], None, to_input
            )
            _close(got, ref)
        for method in ("gausslegendre", "riemann_trapezoid"):
            args = (0.1, [0, 1, 2], None, 5, method, None, True, to_input)
            ref, ref_d = captum_attr.LayerConductance(tm, tm[layer]).attribute(tx, *args)
            got, d = LayerConductance(model, model[layer]).attribute(x, *args)
            _close(got, ref, rtol=1e-7, atol=1e-8)  # Captum's float32 trapezoid points
            np.testing.assert_allclose(d, ref_d.numpy(), atol=1e-8)


@pytest.mark.parametrize("layer", [0, 2, 3, 6])
def test_layer_grad_cam_with_captums_defaults(torch, cnn, layer):
    model, tm, x, _ = cnn
    for args in (
        [1],
        [[0, 1, 2], None, True],
        [2, None, False, True],
        [0, None, True, True, False],
    ):
        ref = captum_attr.LayerGradCam(tm, tm[layer]).attribute(torch.tensor(x), *args)
        _close(LayerGradCam(model, model[layer]).attribute(x, *args), ref)


def test_layer_lists_names_and_batching(torch, cnn):
    model, tm, x, b = cnn
    tx = torch.tensor(x)
    ref = captum_attr.LayerActivation(tm, [tm[0], tm[4]]).attribute(tx)
    _close(LayerActivation(model, ["0", model[4]]).attribute(x), ref)
    ref = captum_attr.LayerGradientXActivation(tm, [tm[1], tm[3]]).attribute(tx, 1)
    _close(LayerGradientXActivation(model, [model[1], "3"]).attribute(x, 1), ref)
    ref = captum_attr.LayerConductance(tm, tm[3]).attribute(tx, torch.tensor(b), 2, n_steps=7,
                                                             internal_batch_size=6)  # fmt: skip
    got = LayerConductance(model, "3").attribute(x, b, 2, n_steps=7, internal_batch_size=5)
    _close(got, ref)
    with pytest.raises(TypeError, match="LayerConductance: layer must be one layer"):
        LayerConductance(model, [model[0], model[1]])
    with pytest.raises(ValueError, match="has no layer 'nope'"):
        LayerActivation(model, "nope")


# ----------------------------------------------------------------------- Shapley
def _tanh_mlp(torch):
    return _pair(torch, [("Linear", (5, 6), {}), ("Tanh", (), {}), ("Linear", (6, 3), {})])


def test_shapley_values_exact(torch):
    model, tm = _tanh_mlp(torch)
    rng = np.random.default_rng(6)
    x, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    ref = captum_attr.ShapleyValues(tm).attribute(
        torch.tensor(x), torch.tensor(b), target=[0, 1, 2]
    )
    _close(ShapleyValues(model).attribute(x, b, target=[0, 1, 2]), ref, rtol=1e-5, atol=1e-6)
    mask = np.array([[0, 0, 1, 2, 2]])
    ref = captum_attr.ShapleyValues(tm).attribute(
        torch.tensor(x), 0.5, 1, None, torch.tensor(mask), 3
    )
    _close(ShapleyValues(model).attribute(x, 0.5, 1, None, mask, 3), ref, rtol=1e-5, atol=1e-6)


def test_shapley_tuple_inputs_shared_groups(torch):
    class Two(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = gn.nn.Linear(7, 2)

        def forward(self, a, c):
            return self.lin(gn.cat([a, c], 1) ** 2)

    class TTwo(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(7, 2)

        def forward(self, a, c):
            return self.lin(torch.cat([a, c], 1) ** 2)

    model = Two().double()
    tm = _same(model, TTwo().double())
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((3, 5)), rng.standard_normal((3, 2))
    masks = (np.array([[0, 1, 1, 2, 3]]), np.array([[3, 0]]))
    ref = captum_attr.ShapleyValues(tm).attribute(
        (torch.tensor(x), torch.tensor(y)), target=1, feature_mask=tuple(map(torch.tensor, masks))
    )
    _close(ShapleyValues(model).attribute((x, y), target=1, feature_mask=masks), ref,
           rtol=1e-5, atol=1e-6)  # fmt: skip


def test_shapley_sampling_exact_on_additive_models_and_close_otherwise(torch):
    class Additive(gn.nn.Module):
        def forward(self, x):
            return (gn.tanh(x) * gn.tensor(np.arange(1.0, 6.0))).sum(1, keepdim=True)

    class TAdditive(torch.nn.Module):
        def forward(self, x):
            return (torch.tanh(x) * torch.arange(1.0, 6.0, dtype=torch.float64)).sum(
                1, keepdim=True
            )

    rng = np.random.default_rng(8)
    x, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    ref = captum_attr.ShapleyValueSampling(TAdditive()).attribute(
        torch.tensor(x), torch.tensor(b), target=0, n_samples=3
    )  # every order gives the Shapley values of an additive model
    got = ShapleyValueSampling(Additive()).attribute(x, b, 0, n_samples=3, perturbations_per_eval=4)
    _close(got, ref, rtol=1e-5, atol=1e-6)
    model, tm = _tanh_mlp(torch)
    exact = ShapleyValues(model).attribute(x, b, target=1)
    got = ShapleyValueSampling(model).attribute(x, b, target=1, n_samples=400, seed=1)
    np.testing.assert_allclose(got, exact, atol=0.05 * np.abs(exact).max())
    again = ShapleyValueSampling(model).attribute(x, b, target=1, n_samples=400, seed=1)
    np.testing.assert_array_equal(got, again)


def test_kernel_shap(torch):
    class Additive(gn.nn.Module):
        def forward(self, x):
            return (gn.tanh(x) * gn.tensor(np.arange(1.0, 6.0))).sum(1)

    class TAdditive(torch.nn.Module):
        def forward(self, x):
            return (torch.tanh(x) * torch.arange(1.0, 6.0, dtype=torch.float64)).sum(1)

    rng = np.random.default_rng(15)
    x, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    exact = captum_attr.ShapleyValues(TAdditive()).attribute(torch.tensor(x), torch.tensor(b))
    got = KernelShap(Additive()).attribute(x, b, n_samples=40)  # exact for additive models
    _close(got, exact, rtol=1e-5, atol=1e-6)
    model, tm = _tanh_mlp(torch)
    mask = np.array([0, 0, 1, 2, 3])
    exact = captum_attr.ShapleyValues(tm).attribute(torch.tensor(x), torch.tensor(b), 2, None,
                                                    torch.tensor(mask))  # fmt: skip
    got = KernelShap(model).attribute(x, b, 2, None, mask, n_samples=600, seed=3)
    np.testing.assert_allclose(got, exact.numpy(), atol=0.05 * np.abs(exact.numpy()).max())
    coef = KernelShap(model).attribute(x, b, 2, None, mask, 600, return_input_shape=False, seed=3)
    np.testing.assert_allclose(coef, got[:, [0, 2, 3, 4]])
    if __import__("importlib").util.find_spec("sklearn") is not None:
        ref = captum_attr.KernelShap(TAdditive()).attribute(torch.tensor(x), torch.tensor(b),
                                                            n_samples=40)  # fmt: skip
        _close(KernelShap(Additive()).attribute(x, b, n_samples=40), ref, rtol=1e-4, atol=1e-5)


def test_shapley_without_target_explains_every_output(torch):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4))
    for n_out in (1, 3):
        model, tm = _pair(
            torch, [("Linear", (4, 5), {}), ("Tanh", (), {}), ("Linear", (5, n_out), {})]
        )
        ref = captum_attr.ShapleyValues(tm).attribute(torch.tensor(x), 0.2)
        got = ShapleyValues(model).attribute(x, 0.2)
        _close(got, ref, rtol=1e-5, atol=1e-6)  # (N, n_out, 4)
        got = ShapleyValueSampling(model).attribute(x, 0.2, n_samples=2)
        assert got.shape == tuple(ref.shape)


def test_shapley_refuses_too_many_groups():
    model = gn.nn.Linear(20, 2)
    with pytest.raises(ValueError, match="ShapleyValues: 20 feature groups"):
        ShapleyValues(model).attribute(np.zeros((1, 20), np.float32), target=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ShapleyValueSampling(model).attribute(np.zeros((1, 20), np.float32), target=0, n_samples=1)


def test_layer_methods_on_token_ids_and_tuple_targets(torch):
    spec = [("Embedding", (20, 4), {}), ("Flatten", (), {}), ("Linear", (12, 6), {}),
            ("ReLU", (), {}), ("Unflatten", (1, (2, 3)), {})]  # fmt: skip
    model, tm = _pair(torch, spec)
    ids = np.random.default_rng(11).integers(0, 20, (3, 3))
    tids = torch.tensor(ids)
    for layer in (0, 2):
        ref = captum_attr.LayerGradientXActivation(tm, tm[layer]).attribute(tids, (1, 2))
        _close(LayerGradientXActivation(model, model[layer]).attribute(ids, (1, 2)), ref)
        ref = captum_attr.LayerActivation(tm, tm[layer]).attribute(tids)
        _close(LayerActivation(model, model[layer]).attribute(ids), ref)
    x = np.random.default_rng(12).standard_normal((3, 12))
    tail, ttail = gn.nn.Sequential(*list(model)[2:]), torch.nn.Sequential(*list(tm)[2:])
    for cls in ("DeepLift", "GuidedBackprop", "Deconvolution"):
        target = [(1, 2), (0, 0), (1, 1)]
        ref = getattr(captum_attr, cls)(ttail).attribute(torch.tensor(x), target=target)
        _close(globals()[cls](tail).attribute(x, target=target), ref)


# ------------------------------------------------------- the shared calling convention
CONVENTION = {
    "deeplift": (DeepLift, lambda m, x, t: m.attribute(x, target=t)),
    "deeplift_shap": (DeepLiftShap, lambda m, x, t: m.attribute(x, np.zeros((3, 6)), target=t)),
    "guided_backprop": (GuidedBackprop, lambda m, x, t: m.attribute(x, target=t)),
    "deconvolution": (Deconvolution, lambda m, x, t: m.attribute(x, target=t)),
    "layer_gxa": (lambda m: LayerGradientXActivation(m, "2"), lambda m, x, t: m.attribute(x, t)),
    "conductance": (
        lambda m: LayerConductance(m, "2"), lambda m, x, t: m.attribute(x, target=t, n_steps=4)
    ),
    "shapley": (ShapleyValues, lambda m, x, t: m.attribute(x, target=t)),
    "shapley_sampling": (
        ShapleyValueSampling, lambda m, x, t: m.attribute(x, target=t, n_samples=3)
    ),
    "kernel_shap": (KernelShap, lambda m, x, t: m.attribute(x, target=t, n_samples=20)),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CONVENTION))
def test_convention_rows_alone_state_and_targets(name):
    from .helpers import leaky_mlp, mlp

    data = np.random.default_rng(13).standard_normal((5, 6))
    model = leaky_mlp()
    model.train()
    give_grads(model)
    before = snapshot(model)
    make, call = CONVENTION[name]
    method = make(model)
    targets = [0, 1, 2, 0, 1]
    batch = call(method, data, targets)
    rows = np.concatenate([call(method, data[i : i + 1], [t]) for i, t in enumerate(targets)])
    np.testing.assert_allclose(batch, rows, rtol=1e-9, atol=1e-12)
    assert_same_state(before, snapshot(model))
    with pytest.raises(ValueError, match=r"target 3 is out of range for a model with 3 outputs"):
        call(make(mlp()), data, 3)
    if name.startswith("shapley"):  # Captum's Shapley methods explain every output
        assert call(make(mlp()), data, None).shape == (5, 3, 6)
    else:
        with pytest.raises(ValueError, match=r"the model has 3 outputs per row; pass target="):
            call(make(mlp()), data, None)


def test_backward_rules_leave_no_tensor_hooks_behind():
    """A ruled module applied to a parameter (a leaf that outlives the call): the rule's
    tensor hook is removed with the block, so later gradients are ordinary again."""
    from glassnet.autograd import grad
    from glassnet.autograd.hooks import leaf_hooks
    from glassnet.explain.module_rules import backward_rules

    class Gate(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = gn.nn.Parameter(np.array([-1.0, 2.0]))
            self.act = gn.nn.ReLU()

        def forward(self, x):
            return (x * self.act(self.w)).sum(1)

    model = Gate()
    x = gn.tensor(np.ones((1, 2)), requires_grad=True)
    with backward_rules(model, {gn.nn.ReLU: lambda call: call.grad_input * 0 + 5.0}):
        (g,) = grad(model(x).sum(), model.w)
        np.testing.assert_array_equal(g.numpy(), [5.0, 5.0])
    assert not leaf_hooks(model.w)
    (g,) = grad(model(x).sum(), model.w)
    np.testing.assert_array_equal(g.numpy(), [0.0, 1.0])


def test_shapley_mask_errors_name_the_method():
    model = gn.nn.Linear(4, 2)
    with pytest.raises(ValueError, match=r"ShapleyValues: feature_mask of shape \(3,\) does not"):
        ShapleyValues(model).attribute(
            np.zeros((2, 4), np.float32), target=0, feature_mask=np.arange(3)
        )
    with pytest.raises(ValueError, match="KernelShap: n_samples must be"):
        KernelShap(model).attribute(np.zeros((2, 4), np.float32), target=0, n_samples=1)


def test_deeplift_maxpool3d(torch):
    if not hasattr(gn.nn, "MaxPool3d") or not hasattr(gn.nn, "Conv3d"):
        pytest.skip("this glassnet has no 3-D pooling")
    spec = [("Conv3d", (1, 2, 3), {"padding": 1}), ("ReLU", (), {}), ("MaxPool3d", (2,), {}),
            ("Flatten", (), {}), ("Linear", (16, 3), {})]  # fmt: skip
    model, tm = _pair(torch, spec)
    x = np.random.default_rng(16).standard_normal((2, 1, 4, 4, 4))
    ref, ref_d = captum_attr.DeepLift(tm).attribute(
        torch.tensor(x), torch.tensor(x * 0.1), target=1, return_convergence_delta=True
    )
    got, d = DeepLift(model).attribute(x, x * 0.1, target=1, return_convergence_delta=True)
    _close(got, ref)
    np.testing.assert_allclose(d, ref_d.numpy(), atol=1e-10)


def test_round4_methods_on_a_device_model_match_the_cpu(device):
    """The hooks and rules run on device arrays (a real or fake GPU) and give host arrays."""
    gn.manual_seed(0)
    model = gn.nn.Sequential(
        gn.nn.Conv2d(1, 2, 3, padding=1), gn.nn.ReLU(), gn.nn.MaxPool2d(2), gn.nn.Flatten(),
        gn.nn.Linear(8, 3), gn.nn.Softmax(dim=1),
    )  # fmt: skip
    x = np.random.default_rng(17).standard_normal((2, 1, 4, 4)).astype(np.float32)

    def explain(m):
        return [
            DeepLift(m).attribute(x, x * 0.5, [0, 2]),
            GuidedBackprop(m).attribute(x, 1),
            Deconvolution(m).attribute(x, 1),
            GuidedGradCam(m, m[0]).attribute(x, 1),
            LayerConductance(m, m[1]).attribute(x, 0.1, 2, n_steps=4),
            LayerGradCam(m, m[0]).attribute(x, 1),
            KernelShap(m).attribute(x, 0.0, 1, None, np.arange(16).reshape(1, 1, 4, 4) // 4, 12),
        ]

    want = explain(model)
    got = explain(model.to(device))
    for k, (g, r) in enumerate(zip(got, want)):
        assert type(g) is np.ndarray, k
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6, err_msg=f"method {k}")
