"""Round 6 of glassnet.explain against Captum 0.9 on the same weights (skipped without captum).

Option combinations the earlier rounds did not cover: every IG rule with an
``internal_batch_size`` that does not divide ``n_steps * N`` (IG, layer IG, layer
conductance, neuron IG), tuple inputs with per-input baselines of every form, non-tensor
``additional_forward_args``, targets on ``(N, T, C)`` outputs, a CNN that calls one ReLU
module twice (guided backprop, deconvolution, Guided Grad-CAM, Grad-CAM options), DeepLift
on Softmax / MaxPool / nonlinear chains with several baseline rows, occlusion and ablation
options, NoiseTunnel wrapping more methods, neuron selectors on more layers, a list of
layers for ``LayerIntegratedGradients``, and ``TokenReferenceBase``. Each test builds a
torch model, copies its weights into the glassnet model through the state dict and runs the
same call through both; random methods are compared with the draws aligned or on a property
that holds exactly (said in each test).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.explain as gx

captum_attr = pytest.importorskip("captum.attr")
pytestmark = [pytest.mark.torch, pytest.mark.filterwarnings("ignore::UserWarning")]

TOL = {"rtol": 1e-6, "atol": 1e-9}
METHODS = ["riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre"]


def _copy(tm, model):
    """Load the torch model's weights into the glassnet model (the same state dict keys)."""
    model.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    return model


def _close(got, ref, **kw):
    if isinstance(ref, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(ref), (type(got), len(ref))
        for g, r in zip(got, ref):
            _close(g, r, **kw)
        return
    ref = ref.detach().numpy()
    assert np.shape(got) == ref.shape, (np.shape(got), ref.shape)
    np.testing.assert_allclose(got, ref, **(kw or TOL))


def _tt(torch, arrays):
    return tuple(torch.tensor(a) for a in arrays)


# ------------------------------------------------------------------------ models
def _cnn_pair(torch):
    """Conv -> ReLU -> Conv -> (the same ReLU) -> MaxPool -> Linear; one ReLU module, two calls."""
    tn, gm = torch.nn, gn.nn

    def build(ns, base):
        class Net(base):
            def __init__(self):
                super().__init__()
                self.c1 = ns.Conv2d(2, 3, 3, padding=1)
                self.c2 = ns.Conv2d(3, 4, 3)
                self.relu = ns.ReLU()
                self.pool = ns.MaxPool2d(2)
                self.fc = ns.Linear(4 * 2 * 2, 3)

            def forward(self, x):
                h = self.relu(self.c1(x))
                h = self.pool(self.relu(self.c2(h)))
                return self.fc(h.reshape(h.shape[0], -1))

        return Net

    torch.manual_seed(11)
    tm = build(tn, tn.Module)().double().eval()
    model = _copy(tm, build(gm, gm.Module)().double())
    x = np.random.default_rng(1).standard_normal((3, 2, 6, 6))
    return model, tm, x


@pytest.fixture
def cnn(torch):
    return _cnn_pair(torch)


def _two_pair(torch):
    """Two inputs, a non-tensor extra argument (a mode string) and a float scale."""
    tn, gm = torch.nn, gn.nn

    def build(ns, base, lib):
        class Two(base):
            def __init__(self):
                super().__init__()
                self.a = ns.Linear(4, 5)
                self.b = ns.Linear(3, 5)
                self.out = ns.Linear(5, 3)

            def forward(self, a, b, mode="sum", scale=1.0):
                ha, hb = lib.tanh(self.a(a)), lib.sigmoid(self.b(b.reshape(b.shape[0], -1)))
                h = ha + hb if mode == "sum" else ha * hb
                return self.out(h) * scale

        return Two

    torch.manual_seed(12)
    tm = build(tn, tn.Module, torch)().double().eval()
    model = _copy(tm, build(gm, gm.Module, gn)().double())
    rng = np.random.default_rng(2)
    return model, tm, (rng.standard_normal((4, 4)), rng.standard_normal((4, 1, 3)))


@pytest.fixture
def two(torch):
    return _two_pair(torch)


def _seq_pair(torch):
    """(N, T, F) -> Linear -> Tanh -> Linear: outputs (N, T, C)."""
    tn, gm = torch.nn, gn.nn
    torch.manual_seed(13)
    tm = tn.Sequential(tn.Linear(3, 6), tn.Tanh(), tn.Linear(6, 4)).double().eval()
    model = _copy(tm, gm.Sequential(gm.Linear(3, 6), gm.Tanh(), gm.Linear(6, 4)).double())
    x = np.random.default_rng(3).standard_normal((3, 5, 3))
    return model, tm, x


@pytest.fixture
def seq(torch):
    return _seq_pair(torch)


# ------------------------------------------------- IG rules and internal_batch_size
@pytest.mark.parametrize("ibs", [2, 5, None])
@pytest.mark.parametrize("method", METHODS)
def test_ig_rules_with_uneven_internal_batches_and_delta(torch, cnn, method, ibs):
    model, tm, x = cnn
    tx = torch.tensor(x)  # n_steps * N = 21: batches of 2 or 5 leave a remainder
    ref, rd = captum_attr.IntegratedGradients(tm).attribute(
        tx, -0.3, [2, 0, 1], None, 7, method, ibs, True
    )
    got, d = gx.IntegratedGradients(model).attribute(x, -0.3, [2, 0, 1], None, 7, method, ibs, True)
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


BASELINES = {
    "scalars": lambda t, x: (0.1, -0.2),
    "per_example": lambda t, x: tuple(t(np.full(a.shape, 0.3)) for a in x),
    "one_row": lambda t, x: tuple(t(np.linspace(-1, 1, a[:1].size).reshape(a[:1].shape)) for a in x),
    "mixed": lambda t, x: (0.5, t(np.full((1, 1, 3), -0.4))),
}


@pytest.mark.parametrize("mode", ["sum", "prod"])
@pytest.mark.parametrize("kind", list(BASELINES))
def test_ig_tuple_inputs_baseline_forms_and_string_args(torch, two, kind, mode):
    model, tm, ins = two
    tb = BASELINES[kind](torch.tensor, ins)
    gb = BASELINES[kind](lambda a: a, ins)
    ref, rd = captum_attr.IntegratedGradients(tm).attribute(
        _tt(torch, ins), tb, torch.tensor([0, 2, 1, 1]), (mode, 1.5), 6, "riemann_middle", 5, True
    )
    got, d = gx.IntegratedGradients(model).attribute(
        ins, gb, np.array([0, 2, 1, 1]), (mode, 1.5), 6, "riemann_middle", 5, True
    )
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


@pytest.mark.parametrize("mult", [True, False])
def test_input_x_gradient_saliency_and_deeplift_with_string_args(torch, two, mult):
    model, tm, ins = two
    tins = _tt(torch, ins)
    args = ("prod", 0.5)
    _close(gx.InputXGradient(model).attribute(ins, 1, args),
           captum_attr.InputXGradient(tm).attribute(tins, 1, args))  # fmt: skip
    _close(gx.Saliency(model).attribute(ins, [0, 1, 2, 0], False, args),
           captum_attr.Saliency(tm).attribute(tins, [0, 1, 2, 0], False, args))  # fmt: skip
    ref = captum_attr.DeepLift(tm, mult).attribute(tins, (0.2, 0.1), 2, args)
    _close(gx.DeepLift(model, mult).attribute(ins, (0.2, 0.1), 2, args), ref)


# ---------------------------------------------------------- (N, T, C) outputs
SEQ_TARGETS = [(1, 2), [(0, 1), (4, 3), (2, 0)], (4, 0)]


@pytest.mark.parametrize("target", SEQ_TARGETS, ids=str)
def test_sequence_outputs_gradient_and_path_methods(torch, seq, target):
    model, tm, x = seq
    tx = torch.tensor(x)
    _close(gx.Saliency(model).attribute(x, target, False),
           captum_attr.Saliency(tm).attribute(tx, target, False))  # fmt: skip
    ref = captum_attr.IntegratedGradients(tm).attribute(tx, 0.2, target, n_steps=5,
                                                        method="riemann_left", internal_batch_size=4)  # fmt: skip
    _close(gx.IntegratedGradients(model).attribute(x, 0.2, target, n_steps=5,
                                                   method="riemann_left", internal_batch_size=4), ref)  # fmt: skip
    ref = captum_attr.LayerConductance(tm, tm[1]).attribute(tx, 0.0, target, n_steps=6)
    _close(gx.LayerConductance(model, model[1]).attribute(x, 0.0, target, n_steps=6), ref)


@pytest.mark.parametrize("target", SEQ_TARGETS, ids=str)
def test_sequence_outputs_perturbation_methods(torch, seq, target):
    model, tm, x = seq
    tx = torch.tensor(x)
    ref = captum_attr.Occlusion(tm).attribute(tx, (2, 3), (1, 3), 0.1, target, None, 2)
    _close(gx.Occlusion(model).attribute(x, (2, 3), (1, 3), 0.1, target, None, 2), ref,
           rtol=1e-5, atol=1e-8)  # fmt: skip
    mask = np.arange(5).reshape(1, 5, 1).repeat(3, 2)  # one group per step
    ref = captum_attr.FeatureAblation(tm).attribute(tx, 0.0, target, None, torch.tensor(mask), 3)
    _close(gx.FeatureAblation(model).attribute(x, 0.0, target, None, mask, 3), ref)


# ------------------------------------------- layer and neuron path methods, every rule
@pytest.mark.parametrize("method", METHODS)
def test_layer_conductance_and_neuron_ig_every_rule(torch, cnn, method):
    model, tm, x = cnn
    tx = torch.tensor(x)
    ref, rd = captum_attr.LayerConductance(tm, tm.c2).attribute(
        tx, 0.1, 1, None, 6, method, 4, True
    )
    got, d = gx.LayerConductance(model, model.c2).attribute(x, 0.1, 1, None, 6, method, 4, True)
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)
    ref = captum_attr.NeuronIntegratedGradients(tm, tm.c2).attribute(
        tx, (1, 0, 2), 0.1, None, 6, method, 4
    )
    _close(gx.NeuronIntegratedGradients(model, model.c2).attribute(x, (1, 0, 2), 0.1, None, 6,
                                                                    method, 4), ref)  # fmt: skip


@pytest.mark.parametrize("to_input", [False, True])
@pytest.mark.parametrize("mult", [True, False])
@pytest.mark.parametrize("layer", ["c2", "pool", "fc"])
def test_layer_ig_to_layer_input_and_multiply(torch, cnn, layer, mult, to_input):
    model, tm, x = cnn
    tx = torch.tensor(x)
    ref, rd = captum_attr.LayerIntegratedGradients(tm, getattr(tm, layer), None, mult).attribute(
        tx, 0.2, [0, 1, 2], None, 5, "riemann_right", 3, True, to_input
    )
    got, d = gx.LayerIntegratedGradients(model, getattr(model, layer), None, mult).attribute(
        x, 0.2, [0, 1, 2], None, 5, "riemann_right", 3, True, to_input
    )
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


@pytest.mark.parametrize("to_input", [False, True])
@pytest.mark.parametrize("mult", [True, False])
def test_layer_gradient_x_activation_options(torch, cnn, mult, to_input):
    model, tm, x = cnn
    tx = torch.tensor(x)
    for layer in ("c1", "pool"):
        ref = captum_attr.LayerGradientXActivation(tm, getattr(tm, layer), None, mult).attribute(
            tx, [1, 1, 0], None, to_input
        )
        got = gx.LayerGradientXActivation(model, getattr(model, layer), None, mult).attribute(
            x, [1, 1, 0], None, to_input
        )
        _close(got, ref)
    # a list of layers: one result per layer, as in Captum
    ref = captum_attr.LayerGradientXActivation(tm, [tm.c1, tm.fc], None, mult).attribute(
        tx, 2, None, to_input
    )
    got = gx.LayerGradientXActivation(model, [model.c1, model.fc], None, mult).attribute(
        x, 2, None, to_input
    )
    _close(got, ref)


@pytest.mark.parametrize("mode", ["sum", "prod"])
@pytest.mark.parametrize("mult", [True, False])
def test_layer_ig_on_a_list_of_parallel_layers(torch, two, mult, mode):
    model, tm, ins = two
    tins = _tt(torch, ins)
    ref, rd = captum_attr.LayerIntegratedGradients(tm, [tm.a, tm.b], None, mult).attribute(
        tins, (0.1, -0.1), 1, (mode, 1.0), 8, "gausslegendre", 3, True
    )
    got, d = gx.LayerIntegratedGradients(model, [model.a, model.b], None, mult).attribute(
        ins, (0.1, -0.1), 1, (mode, 1.0), 8, "gausslegendre", 3, True
    )
    assert isinstance(got, list) and isinstance(ref, list)
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


@pytest.mark.parametrize("to_input", [False, True])
def test_layer_ig_on_a_one_layer_list(torch, cnn, to_input):
    model, tm, x = cnn
    tx = torch.tensor(x)
    ref, rd = captum_attr.LayerIntegratedGradients(tm, [tm.fc]).attribute(
        tx, 0.05, [0, 2, 1], None, 6, "riemann_trapezoid", None, True, to_input
    )
    got, d = gx.LayerIntegratedGradients(model, [model.fc]).attribute(
        x, 0.05, [0, 2, 1], None, 6, "riemann_trapezoid", None, True, to_input
    )
    assert isinstance(got, list) and len(got) == 1
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


@pytest.mark.parametrize("to_input", [False, True])
@pytest.mark.parametrize("layers", [["c1", "c2"], ["pool", "c1"]], ids=str)
def test_layer_ig_on_a_list_of_layers_in_a_chain(torch, cnn, layers, to_input):
    """Every layer's value is replaced at once, so the later layer cuts the earlier one off:
    Captum raises torch's "not used in the graph"; glassnet gives that layer zeros (its
    gradient) and the other layer what Captum gives for it alone."""
    model, tm, x = cnn
    tx = torch.tensor(x)
    tl, gl = [getattr(tm, n) for n in layers], [getattr(model, n) for n in layers]
    args = (0.05, [0, 2, 1], None, 6, "riemann_middle", None, True, to_input)
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        captum_attr.LayerIntegratedGradients(tm, tl).attribute(tx, *args)
    got, d = gx.LayerIntegratedGradients(model, gl).attribute(x, *args)
    cut, kept = (0, 1) if layers == ["c1", "c2"] else (1, 0)
    assert not np.any(got[cut])
    ref, rd = captum_attr.LayerIntegratedGradients(tm, tl[kept]).attribute(tx, *args)
    _close(got[kept], ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


# ------------------------------------------------------ a CNN calling one ReLU twice
@pytest.mark.parametrize("target", [0, [2, 1, 0]], ids=str)
def test_modified_relu_gradients_with_a_shared_relu(torch, cnn, target):
    model, tm, x = cnn
    tx = torch.tensor(x)
    for name in ("GuidedBackprop", "Deconvolution"):
        ref = getattr(captum_attr, name)(tm).attribute(tx, target)
        _close(getattr(gx, name)(model).attribute(x, target), ref)
    _close(gx.Saliency(model).attribute(x, target, abs=False),
           captum_attr.Saliency(tm).attribute(tx, target, abs=False))  # fmt: skip
    _close(gx.InputXGradient(model).attribute(x, target),
           captum_attr.InputXGradient(tm).attribute(tx, target))  # fmt: skip


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "area", "bicubic"])
@pytest.mark.parametrize("to_input", [False, True])
def test_guided_grad_cam_modes(torch, cnn, mode, to_input):
    model, tm, x = cnn
    tx = torch.tensor(x)
    ref = captum_attr.GuidedGradCam(tm, tm.c2).attribute(tx, [1, 0, 2], None, mode, to_input)
    got = gx.GuidedGradCam(model, model.c2).attribute(x, [1, 0, 2], None, mode, to_input)
    _close(got, ref)


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("summ", [True, False])
@pytest.mark.parametrize("layer", ["c1", "c2", "pool"])
def test_layer_grad_cam_options(torch, cnn, layer, relu, summ):
    model, tm, x = cnn
    tx = torch.tensor(x)
    for to_input in (False, True):
        ref = captum_attr.LayerGradCam(tm, getattr(tm, layer)).attribute(
            tx, 1, None, to_input, relu, summ
        )
        got = gx.LayerGradCam(model, getattr(model, layer)).attribute(
            x, 1, None, to_input, relu, summ
        )
        _close(got, ref)


# ---------------------------------------------------------------- DeepLift chains
def _chain_pair(torch, kind):
    """Linear -> <kind> chains with Captum's ruled modules one after another."""
    tn, gm = torch.nn, gn.nn

    def layers(ns):
        return {
            "softmax": [ns.Linear(5, 6), ns.Tanh(), ns.Linear(6, 4), ns.Softmax(dim=1)],
            "sigmoid_elu": [ns.Linear(5, 6), ns.Sigmoid(), ns.Linear(6, 6), ns.ELU(),
                            ns.Linear(6, 3)],
            "leaky_softplus": [ns.Linear(5, 6), ns.LeakyReLU(0.2), ns.Linear(6, 6),
                               ns.Softplus(), ns.Linear(6, 3)],
            "maxpool1d": [ns.Conv1d(1, 3, 2), ns.ReLU(), ns.MaxPool1d(2), ns.Flatten(),
                          ns.Linear(6, 3)],
        }[kind]  # fmt: skip

    torch.manual_seed(14)
    tm = tn.Sequential(*layers(tn)).double().eval()
    model = _copy(tm, gm.Sequential(*layers(gm)).double())
    shape = (4, 1, 5) if kind == "maxpool1d" else (4, 5)
    rng = np.random.default_rng(5)
    return model, tm, rng.standard_normal(shape), rng.standard_normal((3,) + shape[1:])


CHAINS = ["softmax", "sigmoid_elu", "leaky_softplus", "maxpool1d"]


@pytest.mark.parametrize("mult", [True, False])
@pytest.mark.parametrize("kind", CHAINS)
def test_deeplift_rules_on_chains(torch, kind, mult):
    model, tm, x, bg = _chain_pair(torch, kind)
    tx = torch.tensor(x)
    ref, rd = captum_attr.DeepLift(tm, mult).attribute(tx, torch.tensor(bg[:1]), 1, None, True)
    got, d = gx.DeepLift(model, mult).attribute(x, bg[:1], 1, None, True)
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


@pytest.mark.parametrize("kind", CHAINS)
def test_deeplift_shap_with_several_baseline_rows(torch, kind):
    model, tm, x, bg = _chain_pair(torch, kind)
    tx, tb = torch.tensor(x), torch.tensor(bg)
    ref, rd = captum_attr.DeepLiftShap(tm).attribute(tx, tb, [0, 1, 2, 0], None, True)
    got, d = gx.DeepLiftShap(model).attribute(x, bg, [0, 1, 2, 0], None, True)
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


def _custom(multipliers, inputs, baselines):
    """Captum's custom_attribution_func: multipliers times (inputs - baselines), squared."""
    return tuple((m * (i - b)) ** 2 for m, i, b in zip(multipliers, inputs, baselines))


@pytest.mark.parametrize("kind", ["softmax", "maxpool1d"])
def test_deeplift_custom_attribution_func(torch, kind):
    model, tm, x, bg = _chain_pair(torch, kind)
    tx = torch.tensor(x)
    ref = captum_attr.DeepLift(tm).attribute(tx, torch.tensor(bg[1:2]), 2,
                                             custom_attribution_func=_custom)  # fmt: skip
    got = gx.DeepLift(model).attribute(x, bg[1:2], 2, custom_attribution_func=_custom)
    _close(got, ref)
    ref = captum_attr.DeepLiftShap(tm).attribute(tx, torch.tensor(bg), 2,
                                                 custom_attribution_func=_custom)  # fmt: skip
    _close(gx.DeepLiftShap(model).attribute(x, bg, 2, custom_attribution_func=_custom), ref)


# ------------------------------------------------------- draws aligned with Captum's
@pytest.mark.parametrize("stdevs", [0.0, 0.5])
@pytest.mark.parametrize("n_samples", [1, 3])
@pytest.mark.parametrize("mult", [True, False])
def test_gradient_shap_on_a_cnn_with_the_same_draws(torch, cnn, n_samples, stdevs, mult):
    """Captum's np.random / torch.normal draws replaced by glassnet's (seed 0)."""
    from .test_captum_round3 import _captum_draws

    model, tm, x = cnn
    bg = np.random.default_rng(6).standard_normal((4,) + x.shape[1:])
    with _captum_draws(torch, (x,), n_samples, 4, seed=0):
        ref, rd = captum_attr.GradientShap(tm, mult).attribute(
            torch.tensor(x), torch.tensor(bg), n_samples, stdevs, [2, 1, 0], None, True
        )
    got, d = gx.GradientShap(model, mult).attribute(
        x, bg, n_samples, stdevs, [2, 1, 0], None, True
    )
    _close(got, ref)
    if mult:
        np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


NT_METHODS = ["ig", "deeplift", "guided", "input_x_gradient", "layer_gxa"]


def _nt_pair(model, tm, name):
    if name == "layer_gxa":
        return (gx.LayerGradientXActivation(model, model.c2),
                captum_attr.LayerGradientXActivation(tm, tm.c2), {})  # fmt: skip
    return {
        "ig": (gx.IntegratedGradients(model), captum_attr.IntegratedGradients(tm),
               {"n_steps": 4, "baselines": 0.0, "method": "riemann_left"}),
        "deeplift": (gx.DeepLift(model), captum_attr.DeepLift(tm), {"baselines": 0.0}),
        "guided": (gx.GuidedBackprop(model), captum_attr.GuidedBackprop(tm), {}),
        "input_x_gradient": (gx.InputXGradient(model), captum_attr.InputXGradient(tm), {}),
    }[name]  # fmt: skip


@pytest.mark.parametrize("nt_type", ["smoothgrad", "smoothgrad_sq", "vargrad"])
@pytest.mark.parametrize("name", NT_METHODS)
def test_noise_tunnel_wrapping_more_methods_with_the_same_noise(torch, name, nt_type):
    """Captum's torch.normal replaced by glassnet's draws (seed 2), nt_samples_batch_size 2."""
    from .test_captum_round3 import _captum_noise

    if name == "deeplift":  # Captum's DeepLift refuses the CNN's ReLU called twice
        model, tm, x, _ = _chain_pair(torch, "sigmoid_elu")
    else:
        model, tm, x = _cnn_pair(torch)
    ours, theirs, kw = _nt_pair(model, tm, name)
    target = [0, 2, 1, 1][: len(x)]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(torch, "normal", _captum_noise(torch, (x,), 3, seed=2))
        ref = captum_attr.NoiseTunnel(theirs).attribute(
            torch.tensor(x), nt_type=nt_type, nt_samples=3, nt_samples_batch_size=2, stdevs=0.25,
            target=target, **kw,
        )  # fmt: skip
    got = gx.NoiseTunnel(ours).attribute(x, nt_type, 3, 2, 0.25, seed=2, target=target, **kw)
    _close(got, ref)


def test_noise_tunnel_draw_baseline_from_distrib_is_refused_naming_gradient_shap(cnn):
    model, _, x = cnn
    with pytest.raises(ValueError, match=r"NoiseTunnel: draw_baseline_from_distrib=True is not"):
        gx.NoiseTunnel(gx.IntegratedGradients(model)).attribute(
            x, draw_baseline_from_distrib=True, baselines=np.zeros((2,) + x.shape[1:]), target=0
        )


# ------------------------------------------------------------- perturbation options
OCCLUSION = [
    ((1, 2, 2), (1, 1, 1), 0.0, 1),
    ((2, 3, 3), (1, 2, 2), 0.5, 4),
    ((1, 4, 4), (1, 2, 3), -1.0, 7),
    ((2, 1, 6), 1, 0.25, 2),
    ((1, 3, 2), (1, 3, 2), "tensor", 3),
]


@pytest.mark.parametrize("window,strides,base,per_eval", OCCLUSION, ids=str)
def test_occlusion_windows_strides_baselines_batches(torch, cnn, window, strides, base, per_eval):
    model, tm, x = cnn
    tx = torch.tensor(x)
    gb = np.random.default_rng(7).standard_normal((1,) + x.shape[1:]) if base == "tensor" else base
    tb = torch.tensor(gb) if base == "tensor" else gb
    ref = captum_attr.Occlusion(tm).attribute(tx, window, strides, tb, [0, 1, 2], None, per_eval)
    got = gx.Occlusion(model).attribute(x, window, strides, gb, [0, 1, 2], None, per_eval)
    # Captum divides the summed differences by the window counts in float32
    _close(got, ref, rtol=1e-5, atol=1e-8)


def test_occlusion_tuple_inputs_and_string_args(torch, two):
    model, tm, ins = two
    tins = _tt(torch, ins)
    for per_eval in (1, 3):
        ref = captum_attr.Occlusion(tm).attribute(
            tins, ((2,), (1, 2)), ((2,), (1, 1)), (0.3, torch.tensor(np.full((1, 1, 3), 0.7))),
            2, ("prod", 2.0), per_eval,
        )  # fmt: skip
        got = gx.Occlusion(model).attribute(
            ins, ((2,), (1, 2)), ((2,), (1, 1)), (0.3, np.full((1, 1, 3), 0.7)), 2, ("prod", 2.0),
            per_eval,
        )  # fmt: skip
        _close(got, ref, rtol=1e-5, atol=1e-8)


MASKS = {
    "channels": np.arange(2).reshape(1, 2, 1, 1) * np.ones((1, 2, 6, 6), dtype=np.int64),
    "quadrants": (np.arange(36).reshape(6, 6) // 18 * 2 + np.arange(6) // 3)[None, None]
    .repeat(2, 1),
    "per_row_masks": np.stack([np.arange(72).reshape(2, 6, 6) // 24,
                               np.arange(72).reshape(2, 6, 6) % 3,
                               np.zeros((2, 6, 6), dtype=np.int64)]),
}  # fmt: skip


@pytest.mark.parametrize("per_eval", [1, 2, 5])
@pytest.mark.parametrize("mask", list(MASKS))
def test_feature_ablation_groups_and_batches(torch, cnn, mask, per_eval):
    model, tm, x = cnn
    tx = torch.tensor(x)
    m = MASKS[mask].astype(np.int64)
    ref = captum_attr.FeatureAblation(tm).attribute(tx, 0.2, [1, 0, 2], None, torch.tensor(m),
                                                    per_eval, show_progress=False)  # fmt: skip
    got = gx.FeatureAblation(model).attribute(x, 0.2, [1, 0, 2], None, m, per_eval,
                                              show_progress=False)  # fmt: skip
    _close(got, ref)


@pytest.mark.parametrize("per_eval", [1, 3])
@pytest.mark.parametrize("mask", ["channels", "quadrants"])
def test_shapley_values_groups_and_batches(torch, cnn, mask, per_eval):
    model, tm, x = cnn
    tx = torch.tensor(x)
    m = MASKS[mask].astype(np.int64)
    ref = captum_attr.ShapleyValues(tm).attribute(tx, -0.1, 2, None, torch.tensor(m), per_eval,
                                                  show_progress=False)  # fmt: skip
    got = gx.ShapleyValues(model).attribute(x, -0.1, 2, None, m, per_eval, show_progress=False)
    _close(got, ref, rtol=2e-5, atol=1e-7)  # Captum sums its credits in float32


@pytest.mark.parametrize("per_eval", [1, 2])
@pytest.mark.parametrize("mask", ["channels", "quadrants", "per_row_masks"])
def test_shapley_value_sampling_with_the_same_orders(torch, cnn, mask, per_eval):
    """Captum's torch.randperm orders replaced by glassnet's (``seed=3``: NumPy's
    ``default_rng(3).permutation(G)`` per sample); then the two agree, and in both the groups'
    values add up to F(x) - F(baseline) per row (efficiency)."""
    model, tm, x = cnn
    tx = torch.tensor(x)
    m = MASKS[mask].astype(np.int64)
    n_groups = int(m.max()) + 1
    rng = np.random.default_rng(3)
    orders = iter([torch.tensor(rng.permutation(n_groups)) for _ in range(5)])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch, "randperm", lambda n, *a, **k: next(orders))
        ref = captum_attr.ShapleyValueSampling(tm).attribute(
            tx, 0.1, [2, 0, 1], None, torch.tensor(m), 5, per_eval, show_progress=False
        )
    got = gx.ShapleyValueSampling(model).attribute(
        x, 0.1, [2, 0, 1], None, m, 5, per_eval, show_progress=False, seed=3
    )
    _close(got, ref, rtol=2e-5, atol=1e-7)  # Captum sums its credits in float32
    f = (tm(tx) - tm(torch.full_like(tx, 0.1))).detach().numpy()[np.arange(3), [2, 0, 1]]
    mm = np.broadcast_to(m, x.shape)
    for r in range(3):  # one representative feature per group
        reps = [got[r][tuple(np.argwhere(mm[r] == g)[0])] for g in np.unique(mm[r])]
        np.testing.assert_allclose(np.sum(reps), f[r], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("per_eval", [1, 4])
def test_kernel_shap_on_a_linear_model_is_exact_in_both(torch, per_eval):
    """KernelShap draws coalitions at random (Captum: torch; glassnet: seed=); on a linear
    model every fit is exact: w_i * (x_i - b_i) summed over a group, in both."""
    tn, gm = torch.nn, gn.nn
    torch.manual_seed(15)
    tm = tn.Sequential(tn.Linear(6, 2)).double().eval()
    model = _copy(tm, gm.Sequential(gm.Linear(6, 2)).double())
    x = np.random.default_rng(8).standard_normal((3, 6))
    mask = np.array([[0, 0, 1, 2, 2, 3]])
    got = gx.KernelShap(model).attribute(x, 0.5, 1, None, mask, 60, per_eval, seed=1)
    w = tm[0].weight.detach().numpy()[1]
    contrib = w * (x - 0.5)
    exact = np.stack([contrib[:, mask[0] == g].sum(1) for g in mask[0]], 1)
    np.testing.assert_allclose(got, exact, rtol=1e-6, atol=1e-8)
    try:  # Captum's KernelShap needs scikit-learn (its fit is float32)
        ref = captum_attr.KernelShap(tm).attribute(torch.tensor(x), 0.5, 1, None,
                                                   torch.tensor(mask), 60, per_eval)  # fmt: skip
    except ValueError as err:
        assert "sklearn" in str(err)
    else:
        np.testing.assert_allclose(ref.numpy(), exact, rtol=1e-3, atol=1e-4)


# ----------------------------------------------------------------- neuron selectors
NEURONS = [(1, 0, 2), (slice(1, 3), 1), (2, slice(None), slice(0, 2)), "callable", (-1, 1, 0)]


def _neuron(sel):
    if sel == "callable":
        return lambda out: (out[:, 0] * out[:, -1]).sum((1, 2))
    return sel


@pytest.mark.parametrize("sel", NEURONS, ids=str)
def test_neuron_guided_backprop_and_deconvolution(torch, cnn, sel):
    model, tm, x = cnn
    tx = torch.tensor(x)
    s = _neuron(sel)
    for name in ("NeuronGuidedBackprop", "NeuronDeconvolution", "NeuronGradient"):
        for layer, to_input in (("c2", False), ("c2", True), ("pool", True)):
            ref = getattr(captum_attr, name)(tm, getattr(tm, layer)).attribute(tx, s, None, to_input)
            got = getattr(gx, name)(model, getattr(model, layer)).attribute(x, s, None, to_input)
            _close(got, ref)


@pytest.mark.parametrize("sel", [1, (2,), "callable"], ids=str)
def test_neuron_guided_methods_on_the_output_layer_with_tuple_inputs(torch, two, sel):
    model, tm, ins = two
    tins = _tt(torch, ins)
    s = (lambda out: out[:, 0] - out[:, 2]) if sel == "callable" else sel
    for name in ("NeuronGuidedBackprop", "NeuronDeconvolution"):
        ref = getattr(captum_attr, name)(tm, tm.out).attribute(tins, s, ("prod", 2.0))
        _close(getattr(gx, name)(model, model.out).attribute(ins, s, ("prod", 2.0)), ref)


@pytest.mark.parametrize("method", METHODS)
def test_internal_influence_and_neuron_conductance_every_rule(torch, cnn, method):
    model, tm, x = cnn
    tx = torch.tensor(x)
    ref = captum_attr.InternalInfluence(tm, tm.pool).attribute(tx, 0.3, [1, 2, 0], None, 5,
                                                               method, 4)  # fmt: skip
    _close(gx.InternalInfluence(model, model.pool).attribute(x, 0.3, [1, 2, 0], None, 5, method, 4),
           ref)  # fmt: skip
    ref = captum_attr.NeuronConductance(tm, tm.c2).attribute(
        tx, (slice(0, 2), 1, 1), 0.3, [1, 2, 0], None, 5, method, 4
    )
    got = gx.NeuronConductance(model, model.c2).attribute(
        x, (slice(0, 2), 1, 1), 0.3, [1, 2, 0], None, 5, method, 4
    )
    _close(got, ref)


@pytest.mark.parametrize("to_input", [False, True])
def test_layer_activation_lists_and_inputs(torch, cnn, to_input):
    model, tm, x = cnn
    tx = torch.tensor(x)
    ref = captum_attr.LayerActivation(tm, [tm.c1, tm.relu, tm.pool]).attribute(tx, None, to_input)
    got = gx.LayerActivation(model, [model.c1, model.relu, model.pool]).attribute(x, None, to_input)
    # the ReLU called twice: Captum keeps its last call
    _close(got, ref)


# ------------------------------------------------------------------------ utilities
def test_token_reference_base_and_layer_ig_on_token_ids(torch):
    tn, gm = torch.nn, gn.nn
    torch.manual_seed(16)
    tm = tn.Sequential(tn.Embedding(12, 3), tn.Flatten(), tn.Linear(15, 2)).double().eval()
    model = _copy(tm, gm.Sequential(gm.Embedding(12, 3), gm.Flatten(), gm.Linear(15, 2)).double())
    ids = np.random.default_rng(9).integers(2, 12, (3, 5))
    tref = captum_attr.TokenReferenceBase(reference_token_idx=1).generate_reference(5, "cpu")
    gref = gx.TokenReferenceBase(reference_token_idx=1).generate_reference(5, device="cpu")
    np.testing.assert_array_equal(gref.numpy(), tref.numpy())
    assert str(gref.dtype) == str(tref.dtype).replace("torch.", "")
    assert gx.TokenReferenceBase().generate_reference(0, "cpu").shape == tuple(
        captum_attr.TokenReferenceBase().generate_reference(0, "cpu").shape
    )
    ref, rd = captum_attr.LayerIntegratedGradients(tm, tm[0]).attribute(
        torch.tensor(ids), tref.unsqueeze(0), 1, n_steps=7, return_convergence_delta=True
    )
    got, d = gx.LayerIntegratedGradients(model, model[0]).attribute(
        ids, gref.unsqueeze(0), 1, n_steps=7, return_convergence_delta=True
    )
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)
    with pytest.raises(TypeError, match=r"TokenReferenceBase: reference_token_idx must be an int"):
        gx.TokenReferenceBase(0.5)


@pytest.mark.parametrize(
    "shape,dims,mode",
    [((2, 3, 4, 4), (7, 9), "bilinear"), ((2, 3, 4, 4), (6, 6), "nearest"),
     ((2, 3, 6, 6), (3, 2), "area"), ((2, 3, 4, 4), (5, 7), "bicubic"),
     ((2, 3, 5), 8, "linear"), ((1, 2, 2, 3, 3), (4, 4, 5), "trilinear")],
    ids=str,
)  # fmt: skip
def test_layer_attribution_interpolate(torch, shape, dims, mode):
    a = np.random.default_rng(10).standard_normal(shape)
    ref = captum_attr.LayerAttribution.interpolate(torch.tensor(a), dims, mode)
    _close(gx.LayerAttribution.interpolate(a, dims, mode), ref)


def test_interpretable_embedding_helpers_are_refused_naming_layer_ig():
    for name in ("configure_interpretable_embedding_layer", "remove_interpretable_embedding_layer",
                 "InterpretableEmbeddingBase"):  # fmt: skip
        assert hasattr(captum_attr, name)
        with pytest.raises(ImportError, match=rf"Captum's {name} is not available.*"
                                              r"LayerIntegratedGradients"):  # fmt: skip
            getattr(gx, name)


# ------------------------------------------ layers giving tuples, layers taking two inputs
def _split_pair(torch):
    """A layer returning a flat tuple (split) feeding a layer of two inputs (mix)."""

    def build(ns, base, lib):
        class Split(base):
            def __init__(self):
                super().__init__()
                self.lin = ns.Linear(4, 6)

            def forward(self, x):
                h = self.lin(x)
                return h[:, :3], lib.tanh(h[:, 3:])

        class Mix(base):
            def __init__(self):
                super().__init__()
                self.lin = ns.Linear(3, 3)

            def forward(self, a, b):
                return self.lin(a) * lib.sigmoid(b)

        class Net(base):
            def __init__(self):
                super().__init__()
                self.split = Split()
                self.mix = Mix()
                self.out = ns.Linear(3, 2)

            def forward(self, x):
                a, b = self.split(x)
                return self.out(self.mix(a, b))

        return Net

    torch.manual_seed(17)
    tm = build(torch.nn, torch.nn.Module, torch)().double().eval()
    model = _copy(tm, build(gn.nn, gn.nn.Module, gn)().double())
    return model, tm, np.random.default_rng(11).standard_normal((3, 4))


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_trapezoid"])
@pytest.mark.parametrize("mult", [True, False])
@pytest.mark.parametrize("where", ["split_out", "mix_in", "one_layer_list"])
def test_layer_ig_on_tuple_outputs_and_two_input_layers(torch, where, mult, method):
    model, tm, x = _split_pair(torch)
    tx = torch.tensor(x)
    layer, to_input = {"split_out": ("split", False), "mix_in": ("mix", True),
                       "one_layer_list": (["mix"], True)}[where]  # fmt: skip
    pick = (lambda m: [getattr(m, n) for n in layer]) if isinstance(layer, list) else (
        lambda m: getattr(m, layer)
    )
    args = (0.2, [1, 0, 1], None, 6, method, 4, True, to_input)
    ref, rd = captum_attr.LayerIntegratedGradients(tm, pick(tm), None, mult).attribute(tx, *args)
    got, d = gx.LayerIntegratedGradients(model, pick(model), None, mult).attribute(x, *args)
    if where == "one_layer_list":  # a list of one layer of two inputs: [(attr_a, attr_b)]
        assert isinstance(got, list) and isinstance(got[0], tuple) and len(got[0]) == 2
    _close(got, ref)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


@pytest.mark.parametrize("to_input", [False, True])
@pytest.mark.parametrize("layer", ["split", "mix"])
def test_other_layer_methods_on_tuple_outputs_and_two_input_layers(torch, layer, to_input):
    model, tm, x = _split_pair(torch)
    tx = torch.tensor(x)
    tl, gl = getattr(tm, layer), getattr(model, layer)
    _close(gx.LayerActivation(model, gl).attribute(x, None, to_input),
           captum_attr.LayerActivation(tm, tl).attribute(tx, None, to_input))  # fmt: skip
    for mult in (True, False):
        _close(gx.LayerGradientXActivation(model, gl, None, mult).attribute(x, 1, None, to_input),
               captum_attr.LayerGradientXActivation(tm, tl, None, mult).attribute(tx, 1, None,
                                                                                 to_input))  # fmt: skip
    ref = captum_attr.LayerConductance(tm, tl).attribute(tx, 0.1, 0, None, 5, "riemann_left", 2,
                                                         False, to_input)  # fmt: skip
    _close(gx.LayerConductance(model, gl).attribute(x, 0.1, 0, None, 5, "riemann_left", 2, False,
                                                    to_input), ref)  # fmt: skip
    ref = captum_attr.InternalInfluence(tm, tl).attribute(tx, 0.1, 0, None, 5, "gausslegendre", 2,
                                                          to_input)  # fmt: skip
    _close(gx.InternalInfluence(model, gl).attribute(x, 0.1, 0, None, 5, "gausslegendre", 2,
                                                     to_input), ref)  # fmt: skip
    if (layer == "split") != to_input:  # the value is a tuple: Captum's callable takes it
        sel = lambda t: t[0][:, 0] * t[1][:, 2]  # noqa: E731
    else:
        sel = lambda t: t[:, 0] * t[:, 2]  # noqa: E731
    _close(gx.NeuronGradient(model, gl).attribute(x, sel, None, to_input),
           captum_attr.NeuronGradient(tm, tl).attribute(tx, sel, None, to_input))  # fmt: skip
