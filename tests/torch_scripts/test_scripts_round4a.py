"""Round 4a of PyTorch scripts (``round4a/``), vision models and architectures, run unchanged
under ``glassnet run``.

The scripts are written the way tutorials, blog posts and notebooks write them: a U-Net and an
attention U-Net for toy segmentation, a Siamese network, neural style transfer, a PixelCNN
with masked convolutions, MobileNetV2 blocks with squeeze-and-excitation, a tiny ViT, a TCN,
a denoising autoencoder, mixup and CutMix, focal losses, an image-captioning GRU, the
normalisation layers, einsum-heavy attention, tied weights with ModuleDict/ParameterList
heads, optical-flow warping with grid_sample, PointNet, a YOLO-style detector loss, a
capsule network, ShuffleNet/Inception pieces in channels_last, and pruning with Conv+BN
fusion. Where torch is installed each runs first under torch (which saves its initial
weights under ``INIT_WEIGHTS``) and then under glassnet from those weights; every ``LOSS``
line must agree: its numbers to a relative 1e-4, its other words exactly.

The tests after the runner pin the glassnet fixes the scripts led to, each against torch.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet as gn

from .script_runs import check_script

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "round4a")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_round4a_script_gives_torchs_results(script, tmp_path):
    check_script(os.path.join(HERE, script), tmp_path)


# ---------------------------------------------------------------- the fixes, against torch
@pytest.mark.parametrize(
    "equation, shapes",
    [
        ("ii->i", [(4, 4)]),
        ("ii", [(4, 4)]),
        ("bii->bi", [(2, 3, 3)]),
        ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
        ("ij,jj->i", [(3, 2), (2, 2)]),
        ("iji->j", [(3, 2, 3)]),
    ],
)
def test_einsum_diagonals_as_torchs(equation, shapes):
    """einsum_attention.py: 'ii->i' and the trace 'ii' were refused; torch takes diagonals."""
    torch = pytest.importorskip("torch")
    from glassnet.testing import check_against_torch, check_gradients

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    check_against_torch(
        lambda *t: gn.einsum(equation, *t), lambda *t: torch.einsum(equation, *t), *arrays
    )
    tensors = [gn.tensor(a, requires_grad=True) for a in arrays]
    assert check_gradients(lambda *t: gn.einsum(equation, *t), *tensors)


def test_einsum_diagonal_exports_to_onnx_and_agrees_with_onnxruntime(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    import glassnet.io as gio

    class Diagonals(gn.nn.Module):
        def forward(self, x, y):
            return gn.einsum("bii->bi", x) + gn.einsum("ii,ij->j", y, y) + gn.einsum("bjj", x)[:, None]

    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 3)).astype(np.float32)
    y = rng.standard_normal((3, 3)).astype(np.float32)
    path = gio.export_onnx(Diagonals().eval(), (x, y), tmp_path / "d.onnx", input_names=("x", "y"),
                           output_names=("o",), dynamic_batch=False)  # fmt: skip
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x, "y": y})
    with gn.no_grad():
        want = Diagonals()(gn.tensor(x), gn.tensor(y)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _tied_names(lib):
    lm = lib.nn.Module()
    lm.encoder = lib.nn.Embedding(5, 3)
    lm.decoder = lib.nn.Linear(3, 5)
    lm.decoder.weight = lm.encoder.weight
    lm.again = lm.decoder  # the same module twice
    return (
        [n for n, _ in lm.named_parameters()],
        [n for n, _ in lm.named_parameters(remove_duplicate=False)],
        [n for n, _ in lm.named_parameters(prefix="m", recurse=False, remove_duplicate=False)],
        len(list(lm.parameters())),
    )


def test_named_parameters_remove_duplicate_as_torchs():
    """tied_weights_heads.py: named_parameters(remove_duplicate=False) was a TypeError."""
    torch = pytest.importorskip("torch")
    assert _tied_names(gn) == _tied_names(torch)


def test_addbmm_as_torchs():
    """einsum_attention.py: torch.addbmm was missing."""
    torch = pytest.importorskip("torch")
    from glassnet.testing import check_against_torch

    rng = np.random.default_rng(2)
    c, b1, b2 = rng.standard_normal((3, 5)), rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    check_against_torch(gn.addbmm, torch.addbmm, c, b1, b2)
    check_against_torch(lambda c, x, y: c.addbmm(x, y, beta=0.5, alpha=-2.0),
                        lambda c, x, y: c.addbmm(x, y, beta=0.5, alpha=-2.0), c[0], b1, b2)  # fmt: skip
    with pytest.raises(RuntimeError, match=r"addbmm: expected batch1 to be 3-D, got shape \(3, 4\)"):
        gn.addbmm(gn.zeros(3, 5), gn.zeros(3, 4), gn.zeros(4, 5))  # torch: an IndexError


def _memory_format_program(lib):
    seen = []
    x = lib.arange(24.0).view(1, 2, 3, 4)
    y = x.to(memory_format=lib.channels_last)
    seen += [y.is_contiguous(), y.is_contiguous(memory_format=lib.channels_last),
             lib.equal(x, y), x.is_contiguous(memory_format=lib.channels_last), y.stride()]  # fmt: skip
    z = y.contiguous()
    seen += [z.is_contiguous(), z.stride(), y.contiguous(memory_format=lib.channels_last) is y]
    seen += [x.contiguous(memory_format=lib.channels_last).stride(),
             x.clone(memory_format=lib.channels_last).stride(),
             y.clone(memory_format=lib.contiguous_format).stride()]  # fmt: skip
    w = lib.ones(2, 3, 2, 2, requires_grad=True)
    v = w.to(memory_format=lib.channels_last)
    seen += [v.is_leaf, v.requires_grad]
    (v * lib.arange(3.0).view(1, 3, 1, 1)).sum().backward()
    seen.append(w.grad.sum().item())
    m = lib.nn.Conv2d(2, 3, 2)
    m.to(memory_format=lib.channels_last)
    seen += [m.weight.is_contiguous(memory_format=lib.channels_last), m.bias.is_contiguous()]
    seen.append(m(y).sum().item() == m(x).sum().item())
    seen += [repr(lib.channels_last), repr(lib.contiguous_format)]
    with pytest.raises(RuntimeError, match="rank 4"):
        lib.ones(2, 3).to(memory_format=lib.channels_last)
    return seen


def test_memory_formats_as_torchs():
    """shufflenet_inception.py: torch.channels_last was missing (model.to(memory_format=...))."""
    torch = pytest.importorskip("torch")
    assert _memory_format_program(gn) == _memory_format_program(torch)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")])
def test_pdist_as_torchs(p):
    """F.pdist was refused (torch.pdist had its own copy, now the same function)."""
    torch = pytest.importorskip("torch")
    from glassnet.testing import check_against_torch

    x = np.random.default_rng(3).standard_normal((5, 4))
    check_against_torch(lambda t: gn.nn.functional.pdist(t, p), lambda t: torch.pdist(t, p), x)
    twin = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [3.0, -1.0, 0.5]])  # a zero distance
    if p >= 1:
        check_against_torch(lambda t: gn.pdist(t, p), lambda t: torch.pdist(t, p), twin)
    assert tuple(gn.pdist(gn.ones(1, 3)).shape) == tuple(torch.pdist(torch.ones(1, 3)).shape)
    with pytest.raises(RuntimeError, match=r"pdist: expected a 2-D input \(N, M\), got shape \(3,\)"):
        gn.pdist(gn.ones(3))


def _pruning_program(lib, weights):
    """The pruning tutorial's calls on fixed weights: masks, orders, gradients, removal."""
    import importlib

    prune = importlib.import_module(f"{lib.__name__}.nn.utils.prune")
    conv, lin = lib.nn.Conv2d(2, 4, 3), lib.nn.Linear(6, 5)
    conv.load_state_dict({k: lib.tensor(v) for k, v in weights["conv"].items()})
    lin.load_state_dict({k: lib.tensor(v) for k, v in weights["lin"].items()})
    seen = []
    prune.l1_unstructured(conv, "weight", amount=0.25)
    prune.ln_structured(conv, "weight", amount=1, n=1, dim=1)  # iterative: a container
    prune.l1_unstructured(lin, "weight", amount=7, importance_scores=lin.weight.detach().flip(0))
    prune.custom_from_mask(lin, "bias", mask=lib.tensor([1.0, 0.0, 1.0, 1.0, 0.0]))
    prune.identity(conv, "bias")
    seen += [conv.weight_mask.tolist(), lin.weight_mask.tolist(), lin.bias.tolist(),
             [n for n, _ in conv.named_parameters()], [n for n, _ in conv.named_buffers()],
             sorted(conv.state_dict()), prune.is_pruned(conv)]  # fmt: skip
    x = lib.tensor(np.linspace(-1, 1, 2 * 2 * 5 * 5, dtype=np.float32).reshape(2, 2, 5, 5))
    out = conv(x).sum() + lin(lib.ones(3, 6)).pow(2).sum()
    out.backward()
    seen += [round(out.item(), 4), conv.weight_orig.grad.ne(0).sum().item(),
             lin.weight_orig.grad.ne(0).sum().item()]  # fmt: skip
    prune.global_unstructured([(conv, "weight"), (lin, "weight")],
                              pruning_method=prune.L1Unstructured, amount=0.3)  # fmt: skip
    seen += [conv.weight.eq(0).sum().item(), lin.weight.eq(0).sum().item()]
    prune.remove(conv, "weight")
    seen += [[n for n, _ in conv.named_parameters()], conv.weight.eq(0).sum().item(),
             type(conv.weight).__name__, len(conv._forward_pre_hooks)]  # fmt: skip
    with pytest.raises(ValueError):
        prune.remove(conv, "weight")
    with pytest.raises(ValueError):
        prune.l1_unstructured(lin, "bias", amount=1.5)
    with pytest.raises(ValueError):
        prune.l1_unstructured(lib.nn.Linear(2, 2), "weight", amount=5)
    return seen


def test_pruning_as_torchs():
    """pruning_fusion.py: torch.nn.utils.prune was refused."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    weights = {
        "conv": {"weight": rng.standard_normal((4, 2, 3, 3)).astype(np.float32),
                 "bias": rng.standard_normal(4).astype(np.float32)},
        "lin": {"weight": rng.standard_normal((5, 6)).astype(np.float32),
                "bias": rng.standard_normal(5).astype(np.float32)},
    }  # fmt: skip
    assert _pruning_program(gn, weights) == _pruning_program(torch, weights)


def test_pruned_state_dict_loads_across_and_random_pruning_keeps_the_amount():
    torch = pytest.importorskip("torch")
    import torch.nn.utils.prune as tprune

    import glassnet.nn.utils.prune as gprune

    tl = torch.nn.Linear(4, 3)
    tprune.l1_unstructured(tl, "weight", amount=0.5)
    gl = gn.nn.Linear(4, 3)
    gprune.random_unstructured(gl, "weight", amount=0.5)  # glassnet's generator: other entries
    assert int(gl.weight_mask.sum().item()) == 6
    gl.load_state_dict({k: gn.tensor(v.detach().numpy()) for k, v in tl.state_dict().items()})
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(gl(gn.tensor(x)).detach().numpy(),
                               tl(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)  # fmt: skip


def _fusion_program(lib, arrays):
    from importlib import import_module

    fuse = import_module(f"{lib.__name__}.nn.utils")
    conv, bn = lib.nn.Conv2d(3, 4, 3, bias=False), lib.nn.BatchNorm2d(4)
    tconv, tbn = lib.nn.ConvTranspose2d(4, 2, 2, stride=2), lib.nn.BatchNorm2d(2)
    lin, bn1 = lib.nn.Linear(5, 4), lib.nn.BatchNorm1d(4)
    for m, key in ((conv, "conv"), (bn, "bn"), (tconv, "tconv"), (tbn, "tbn"), (lin, "lin"), (bn1, "bn1")):
        m.load_state_dict({k: lib.tensor(v) for k, v in arrays[key].items()}, strict=False)
        m.eval()
    x = lib.tensor(arrays["x"])
    with lib.no_grad():
        fc = fuse.fuse_conv_bn_eval(conv, bn)
        ft = fuse.fuse_conv_bn_eval(tconv, tbn, transpose=True)
        fl = fuse.fuse_linear_bn_eval(lin, bn1)
        got = [fc(x), bn(conv(x)), ft(bn(conv(x))), tbn(tconv(bn(conv(x)))),
               fl(x[:, 0, 0, :5]), bn1(lin(x[:, 0, 0, :5]))]  # fmt: skip
    conv.train()
    with pytest.raises((RuntimeError, AssertionError)):
        fuse.fuse_conv_bn_eval(conv, bn)
    return [np.round(t.numpy().astype(np.float64), 4).tolist() for t in got] + [
        fc.bias is not None, fc.weight.requires_grad, conv.bias is None]


def test_fuse_conv_and_linear_bn_as_torchs():
    """pruning_fusion.py: torch.nn.utils.fuse_conv_bn_eval was missing."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)

    def bn_state(c):
        return {"weight": rng.uniform(0.5, 2, c).astype(np.float32), "bias": rng.standard_normal(c).astype(np.float32),
                "running_mean": rng.standard_normal(c).astype(np.float32),
                "running_var": rng.uniform(0.5, 2, c).astype(np.float32)}  # fmt: skip

    arrays = {
        "conv": {"weight": rng.standard_normal((4, 3, 3, 3)).astype(np.float32)}, "bn": bn_state(4),
        "tconv": {"weight": rng.standard_normal((4, 2, 2, 2)).astype(np.float32),
                  "bias": rng.standard_normal(2).astype(np.float32)}, "tbn": bn_state(2),
        "lin": {"weight": rng.standard_normal((4, 5)).astype(np.float32),
                "bias": rng.standard_normal(4).astype(np.float32)}, "bn1": bn_state(4),
        "x": rng.standard_normal((2, 3, 6, 6)).astype(np.float32),
    }  # fmt: skip
    ours, theirs = _fusion_program(gn, arrays), _fusion_program(torch, arrays)
    assert ours[-3:] == theirs[-3:]
    for a, b in zip(ours[:-3], theirs[:-3]):
        np.testing.assert_allclose(a, b, atol=2e-4)
    np.testing.assert_allclose(ours[0], ours[1], atol=2e-4)  # fused == unfused


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize(
    "shape, kwargs",
    [((1, 2, 16, 16), {"size": (5, 7)}), ((2, 1, 9, 13), {"size": (4, 20)}),
     ((1, 3, 7, 7), {"scale_factor": (0.3, 1.7)}),
     ((1, 1, 10, 10), {"scale_factor": 0.37, "recompute_scale_factor": True})],
)  # fmt: skip
def test_interpolate_antialias_as_torchs(mode, shape, kwargs):
    """F.interpolate(antialias=True) was refused (thumbnails, resizing before a backbone)."""
    torch = pytest.importorskip("torch")
    from glassnet.testing import check_against_torch

    x = np.random.default_rng(6).standard_normal(shape)
    check_against_torch(
        lambda t: gn.nn.functional.interpolate(t, mode=mode, antialias=True, **kwargs),
        lambda t: torch.nn.functional.interpolate(t, mode=mode, antialias=True, **kwargs), x,
    )


def test_interpolate_antialias_refusals():
    x = gn.zeros(1, 1, 4, 4)
    with pytest.raises(NotImplementedError, match="antialias=True with align_corners=True"):
        gn.nn.functional.interpolate(x, size=2, mode="bilinear", align_corners=True, antialias=True)
    with pytest.raises(ValueError, match="antialias=True is for modes 'bilinear' and 'bicubic'"):
        gn.nn.functional.interpolate(x, size=2, mode="nearest", antialias=True)
