"""Round 3 of glassnet.explain against Captum 0.9 on the same weights (skipped without captum).

Cases the other side-by-side files leave out: a CNN with batch norm (eval) and max
pooling, an LSTM, three inputs with mixed baselines, NoiseTunnel's smoothgrad_sq and
vargrad with the same noise in both libraries, Grad-CAM on every layer, models that
squeeze their ``(N, 1)`` outputs, integer inputs (token ids) for the perturbation
methods, Captum's list of one-index tuples as target, and ``glassnet explain``'s
usage errors.
"""

from __future__ import annotations

import contextlib

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
from glassnet.explain.gradcam import upsample_linear
from glassnet.nn import Module
from tests import device_params

from .helpers import assert_same_state, give_grads, snapshot

device = device_params.device  # the fixture

captum_attr = pytest.importorskip("captum.attr")
pytestmark = pytest.mark.torch

# Captum rounds IG's step sizes through float32: float64 results agree to about 1e-8 relative
TOL = {"rtol": 1e-6, "atol": 1e-9}


def _same(model, tm):
    tm.load_state_dict(
        {k: __import__("torch").tensor(np.asarray(v)) for k, v in model.state_dict().items()}
    )
    return tm.eval()


def _close(got, ref, **kw):
    if isinstance(ref, tuple):
        assert isinstance(got, tuple) and len(got) == len(ref)
        for g, r in zip(got, ref):
            _close(g, r, **kw)
        return
    ref = ref.detach().numpy()
    assert np.shape(got) == ref.shape
    np.testing.assert_allclose(got, ref, **(kw or TOL))


# ------------------------------------------------------------ CNN: batch norm, max pool
@pytest.fixture
def cnn(torch):
    rng = np.random.default_rng(0)
    model = gn.nn.Sequential(
        gn.nn.Conv2d(2, 3, 3, padding=1), gn.nn.BatchNorm2d(3), gn.nn.ReLU(), gn.nn.MaxPool2d(2),
        gn.nn.Conv2d(3, 4, 3), gn.nn.ReLU(), gn.nn.Flatten(), gn.nn.Linear(4, 3),
    ).double()  # fmt: skip
    model[1].running_mean.array[...] = rng.standard_normal(3)
    model[1].running_var.array[...] = rng.random(3) + 0.5
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Linear(4, 3),
    ).double()  # fmt: skip
    model.train()  # glassnet explains in eval mode; the torch model is put in eval by _same
    return model, _same(model, tm), rng.standard_normal((3, 2, 6, 6))


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_left", "riemann_middle"])
def test_cnn_ig_methods_batching_and_delta(torch, cnn, method):
    model, tm, x = cnn
    args = (0.1, [0, 1, 2], None, 7, method, 5, True)  # Captum's positional order
    ref, ref_delta = captum_attr.IntegratedGradients(tm).attribute(torch.tensor(x), *args)
    got, delta = IntegratedGradients(model).attribute(x, *args)
    _close(got, ref)
    assert delta.shape == tuple(ref_delta.shape)
    np.testing.assert_allclose(delta, ref_delta.numpy(), atol=1e-7)
    assert model.training  # its mode is given back


def test_cnn_gradients_and_perturbations(torch, cnn):
    model, tm, x = cnn
    tx = torch.tensor(x)
    for target in (1, [0, 2, 1], torch.tensor([2, 0, 1]), torch.tensor(1)):
        ref = captum_attr.Saliency(tm).attribute(tx, target=target, abs=False)
        _close(Saliency(model).attribute(x, target=target, abs=False), ref)
    ref = captum_attr.InputXGradient(tm).attribute(tx, target=2)
    _close(InputXGradient(model).attribute(x, target=2), ref)
    # tuple windows and strides that do not tile, a baseline of one example's shape
    args = ((1, 3, 2), (1, 2, 1), x[:1] * 0.5, [0, 1, 2], None, 5)
    ref = captum_attr.Occlusion(tm).attribute(tx, *args[:2], torch.tensor(args[2]), *args[3:])
    _close(Occlusion(model).attribute(x, *args), ref)
    groups = np.broadcast_to(np.arange(36).reshape(1, 1, 6, 6) // 6, (3, 2, 6, 6)).copy()
    groups[1] += 6  # each example its own grouping
    ref = captum_attr.FeatureAblation(tm).attribute(tx, 0.2, 1, None, torch.tensor(groups), 3)
    _close(FeatureAblation(model).attribute(x, 0.2, 1, None, groups, 3), ref)


@pytest.mark.parametrize("layer", [0, 1, 3, 4])
def test_grad_cam_on_each_layer(torch, cnn, layer):
    model, tm, x = cnn
    for to_input in (False, True):
        for relu in (False, True):
            args = ([0, 1, 2], None, to_input, relu)
            ref = captum_attr.LayerGradCam(tm, tm[layer]).attribute(torch.tensor(x), *args)
            got = GradCAM(model, model[layer]).attribute(x, *args, upsample=False)
            _close(got, ref)
    # upsampled: Captum's LayerAttribution.interpolate in bilinear mode
    ref = captum_attr.LayerAttribution.interpolate(
        captum_attr.LayerGradCam(tm, tm[layer]).attribute(torch.tensor(x), [0, 1, 2]),
        (6, 6), "bilinear",
    )  # fmt: skip
    _close(GradCAM(model, model[layer]).attribute(x, [0, 1, 2], relu=False), ref)


def test_upsample_matches_interpolate_up_and_down(torch):
    maps = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    for size in ((7, 9), (3, 2), (4, 5)):
        ref = captum_attr.LayerAttribution.interpolate(torch.tensor(maps), size, "bilinear")
        _close(upsample_linear(maps, size), ref)
    ref = captum_attr.LayerAttribution.interpolate(torch.tensor(maps[:, :, 0]), (9,), "linear")
    _close(upsample_linear(maps[:, :, 0], (9,)), ref)


# ------------------------------------------------------------------------ LSTM
class _Lstm(Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = gn.nn.LSTM(3, 4, batch_first=True)
        self.fc = gn.nn.Linear(4, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


def test_lstm(torch):
    class TorchLstm(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(3, 4, batch_first=True)
            self.fc = torch.nn.Linear(4, 2)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])

    model = _Lstm().double()
    tm = _same(model, TorchLstm().double())
    x = np.random.default_rng(2).standard_normal((2, 5, 3))
    tx = torch.tensor(x)
    ref = captum_attr.IntegratedGradients(tm).attribute(tx, target=[1, 0], n_steps=6)
    _close(IntegratedGradients(model).attribute(x, target=[1, 0], n_steps=6), ref)
    ref = captum_attr.Occlusion(tm).attribute(tx, (2, 3), target=1)
    _close(Occlusion(model).attribute(x, (2, 3), target=1), ref)
    ref = captum_attr.LayerGradCam(tm, tm.fc).attribute(tx, 1, None, True, False)
    _close(GradCAM(model, model.fc).attribute(x, 1, None, True, False, upsample=False), ref)


# ---------------------------------------------------------------- three inputs
class _Three(Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = gn.nn.Linear(7, 3)

    def forward(self, a, b, c, k):
        return F.tanh(self.fc(F.cat([a.reshape(a.shape[0], -1), b, c], axis=1))) * k


@pytest.fixture
def three(torch):
    class TorchThree(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(7, 3)

        def forward(self, a, b, c, k):
            return torch.tanh(self.fc(torch.cat([a.reshape(a.shape[0], -1), b, c], dim=1))) * k

    model = _Three().double()
    tm = _same(model, TorchThree().double())
    rng = np.random.default_rng(3)
    ins = (rng.standard_normal((4, 2, 2)), rng.standard_normal((4, 2)), rng.standard_normal((4, 1)))
    k = rng.standard_normal((4, 1))  # a per-example additional forward argument
    base = (0.5, np.zeros((1, 2)), np.full((4, 1), -1.0))  # scalar, (1, F), (N, F)
    tbase = (0.5, torch.zeros(1, 2, dtype=torch.float64), torch.tensor(base[2]))
    return model, tm, ins, k, base, tbase


def _tt(torch, arrays):
    return tuple(torch.tensor(a) for a in arrays)


@pytest.mark.parametrize("internal_batch_size", [None, 1, 3])
def test_three_inputs_ig(torch, three, internal_batch_size):
    model, tm, ins, k, base, tbase = three
    ref, ref_delta = captum_attr.IntegratedGradients(tm).attribute(
        _tt(torch, ins), tbase, [0, 1, 2, 0], (torch.tensor(k),), 6, "gausslegendre",
        internal_batch_size, True,
    )  # fmt: skip
    got, delta = IntegratedGradients(model).attribute(
        ins, base, [0, 1, 2, 0], (k,), 6, "gausslegendre", internal_batch_size, True
    )
    _close(got, ref)
    assert delta.shape == (4,)
    np.testing.assert_allclose(delta, ref_delta.numpy(), atol=1e-7)


def test_three_inputs_perturbations(torch, three):
    model, tm, ins, k, base, tbase = three
    tk = (torch.tensor(k),)
    windows, strides = ((1, 2), (2,), (1,)), ((1, 1), (1,), (1,))
    ref = captum_attr.Occlusion(tm).attribute(_tt(torch, ins), windows, strides, tbase, 1, tk, 2)
    _close(Occlusion(model).attribute(ins, windows, strides, base, 1, (k,), 2), ref)
    masks = (np.array([[[0, 1], [1, 2]]]), np.array([[2, 3]]), np.array([[0]]))
    ref = captum_attr.FeatureAblation(tm).attribute(
        _tt(torch, ins), tbase, 1, tk, _tt(torch, masks), 2
    )
    _close(FeatureAblation(model).attribute(ins, base, 1, (k,), masks, 2), ref)
    ref = captum_attr.InputXGradient(tm).attribute(_tt(torch, ins), [0, 1, 2, 0], tk)
    _close(InputXGradient(model).attribute(tuple(gn.tensor(v) for v in ins), [0, 1, 2, 0], k), ref)


def _captum_noise(torch, ins, samples, seed):
    """A stand-in for ``torch.normal`` giving Captum's NoiseTunnel glassnet's draws
    (``seed``, ``noise_scale='absolute'``): every example the same standard normal draw over
    the features of all its inputs, laid out as Captum's ``repeat_interleave`` copies."""
    sizes = [int(np.prod(v.shape[1:])) for v in ins]
    z = np.random.default_rng(seed).standard_normal((samples, sum(sizes)))
    parts = np.split(z, np.cumsum(sizes)[:-1], axis=1)
    state = {"call": 0, "start": 0}

    def normal(mean, std):
        i = state["call"] % len(ins)
        n = ins[i].shape[0]
        per_example = std.shape[0] // n
        draw = parts[i][state["start"] : state["start"] + per_example]
        draw = np.broadcast_to(draw, (n,) + draw.shape).reshape(std.shape)
        state["call"] += 1
        if i == len(ins) - 1:
            state["start"] += per_example
        return torch.tensor(draw) * std

    return normal


@pytest.mark.parametrize("nt_type", ["smoothgrad_sq", "vargrad"])
@pytest.mark.parametrize("method", ["saliency", "ig", "occlusion"])
def test_noise_tunnel_with_the_same_noise(torch, three, monkeypatch, nt_type, method):
    model, tm, ins, k, base, tbase = three
    stdevs = (0.25, 0.5, 0.75)  # exact in float32, where Captum keeps them
    ours, theirs, kw, tkw = {
        "saliency": (Saliency(model, abs=False), captum_attr.Saliency(tm), {}, {"abs": False}),
        "ig": (
            IntegratedGradients(model), captum_attr.IntegratedGradients(tm),
            {"n_steps": 4, "baselines": base}, {"n_steps": 4, "baselines": tbase},
        ),
        "occlusion": (
            Occlusion(model), captum_attr.Occlusion(tm),
            {"sliding_window_shapes": ((1, 2), (2,), (1,)), "baselines": base},
            {"sliding_window_shapes": ((1, 2), (2,), (1,)), "baselines": tbase},
        ),
    }[method]  # fmt: skip
    with monkeypatch.context() as m:
        m.setattr(torch, "normal", _captum_noise(torch, ins, 5, seed=3))
        ref = captum_attr.NoiseTunnel(theirs).attribute(
            _tt(torch, ins), nt_type=nt_type, nt_samples=5, nt_samples_batch_size=2,
            stdevs=stdevs, target=[0, 1, 2, 1], additional_forward_args=(torch.tensor(k),), **tkw,
        )  # fmt: skip
    got = NoiseTunnel(ours).attribute(
        ins, nt_type, 5, 2, stdevs, noise_scale="absolute", seed=3, target=[0, 1, 2, 1],
        additional_forward_args=(k,), **kw,
    )  # fmt: skip
    # Captum's Occlusion divides in float32 (its result is float32), hence its looser rtol
    _close(got, ref, rtol=1e-5 if method == "occlusion" else 1e-6, atol=1e-8)


# ------------------------------------------------ models that squeeze (N, 1) outputs
@pytest.fixture
def squeezed(torch):
    model = gn.nn.Sequential(gn.nn.Linear(4, 5), gn.nn.Tanh(), gn.nn.Linear(5, 1)).double()
    tm = _same(
        model,
        torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double(),
    )
    x = np.random.default_rng(4).standard_normal((3, 4))
    return (lambda a: model(a).squeeze()), (lambda a: tm(a).squeeze()), x


@pytest.mark.parametrize("n", [3, 1])
def test_models_that_squeeze_their_outputs(torch, squeezed, n):
    """``model(x).squeeze()`` gives ``()`` on one row: glassnet refused every batch, as it
    looked at the first row's output to check the target."""
    ours, theirs, x = squeezed
    x, tx = x[:n], torch.tensor(x[:n])
    ref = captum_attr.IntegratedGradients(theirs).attribute(tx, n_steps=4, internal_batch_size=2)
    _close(IntegratedGradients(ours).attribute(x, n_steps=4, internal_batch_size=2), ref)
    _close(Occlusion(ours).attribute(x, (2,)), captum_attr.Occlusion(theirs).attribute(tx, (2,)))
    ref = captum_attr.FeatureAblation(theirs).attribute(tx)
    _close(FeatureAblation(ours).attribute(x), ref)
    ref = captum_attr.NoiseTunnel(captum_attr.InputXGradient(theirs)).attribute(
        tx, stdevs=0.0, nt_samples=2
    )
    _close(NoiseTunnel(InputXGradient(ours)).attribute(x, stdevs=0.0, nt_samples=2), ref)
    if n > 1:  # Captum's Saliency fails on a 0-dim output
        _close(Saliency(ours).attribute(x), captum_attr.Saliency(theirs).attribute(tx))


def test_one_value_for_the_whole_batch_is_refused_clearly(squeezed):
    ours, _, x = squeezed
    with pytest.raises(ValueError, match=r"for 3 input rows, got one value for the whole batch"):
        Saliency(lambda a: ours(a).sum()).attribute(x)


# ------------------------------------------------------- integer inputs (token ids)
@pytest.fixture
def tokens(torch):
    model = gn.nn.Sequential(gn.nn.Embedding(10, 3), gn.nn.Flatten(), gn.nn.Linear(12, 2)).double()
    tm = torch.nn.Sequential(
        torch.nn.Embedding(10, 3), torch.nn.Flatten(), torch.nn.Linear(12, 2)
    ).double()
    return model, _same(model, tm), np.random.default_rng(5).integers(0, 10, (2, 4))


def test_perturbations_keep_integer_inputs(torch, tokens):
    """Token ids were cast to floats, which the embedding refused; Captum ablates them as
    they are."""
    model, tm, ids = tokens
    tids = torch.tensor(ids)
    got = FeatureAblation(model).attribute(ids, target=0)
    assert got.dtype == np.float64
    _close(got, captum_attr.FeatureAblation(tm).attribute(tids, target=0))
    mask = np.array([[0, 0, 1, 1]])
    ref = captum_attr.FeatureAblation(tm).attribute(tids, 3, 1, None, torch.tensor(mask))
    _close(FeatureAblation(model).attribute(ids, 3, 1, None, mask), ref)
    pad = np.array([1, 2, 3, 4])  # one padding id per position
    ref = captum_attr.Occlusion(tm).attribute(tids, (2,), target=0, baselines=torch.tensor(pad))
    _close(Occlusion(model).attribute(ids, (2,), target=0, baselines=pad), ref.double())


def test_integer_inputs_refused_where_meaningless(tokens):
    model, _, ids = tokens
    with pytest.raises(ValueError, match=r"FeatureAblation: baselines must be whole numbers"):
        FeatureAblation(model).attribute(ids, 0.5, 0)
    with pytest.raises(ValueError, match=r"NoiseTunnel: inputs have integer dtype int64"):
        NoiseTunnel(Occlusion(model)).attribute(ids, target=0, sliding_window_shapes=(1,))


def test_uint8_images_give_what_float_images_give():
    """Kept as uint8 for the perturbation methods, images still reach a float model's first
    layer as numbers; baselines the dtype cannot hold are refused, not wrapped around."""
    model = gn.nn.Sequential(
        gn.nn.Conv2d(1, 2, 2), gn.nn.ReLU(), gn.nn.MaxPool2d(2), gn.nn.Flatten(), gn.nn.Linear(8, 2)
    )
    x = np.random.default_rng(10).integers(0, 256, (2, 1, 5, 5)).astype(np.uint8)
    got = Occlusion(model).attribute(x, (1, 2, 2), target=0, baselines=255)
    ref = Occlusion(model).attribute(x.astype(np.float32), (1, 2, 2), target=0, baselines=255)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    with pytest.raises(ValueError, match=r"whole numbers in 0\.\.255 for inputs of integer dtype"):
        FeatureAblation(model).attribute(x, -1, 0)


# ------------------------------------------------------------------------ targets
def test_list_of_one_index_tuples_as_target(torch):
    model = gn.nn.Linear(4, 3).double()
    tm = _same(model, torch.nn.Linear(4, 3).double())
    x = np.random.default_rng(6).standard_normal((3, 4))
    target = [(1,), (2,), (0,)]
    ref = captum_attr.Saliency(tm).attribute(torch.tensor(x), target=target)
    _close(Saliency(model).attribute(x, target=target), ref)
    ref = captum_attr.IntegratedGradients(tm).attribute(torch.tensor(x), target=target, n_steps=3)
    _close(IntegratedGradients(model).attribute(x, target=target, n_steps=3), ref)


# ----------------------------------------------------------------- command line
def test_cli_usage_errors_exit_2(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    main_mod = pytest.importorskip("glassnet.cli.main")
    from glassnet.models.registry import build_model
    from glassnet.train.runs import RunFolder

    config = {"model": "mlp", "data": "fashion-mnist-sample", "hidden": [4], "dropout": 0.0}
    run = RunFolder.create(tmp_path, "tiny")
    run.write_config(config)
    model = build_model("mlp", num_classes=10, hidden=[4], dropout=0.0)
    run.save_checkpoint("best", model=model, epoch=1, config=config)
    png = str(tmp_path / "e.png")
    for argv, message in (
        (["--out", str(tmp_path)], "--out: the explanation is written as a PNG picture"),
        (["--out", png, "--input", str(tmp_path / "none.npy")], "none.npy' does not exist"),
        (["--out", png, "--method", "lrp"], "invalid choice: 'lrp'"),
        (["--out", png, "--index", "-3"], "--index: expected an int >= 0, got -3"),
    ):
        assert main_mod.main(["explain", "--run", run.path, *argv]) == 2, argv
        assert message in capsys.readouterr().err


# ------------------------------------------------------- LayerIntegratedGradients
class _Tokens(Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = gn.nn.Embedding(10, 3)
        self.fc = gn.nn.Linear(3, 2)

    def forward(self, ids, w):
        return self.fc(F.tanh(self.emb(ids)).mean(axis=1)) * w


@pytest.fixture
def token_model(torch):
    class TorchTokens(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = torch.nn.Embedding(10, 3)
            self.fc = torch.nn.Linear(3, 2)

        def forward(self, ids, w):
            return self.fc(torch.tanh(self.emb(ids)).mean(dim=1)) * w

    model = _Tokens().double()
    rng = np.random.default_rng(8)
    ids, w = rng.integers(1, 10, (3, 4)), rng.standard_normal((3, 1))
    return model, _same(model, TorchTokens().double()), ids, w


@pytest.mark.parametrize("internal_batch_size", [None, 5])
def test_layer_ig_on_an_embedding(torch, token_model, internal_batch_size):
    from glassnet.explain import LayerIntegratedGradients

    model, tm, ids, w = token_model
    tids, tw = torch.tensor(ids), (torch.tensor(w),)
    ref, ref_delta = captum_attr.LayerIntegratedGradients(tm, tm.emb).attribute(
        tids, 0, [0, 1, 0], tw, 6, "gausslegendre", internal_batch_size, True
    )
    got, delta = LayerIntegratedGradients(model, model.emb).attribute(
        ids, 0, [0, 1, 0], (w,), 6, "gausslegendre", internal_batch_size, True
    )
    _close(got, ref)
    np.testing.assert_allclose(delta, ref_delta.numpy(), atol=1e-7)
    ref = captum_attr.LayerIntegratedGradients(tm, tm.emb, multiply_by_inputs=False).attribute(
        tids, 0, 1, tw, 6
    )
    _close(LayerIntegratedGradients(model, "emb", False).attribute(ids, 0, 1, (w,), 6), ref)
    pad = np.array([[1, 1, 2, 2]])
    ref = captum_attr.LayerIntegratedGradients(tm, tm.fc).attribute(
        tids, torch.tensor(pad), 1, tw, 6, attribute_to_layer_input=True
    )
    got = LayerIntegratedGradients(model, model.fc).attribute(
        ids, pad, 1, (w,), 6, attribute_to_layer_input=True
    )
    _close(got, ref)


@pytest.mark.parametrize("layer", [0, 1, 3])
def test_layer_ig_on_cnn_layers(torch, cnn, layer):
    from glassnet.explain import LayerIntegratedGradients

    model, tm, x = cnn
    for to_input in (False, True):
        args = ([2, 0, 1], None, 5, "gausslegendre", None, True, to_input)
        ref, ref_delta = captum_attr.LayerIntegratedGradients(tm, tm[layer]).attribute(
            torch.tensor(x), torch.tensor(x * 0.1), *args
        )
        got, delta = LayerIntegratedGradients(model, model[layer]).attribute(x, x * 0.1, *args)
        _close(got, ref)
        np.testing.assert_allclose(delta, ref_delta.numpy(), atol=1e-7)
    assert model.training


def test_layer_ig_refuses_clearly(token_model):
    from glassnet.explain import LayerIntegratedGradients

    model, _, ids, w = token_model
    with pytest.raises(ValueError, match=r"_Tokens has no layer 'embed'; its layers are: emb, fc"):
        LayerIntegratedGradients(model, "embed")
    lig = LayerIntegratedGradients(model, "emb")
    model.train()
    give_grads(model)
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"layer 'emb' has input of dtype int64; a path can only"):
        lig.attribute(ids, 0, 0, (w,), 4, attribute_to_layer_input=True)
    with pytest.raises(ValueError, match=r"baselines must be whole numbers"):
        lig.attribute(ids, 0.5, 0, (w,), 4)
    lig.attribute(ids, 0, 0, (w,), 4, internal_batch_size=3)
    assert_same_state(before, snapshot(model))  # modes, hooks, .grad and weights as they were

    class Twice(Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = gn.nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(F.tanh(self.fc(x)))

    twice = Twice().double()
    with pytest.raises(ValueError, match=r"layer 'fc' was called 2 times in one forward pass"):
        LayerIntegratedGradients(twice, twice.fc).attribute(np.ones((2, 2)), target=0)
    lstm = _Lstm().double()
    with pytest.raises(ValueError, match=r"layer 'lstm' gives output .*nested tuples, such as an"):
        LayerIntegratedGradients(lstm, lstm.lstm).attribute(np.ones((2, 3, 3)), target=0)


def test_a_list_of_arrays_is_refused_as_captum_does(torch):
    """A list of two (N, F) arrays was stacked into one (2, N, F) input; Captum refuses lists."""
    a = np.random.default_rng(9).standard_normal((2, 3))
    with pytest.raises(AssertionError, match="must be a torch.Tensor or a tuple"):
        captum_attr.Saliency(lambda u, v: (u * v).sum(1)).attribute([torch.tensor(a)] * 2)
    with pytest.raises(ValueError, match=r"Saliency: inputs is a list of 2 arrays/tensors; pass a"):
        Saliency(lambda u, v: (u * v).sum(axis=1)).attribute([a, gn.tensor(a)])
    rows = [[1.0, 2.0], [3.0, 4.0]]  # a nested list of numbers is one input, as before
    np.testing.assert_allclose(
        Saliency(lambda u: (u * u).sum(axis=1)).attribute(rows), 2 * np.abs(rows)
    )


# ------------------------------------------------------------------- GradientShap
@contextlib.contextmanager
def _captum_draws(torch, ins, samples, n_refs, seed):
    """Captum's GradientShap draws its baseline rows with ``np.random.choice``, its points
    with ``np.random.uniform`` and its noise with ``torch.normal``: give it glassnet's draws
    (``seed``; the same for every example, laid out example by example)."""
    rng = np.random.default_rng(seed)
    pick, alphas = rng.integers(0, n_refs, samples), rng.uniform(0.0, 1.0, samples)
    sizes = [int(np.prod(v.shape[1:])) for v in ins]
    z = rng.standard_normal((samples, sum(sizes)))
    parts = np.split(z, np.cumsum(sizes)[:-1], axis=1)
    n, calls = ins[0].shape[0], iter(range(len(ins)))

    def normal(mean, std):
        i = next(calls)
        draw = parts[i].reshape((samples,) + ins[i].shape[1:])
        return torch.tensor(np.tile(draw, (n,) + (1,) * (ins[i].ndim - 1))) * std

    with pytest.MonkeyPatch.context() as m:
        m.setattr(np.random, "choice", lambda num, size: np.tile(pick, n))
        m.setattr(np.random, "uniform", lambda low, high, size: np.tile(alphas, n))
        m.setattr(torch, "normal", normal)
        yield


@pytest.mark.parametrize("stdevs", [0.0, (0.25, 0.5, 0.75)])
@pytest.mark.parametrize("multiply_by_inputs", [True, False])
def test_gradient_shap_with_the_same_draws(torch, three, stdevs, multiply_by_inputs):
    from glassnet.explain import GradientShap

    model, tm, ins, k, _, _ = three
    refs = tuple(np.random.default_rng(12).standard_normal((6,) + v.shape[1:]) for v in ins)
    args = (4, stdevs, [0, 1, 2, 1])
    with _captum_draws(torch, ins, 4, 6, seed=0):
        ref, ref_delta = captum_attr.GradientShap(tm, multiply_by_inputs).attribute(
            _tt(torch, ins), _tt(torch, refs), *args, (torch.tensor(k),), True
        )
    got, delta = GradientShap(model, multiply_by_inputs).attribute(ins, refs, *args, (k,), True)
    _close(got, ref)
    assert delta.shape == (16,)
    if multiply_by_inputs:
        np.testing.assert_allclose(delta, ref_delta.numpy(), atol=1e-7)
    # every example makes the same draws: a row alone gives what it gives in the batch
    alone = GradientShap(model, multiply_by_inputs).attribute(
        tuple(v[2:3] for v in ins), refs, *args[:2], 2, (k[2:3],)
    )
    for g, a in zip(got, alone):
        np.testing.assert_allclose(g[2:3], a, rtol=1e-12)


def test_gradient_shap_baselines(torch):
    from glassnet.explain import GradientShap

    lin = gn.nn.Linear(4, 2).double()
    x = np.random.default_rng(13).standard_normal((3, 4))
    one = np.random.default_rng(14).standard_normal((1, 4))
    exact = lin.weight.numpy()[1] * (x - one)  # one reference row, no noise: exact on a line
    np.testing.assert_allclose(GradientShap(lin).attribute(x, one, 7, target=1), exact)
    np.testing.assert_allclose(GradientShap(lin).attribute(x, one[0], 7, target=1), exact)
    gs = GradientShap(lin)
    with pytest.raises(ValueError, match=r"GradientShap: baselines are required"):
        gs.attribute(x, None, target=0)
    with pytest.raises(ValueError, match=r"baselines of shape \(2, 3\) do not match inputs"):
        gs.attribute(x, np.zeros((2, 3)), target=0)
    with pytest.raises(ValueError, match=r"the same number of reference rows, got \[6, 2\]"):
        GradientShap(lambda a, b: lin(F.cat([a, b], axis=1))).attribute(
            (x[:, :2], x[:, 2:]), (np.zeros((6, 2)), np.zeros((2, 2))), target=0
        )
    with pytest.raises(ValueError, match=r"draw_baseline_from_distrib=True is not supported"):
        NoiseTunnel(Saliency(lin)).attribute(x, target=0, draw_baseline_from_distrib=True)


# ------------------------------------------------------------------ device models
def test_new_methods_on_a_device_model_match_the_cpu(device):
    """LayerIntegratedGradients, GradientShap and token ids on a (fake) GPU model."""
    from glassnet.explain import GradientShap, LayerIntegratedGradients

    gn.manual_seed(0)
    model = _Tokens()
    ids, w = np.random.default_rng(15).integers(1, 10, (2, 4)), np.array([[1.0], [-2.0]])

    def explain(m):
        return [
            LayerIntegratedGradients(m, m.emb).attribute(ids, 0, [0, 1], (w,), 4),
            FeatureAblation(m).attribute(ids, 0, 1, (w,)),
            GradientShap(m.fc).attribute(np.eye(2, 3), np.zeros((3, 3)), 3, 0.1, 1),
        ]

    want = explain(model)
    got = explain(model.to(device))
    for k, (g, r) in enumerate(zip(got, want)):
        assert type(g) is np.ndarray, k
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6, err_msg=f"method {k}")
