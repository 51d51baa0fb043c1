"""Round 4: ``MultiLabelMarginLoss``, ``TripletMarginWithDistanceLoss``, ``ChannelShuffle``
(and their functions), once refused by name, against torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.nn as nn
from glassnet.testing import check_against_torch, check_gradients

RNG = np.random.default_rng(4)
X = RNG.standard_normal((3, 5))
# a -1 ends each list; a class listed twice counts twice; an empty list
Y = np.array([[3, 0, -1, 1, 2], [1, 1, 2, -1, 4], [-1, 1, 2, 3, 0]])


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_multilabel_margin_agrees_with_torch(torch, reduction):
    check_against_torch(
        lambda x: F.multilabel_margin_loss(x, Y, reduction=reduction),
        lambda x: torch.nn.functional.multilabel_margin_loss(x, torch.tensor(Y), reduction=reduction),
        X,
    )
    # unbatched, through the module
    check_against_torch(
        lambda x: nn.MultiLabelMarginLoss(reduction=reduction)(x, gn.tensor(Y[0])),
        lambda x: torch.nn.MultiLabelMarginLoss(reduction=reduction)(x, torch.tensor(Y[0])),
        X[0],
    )


def test_multilabel_margin_gradients_and_dtype():
    assert check_gradients(lambda x: F.multilabel_margin_loss(x, Y, reduction="none"), X)
    x = gn.tensor(X.astype(np.float32), requires_grad=True)
    out = nn.MultiLabelMarginLoss()(x, Y)
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("target", "err", "match"),
    [
        (np.array([[5, 0, -1, 1, 2]] * 3), IndexError, "class indices in"),
        (np.array([[-2, 0, -1, 1, 2]] * 3), IndexError, "class indices in"),
        (Y[:, :4], ValueError, "the input's shape"),
        (Y.astype(np.float64), TypeError, "integer class indices"),
    ],
)
def test_multilabel_margin_errors(target, err, match):
    with pytest.raises(err, match=match):
        F.multilabel_margin_loss(gn.tensor(X), target)


A, P, N = (RNG.standard_normal((4, 3)) for _ in range(3))


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_triplet_with_distance_agrees_with_torch(torch, swap, reduction):
    check_against_torch(
        lambda a, p, n: nn.TripletMarginWithDistanceLoss(margin=0.7, swap=swap, reduction=reduction)(a, p, n),
        lambda a, p, n: torch.nn.TripletMarginWithDistanceLoss(margin=0.7, swap=swap, reduction=reduction)(a, p, n),
        A, P, N,
    )  # fmt: skip
    check_against_torch(
        lambda a, p, n: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1.0 - F.cosine_similarity(u, v), margin=1.5,
            swap=swap, reduction=reduction,
        ),
        lambda a, p, n: torch.nn.functional.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1.0 - torch.nn.functional.cosine_similarity(u, v),
            margin=1.5, swap=swap, reduction=reduction,
        ),
        A, P, N,
    )  # fmt: skip


def test_triplet_with_distance_module_form(torch):
    loss = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1))
    assert repr(loss) == repr(torch.nn.TripletMarginWithDistanceLoss())
    assert list(dict(loss.named_children())) == ["distance_function"]
    check_against_torch(
        lambda a, p, n: loss(a, p, n),
        lambda a, p, n: torch.nn.TripletMarginWithDistanceLoss(
            distance_function=torch.nn.PairwiseDistance(p=1)
        )(a, p, n),
        A, P, N,
    )  # fmt: skip
    assert check_gradients(lambda a, p, n: loss(a, p, n), A, P, N)


def test_triplet_with_distance_errors():
    with pytest.raises(ValueError, match="margin must be > 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(TypeError, match="keyword|positional"):
        nn.TripletMarginWithDistanceLoss(None)  # keyword-only, as in torch
    with pytest.raises(TypeError, match="distance_function must be callable"):
        F.triplet_margin_with_distance_loss(gn.tensor(A), gn.tensor(P), gn.tensor(N), distance_function=3)
    with pytest.raises(ValueError, match="same number of dims"):
        F.triplet_margin_with_distance_loss(gn.tensor(A), gn.tensor(P), gn.tensor(N[0]))
    with pytest.raises(ValueError, match="margin must be a number > 0"):
        F.triplet_margin_with_distance_loss(gn.tensor(A), gn.tensor(P), gn.tensor(N), margin=-1)


@pytest.mark.parametrize("shape", [(2, 6, 3, 2), (2, 6, 4), (1, 12, 1, 2, 1)])
def test_channel_shuffle_agrees_with_torch(torch, shape):
    x = RNG.standard_normal(shape)
    for g in (1, 2, 3, 6):
        check_against_torch(
            lambda a, g=g: F.channel_shuffle(a, g) * a,
            lambda a, g=g: torch.nn.functional.channel_shuffle(a, g) * a,
            x,
        )
    check_against_torch(
        lambda a: nn.ChannelShuffle(3)(a), lambda a: torch.nn.ChannelShuffle(3)(a), x
    )
    check_against_torch(
        lambda a: F.native_channel_shuffle(a, 2),
        lambda a: torch.nn.functional.native_channel_shuffle(a, 2),
        x,
        grad=False,  # torch has no derivative for native_channel_shuffle
    )
    assert repr(nn.ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3))


def test_channel_shuffle_errors():
    x = gn.tensor(RNG.standard_normal((2, 6, 3)))
    with pytest.raises(ValueError, match="do not divide into 4 groups"):
        F.channel_shuffle(x, 4)
    with pytest.raises(ValueError, match="groups must be a positive int"):
        F.channel_shuffle(x, 0)
    with pytest.raises(ValueError, match="more than 2 dims"):
        F.channel_shuffle(x[0], 2)
    with pytest.raises(ValueError, match="groups"):
        nn.ChannelShuffle(-1)


def test_channel_shuffle_exports_to_onnx(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    import glassnet.io as gio

    model = nn.Sequential(nn.Conv2d(6, 6, 1, groups=3), nn.ChannelShuffle(3)).eval()
    x = RNG.standard_normal((2, 6, 3, 4)).astype(np.float32)
    path = gio.export_onnx(model, (x,), tmp_path / "m.onnx", input_names=("x",))
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (x, x[:1]):  # the batch axis stays dynamic
        (got,) = sess.run(None, {"x": batch})
        with gn.no_grad():
            want = model(gn.tensor(batch)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
