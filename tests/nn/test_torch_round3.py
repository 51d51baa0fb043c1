"""Round 3 of differential testing against torch.nn: layers added or fixed, one test each.

Each builds the layer in glassnet and torch with the same arguments and state dict and
compares outputs, input and parameter gradients and ``repr`` (float64).
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn


def _pair(name, args, torch):
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(*args).double()
    g = getattr(nn, name)(*args)
    g.to(dtype=np.float64)
    g.load_state_dict(t.state_dict())
    return g, t


def _compare(g, t, x, torch, first=False):
    """Outputs, input gradient and parameter gradients of ``sum(f(x) * w)``."""
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gy, ty = g(gx), t(tx)
    if first:  # (values, indices)
        np.testing.assert_array_equal(gy[1].numpy(), ty[1].numpy())
        gy, ty = gy[0], ty[0]
    w = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    np.testing.assert_allclose(gy.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    (gy * gn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    if not hasattr(t, "named_parameters"):
        return
    gp = dict(g.named_parameters())
    for name, p in t.named_parameters():
        np.testing.assert_allclose(gp[name].grad.numpy(), p.grad.numpy(), rtol=1e-10, atol=1e-12)


NEW_LAYERS = [
    ("Threshold", (0.5, -2.0), (3, 4, 6)), ("Threshold", (0.1, 20), (3, 4)),
    ("GLU", (), (3, 4, 6)), ("GLU", (1,), (3, 4, 6)), ("RReLU", (0.1, 0.3), (3, 4)),
    ("Hardshrink", (0.7,), (3, 4)), ("Softshrink", (0.3,), (3, 4)), ("Tanhshrink", (), (3, 4)),
    ("Softmax2d", (), (2, 3, 4, 5)), ("Softmax2d", (), (3, 4, 5)),
    ("RMSNorm", ((3, 4),), (2, 3, 4)), ("RMSNorm", (4, 1e-3, False), (2, 3, 4)),
]  # fmt: skip


@pytest.mark.parametrize("name,args,shape", NEW_LAYERS)
def test_new_layers_as_torch(name, args, shape, torch):
    g, t = _pair(name, args, torch)
    g.eval()
    t.eval()  # RReLU: the mean slope
    if name == "RMSNorm" and t.weight is not None:
        with torch.no_grad():
            t.weight.normal_()
        g.load_state_dict(t.state_dict())
    _compare(g, t, np.random.default_rng(0).standard_normal(shape) * 2, torch)
    assert repr(g) == repr(t)


@pytest.mark.parametrize(
    "name,args",
    [("SoftMarginLoss", ()), ("HingeEmbeddingLoss", (0.3,)), ("MultiLabelSoftMarginLoss", ()),
     ("MultiMarginLoss", (2, 0.5))],
)  # fmt: skip
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_new_losses_as_torch(name, args, reduction, torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    target = {
        "SoftMarginLoss": np.sign(rng.standard_normal((3, 4))),
        "HingeEmbeddingLoss": np.sign(rng.standard_normal((3, 4))),
        "MultiLabelSoftMarginLoss": (rng.random((3, 4)) > 0.5).astype(np.float64),
        "MultiMarginLoss": np.array([1, 0, 3]),
    }[name]
    g = getattr(nn, name)(*args, reduction=reduction)
    t = getattr(torch.nn, name)(*args, reduction=reduction)
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gy, ty = g(gx, target), t(tx, torch.tensor(target))
    np.testing.assert_allclose(gy.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    gy.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_weighted_margin_losses_keep_weight_as_a_buffer(torch):
    w = np.array([0.5, 1.0, 2.0, 0.1])
    for name in ("MultiLabelSoftMarginLoss", "MultiMarginLoss"):
        args = (w,) if name == "MultiLabelSoftMarginLoss" else (1, 1.0, w)
        targs = tuple(torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args)
        g, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*targs)
        assert list(g.state_dict()) == list(t.state_dict()) == ["weight"]


@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("unbatched", [False, True])
def test_max_pool_return_indices_and_max_unpool_layers_as_torch(nd, unbatched, torch):
    # MaxPool*d(return_indices=True) was refused and there was no MaxUnpool*d
    shape = (2, 3, 8, 10)[: 2 + nd]
    x = np.random.default_rng(0).standard_normal(shape[1:] if unbatched else shape)
    gp, tp = _pair(f"MaxPool{nd}d", (3, 2, 1, 1, True), torch)
    _compare(gp, tp, x, torch, first=True)
    gu, tu = _pair(f"MaxUnpool{nd}d", (3, 2, 1), torch)
    assert repr(gu) == repr(tu)
    size = list(x.shape[-nd:])
    _compare(lambda a: gu(*gp(a), size), lambda a: tu(*tp(a), size), x, torch)


@pytest.mark.parametrize("nd", [1, 2])
def test_adaptive_max_pool_return_indices_as_torch(nd, torch):
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 10)[: 2 + nd])
    g, t = _pair(f"AdaptiveMaxPool{nd}d", (4, True), torch)
    _compare(g, t, x, torch, first=True)


def test_a_max_pool_with_indices_is_not_reordered_or_fused():
    # Sequential may run MaxPool2d before a ReLU or fuse Conv2d-ReLU-MaxPool2d: not with indices
    pool = nn.MaxPool2d(2, return_indices=True)
    assert not pool.runs_before(nn.ReLU()) and not pool.is_plain_2x2()
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), pool)
    with gn.no_grad():
        out = model(gn.zeros(1, 1, 4, 4))
    assert isinstance(out, tuple) and out[1].shape == (1, 2, 2, 2)


def test_avg_pool2d_divisor_override_with_ceil_mode_as_torch(torch):
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 7))
    for args in ((3, 2, 1, True, True, 4), (3, 2, 1, True, False, 5), (2, 2, 0, True, True, 3)):
        g, t = _pair("AvgPool2d", args, torch)
        _compare(g, t, x, torch)


@pytest.mark.parametrize(
    "name,args,shape",
    [("ReflectionPad1d", ((-1, 2),), (2, 3, 5)), ("ReflectionPad2d", ((1, -1, 2, 0),), (2, 3, 4, 6)),
     ("ReplicationPad1d", ((3, -1),), (2, 3, 4)), ("ReplicationPad2d", ((-1, 2, 0, -2),), (3, 5, 6)),
     ("CircularPad1d", ((2, -1),), (2, 3, 5)), ("CircularPad2d", ((1, 2, -1, 0),), (2, 3, 4, 6))],
)  # fmt: skip
def test_padding_layers_crop_with_negative_padding_as_torch(name, args, shape, torch):
    g, t = _pair(name, args, torch)
    _compare(g, t, np.random.default_rng(0).standard_normal(shape), torch)


def test_multihead_attention_with_a_learned_float_mask_trains_the_mask(torch):
    # the attn_mask Tensor's gradient was dropped by scaled_dot_product_attention
    g, t = _pair("MultiheadAttention", (8, 2, 0.0, True, False, False, None, None, True), torch)
    rng = np.random.default_rng(0)
    x, m = rng.standard_normal((2, 3, 8)), rng.standard_normal((3, 3))
    gm, tm = gn.tensor(m, requires_grad=True), torch.tensor(m, requires_grad=True)
    gy = g(gn.tensor(x), gn.tensor(x), gn.tensor(x), attn_mask=gm, need_weights=False)[0]
    ty = t(torch.tensor(x), torch.tensor(x), torch.tensor(x), attn_mask=tm, need_weights=False)[0]
    np.testing.assert_allclose(gy.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    gy.sum().backward()
    ty.sum().backward()
    assert gm.grad is not None
    np.testing.assert_allclose(gm.grad.numpy(), tm.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_unfold_fold_layers_as_torch(torch):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    gu, tu = _pair("Unfold", (3, 1, 1, 2), torch)
    gf, tf = _pair("Fold", ((7, 8), 3, 1, 1, 2), torch)
    _compare(lambda a: gf(gu(a)), lambda a: tf(tu(a)), x, torch)
    assert (repr(gu), repr(gf)) == (repr(tu), repr(tf))


@pytest.mark.parametrize(
    "kw", [dict(mode="sum"), dict(mode="max", padding_idx=2, max_norm=1.5),
           dict(mode="mean", include_last_offset=True)],
)  # fmt: skip
def test_embedding_bag_layer_as_torch(kw, torch):
    torch.manual_seed(0)
    t = torch.nn.EmbeddingBag(10, 4, **kw).double()
    g = nn.EmbeddingBag(10, 4, **kw)
    g.to(dtype=np.float64)
    g.load_state_dict(t.state_dict())
    inp = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0])
    off = np.array([0, 3, 3, 6, 9] if kw.get("include_last_offset") else [0, 3, 3, 6])
    gy, ty = g(inp, off), t(torch.tensor(inp), torch.tensor(off))
    gy.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(gy.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(g.weight.numpy(), t.weight.detach().numpy(), rtol=1e-10)  # max_norm
    assert repr(g) == repr(t)


ONNX_CASES = {
    "shrinks": (lambda: nn.Sequential(nn.Threshold(0.1, 20.0), nn.Hardshrink(0.3), nn.Softshrink(0.2),
                                      nn.Tanhshrink(), nn.CELU(0.5), nn.RReLU()), (2, 3, 4, 6)),
    "glu_rms_softmax2d": (lambda: nn.Sequential(nn.GLU(1), nn.RMSNorm(6), nn.Softmax2d()),
                          (2, 4, 5, 6)),
    "bicubic_area_pad": (lambda: nn.Sequential(nn.Upsample((7, 9), mode="bicubic"),
                                               nn.Upsample((3, 4), mode="area"),
                                               nn.ReflectionPad2d((-1, 2, 1, -1))), (2, 3, 5, 6)),
    "unfold_fold": (lambda: nn.Sequential(nn.Unfold(3, 1, 1, 2), nn.Fold((5, 6), 3, 1, 1, 2)),
                    (2, 3, 5, 6)),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ONNX_CASES))
def test_new_layers_export_to_onnx(name):
    # composed of ops with converters; the comparisons are traced, not frozen into constants
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    import glassnet.io as gio

    make, shape = ONNX_CASES[name]
    model = make()
    model.eval()
    rng = np.random.default_rng(0)
    proto = gio.build_onnx_model(model, gn.tensor(rng.standard_normal(shape).astype(np.float32)))
    x = rng.standard_normal((3, *shape[1:])).astype(np.float32)  # another batch size
    sess = ort.InferenceSession(proto.SerializeToString())
    got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    with gn.no_grad():
        want = model(gn.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "name,args,shape",
    [("BatchNorm3d", (3,), (2, 3, 2, 3, 4)), ("BatchNorm3d", (3, 1e-3, None), (2, 3, 2, 3, 4)),
     ("BatchNorm3d", (3, 1e-5, 0.1, False, False), (2, 3, 2, 3, 4)),
     ("InstanceNorm3d", (3, 1e-5, 0.2, True, True), (2, 3, 2, 3, 4)),
     ("InstanceNorm3d", (3,), (3, 2, 3, 4))],
)  # fmt: skip
def test_3d_normalisation_layers_as_torch(name, args, shape, torch):
    # BatchNorm3d and InstanceNorm3d did not exist (batch_norm refused 5-D input)
    g, t = _pair(name, args, torch)
    rng = np.random.default_rng(0)
    for training in (True, True, False):
        g.train(training)
        t.train(training)
        for p in g.parameters():
            p.grad = None
        t.zero_grad()
        _compare(g, t, rng.standard_normal(shape), torch)
        for key, value in t.state_dict().items():
            np.testing.assert_allclose(np.asarray(g.state_dict()[key]), value.numpy(), rtol=1e-10)
    assert repr(g) == repr(t)


@pytest.mark.parametrize("size", [2, (3, None, 2), (4, 5, 6)])
@pytest.mark.parametrize("batched", [True, False])
def test_adaptive_avg_pool3d_as_torch(size, batched, torch):
    # nn.AdaptiveAvgPool3d / F.adaptive_avg_pool3d did not exist
    shape = (2, 3, 5, 4, 6) if batched else (3, 5, 4, 6)
    g, t = _pair("AdaptiveAvgPool3d", (size,), torch)
    _compare(g, t, np.random.default_rng(0).standard_normal(shape), torch)
    assert repr(g) == repr(t)


@pytest.mark.parametrize(
    "name,args,shape",
    [("ZeroPad3d", ((1, 2, 0, 1, -1, 1),), (2, 3, 3, 4, 5)), ("ConstantPad3d", (1, 0.5), (3, 3, 4, 5)),
     ("ReflectionPad3d", ((1, 2, -1, 1, 2, 0),), (2, 3, 3, 4, 5)),
     ("ReplicationPad3d", ((1, 0, 0, 1, 2, 0),), (2, 3, 3, 4, 5)),
     ("CircularPad3d", (1,), (3, 3, 4, 5))],
)  # fmt: skip
def test_3d_padding_layers_as_torch(name, args, shape, torch):
    # the *Pad3d layers did not exist (F.pad took 5-D input already)
    g, t = _pair(name, args, torch)
    _compare(g, t, np.random.default_rng(0).standard_normal(shape), torch)
    assert repr(g) == repr(t)


def test_cosine_similarity_and_pairwise_distance_modules_as_torch(torch):
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    for name, args in (("CosineSimilarity", (1, 1e-3)), ("CosineSimilarity", (0,)),
                       ("PairwiseDistance", (1.0, 1e-3, True)), ("PairwiseDistance", ())):  # fmt: skip
        g, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        gy = g(gn.tensor(x1), gn.tensor(x2)).numpy()
        np.testing.assert_allclose(gy, t(torch.tensor(x1), torch.tensor(x2)).numpy(), rtol=1e-10)
        assert repr(g) == repr(t)
