"""Every layer, loss, optimizer and scheduler takes PyTorch's arguments in PyTorch's order.

For each class that glassnet and torch both have, torch's positional parameters must be a
prefix of glassnet's (same names, same order), every torch parameter must exist in glassnet
(keyword-only ones included), and glassnet's own options must be keyword-only.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as gnn
import glassnet.optim as gopt
from glassnet.optim import lr_scheduler as gsched

# torch's RNN/LSTM/GRU take *args and forward them to RNNBase in this order
# (RNN reads nonlinearity from position 4 first)
_RNN_BASE = ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
             "bidirectional", "proj_size", "device", "dtype"]  # fmt: skip
TORCH_BY_HAND = {
    "LSTM": _RNN_BASE,
    "GRU": _RNN_BASE,
    "RNN": _RNN_BASE[:3] + ["nonlinearity"] + _RNN_BASE[3:],
    "Parameter": ["data", "requires_grad"],  # torch's is in __new__
    "UninitializedParameter": ["requires_grad", "device", "dtype"],  # likewise
}
# torch's __init__ of these is (*args, **kwargs) and takes no arguments of its own
# (Sequential takes its modules)
NO_OWN_ARGUMENTS = {"Identity", "LogSigmoid", "Module", "Sequential", "Sigmoid", "Softmax2d",
                    "Softsign", "Tanh", "Tanhshrink"}

# deliberate differences, each with its reason
EXCEPTIONS = {
    "DataParallel": "glassnet's runs the batch on CPU threads (threads, min_batch); "
    "torch's device_ids/output_device name GPUs",
    "Buffer": "a Tensor subclass with Tensor's constructor (data, requires_grad, dtype); "
    "torch's keyword-only persistent= is register_buffer's argument here",
}


def _positional(params) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in params if p.kind in kinds]


def _params(cls) -> list:
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


def _pairs(gmod, tmod) -> list:
    out = []
    for name in sorted(dir(gmod)):
        g, t = getattr(gmod, name), getattr(tmod, name, None)
        if inspect.isclass(g) and inspect.isclass(t) and g.__init__ is not object.__init__:
            out.append((name, g, t))
    return out


def _mismatch(name: str, g, t) -> str | None:
    gp = _params(g)
    if name in NO_OWN_ARGUMENTS:
        return None
    if name in TORCH_BY_HAND:
        t_pos, t_all = TORCH_BY_HAND[name], TORCH_BY_HAND[name]
    else:
        tp = _params(t)
        if any(p.kind is p.VAR_POSITIONAL for p in tp):
            return f"{name}: torch takes *args; add its order to TORCH_BY_HAND"
        t_pos = _positional(tp)
        t_all = [p.name for p in tp if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    g_pos = _positional(gp)
    g_names = {p.name for p in gp}
    if g_pos[: len(t_pos)] != t_pos:
        return f"{name}: torch's positional order {t_pos}, glassnet's {g_pos}"
    missing = [n for n in t_all if n not in g_names]
    if missing:
        return f"{name}: glassnet lacks torch's {missing}"
    extra = g_pos[len(t_pos) :]
    if extra:
        return f"{name}: glassnet's own options {extra} must be keyword-only"
    return None


def _check(pairs) -> None:
    problems = [
        m for name, g, t in pairs if name not in EXCEPTIONS and (m := _mismatch(name, g, t))
    ]
    assert problems == [], "\n".join(problems)


@pytest.fixture
def tnn(torch):
    return torch.nn


def test_every_nn_class_takes_torchs_order(torch):
    pairs = _pairs(gnn, torch.nn)
    assert len(pairs) > 80  # the comparison really covers the layers
    for must in (
        "Conv2d",
        "LSTM",
        "GRU",
        "RNN",
        "MaxPool2d",
        "CrossEntropyLoss",
        "MultiheadAttention",
    ):
        assert must in {n for n, _, _ in pairs}
    _check(pairs)


def test_every_optimizer_and_scheduler_takes_torchs_order(torch):
    pairs = _pairs(gopt, torch.optim) + _pairs(gsched, torch.optim.lr_scheduler)
    names = {n for n, _, _ in pairs}
    assert {"SGD", "Adam", "StepLR", "OneCycleLR", "ReduceLROnPlateau"} <= names
    _check(pairs)


def test_exceptions_are_still_different(torch):
    for name in EXCEPTIONS:
        assert _mismatch(name, getattr(gnn, name), getattr(torch.nn, name)) is not None, name
    for name in NO_OWN_ARGUMENTS:
        tparams = _params(getattr(torch.nn, name))
        assert all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in tparams), name


def test_init_functions_take_torchs_arguments(torch):
    import glassnet.nn.init as ginit

    problems = []
    for name in sorted(ginit.__all__):
        tf = getattr(torch.nn.init, name, None)
        if tf is None:
            continue
        tpos = _positional(inspect.signature(tf).parameters.values())
        gpos = _positional(inspect.signature(getattr(ginit, name)).parameters.values())
        if gpos[: len(tpos)] != tpos:
            problems.append(f"init.{name}: torch {tpos}, glassnet {gpos}")
    assert problems == [], "\n".join(problems)
    w = gnn.Parameter(np.zeros((3, 4), np.float32))
    ginit.constant_(w, val=0.5)
    assert float(w.numpy().max()) == 0.5
    a = ginit.kaiming_uniform_(w, 0.0, "fan_out", "relu", np.random.default_rng(1)).numpy().copy()
    b = ginit.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b.numpy())
    with pytest.raises(
        TypeError, match="generator must be a numpy.random.Generator, got Generator"
    ):
        ginit.normal_(w, 0.0, 1.0, torch.Generator())


def test_nn_utils_functions_take_torchs_arguments(torch):
    import torch.nn.utils as tutils
    import torch.nn.utils.rnn as trnn

    import glassnet.nn.utils as gutils
    import glassnet.nn.utils.rnn as grnn

    problems = []
    for gmod, tmod in ((gutils, tutils), (grnn, trnn)):
        for name in sorted(dir(gmod)):
            g, t = getattr(gmod, name), getattr(tmod, name, None)
            if name.startswith("_") or not inspect.isfunction(g) or not inspect.isfunction(t):
                continue
            gp, tp = inspect.signature(g).parameters, inspect.signature(t).parameters
            if _positional(gp.values())[: len(_positional(tp.values()))] != _positional(
                tp.values()
            ):
                problems.append(f"{name}: torch {list(tp)}, glassnet {list(gp)}")
            elif set(tp) - set(gp):
                problems.append(f"{name}: glassnet lacks {sorted(set(tp) - set(gp))}")
    assert problems == [], "\n".join(problems)


# ------------------------------------------------- the examples, by value
def test_positional_constructors_build_what_torch_builds():
    conv = gnn.Conv2d(1, 32, 3, 1, 1)
    assert conv.kernel_size == (3, 3) and conv.stride == (1, 1) and conv.padding == (1, 1)
    assert gnn.Conv2d(2, 4, 3, 2, 0, 1, 2, False).groups == 2
    assert gnn.Conv1d(4, 8, 5, 2, 2).stride == (2,)
    pool = gnn.MaxPool2d(2, 2)
    assert (pool.kernel_size, pool.stride) == (2, 2)
    assert gnn.AvgPool2d(3, 1, 1).padding == 1
    lin = gnn.Linear(4, 8, False)
    assert lin.bias is None and lin.weight.shape == (8, 4)
    lstm = gnn.LSTM(28, 128, 2)
    assert lstm.num_layers == 2 and lstm.weight_ih_l1.shape == (512, 128)
    gru = gnn.GRU(8, 16, 1, True, True, 0.0, True)
    assert gru.batch_first and gru.bidirectional
    assert gnn.RNN(3, 5, 1, "relu").nonlinearity == "relu"
    mha = gnn.MultiheadAttention(16, 4, 0.1, False)
    assert mha.dropout == 0.1 and mha.in_proj_bias is None
    assert gnn.Dropout(0.3, True).p == 0.3
    assert gnn.LeakyReLU(0.2, True).negative_slope == 0.2
    bn = gnn.BatchNorm2d(8, 1e-3, 0.01, False, False)
    assert (bn.eps, bn.momentum, bn.weight, bn.running_mean) == (1e-3, 0.01, None, None)
    assert gnn.CrossEntropyLoss(None, None, 3).ignore_index == 3
    assert gnn.Flatten(0, 1).start_dim == 0
    assert gnn.Softmax(1).dim == 1
    model = gnn.Linear(2, 2)
    opt = gopt.SGD(model.parameters(), 0.01, 0.9)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.param_groups[0]["momentum"] == 0.9
    sched = gsched.StepLR(opt, 1, 0.7)
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.007)


def test_inplace_is_accepted_and_leaves_the_input_alone():
    x = gn.tensor([-1.0, 2.0])
    for layer in (gnn.ReLU(True), gnn.LeakyReLU(0.1, True), gnn.ELU(1.0, True), gnn.SiLU(True),
                  gnn.Hardtanh(-1.0, 1.0, True), gnn.Dropout(0.5, True).eval()):  # fmt: skip
        layer(x)
        np.testing.assert_array_equal(x.numpy(), [-1.0, 2.0])


@pytest.mark.parametrize("shape", [(5,), (2, 5), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_without_dim_makes_torchs_implicit_choice(torch, rng, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    for g, t in ((gnn.Softmax(), torch.nn.Softmax()), (gnn.LogSoftmax(), torch.nn.LogSoftmax())):
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            got = g(gn.tensor(x)).numpy()
        with pytest.warns(UserWarning):
            want = t(torch.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    # glassnet's activation names keep normalising the last axis, without a warning
    from glassnet.nn.layers.activation import get_activation

    assert get_activation("softmax").dim == -1 and get_activation("log_softmax").dim == -1


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_mode_matches_torch(mode, torch, rng):
    for gcls, tcls, shape in ((gnn.Conv2d, torch.nn.Conv2d, (2, 2, 6, 7)),
                              (gnn.Conv1d, torch.nn.Conv1d, (2, 2, 9))):  # fmt: skip
        g = gcls(2, 3, 3, 1, 1, 1, 1, True, mode)
        t = tcls(2, 3, 3, 1, 1, 1, 1, True, mode)
        with torch.no_grad():
            t.weight.copy_(torch.tensor(g.weight.numpy()))
            t.bias.copy_(torch.tensor(g.bias.numpy()))
        x = rng.standard_normal(shape).astype(np.float32)
        gx = gn.tensor(x, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        gy, ty = g(gx), t(tx)
        np.testing.assert_allclose(gy.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
        gy.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert "padding_mode=reflect" in repr(gnn.Conv2d(1, 2, 3, padding_mode="reflect"))


def test_avgpool_divisor_override_matches_torch(torch, rng):
    x = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    for args in ((3, 2, 1, False, True, 5), (2, 2, 0, False, False, 3)):
        got = gnn.AvgPool2d(*args)(gn.tensor(x)).numpy()
        want = torch.nn.AvgPool2d(*args)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_norm_bias_false_matches_torch(torch, rng):
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    for name, args in (("GroupNorm", (2, 4)), ("InstanceNorm2d", (4, 1e-5, 0.1, True)),
                       ("BatchNorm2d", (4,))):  # fmt: skip
        g = getattr(gnn, name)(*args, bias=False)
        t = getattr(torch.nn, name)(*args, bias=False)
        assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
        np.testing.assert_allclose(
            g(gn.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5
        )


def test_legacy_loss_arguments_are_read_as_torch_reads_them(torch, rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = np.array([0, 2, 1, 2])
    for size_average, reduce in ((False, None), (None, False), (True, True)):
        g = gnn.CrossEntropyLoss(None, size_average, -100, reduce)
        with pytest.warns(UserWarning):
            t = torch.nn.CrossEntropyLoss(None, size_average, -100, reduce)
        assert g.reduction == t.reduction
        np.testing.assert_allclose(
            g(gn.tensor(x), gn.tensor(y)).numpy(),
            t(torch.tensor(x), torch.tensor(y)).numpy(),
            rtol=1e-6,
        )
    assert gnn.MSELoss(None, False).reduction == "none"
    assert gnn.L1Loss(False).reduction == "sum"


def test_device_argument_places_parameters():
    for layer in (gnn.Linear(2, 3, True, "cpu"), gnn.Conv2d(1, 2, 3, device="cpu"),
                  gnn.LSTM(2, 3, device="cpu"), gnn.BatchNorm1d(3, device="cpu")):  # fmt: skip
        assert all(p.device.type == "cpu" for p in layer.parameters())


# ---------------------------------------------------------------- refusals
def test_unsupported_options_are_refused_by_name():
    assert gnn.LSTM(4, 8, 1, True, False, 0.0, False, 2).proj_size == 2  # positional, as torch
    with pytest.raises(ValueError, match="LSTM: proj_size must be smaller than hidden_size"):
        gnn.LSTM(4, 8, 1, True, False, 0.0, False, 8)
    with pytest.raises(ValueError, match="GRU: proj_size is only supported for LSTM"):
        gnn.GRU(4, 8, proj_size=2)
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be"):
        gnn.Conv2d(1, 2, 3, padding_mode="mirror")


def test_glassnet_only_options_stay_keyword_only():
    with pytest.raises(TypeError):
        gnn.MultiheadAttention(8, 2, 0.0, True, False, False, None, None, False, None, None, True)
    gnn.MultiheadAttention(8, 2, keep_weights=True)


# ------------------------------------------- torch's state_dict loads as it is (issue 14)
# positional arguments for the classes whose constructor needs some (torch's order)
BUILD_ARGS = {
    "AdaptiveAvgPool1d": (2,), "AdaptiveAvgPool2d": (2,), "AdaptiveMaxPool1d": (2,),
    "AdaptiveMaxPool2d": (2,), "AvgPool1d": (2,), "AvgPool2d": (2,), "MaxPool1d": (2,),
    "MaxPool2d": (2,), "BatchNorm1d": (4,), "BatchNorm2d": (4,),
    "InstanceNorm1d": (4, 1e-5, 0.1, True, True), "InstanceNorm2d": (4, 1e-5, 0.1, True, True),
    "GroupNorm": (2, 4), "LayerNorm": ((3, 4),), "CircularPad1d": (1,), "CircularPad2d": (1,),
    "ConstantPad1d": (1, 0.5), "ConstantPad2d": (1, 0.5), "ReflectionPad1d": (1,),
    "ReflectionPad2d": (1,), "ReplicationPad1d": (1,), "ReplicationPad2d": (1,),
    "ZeroPad1d": (1,), "ZeroPad2d": (1,), "Conv1d": (2, 4, 3), "Conv2d": (2, 4, 3),
    "ConvTranspose1d": (2, 4, 3), "ConvTranspose2d": (2, 4, 3), "Embedding": (10, 3),
    "Linear": (3, 4), "PReLU": (4,), "GRU": (3, 4, 2, True, False, 0.0, True),
    "LSTM": (3, 4, 2, True, False, 0.0, True), "RNN": (3, 4, 2), "GRUCell": (3, 4),
    "LSTMCell": (3, 4), "RNNCell": (3, 4), "MultiheadAttention": (8, 2, 0.0, True, True),
    "Transformer": (8, 2, 1, 1, 16), "TransformerEncoderLayer": (8, 2, 16),
    "TransformerDecoderLayer": (8, 2, 16), "Upsample": (None, 2),
    "UpsamplingBilinear2d": (None, 2), "UpsamplingNearest2d": (None, 2), "Softmax": (1,),
    "LogSoftmax": (1,), "Softmin": (1,), "Unflatten": (1, (2, 3)),
    "Bilinear": (3, 4, 5), "PixelShuffle": (2,), "PixelUnshuffle": (2,),
    "LocalResponseNorm": (3,), "LPPool1d": (2, 3), "LPPool2d": (2, 3),
    "RMSNorm": ((3, 4),), "Threshold": (0.5, 2.0), "MaxUnpool1d": (2,), "MaxUnpool2d": (2,),
    "Unfold": (2,), "Fold": ((4, 5), 2), "EmbeddingBag": (10, 3), "BatchNorm3d": (4,),
    "InstanceNorm3d": (4, 1e-5, 0.1, True, True), "AdaptiveAvgPool3d": (2,), "ZeroPad3d": (1,),
    "ConstantPad3d": (1, 0.5), "ReflectionPad3d": (1,), "ReplicationPad3d": (1,),
    "CircularPad3d": (1,),
    "Conv3d": (2, 4, 3), "ConvTranspose3d": (2, 4, 3), "MaxPool3d": (2,), "AvgPool3d": (2,),
    "AdaptiveMaxPool3d": (2,),
    "ChannelShuffle": (2,),
}  # fmt: skip
NOT_BUILT = {"Module", "Sequential", "ModuleList", "ModuleDict", "Parameter", "Buffer",
             "DataParallel", "TransformerEncoder", "TransformerDecoder"}  # containers: below  # fmt: skip
# lazy layers: torch's uninitialized parameters have no shape to compare before the first
# call; tests/nn/test_lazy.py compares the state dicts after it
NOT_BUILT |= {n for n in dir(gnn) if n.startswith("Lazy")}


def _same_state(gm, tm, name):
    gsd, tsd = gm.state_dict(), tm.state_dict()
    assert list(gsd) == list(tsd), name
    for k, v in tsd.items():
        assert tuple(np.asarray(gsd[k]).shape) == tuple(v.shape), f"{name}.{k}"
    gm.load_state_dict({k: v.detach().numpy() for k, v in tsd.items()})
    for k, v in tsd.items():
        np.testing.assert_array_equal(np.asarray(gm.state_dict()[k]), v.detach().numpy())


def test_every_layer_has_torchs_state_dict(torch):
    built = 0
    for name, g, t in _pairs(gnn, torch.nn):
        if name in NOT_BUILT or not issubclass(g, gnn.Module):
            continue
        args = BUILD_ARGS.get(name, ())
        _same_state(g(*args), t(*args), name)
        built += 1
    assert built > 70
    layer_g, layer_t = (
        gnn.TransformerEncoderLayer(8, 2, 16),
        torch.nn.TransformerEncoderLayer(8, 2, 16),
    )
    _same_state(
        gnn.TransformerEncoder(layer_g, 2),
        torch.nn.TransformerEncoder(layer_t, 2, enable_nested_tensor=False),
        "TransformerEncoder",
    )
    layer_g, layer_t = (
        gnn.TransformerDecoderLayer(8, 2, 16),
        torch.nn.TransformerDecoderLayer(8, 2, 16),
    )
    _same_state(
        gnn.TransformerDecoder(layer_g, 2),
        torch.nn.TransformerDecoder(layer_t, 2),
        "TransformerDecoder",
    )
