"""Round 5 of glassnet.explain against Captum 0.9 on the same weights (skipped without captum).

Models and call patterns the earlier rounds did not cover: a CNN with batch norm in eval
(non-trivial running statistics), an LSTM text classifier explained on its embedding, a
model of two inputs with per-example ``additional_forward_args``, a model with
``(N, T, C)`` outputs, targets given every way Captum takes them, baselines as scalars,
arrays and tuples, and Captum's classes added this round (``FeaturePermutation``,
``Lime``, ``NeuronGradient``, ``NeuronConductance``, ``NeuronIntegratedGradients``,
``InternalInfluence``, ...). Each test builds a torch model, copies its weights into the
glassnet model through the state dict, and runs the same call through both.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import (
    FeatureAblation,
    InputXGradient,
    IntegratedGradients,
    LayerIntegratedGradients,
    NoiseTunnel,
    Occlusion,
    Saliency,
    ShapleyValues,
    ShapleyValueSampling,
)
from tests import device_params

device = device_params.device  # the fixture

captum_attr = pytest.importorskip("captum.attr")
pytestmark = [pytest.mark.torch, pytest.mark.filterwarnings("ignore::UserWarning")]

TOL = {"rtol": 1e-7, "atol": 1e-10}


def _copy(tm, model):
    """Load the torch model's weights into the glassnet model (the same state dict keys)."""
    model.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    return model


def _close(got, ref, **kw):
    if isinstance(ref, (tuple, list)):
        assert isinstance(got, tuple) and len(got) == len(ref)
        for g, r in zip(got, ref):
            _close(g, r, **kw)
        return
    ref = ref.detach().numpy()
    assert np.shape(got) == ref.shape, (np.shape(got), ref.shape)
    np.testing.assert_allclose(got, ref, **(kw or TOL))


# ---------------------------------------------------------------- a CNN with batch norm
@pytest.fixture
def bn_cnn(torch):
    torch.manual_seed(5)
    tn = torch.nn
    tm = tn.Sequential(
        tn.Conv2d(2, 4, 3, padding=1), tn.BatchNorm2d(4), tn.ReLU(), tn.MaxPool2d(2),
        tn.Conv2d(4, 3, 3), tn.BatchNorm2d(3), tn.Tanh(), tn.Flatten(), tn.Linear(3, 4),
    ).double()  # fmt: skip
    with torch.no_grad():  # running statistics far from 0 / 1, so eval mode matters
        for bn in (tm[1], tm[5]):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    gm = gn.nn
    model = gm.Sequential(
        gm.Conv2d(2, 4, 3, padding=1), gm.BatchNorm2d(4), gm.ReLU(), gm.MaxPool2d(2),
        gm.Conv2d(4, 3, 3), gm.BatchNorm2d(3), gm.Tanh(), gm.Flatten(), gm.Linear(3, 4),
    ).double()  # fmt: skip
    _copy(tm, model)
    tm.eval()
    model.train()  # the methods switch to eval themselves
    x = np.random.default_rng(0).standard_normal((3, 2, 6, 6))
    return model, tm, x


TARGETS = [2, [0, 3, 1], "tensor", "array", [(1,), (2,), (0,)]]


def _target(torch, t):
    if t == "tensor":
        return torch.tensor([3, 0, 2]), np.array([3, 0, 2])
    if t == "array":  # Captum takes no NumPy arrays; glassnet takes both
        return torch.tensor([1, 1, 2]), np.array([1, 1, 2])
    return t, t


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_bn_cnn_gradients_and_ig_with_every_target_form(torch, bn_cnn, target):
    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    tt, gt = _target(torch, target)
    for tgt in (tt, gt if not isinstance(gt, np.ndarray) else torch.tensor(gt)):
        _close(Saliency(model).attribute(tx, tgt, abs=False),
               captum_attr.Saliency(tm).attribute(tx, tt, abs=False))  # fmt: skip
    _close(Saliency(model).attribute(x, gt), captum_attr.Saliency(tm).attribute(tx, tt))
    _close(InputXGradient(model).attribute(x, gt), captum_attr.InputXGradient(tm).attribute(tx, tt))
    ref, rd = captum_attr.IntegratedGradients(tm).attribute(
        tx, 0.25, tt, None, 20, "gausslegendre", 7, True
    )
    got, d = IntegratedGradients(model).attribute(x, 0.25, gt, None, 20, "gausslegendre", 7, True)
    _close(got, ref, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-6)
    assert model.training  # restored


@pytest.mark.parametrize("method", ["riemann_left", "riemann_right", "riemann_middle", "gausslegendre"])
@pytest.mark.parametrize("baselines", ["scalar", "per_example", "one_row"])
def test_bn_cnn_ig_rules_and_baselines(torch, bn_cnn, method, baselines):
    model, tm, x = bn_cnn
    rng = np.random.default_rng(3)
    b = {
        "scalar": 0.5,
        "per_example": rng.standard_normal(x.shape),
        "one_row": rng.standard_normal((1,) + x.shape[1:]),
    }[baselines]
    tb = b if np.isscalar(b) else torch.tensor(b)
    kw = {"n_steps": 12, "method": method, "internal_batch_size": 5}
    ref = captum_attr.IntegratedGradients(tm).attribute(torch.tensor(x), tb, 1, **kw)
    _close(IntegratedGradients(model).attribute(x, b, 1, **kw), ref, rtol=1e-6, atol=1e-9)


def test_ig_multiply_by_inputs_false(torch, bn_cnn):
    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    ref = captum_attr.IntegratedGradients(tm, multiply_by_inputs=False).attribute(
        tx, baselines=0.1, target=[0, 1, 2], n_steps=8
    )
    got = IntegratedGradients(model, multiply_by_inputs=False).attribute(
        x, baselines=0.1, target=[0, 1, 2], n_steps=8
    )
    _close(got, ref, rtol=1e-6, atol=1e-9)
    # positional, as Captum: (forward_func, multiply_by_inputs)
    got2 = IntegratedGradients(model, False).attribute(x, 0.1, [0, 1, 2], n_steps=8)
    np.testing.assert_allclose(got2, got)


def test_bn_cnn_occlusion_and_ablation(torch, bn_cnn):
    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    ref = captum_attr.Occlusion(tm).attribute(
        tx, sliding_window_shapes=(2, 3, 2), strides=(1, 2, 2), baselines=0.3, target=[1, 2, 3],
        perturbations_per_eval=3,
    )  # fmt: skip
    got = Occlusion(model).attribute(
        x, sliding_window_shapes=(2, 3, 2), strides=(1, 2, 2), baselines=0.3, target=[1, 2, 3],
        perturbations_per_eval=3,
    )  # fmt: skip
    _close(got, ref, rtol=1e-5, atol=1e-9)
    mask = (np.arange(72).reshape(1, 2, 6, 6) // 7) % 5
    for per_eval in (1, 4):
        ref = captum_attr.FeatureAblation(tm).attribute(
            tx, baselines=torch.tensor(x[:1] * 0.5), target=0,
            feature_mask=torch.tensor(mask), perturbations_per_eval=per_eval,
        )  # fmt: skip
        got = FeatureAblation(model).attribute(
            x, baselines=x[:1] * 0.5, target=0, feature_mask=mask, perturbations_per_eval=per_eval
        )
        _close(got, ref, rtol=1e-7, atol=1e-9)


# ------------------------------------------------------------------ an LSTM text model
class _TorchText:
    @staticmethod
    def build(torch):
        class Text(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = torch.nn.Embedding(20, 6, padding_idx=0)
                self.lstm = torch.nn.LSTM(6, 5, batch_first=True)
                self.fc = torch.nn.Linear(5, 3)

            def forward(self, ids, scale=1.0):
                h, _ = self.lstm(self.emb(ids))
                return self.fc(h[:, -1]) * scale

        torch.manual_seed(11)
        return Text().double().eval()


class _GnText(gn.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = gn.nn.Embedding(20, 6, padding_idx=0)
        self.lstm = gn.nn.LSTM(6, 5, batch_first=True)
        self.fc = gn.nn.Linear(5, 3)

    def forward(self, ids, scale=1.0):
        h, _ = self.lstm(self.emb(ids))
        return self.fc(h[:, -1]) * scale


@pytest.fixture
def text(torch):
    tm = _TorchText.build(torch)
    model = _copy(tm, _GnText().double())
    ids = np.random.default_rng(1).integers(1, 20, (4, 7))
    ids[0, :2] = 0
    return model, tm, ids


@pytest.mark.parametrize("internal_batch_size", [None, 6])
@pytest.mark.parametrize("mult", [True, False])
def test_lstm_layer_ig_on_the_embedding(torch, text, internal_batch_size, mult):
    model, tm, ids = text
    tids = torch.tensor(ids)
    scale = np.array([[1.0], [2.0], [0.5], [1.5]])
    lig = captum_attr.LayerIntegratedGradients(tm, tm.emb, multiply_by_inputs=mult)
    ref = lig.attribute(
        tids, baselines=0, target=[0, 2, 1, 1], additional_forward_args=(torch.tensor(scale),),
        n_steps=16, internal_batch_size=internal_batch_size,
        return_convergence_delta=mult,
    )  # fmt: skip
    got = LayerIntegratedGradients(model, model.emb, multiply_by_inputs=mult).attribute(
        ids, baselines=0, target=[0, 2, 1, 1], additional_forward_args=(scale,),
        n_steps=16, internal_batch_size=internal_batch_size,
        return_convergence_delta=mult,
    )  # fmt: skip
    if mult:
        (got, d), (ref, rd) = got, ref
        np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)
    _close(got, ref, rtol=1e-6, atol=1e-9)


def test_lstm_layer_ig_baseline_tensor_and_by_name(torch, text):
    model, tm, ids = text
    base = np.zeros_like(ids)
    base[:, -1] = 3
    ref = captum_attr.LayerIntegratedGradients(tm, tm.emb).attribute(
        torch.tensor(ids), torch.tensor(base), torch.tensor([1, 1, 0, 2]), n_steps=10,
        method="riemann_right",
    )  # fmt: skip
    got = LayerIntegratedGradients(model, "emb").attribute(
        ids, base, torch.tensor([1, 1, 0, 2]), n_steps=10, method="riemann_right"
    )
    _close(got, ref, rtol=1e-6, atol=1e-9)


def test_lstm_perturbations_on_token_ids(torch, text):
    model, tm, ids = text
    tids = torch.tensor(ids)
    ref = captum_attr.Occlusion(tm).attribute(tids, (2,), strides=1, baselines=0, target=1)
    _close(Occlusion(model).attribute(ids, (2,), strides=1, baselines=0, target=1), ref,
           rtol=1e-5, atol=1e-9)  # fmt: skip
    mask = np.array([[0, 0, 1, 1, 2, 2, 3]])
    ref = captum_attr.ShapleyValues(tm).attribute(tids, 0, 2, feature_mask=torch.tensor(mask))
    _close(ShapleyValues(model).attribute(ids, 0, 2, feature_mask=mask), ref, rtol=1e-6, atol=1e-9)


# -------------------------------------------------------------- two inputs, extra args
class _TorchTwo:
    @staticmethod
    def build(torch):
        class Two(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = torch.nn.Linear(4, 6)
                self.b = torch.nn.Conv1d(2, 3, 2)
                self.out = torch.nn.Linear(6 + 6, 3)

            def forward(self, a, b, scale, shift=0.0):
                h = torch.cat([torch.tanh(self.a(a)), torch.relu(self.b(b)).flatten(1)], 1)
                return self.out(h) * scale + shift

        torch.manual_seed(2)
        return Two().double().eval()


class _GnTwo(gn.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = gn.nn.Linear(4, 6)
        self.b = gn.nn.Conv1d(2, 3, 2)
        self.out = gn.nn.Linear(6 + 6, 3)

    def forward(self, a, b, scale, shift=0.0):
        h = gn.cat([gn.tanh(self.a(a)), gn.relu(self.b(b)).flatten(1)], 1)
        return self.out(h) * scale + shift


@pytest.fixture
def two(torch):
    tm = _TorchTwo.build(torch)
    model = _copy(tm, _GnTwo().double())
    rng = np.random.default_rng(4)
    ins = (rng.standard_normal((5, 4)), rng.standard_normal((5, 2, 3)))
    scale = rng.uniform(0.5, 2.0, (5, 1))
    return model, tm, ins, scale


def _tt(torch, arrays):
    return tuple(torch.tensor(a) for a in arrays)


def test_two_inputs_gradients_ig_and_delta(torch, two):
    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    ref = captum_attr.Saliency(tm).attribute(tins, [0, 1, 2, 0, 1], False, (ts, 0.5))
    _close(Saliency(model).attribute(ins, [0, 1, 2, 0, 1], False, (scale, 0.5)), ref)
    base = (0.1, np.full((2, 3), -0.2))
    tbase = (0.1, torch.tensor(base[1]).unsqueeze(0))
    for method in ("gausslegendre", "riemann_middle"):
        ref, rd = captum_attr.IntegratedGradients(tm).attribute(
            tins, tbase, 2, (ts, 0.5), 9, method, 4, True
        )
        got, d = IntegratedGradients(model).attribute(ins, base, 2, (scale, 0.5), 9, method, 4, True)
        _close(got, ref, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(d, rd.numpy(), atol=1e-7)


def test_two_inputs_occlusion_per_input_windows_and_strides(torch, two):
    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    kw = {"sliding_window_shapes": ((2,), (1, 2)), "strides": (1, (1, 1)), "target": 1,
          "perturbations_per_eval": 2}  # fmt: skip
    ref = captum_attr.Occlusion(tm).attribute(tins, baselines=(0.0, 0.5),
                                              additional_forward_args=(ts,), **kw)  # fmt: skip
    got = Occlusion(model).attribute(ins, baselines=(0.0, 0.5), additional_forward_args=(scale,), **kw)
    _close(got, ref, rtol=1e-5, atol=1e-9)


def test_two_inputs_ablation_and_shapley_with_masks(torch, two):
    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    masks = (np.array([[0, 0, 1, 2]]), np.array([[[3, 3, 4], [4, 5, 5]]]))
    tmasks = _tt(torch, masks)
    for per_eval in (1, 3):
        ref = captum_attr.FeatureAblation(tm).attribute(
            tins, None, [0, 1, 2, 0, 1], (ts,), tmasks, per_eval
        )
        _close(FeatureAblation(model).attribute(ins, None, [0, 1, 2, 0, 1], (scale,), masks, per_eval),
               ref)  # fmt: skip
        ref = captum_attr.ShapleyValues(tm).attribute(tins, None, 1, (ts,), tmasks, per_eval)
        # Captum's ShapleyValues sums its credits in float32
        _close(ShapleyValues(model).attribute(ins, None, 1, (scale,), masks, per_eval), ref,
               rtol=2e-5, atol=1e-7)  # fmt: skip


# --------------------------------------------------------- ShapleyValueSampling, additive
def test_shapley_sampling_additive_model_is_exact(torch):
    w = np.array([[1.0, -2.0, 0.5, 3.0, -1.0, 0.25]])

    def tf(x):
        return torch.tanh(x) @ torch.tensor(w.T)

    def gf(x):
        return gn.tanh(x) @ gn.tensor(w.T)

    x = np.random.default_rng(6).standard_normal((3, 6))
    mask = np.array([[0, 0, 1, 1, 2, 3]])
    for per_eval in (1, 2):
        ref = captum_attr.ShapleyValueSampling(tf).attribute(
            torch.tensor(x), 0.2, None, None, torch.tensor(mask), 3, per_eval
        )
        got = ShapleyValueSampling(gf).attribute(x, 0.2, None, None, mask, 3, per_eval)
        _close(got, ref, rtol=1e-7, atol=1e-10)


# ----------------------------------------------------------------- (N, T, C) outputs
def test_sequence_outputs_with_index_tuple_targets(torch):
    torch.manual_seed(8)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh()).double().eval()
    model = _copy(tm, gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.Tanh()).double())
    x = np.random.default_rng(2).standard_normal((2, 5, 3))  # outputs (2, 5, 4)
    tx = torch.tensor(x)
    for target in [(3, 1), [(0, 2), (4, 3)]]:
        ref = captum_attr.IntegratedGradients(tm).attribute(tx, target=target, n_steps=6)
        _close(IntegratedGradients(model).attribute(x, target=target, n_steps=6), ref,
               rtol=1e-6, atol=1e-9)  # fmt: skip
        ref = captum_attr.Saliency(tm).attribute(tx, target=target, abs=False)
        _close(Saliency(model).attribute(x, target=target, abs=False), ref)
        ref = captum_attr.FeatureAblation(tm).attribute(tx, target=target)
        _close(FeatureAblation(model).attribute(x, target=target), ref, rtol=1e-7, atol=1e-9)


# ------------------------------------------------------------- NoiseTunnel plumbing
@pytest.mark.parametrize("nt_type", ["smoothgrad", "smoothgrad_sq", "vargrad"])
def test_noise_tunnel_without_noise_gives_the_method(torch, two, nt_type):
    """With ``stdevs=0`` the noise draws do not matter: Captum and glassnet must agree
    exactly, through tuple stdevs, ``nt_samples_batch_size`` and extra arguments."""
    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    ref = captum_attr.NoiseTunnel(captum_attr.Saliency(tm)).attribute(
        tins, nt_type=nt_type, nt_samples=4, nt_samples_batch_size=3, stdevs=(0.0, 0.0),
        target=2, abs=False, additional_forward_args=(ts,),
    )  # fmt: skip
    got = NoiseTunnel(Saliency(model)).attribute(
        ins, nt_type=nt_type, nt_samples=4, nt_samples_batch_size=3, stdevs=(0.0, 0.0),
        target=2, abs=False, additional_forward_args=(scale,),
    )  # fmt: skip
    _close(got, ref, rtol=1e-7, atol=1e-12)


# ------------------------------------------------------------ IG trapezoid, Captum's rule
def test_ig_riemann_trapezoid_is_captums_rule(torch, bn_cnn):
    model, tm, x = bn_cnn
    ref, rd = captum_attr.IntegratedGradients(tm).attribute(
        torch.tensor(x), 0.2, [3, 1, 0], None, 7, "riemann_trapezoid", None, True
    )
    got, d = IntegratedGradients(model).attribute(
        x, 0.2, [3, 1, 0], None, 7, "riemann_trapezoid", None, True
    )
    _close(got, ref, rtol=1e-6, atol=1e-9)  # Captum's float32 points
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-6)


# --------------------------------------------------------------- FeaturePermutation
def _roll_rows(x, mask):
    return np.where(mask, np.roll(x, 1, axis=0), x)


def _torch_roll_rows(torch):
    def perm(x, mask):
        return torch.where(mask, torch.roll(x, 1, 0), x)

    return perm


def test_feature_permutation_with_a_given_perm_func(torch, two):
    from glassnet.explain import FeaturePermutation

    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    masks = (np.array([[0, 0, 1, 2]]), np.array([[[3, 3, 1], [4, 5, 5]]]))  # id 1 in both
    for per_eval in (1, 2):
        ref = captum_attr.FeaturePermutation(tm, _torch_roll_rows(torch)).attribute(
            tins, [0, 1, 2, 0, 1], (ts,), _tt(torch, masks), per_eval
        )
        got = FeaturePermutation(model, _roll_rows).attribute(
            ins, [0, 1, 2, 0, 1], (scale,), masks, per_eval
        )
        _close(got, ref, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("per_eval", [1, 3])
def test_feature_permutation_default_with_the_same_draws(torch, bn_cnn, monkeypatch, per_eval):
    """Captum draws every permutation with ``torch.randperm`` in the order glassnet draws
    them from ``seed``; handed glassnet's draws, Captum's default gives glassnet's result."""
    from glassnet.explain import FeaturePermutation

    model, tm, x = bn_cnn
    x = np.concatenate([x, x[::-1] * 0.5])  # 6 rows
    mask = np.arange(72).reshape(1, 2, 6, 6) // 12
    rng = np.random.default_rng(7)
    monkeypatch.setattr(torch, "randperm", lambda n: torch.tensor(rng.permutation(n)))
    ref = captum_attr.FeaturePermutation(tm).attribute(
        torch.tensor(x), 2, None, torch.tensor(mask), per_eval
    )
    got = FeaturePermutation(model).attribute(x, 2, None, mask, per_eval, seed=7)
    _close(got, ref, rtol=1e-7, atol=1e-10)


def test_feature_permutation_needs_two_rows(bn_cnn):
    from glassnet.explain import FeaturePermutation

    model, _, x = bn_cnn
    with pytest.raises(ValueError, match=r"FeaturePermutation: needs a batch of at least 2 rows"):
        FeaturePermutation(model).attribute(x[:1], target=0)


# ------------------------------------------------------------------- neuron methods
SELECTORS = [(2, 1, 0), (slice(0, 2), 1), (1, slice(None), 2), "callable"]  # on (N, 4, H, W)


def _selector(s):
    if s == "callable":
        return lambda out: out[:, 1:3].sum((1, 2, 3))
    return s


@pytest.mark.parametrize("sel", SELECTORS, ids=str)
def test_neuron_gradient_and_integrated_gradients(torch, bn_cnn, sel):
    from glassnet.explain import NeuronGradient, NeuronIntegratedGradients

    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    s = _selector(sel)
    for layer, to_input in ((1, False), (2, False), (3, False), (4, True)):
        ref = captum_attr.NeuronGradient(tm, tm[layer]).attribute(tx, s, None, to_input)
        _close(NeuronGradient(model, model[layer]).attribute(x, s, None, to_input), ref)
        for mult in (True, False):
            ref = captum_attr.NeuronIntegratedGradients(tm, tm[layer], None, mult).attribute(
                tx, s, torch.tensor(x[:1] * 0.3), None, 9, "riemann_middle", 7, to_input
            )
            got = NeuronIntegratedGradients(model, model[layer], None, mult).attribute(
                x, s, x[:1] * 0.3, None, 9, "riemann_middle", 7, to_input
            )
            _close(got, ref, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("sel", SELECTORS, ids=str)
def test_neuron_conductance(torch, bn_cnn, sel):
    from glassnet.explain import NeuronConductance

    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    s = _selector(sel)
    for layer, method in ((2, "riemann_trapezoid"), (3, "gausslegendre")):
        ref = captum_attr.NeuronConductance(tm, tm[layer]).attribute(
            tx, s, 0.1, [1, 2, 3], None, 8, method, 5
        )
        got = NeuronConductance(model, model[layer]).attribute(x, s, 0.1, [1, 2, 3], None, 8, method, 5)
        _close(got, ref, rtol=1e-6, atol=1e-9)
    # defaults: riemann_trapezoid, 50 steps, zero baselines
    ref = captum_attr.NeuronConductance(tm, tm[7], multiply_by_inputs=False).attribute(
        tx, 0, target=2
    )
    got = NeuronConductance(model, model[7], multiply_by_inputs=False).attribute(x, 0, target=2)
    _close(got, ref, rtol=1e-6, atol=1e-9)


def test_neuron_methods_on_two_inputs_with_extra_args(torch, two):
    from glassnet.explain import NeuronConductance, NeuronGradient

    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    ref = captum_attr.NeuronGradient(tm, tm.out).attribute(tins, 1, (ts, 0.5))
    _close(NeuronGradient(model, "out").attribute(ins, 1, (scale, 0.5)), ref)
    ref = captum_attr.NeuronGradient(tm, tm.out).attribute(tins, 2, (ts, 0.5), True)
    _close(NeuronGradient(model, "out").attribute(ins, 2, (scale, 0.5), True), ref)
    ref = captum_attr.NeuronConductance(tm, tm.out).attribute(
        tins, 2, (0.0, 0.1), 2, (ts, 0.5), n_steps=10, method="gausslegendre"
    )
    got = NeuronConductance(model, model.out).attribute(
        ins, 2, (0.0, 0.1), 2, (scale, 0.5), n_steps=10, method="gausslegendre"
    )
    _close(got, ref, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("layer", [1, 3, 7])
def test_internal_influence(torch, bn_cnn, layer):
    from glassnet.explain import InternalInfluence

    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    for to_input in (False, True):
        for method in ("gausslegendre", "riemann_trapezoid"):
            ref = captum_attr.InternalInfluence(tm, tm[layer]).attribute(
                tx, 0.2, [0, 1, 3], None, 6, method, 4, to_input
            )
            got = InternalInfluence(model, model[layer]).attribute(
                x, 0.2, [0, 1, 3], None, 6, method, 4, to_input
            )
            _close(got, ref, rtol=1e-6, atol=1e-9)


def test_neuron_selector_errors_name_the_method(bn_cnn):
    from glassnet.explain import NeuronGradient

    model, _, x = bn_cnn
    with pytest.raises(TypeError, match=r"NeuronGradient: neuron_selector must be an int"):
        NeuronGradient(model, model[1]).attribute(x, "a")
    with pytest.raises(ValueError, match=r"NeuronGradient: neuron_selector \(0, 0, 0, 0\) has 4"):
        NeuronGradient(model, model[1]).attribute(x, (0, 0, 0, 0))
    with pytest.raises(ValueError, match=r"one value per row"):
        NeuronGradient(model, model[1]).attribute(x, lambda out: out[:, 0])


# ------------------------------------------------------------------------------ Lime
class _NormalEquations:
    """A weighted least squares estimator with an intercept, by the normal equations
    (scikit-learn's protocol: ``fit(X, y, sample_weight=)``, ``coef_``)."""

    def fit(self, X, y, sample_weight):
        X, y, w = (np.asarray(a, dtype=np.float64) for a in (X, y, sample_weight))
        A = np.hstack([X, np.ones((len(X), 1))])
        sol = np.linalg.pinv(A.T @ (w[:, None] * A)) @ (A.T @ (w * y))
        self.coef_ = sol[:-1]
        return self


def _captum_estimator(torch):
    from captum._utils.models.model import Model

    class Wrapped(Model):
        def fit(self, train_data, **kwargs):
            X, y, w = next(iter(train_data))
            self.coef = _NormalEquations().fit(X.numpy(), y.numpy().ravel(), w.numpy()).coef_
            return {}

        def representation(self):
            return torch.tensor(self.coef).reshape(1, -1)

        def __call__(self, x):
            return x @ self.representation().T

    return Wrapped()


@pytest.mark.parametrize("per_eval", [1, 4])
def test_lime_with_the_same_draws(torch, two, monkeypatch, per_eval):
    from glassnet.explain import Lime

    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    masks = (np.array([[0, 0, 1, 2]]), np.array([[[3, 3, 1], [4, 5, 5]]]))
    rng = np.random.default_rng(9)
    monkeypatch.setattr(torch, "bernoulli", lambda p: torch.tensor(rng.integers(0, 2, p.shape)))
    args = ((0.0, 0.2), [0, 1, 2, 0, 1])
    kw = {"feature_mask": masks, "n_samples": 30, "perturbations_per_eval": per_eval}
    ref = captum_attr.Lime(tm, _captum_estimator(torch)).attribute(
        tins, *args, (ts,), **{**kw, "feature_mask": _tt(torch, masks)}
    )
    for est in (_NormalEquations(), "linear"):
        got = Lime(model, est).attribute(ins, *args, (scale,), **kw, seed=9)
        _close(got, ref, rtol=2e-4, atol=1e-6)  # Captum fits on float32 data
        rng = np.random.default_rng(9)
        ref_flat = captum_attr.Lime(tm, _captum_estimator(torch)).attribute(
            tins, *args, (ts,), **{**kw, "feature_mask": _tt(torch, masks)},
            return_input_shape=False,
        )  # fmt: skip
        got_flat = Lime(model, est).attribute(ins, *args, (scale,), **kw, seed=9,
                                              return_input_shape=False)  # fmt: skip
        _close(got_flat, ref_flat, rtol=2e-4, atol=1e-6)
        rng = np.random.default_rng(9)


def test_lime_default_is_the_weighted_lasso(torch, bn_cnn, monkeypatch):
    """Captum's default surrogate is scikit-learn's Lasso(alpha=0.01) (not installed here):
    glassnet's coefficients satisfy that problem's optimality conditions on the samples
    Captum's default Lime draws and weighs."""
    from glassnet.explain import Lime
    from glassnet.explain.lime_captum import weighted_lasso

    model, tm, x = bn_cnn
    mask = np.arange(72).reshape(1, 2, 6, 6) // 9  # 8 groups
    rng = np.random.default_rng(4)
    z = rng.integers(0, 2, (200, 8)).astype(float)
    y = z @ rng.standard_normal(8) + 0.1 * rng.standard_normal(200)
    w = rng.uniform(0.2, 1.0, 200)
    coef = weighted_lasso(z, y, w, alpha=0.01)
    v = w / w.sum()
    zc, yc = z - v @ z, y - v @ y
    grad = zc.T @ (v * (yc - zc @ coef))  # = alpha * sign(coef) where coef != 0
    on = coef != 0
    np.testing.assert_allclose(grad[on], 0.01 * np.sign(coef[on]), atol=1e-9)
    assert np.all(np.abs(grad[~on]) <= 0.01 + 1e-9)
    # and Lime's default uses it, with Captum's similarity on Captum's perturbed inputs
    calls = []
    real = weighted_lasso

    def spy(z, y, w, alpha=0.01, tol=1e-12):
        calls.append((z, y, w, alpha))
        return real(z, y, w, alpha, tol)

    monkeypatch.setattr("glassnet.explain.lime_captum.weighted_lasso", spy)
    got = Lime(model).attribute(x, target=1, feature_mask=mask, n_samples=20,
                                return_input_shape=False, seed=2)  # fmt: skip
    assert got.shape == (3, 8) and len(calls) == 3 and calls[0][3] == 0.01
    sims = []
    sim = captum_attr._core.lime.get_exp_kernel_similarity_function()
    for zs in calls[0][0]:
        pert = np.where(zs[mask], x[:1], 0.0)
        sims.append(sim(torch.tensor(x[:1]), torch.tensor(pert), None))
    np.testing.assert_allclose(calls[0][2], sims, rtol=1e-5)
    out = tm(torch.tensor(np.where(calls[0][0][:, mask[0]].astype(bool), x[:1], 0.0)))
    np.testing.assert_allclose(calls[0][1], out[:, 1].detach().numpy(), rtol=1e-10)


def test_lime_refuses_captums_torch_models(torch):
    from captum._utils.models.linear_model import SGDLasso

    from glassnet.explain import Lime

    with pytest.raises(TypeError, match=r"Lime: Captum's interpretable models .* 'lasso'"):
        Lime(gn.nn.Linear(3, 2), SGDLasso())


# ------------------------------------------------------- call patterns fixed this round
def test_one_element_tensor_target_is_every_rows_class(torch, bn_cnn):
    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    ref = captum_attr.IntegratedGradients(tm).attribute(tx, target=torch.tensor([2]), n_steps=5)
    got = IntegratedGradients(model).attribute(x, target=torch.tensor([2]), n_steps=5)
    _close(got, ref, rtol=1e-6, atol=1e-9)
    _close(Saliency(model).attribute(x, gn.tensor([3])),
           captum_attr.Saliency(tm).attribute(tx, torch.tensor([3])))  # fmt: skip


def test_layer_ig_without_multiplying_returns_captums_delta(torch, bn_cnn):
    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    ref, rd = captum_attr.LayerIntegratedGradients(tm, tm[5], None, False).attribute(
        tx, 0.1, 2, n_steps=6, return_convergence_delta=True
    )
    got, d = LayerIntegratedGradients(model, model[5], None, False).attribute(
        x, 0.1, 2, n_steps=6, return_convergence_delta=True
    )
    _close(got, ref, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(d, rd.numpy(), rtol=1e-6, atol=1e-9)
    with pytest.raises(TypeError, match=r"LayerIntegratedGradients: layers must be one layer or"):
        LayerIntegratedGradients(model, (model[2], model[4]))  # a list is Captum's (round 6)
    with pytest.raises(ValueError, match=r"LayerIntegratedGradients: device_ids must be None"):
        LayerIntegratedGradients(model, model[2], [0])


def test_callable_baselines_for_gradient_shap_and_deeplift_shap(torch):
    from glassnet.explain import DeepLiftShap, GradientShap

    torch.manual_seed(3)
    tm = torch.nn.Linear(5, 3).double().eval()
    model = _copy(tm, gn.nn.Linear(5, 3).double())
    x = np.random.default_rng(0).standard_normal((4, 5))
    refs = np.random.default_rng(1).standard_normal((3, 5))
    # a linear model: every draw gives w * (x - b), so the mean is exact in both
    for make in (lambda: refs, lambda inp: refs + 0 * np.asarray(inp)[:1].sum()):
        t_make = (lambda: torch.tensor(refs)) if make.__code__.co_argcount == 0 else (
            lambda inp: torch.tensor(refs) + 0 * inp[:1].sum()
        )  # fmt: skip
        ref = captum_attr.DeepLiftShap(tm).attribute(torch.tensor(x), t_make, target=1)
        _close(DeepLiftShap(model).attribute(x, make, target=1), ref, rtol=1e-7, atol=1e-12)
    ref = captum_attr.GradientShap(tm).attribute(
        torch.tensor(x), lambda: torch.tensor(refs[:1]), n_samples=4, target=2
    )
    got = GradientShap(model).attribute(x, lambda: refs[:1], n_samples=4, target=2)
    _close(got, ref, rtol=1e-7, atol=1e-12)


def test_show_progress_is_accepted(torch, bn_cnn):
    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    ref = captum_attr.Occlusion(tm).attribute(tx, (1, 2, 2), (1, 2, 2), 0.0, 1, None, 4, False)
    _close(Occlusion(model).attribute(x, (1, 2, 2), (1, 2, 2), 0.0, 1, None, 4, False), ref,
           rtol=1e-5, atol=1e-9)  # fmt: skip
    ref = captum_attr.FeatureAblation(tm).attribute(tx, 0.0, 1, None, None, 8, False)
    _close(FeatureAblation(model).attribute(x, 0.0, 1, None, None, 8, False), ref, rtol=1e-7,
           atol=1e-9)  # fmt: skip


def test_captum_classes_glassnet_lacks_are_refused_naming_the_nearest():
    with pytest.raises(ImportError, match=r"Captum's LayerLRP is not available .* LayerGradientX"):
        from glassnet.explain import LayerLRP  # noqa: F401
    import glassnet.explain as ge

    with pytest.raises(ImportError, match=r"NeuronGradientShap .* NeuronIntegratedGradients"):
        ge.NeuronGradientShap  # noqa: B018
    assert not hasattr(ge, "NotACaptumClass")
    captum_names = {n for n in dir(captum_attr) if n[:1].isupper()}
    for name in ("Lime", "FeaturePermutation", "NeuronGradient", "NeuronConductance",
                 "NeuronIntegratedGradients", "InternalInfluence", "LayerIntegratedGradients"):
        assert name in captum_names and name in ge.__all__  # fmt: skip


@pytest.mark.parametrize("name", ["NeuronGradient", "LayerActivation", "InternalInfluence",
                                  "NeuronConductance", "LayerGradCam"])  # fmt: skip
def test_noise_tunnel_wraps_methods_with_and_without_a_target(torch, bn_cnn, name):
    """Methods without ``target`` (neuron methods, LayerActivation) get none, as in Captum."""
    import glassnet.explain as ge

    model, tm, x = bn_cnn
    kw = {
        "NeuronGradient": {"neuron_selector": (1, 2, 2)},
        "LayerActivation": {},
        "InternalInfluence": {"target": 1, "n_steps": 4},
        "NeuronConductance": {"neuron_selector": (1, 2, 2), "target": 2, "n_steps": 4},
        "LayerGradCam": {"target": [0, 1, 2]},
    }[name]
    common = {"nt_type": "smoothgrad_sq", "nt_samples": 3, "nt_samples_batch_size": 2,
              "stdevs": 0.0}  # fmt: skip
    ref = captum_attr.NoiseTunnel(getattr(captum_attr, name)(tm, tm[2])).attribute(
        torch.tensor(x), **common, **kw
    )
    got = ge.NoiseTunnel(getattr(ge, name)(model, model[2])).attribute(x, **common, **kw)
    _close(got, ref, rtol=1e-6, atol=1e-12)
    if "target" not in kw:
        with pytest.raises(ValueError, match=rf"NoiseTunnel: {name} takes no target, got 1"):
            ge.NoiseTunnel(getattr(ge, name)(model, model[2])).attribute(x, target=1, **kw)


# ------------------------------------------------- a sequence tagger: (N, T, C) outputs
class _GnTagger(gn.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = gn.nn.Embedding(15, 4)
        self.lstm = gn.nn.LSTM(4, 5, batch_first=True, bidirectional=True)
        self.fc = gn.nn.Linear(10, 3)

    def forward(self, ids):
        h, _ = self.lstm(self.emb(ids))
        return self.fc(h)


def test_sequence_tagger_with_list_of_tuple_targets(torch):
    class Tagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(15, 4)
            self.lstm = torch.nn.LSTM(4, 5, batch_first=True, bidirectional=True)
            self.fc = torch.nn.Linear(10, 3)

        def forward(self, ids):
            h, _ = self.lstm(self.emb(ids))
            return self.fc(h)

    torch.manual_seed(4)
    tm = Tagger().double().eval()
    model = _copy(tm, _GnTagger().double())
    ids = np.random.default_rng(5).integers(1, 15, (3, 6))
    tids = torch.tensor(ids)
    target = [(0, 2), (5, 1), (3, 0)]  # (step, tag) per row
    ref, rd = captum_attr.LayerIntegratedGradients(tm, tm.emb).attribute(
        tids, 0, target, n_steps=12, internal_batch_size=5, return_convergence_delta=True
    )
    got, d = LayerIntegratedGradients(model, model.emb).attribute(
        ids, 0, target, n_steps=12, internal_batch_size=5, return_convergence_delta=True
    )
    _close(got, ref, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(d, rd.numpy(), atol=1e-8)
    ref = captum_attr.FeatureAblation(tm).attribute(tids, 0, (2, 1), perturbations_per_eval=3)
    _close(FeatureAblation(model).attribute(ids, 0, (2, 1), perturbations_per_eval=3), ref,
           rtol=1e-6, atol=1e-9)  # fmt: skip
    ref = captum_attr.Occlusion(tm).attribute(tids, (3,), 2, 0, target)
    _close(Occlusion(model).attribute(ids, (3,), 2, 0, target), ref, rtol=1e-5, atol=1e-9)
    from glassnet.explain import LayerConductance

    # path methods on the embedded tokens (token ids cannot be interpolated)
    emb = model.emb(gn.tensor(ids)).numpy()
    t_emb = tm.emb(tids).detach()

    def tail(e):
        h, _ = tm.lstm(e)
        return tm.fc(h)

    class GnTail(gn.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.fc = model.lstm, model.fc

        def forward(self, e):
            h, _ = self.lstm(e)
            return self.fc(h)

    gtail = GnTail()
    ref = captum_attr.IntegratedGradients(tail).attribute(t_emb, target=target, n_steps=10)
    _close(IntegratedGradients(gtail).attribute(emb, target=target, n_steps=10), ref,
           rtol=1e-6, atol=1e-9)  # fmt: skip
    ref = captum_attr.LayerConductance(tail, tm.fc).attribute(t_emb, None, target, n_steps=6)
    _close(LayerConductance(gtail, gtail.fc).attribute(emb, None, target, n_steps=6), ref,
           rtol=1e-6, atol=1e-9)  # fmt: skip


# ------------------------------------------------------ GradientShap, in expectation
def test_gradient_shap_agrees_with_captum_in_expectation(torch, bn_cnn):
    """Unseeded Captum and seeded glassnet draw differently; their means over many samples
    must differ no more than glassnet's own means for different seeds do."""
    from glassnet.explain import GradientShap

    model, tm, x = bn_cnn
    refs = np.random.default_rng(3).standard_normal((4,) + x.shape[1:]) * 0.5
    kw = {"n_samples": 1000, "stdevs": 0.1, "target": [0, 1, 2]}
    torch.manual_seed(0)
    np.random.seed(0)  # noqa: NPY002 (Captum draws its baselines with np.random)
    ref = captum_attr.GradientShap(tm).attribute(torch.tensor(x), torch.tensor(refs), **kw)
    ours = np.stack([GradientShap(model).attribute(x, refs, **kw, seed=s) for s in range(4)])
    mean = ours.mean(axis=0)
    spread = np.mean([np.linalg.norm(o - mean) for o in ours])
    # (stdevs=0.3 on one side gives about 3.5 times the spread: this can fail)
    assert np.linalg.norm(ref.numpy() - mean) < 2.5 * spread + 1e-12
    assert spread < 0.2 * np.linalg.norm(mean)  # the samples do pin the mean down


def test_round5_methods_on_a_device_model_match_the_cpu(device):
    """The new methods run on device arrays (a real or fake GPU) and give host arrays."""
    from glassnet.explain import (
        FeaturePermutation,
        InternalInfluence,
        Lime,
        NeuronConductance,
        NeuronGradient,
        NeuronIntegratedGradients,
    )

    gn.manual_seed(0)
    model = gn.nn.Sequential(
        gn.nn.Conv2d(1, 2, 3, padding=1), gn.nn.ReLU(), gn.nn.Flatten(), gn.nn.Linear(32, 3),
    )  # fmt: skip
    x = np.random.default_rng(17).standard_normal((3, 1, 4, 4)).astype(np.float32)
    mask = np.arange(16).reshape(1, 1, 4, 4) // 4

    def explain(m):
        return [
            NeuronGradient(m, m[1]).attribute(x, (1, slice(0, 2), 2)),
            NeuronIntegratedGradients(m, m[1]).attribute(x, (0, 1, 1), 0.1, n_steps=4),
            NeuronConductance(m, m[1]).attribute(x, (0, 1, 1), 0.1, 2, n_steps=4),
            InternalInfluence(m, m[1]).attribute(x, 0.1, [0, 1, 2], n_steps=4),
            FeaturePermutation(m).attribute(x, 1, None, mask),
            Lime(m).attribute(x, 0.0, 1, None, mask, 20),
            IntegratedGradients(m, multiply_by_inputs=False).attribute(x, 0.0, 2, n_steps=4),
        ]

    want = explain(model)
    got = explain(model.to(device))
    for k, (g, r) in enumerate(zip(got, want)):
        assert type(g) is np.ndarray, k
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-5, err_msg=f"method {k}")


def test_lime_with_captum_style_perturb_and_similarity_functions(torch, bn_cnn):
    from captum.attr._core.lime import get_exp_kernel_similarity_function

    from glassnet.explain import Lime
    from glassnet.explain.lime_captum import exp_kernel_similarity

    model, tm, x = bn_cnn
    mask = np.arange(72).reshape(1, 2, 6, 6) // 12  # 6 groups
    draws = np.random.default_rng(5).integers(0, 2, (40, 6))

    def make(lib):
        def perturb(original_inp, **kwargs):  # a generator, as Captum allows
            assert kwargs["num_interp_features"] == 6
            for z in draws:
                yield lib(z.reshape(1, -1))

        return perturb

    for mode, width in (("euclidean", 3.0), ("cosine", 0.5)):
        ref = captum_attr.Lime(
            tm, _captum_estimator(torch), get_exp_kernel_similarity_function(mode, width),
            make(torch.tensor),
        ).attribute(torch.tensor(x), 0.1, 2, feature_mask=torch.tensor(mask), n_samples=40)  # fmt: skip
        got = Lime(model, _NormalEquations(), exp_kernel_similarity(mode, width),
                   make(np.asarray)).attribute(x, 0.1, 2, feature_mask=mask, n_samples=40)  # fmt: skip
        _close(got, ref, rtol=2e-4, atol=1e-6)
    with pytest.raises(ValueError, match=r"Lime: perturb_func's generator stopped after 40 of 41"):
        Lime(model, "linear", None, make(np.asarray)).attribute(x, 0.1, 2, None, mask, 41)


# --------------------------------------------------------------- LayerDeepLift(Shap)
@pytest.mark.parametrize("layer", [1, 2, 3, 4, 7])
def test_layer_deeplift(torch, bn_cnn, layer):
    from glassnet.explain import LayerDeepLift

    model, tm, x = bn_cnn
    tx = torch.tensor(x)
    base = x[::-1].copy() * 0.2
    for to_input in (False, True):
        for mult in (True, False):
            ref, rd = captum_attr.LayerDeepLift(tm, tm[layer], mult).attribute(
                tx, torch.tensor(base), [0, 3, 1], None, True, to_input
            )
            got, d = LayerDeepLift(model, model[layer], mult).attribute(
                x, base, [0, 3, 1], None, True, to_input
            )
            _close(got, ref, rtol=1e-6, atol=1e-10)
            np.testing.assert_allclose(d, rd.numpy(), rtol=1e-6, atol=1e-9)


def test_layer_deeplift_shap_and_custom_function(torch, two):
    from glassnet.explain import LayerDeepLift, LayerDeepLiftShap

    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    refs = tuple(np.random.default_rng(8).standard_normal((3,) + v.shape[1:]) for v in ins)
    ref, rd = captum_attr.LayerDeepLiftShap(tm, tm.out).attribute(
        tins, _tt(torch, refs), [0, 1, 2, 0, 1], (ts,), True, True
    )
    got, d = LayerDeepLiftShap(model, model.out).attribute(
        ins, refs, [0, 1, 2, 0, 1], (scale,), True, True
    )
    _close(got, ref, rtol=1e-6, atol=1e-10)
    assert d.shape == (15,)
    np.testing.assert_allclose(d, rd.numpy(), rtol=1e-6, atol=1e-9)

    def tf(m, a, b):
        return tuple(mm * (aa - bb) ** 2 for mm, aa, bb in zip(m, a, b))

    ref = captum_attr.LayerDeepLift(tm, tm.b).attribute(
        tins, (0.1, 0.2), 2, (ts,), custom_attribution_func=tf
    )
    got = LayerDeepLift(model, model.b).attribute(
        ins, (0.1, 0.2), 2, (scale,), custom_attribution_func=tf
    )
    _close(got, ref, rtol=1e-6, atol=1e-10)


def test_deeplift_max_pool_where_the_input_does_not_change(torch):
    """A MaxPool2d after a module without a rule (here Hardtanh after ReLU) sees inputs and
    baselines equal in places; Captum gives those every row the first row's ordinary
    gradient (its ``grad_input[0]``), and glassnet keeps that quirk so the numbers agree."""
    from glassnet.explain import DeepLift, DeepLiftShap, LayerDeepLift

    spec = [("Conv2d", (1, 3, 1), {}), ("ReLU", (), {}), ("Hardtanh", (-5.0, 5.0), {}),
            ("MaxPool2d", (2,), {}), ("Flatten", (), {}), ("Linear", (12, 2), {})]  # fmt: skip
    torch.manual_seed(6)
    tm = torch.nn.Sequential(*(getattr(torch.nn, n)(*a, **k) for n, a, k in spec)).double()
    model = _copy(tm, gn.nn.Sequential(*(getattr(gn.nn, n)(*a, **k) for n, a, k in spec)).double())
    tm.eval()
    x = np.random.default_rng(1).standard_normal((4, 1, 4, 4))
    base = x.copy()
    base[:, :, ::2] = -3.0  # every other image row unchanged: equal inputs at the pool
    tx, tb = torch.tensor(x), torch.tensor(base)
    for mult in (False, True):
        ref, rd = captum_attr.DeepLift(tm, mult).attribute(tx, tb, [0, 1, 1, 0], None, True)
        got, d = DeepLift(model, mult).attribute(x, base, [0, 1, 1, 0], None, True)
        _close(got, ref, rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(d, rd.numpy(), atol=1e-10)
    refs = np.stack([base[0], base[1], x[2]])
    ref = captum_attr.DeepLiftShap(tm, False).attribute(tx, torch.tensor(refs), 1)
    _close(DeepLiftShap(model, False).attribute(x, refs, 1), ref, rtol=1e-7, atol=1e-12)
    ref = captum_attr.LayerDeepLift(tm, tm[2], False).attribute(tx, tb, 1)
    _close(LayerDeepLift(model, model[2], False).attribute(x, base, 1), ref, rtol=1e-7, atol=1e-12)


# ------------------------------------------------------------------ LayerGradientShap
@pytest.mark.parametrize("stdevs", [0.0, (0.25, 0.5)])
@pytest.mark.parametrize("mult", [True, False])
def test_layer_gradient_shap_with_the_same_draws(torch, two, stdevs, mult):
    from glassnet.explain import LayerGradientShap

    from .test_captum_round3 import _captum_draws

    model, tm, ins, scale = two
    tins, ts = _tt(torch, ins), torch.tensor(scale)
    refs = tuple(np.random.default_rng(12).standard_normal((6,) + v.shape[1:]) for v in ins)
    for layer, to_input in (("b", False), ("out", True), ("a", False)):
        with _captum_draws(torch, ins, 4, 6, seed=0):
            ref, rd = captum_attr.LayerGradientShap(tm, getattr(tm, layer), None, mult).attribute(
                tins, _tt(torch, refs), 4, stdevs, [0, 1, 2, 1, 0], (ts,), True, to_input
            )
        got, d = LayerGradientShap(model, layer, None, mult).attribute(
            ins, refs, 4, stdevs, [0, 1, 2, 1, 0], (scale,), True, to_input
        )
        _close(got, ref, rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(d, rd.numpy(), rtol=1e-6, atol=1e-9)
