"""Issue 17 items 8-11: a Captum user's calls work in glassnet, or are refused clearly.

Several inputs (tuples in, tuples out), ``additional_forward_args`` for every
method, occlusion windows that do not tile the input, ``target=None`` refused,
and the smaller API differences (IG's default rule, ``abs=``, Grad-CAM's layer
object and ``relu_attributions``, NoiseTunnel's options, torch tensors).
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
    LimeSurrogate,
    NoiseTunnel,
    Occlusion,
    Saliency,
)
from glassnet.nn import Linear, Module, Sequential

from .helpers import GlobalAvgPool, PointwiseConv, Relu, mlp


class TwoInputs(Module):
    """``mlp(concat(a, b)) * scale``: a model of two inputs and an optional per-row scale."""

    def __init__(self) -> None:
        super().__init__()
        self.net = mlp(6, 8, 3, smooth=True)

    def forward(self, a, b, scale=None, flag="on"):
        assert flag == "on"  # a non-array extra argument reaches the model unchanged
        out = self.net(F.cat([a, b], axis=1))
        return out if scale is None else out * scale


# name -> (make method, call it with inputs, target and additional_forward_args)
METHODS = {
    "saliency": (
        lambda m: Saliency(m, abs=False),
        lambda a, x, t, e: a.attribute(x, target=t, additional_forward_args=e),
    ),
    "input_x_gradient": (
        InputXGradient,
        lambda a, x, t, e: a.attribute(x, target=t, additional_forward_args=e),
    ),
    "ig": (
        IntegratedGradients,
        lambda a, x, t, e: a.attribute(
            x, target=t, additional_forward_args=e, n_steps=6, internal_batch_size=5
        ),
    ),
    "smoothgrad": (
        lambda m: NoiseTunnel(Saliency(m, abs=False)),
        lambda a, x, t, e: a.attribute(
            x,
            target=t,
            additional_forward_args=e,
            nt_samples=3,
            nt_samples_batch_size=2,
            noise_scale="absolute",
        ),
    ),
    "occlusion": (
        Occlusion,
        lambda a, x, t, e: a.attribute(
            x,
            (2,) if not isinstance(x, tuple) else ((2,), (1,)),
            target=t,
            additional_forward_args=e,
            perturbations_per_eval=3,
        ),
    ),
    "ablation": (
        FeatureAblation,
        lambda a, x, t, e: a.attribute(
            x, target=t, additional_forward_args=e, perturbations_per_eval=4
        ),
    ),
    "lime": (
        LimeSurrogate,
        lambda a, x, t, e: a.attribute(
            x, target=t, additional_forward_args=e, n_samples=40, batch_size=16
        ),
    ),
}


@pytest.fixture
def two(rng):
    return rng.standard_normal((4, 4)), rng.standard_normal((4, 2))


def _split(attr):
    return attr[:, :4], attr[:, 4:]


@pytest.mark.parametrize("name", sorted(METHODS))
def test_tuple_inputs_give_a_tuple_of_attributions(name, two):
    """Explaining (a, b) of a two-input model equals explaining concat(a, b) of the same
    model taking one input, split back: nothing is stacked into one batch."""
    model = TwoInputs()
    make, call = METHODS[name]
    target = [0, 1, 2, 1]
    got = call(make(model), two, target, None)
    assert isinstance(got, tuple) and len(got) == 2
    assert got[0].shape == (4, 4) and got[1].shape == (4, 2)
    if name == "occlusion":  # windows of 2 on the first input, of 1 on the second
        # each input occluded alone, the other one given as a per-row extra argument
        occ_a = Occlusion(lambda a, b: model(a, b))
        ref_a = occ_a.attribute(two[0], (2,), target=target, additional_forward_args=two[1])
        occ_b = Occlusion(lambda b, a: model(a, b))
        ref_b = occ_b.attribute(two[1], (1,), target=target, additional_forward_args=two[0])
        np.testing.assert_allclose(got[0], ref_a, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got[1], ref_b, rtol=1e-9, atol=1e-12)
        return
    one = make(lambda x: model(x[:, :4], x[:, 4:]))
    ref = _split(call(one, np.concatenate(two, 1), target, None))
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_additional_forward_args_follow_each_row(name, two):
    """A per-row extra argument reaches every copy of its row (interpolated, noisy,
    occluded, sampled); a string is passed unchanged. Explaining the batch equals explaining
    each row with its scale baked into the model."""
    model = TwoInputs()
    make, call = METHODS[name]
    scale = np.array([[1.0], [2.0], [-0.5], [3.0]])
    target = [0, 1, 2, 1]
    got = call(make(model), two, target, (gn.tensor(scale), "on"))
    for i in range(4):
        s = float(scale[i, 0])
        row = call(
            make(lambda a, b, _s=s: model(a, b) * _s),
            (two[0][i : i + 1], two[1][i : i + 1]),
            [target[i]],
            None,
        )
        for g, r in zip(got, row):
            np.testing.assert_allclose(g[i : i + 1], r, rtol=1e-9, atol=1e-12)


def test_additional_forward_args_numpy_and_single_value(two):
    model = TwoInputs()
    scale = np.array([[1.0], [2.0], [-0.5], [3.0]])
    ig = IntegratedGradients(model)
    a = ig.attribute(two, target=0, additional_forward_args=(scale,), n_steps=4)
    b = ig.attribute(two, target=0, additional_forward_args=scale, n_steps=4)
    c = ig.attribute(two, target=0, additional_forward_args=gn.tensor(scale), n_steps=4)
    for x, y, z in zip(a, b, c):
        np.testing.assert_allclose(x, y)
        np.testing.assert_allclose(x, z)


def test_tuple_of_one_input_stays_a_tuple(rng):
    x = rng.standard_normal((3, 6))
    sal = Saliency(mlp())
    got = sal.attribute((x,), target=1)
    assert isinstance(got, tuple) and len(got) == 1
    np.testing.assert_allclose(got[0], sal.attribute(x, target=1))


def test_shape_agnostic_model_is_not_stacked(rng):
    """The issue's reproduction: (x1, x2) came back as one (2, 1, 3) array."""
    x1, x2 = rng.standard_normal((1, 3)), rng.standard_normal((1, 3))
    got = Saliency(lambda a, b: (a * b).sum(axis=1), abs=False).attribute((x1, x2))
    assert isinstance(got, tuple)
    np.testing.assert_allclose(got[0], x2)
    np.testing.assert_allclose(got[1], x1)


def test_tuple_baselines_and_masks(two):
    model = TwoInputs()
    ba, bb = np.full((1, 4), 0.5), -1.0
    attr, delta = IntegratedGradients(model).attribute(
        two, baselines=(ba[0], bb), target=2, n_steps=40, return_convergence_delta=True
    )
    assert np.all(np.abs(delta) < 1e-6)
    out = lambda a, b: model(gn.tensor(a), gn.tensor(b)).numpy()[:, 2]  # noqa: E731
    gap = out(*two) - out(np.broadcast_to(ba, (4, 4)), np.full((4, 2), bb))
    np.testing.assert_allclose(attr[0].sum(1) + attr[1].sum(1), gap, atol=1e-6)
    # feature ids shared across inputs are ablated together (Captum's rule)
    masks = (np.array([0, 0, 1, 1]), np.array([1, 2]))
    abl = FeatureAblation(model).attribute(two, target=0, feature_mask=masks, baselines=(0.0, 0.0))
    z = [np.array(v) for v in two]
    z[0][:, 2:] = 0.0
    z[1][:, 0] = 0.0
    f = lambda a, b: model(gn.tensor(a), gn.tensor(b)).numpy()[:, 0]  # noqa: E731
    np.testing.assert_allclose(abl[0][:, 2], f(*two) - f(*z), rtol=1e-10)
    np.testing.assert_allclose(abl[1][:, 0], f(*two) - f(*z), rtol=1e-10)


def test_tuple_errors(two):
    ig = IntegratedGradients(TwoInputs())
    with pytest.raises(
        ValueError, match=r"baselines is a tuple of 3, expected one entry per input"
    ):
        ig.attribute(two, baselines=(0, 0, 0), target=0)
    with pytest.raises(ValueError, match=r"baselines must be a tuple with one entry per input"):
        ig.attribute(two, baselines=np.zeros((4, 4)), target=0)
    with pytest.raises(ValueError, match=r"must share their first \(batch\) axis, got sizes"):
        ig.attribute((two[0], two[1][:2]), target=0)
    with pytest.raises(ValueError, match=r"inputs is an empty tuple"):
        ig.attribute((), target=0)
    with pytest.raises(ValueError, match=r"sliding_window_shapes must be a tuple with one entry"):
        Occlusion(TwoInputs()).attribute(two, (1, 1, 1), target=0)


# ----------------------------------------------------------------- item 9
def test_occlusion_clips_the_last_window():
    """Captum gives [3, 3, 3, 3, 2.5, 2]; glassnet gave [3, 3, 3, 3, 3, 0]."""
    got = Occlusion(lambda x: x.sum(axis=1)).attribute(np.ones((1, 6)), (3,), strides=2)
    np.testing.assert_allclose(got, [[3, 3, 3, 3, 2.5, 2]])


# ---------------------------------------------------------------- item 10
def test_target_none_refused_naming_target(rng):
    with pytest.raises(
        ValueError, match=r"Occlusion: the model has 3 outputs per row; pass target="
    ):
        Occlusion(mlp()).attribute(rng.standard_normal((2, 6)), (2,))
    with pytest.raises(ValueError, match=r"LimeSurrogate: the model has 3 outputs.*target="):
        LimeSurrogate(mlp()).attribute(rng.standard_normal((2, 6)))


def test_targets_as_tensors(rng):
    x = rng.standard_normal((3, 6))
    sal = Saliency(mlp())
    ref = sal.attribute(x, target=[0, 2, 1])
    np.testing.assert_allclose(sal.attribute(x, target=gn.tensor([0, 2, 1])), ref)


# ---------------------------------------------------------------- item 11
def test_ig_default_rule_is_gauss_legendre(rng):
    model, x = mlp(smooth=True), rng.standard_normal((2, 6))
    ig = IntegratedGradients(model)
    np.testing.assert_array_equal(
        ig.attribute(x, target=1, n_steps=7),
        ig.attribute(x, target=1, n_steps=7, method="gausslegendre"),
    )
    assert not np.allclose(
        ig.attribute(x, target=1, n_steps=7),
        ig.attribute(x, target=1, n_steps=7, method="riemann_trapezoid"),
    )


def test_ig_positional_order_is_captums(rng):
    """``attribute(inputs, baselines, target, additional_forward_args, n_steps, method)``."""
    model, x = mlp(smooth=True), rng.standard_normal((2, 6))
    ig = IntegratedGradients(model)
    np.testing.assert_array_equal(
        ig.attribute(x, 0.5, 1, None, 8, "riemann_middle"),
        ig.attribute(x, baselines=0.5, target=1, n_steps=8, method="riemann_middle"),
    )


def test_saliency_abs_as_attribute_argument(rng):
    model, x = mlp(), rng.standard_normal((2, 6))
    signed = Saliency(model, abs=False).attribute(x, target=0)
    np.testing.assert_allclose(Saliency(model).attribute(x, target=0, abs=False), signed)
    np.testing.assert_allclose(Saliency(model, abs=False).attribute(x, 0, True), np.abs(signed))
    np.testing.assert_allclose(Saliency(model).attribute(x, target=0), np.abs(signed))


@pytest.fixture
def tiny():
    conv = PointwiseConv(np.array([1.0, -1.0]).reshape(2, 1, 1, 1))
    head = Linear(2, 2).double()
    head.weight.array[...] = [[1.0, 2.0], [-1.0, 1.0]]
    head.bias.array[...] = 0.0
    return Sequential(conv, Relu(), GlobalAvgPool(), head)


def test_gradcam_layer_object_and_relu_attributions(tiny):
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    by_object = GradCAM(tiny, tiny[1])
    assert by_object.layer == "1"
    np.testing.assert_allclose(by_object.attribute(x, target=0), x / 4)
    np.testing.assert_allclose(by_object.attribute(x, 1, None, False, False), -x / 4)
    np.testing.assert_allclose(by_object.attribute(x, target=1, relu_attributions=True), 0.0)
    with pytest.raises(ValueError, match=r"relu=True and relu_attributions=False disagree"):
        by_object.attribute(x, target=1, relu=True, relu_attributions=False)
    with pytest.raises(ValueError, match=r"GradCAM: layer Linear is not a submodule of the model"):
        GradCAM(tiny, Linear(2, 2))
    # the layer's input: the ReLU's input is the conv output, as GradCAM(layer="0") sees it
    np.testing.assert_allclose(
        GradCAM(tiny, tiny[1]).attribute(x, target=0, attribute_to_layer_input=True),
        GradCAM(tiny, "0").attribute(x, target=0),
    )


def test_gradcam_tuple_inputs_and_extra_args(tiny):
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])

    class Shifted(Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = tiny

        def forward(self, a, b, scale):
            return self.inner(a + b) * scale

    model = Shifted()
    cam = GradCAM(model, "inner.1").attribute((x, x), target=0, additional_forward_args=(2.0,))
    np.testing.assert_allclose(cam, 2 * (2 * x) / 4)


def test_noise_tunnel_around_grad_cam(tiny, rng):
    """The wrapped method may return maps of another shape than the inputs (Grad-CAM)."""
    x = rng.standard_normal((3, 1, 2, 2))
    cam = GradCAM(tiny, "1")
    ref = cam.attribute(x, target=[0, 1, 0], relu=False)
    got = NoiseTunnel(cam).attribute(
        x, nt_samples=3, nt_samples_batch_size=2, stdevs=0.0, target=[0, 1, 0], relu=False
    )
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    noisy = NoiseTunnel(cam).attribute(x, nt_samples=4, stdevs=0.3, target=[0, 1, 0])
    assert noisy.shape == (3, 1, 2, 2) and not np.allclose(
        noisy, cam.attribute(x, target=[0, 1, 0])
    )


def test_noise_tunnel_batching_and_delta(rng):
    model, x = mlp(smooth=True), rng.standard_normal((3, 6))
    nt = NoiseTunnel(IntegratedGradients(model))
    kw = dict(
        target=[0, 1, 2], nt_samples=5, stdevs=0.3, n_steps=6, baselines=rng.standard_normal((3, 6)),
        noise_scale="range",
    )
    ref = nt.attribute(x, nt_samples_batch_size=1, **kw)
    for size in (2, 5, None):
        np.testing.assert_allclose(
            nt.attribute(x, nt_samples_batch_size=size, **kw), ref, rtol=1e-10
        )
    attr, delta = nt.attribute(x, nt_samples_batch_size=2, return_convergence_delta=True, **kw)
    np.testing.assert_allclose(attr, ref, rtol=1e-10)
    assert delta.shape == (15,)
    # example by example: the deltas of row 1's five noisy copies, each from IG itself
    noise = np.random.default_rng(0).standard_normal((5, 6))
    sd = 0.3 * (x[1].max() - x[1].min())
    for s in range(5):
        _, d = IntegratedGradients(model).attribute(
            x[1:2] + noise[s] * sd,
            kw["baselines"][1:2],
            1,
            n_steps=6,
            return_convergence_delta=True,
        )
        np.testing.assert_allclose(delta[5 + s], d[0], atol=1e-12)
    with pytest.raises(
        ValueError, match=r"return_convergence_delta=True needs a method .* got Saliency"
    ):
        NoiseTunnel(Saliency(model)).attribute(x, target=0, return_convergence_delta=True)
    with pytest.raises(ValueError, match=r"draw_baseline_from_distrib=True is not supported"):
        nt.attribute(x, target=0, draw_baseline_from_distrib=True)
    with pytest.raises(ValueError, match=r"nt_samples_batch_size must be a positive int, got 0"):
        nt.attribute(x, target=0, nt_samples_batch_size=0)


def test_noise_tunnel_absolute_stdevs_and_tuples(rng):
    """noise_scale='absolute' reads stdevs as Captum does; a tuple gives one per input."""
    model = TwoInputs()
    a, b = rng.standard_normal((2, 4)), rng.standard_normal((2, 2))
    sal = Saliency(model, abs=False)
    got = NoiseTunnel(sal).attribute(
        (a, b), target=1, nt_samples=3, stdevs=(0.2, 0.7), noise_scale="absolute", seed=5
    )
    each = []
    for r in range(2):
        g = np.random.default_rng(5)
        z = g.standard_normal((3, 6))  # one draw over the features of both inputs
        za, zb = z[:, :4], z[:, 4:]
        rows = [
            sal.attribute((a[r : r + 1] + 0.2 * za[s], b[r : r + 1] + 0.7 * zb[s]), target=1)
            for s in range(3)
        ]
        each.append([np.mean([v[i] for v in rows], axis=0) for i in range(2)])
    for i in range(2):
        np.testing.assert_allclose(got[i], np.concatenate([e[i] for e in each]), rtol=1e-10)
    with pytest.raises(ValueError, match=r"noise_scale must be one of 'range', 'absolute'"):
        NoiseTunnel(sal).attribute((a, b), target=1, noise_scale="std")


def test_torch_tensor_requiring_grad_is_accepted(torch, rng):
    x = rng.standard_normal((2, 6))
    tx = torch.tensor(x, requires_grad=True)
    model = mlp()
    ref = IntegratedGradients(model).attribute(x, target=torch.tensor([0, 2]), n_steps=5)
    got = IntegratedGradients(model).attribute(
        tx, baselines=torch.zeros(6, requires_grad=True), target=torch.tensor([0, 2]), n_steps=5
    )
    np.testing.assert_allclose(got, ref)
    # a torch tensor among the additional forward arguments is read as an array
    scale = np.array([[2.0], [-1.0]])
    two = (rng.standard_normal((2, 4)), rng.standard_normal((2, 2)))
    a = Saliency(TwoInputs(), abs=False)
    np.testing.assert_allclose(
        a.attribute(two, target=0, additional_forward_args=torch.tensor(scale, requires_grad=True))[
            0
        ],
        a.attribute(two, target=0, additional_forward_args=scale)[0],
    )


def test_tuple_targets_pick_one_output_of_a_sequence_model(rng):
    """Outputs (N, T, C): a tuple (t, c) for every row, or one tuple per row (Captum's forms)."""
    x = rng.standard_normal((2, 4, 3))
    w = rng.standard_normal((3, 2))

    def steps(t):
        return t @ gn.tensor(w)  # (N, 4, 2); output [n, s, c] depends on x[n, s] only

    same = Saliency(steps, abs=False).attribute(x, target=(3, 1))
    expected = np.zeros_like(x)
    expected[:, 3] = w[:, 1]
    np.testing.assert_allclose(same, expected)
    each = IntegratedGradients(steps).attribute(x, target=[(3, 0), (1, 1)], n_steps=4)
    expected = np.zeros_like(x)
    expected[0, 3], expected[1, 1] = x[0, 3] * w[:, 0], x[1, 1] * w[:, 1]
    np.testing.assert_allclose(each, expected)
    with pytest.raises(ValueError, match=r"target \(4, 0\) is out of range for outputs"):
        Saliency(steps).attribute(x, target=(4, 0))
    with pytest.raises(ValueError, match=r"target must be a tuple of 2 ints .* got 3"):
        Saliency(steps).attribute(x, target=3)
    with pytest.raises(ValueError, match=r"target has 3 entries, expected one per input row"):
        Saliency(steps).attribute(x, target=[(0, 0)] * 3)


def test_tuple_of_one_value_for_one_input(rng):
    model = mlp()
    x, base = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    ig = IntegratedGradients(model)
    np.testing.assert_allclose(
        ig.attribute(x, baselines=(base,), target=1), ig.attribute(x, baselines=base, target=1)
    )
    occ = Occlusion(model)
    np.testing.assert_allclose(
        occ.attribute(x, sliding_window_shapes=((2,),), strides=((2,),), target=0),
        occ.attribute(x, sliding_window_shapes=(2,), strides=(2,), target=0),
    )
    nt = NoiseTunnel(Saliency(model))
    np.testing.assert_allclose(
        nt.attribute(x, stdevs=(0.1,), nt_samples=2, target=0),
        nt.attribute(x, stdevs=0.1, nt_samples=2, target=0),
    )
