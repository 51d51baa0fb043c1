"""The seed article's CNN: structure, agreement with the same PyTorch network (values and every
parameter's gradient), the batch-norm variant, training end to end, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.models import seed_cnn
from glassnet.nn.layers.conv import Conv2d
from glassnet.nn.layers.linear import Linear
from glassnet.nn.layers.norm import BatchNorm1d, BatchNorm2d
from glassnet.nn.layers.pooling import MaxPool2d
from glassnet.ops.loss import cross_entropy


def _torch_seed_cnn(torch, batch_norm=False, dropout=0.5, in_channels=1, width=1, classes=10):
    nn = torch.nn
    c1, c2 = 32 * width, 64 * width
    layers = [nn.Conv2d(in_channels, c1, 3, padding=1)] + (
        [nn.BatchNorm2d(c1)] if batch_norm else []
    )
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(c1, c2, 3, padding=1)]
    layers += [nn.BatchNorm2d(c2)] if batch_norm else []
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(7 * 7 * c2, 1024)]
    layers += [nn.BatchNorm1d(1024)] if batch_norm else []
    layers += [nn.ReLU(), nn.Dropout(dropout), nn.Linear(1024, classes)]
    return nn.Sequential(*layers)


def test_structure_is_the_seed_network_with_its_missing_output_layer():
    model = seed_cnn()
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten",
                     "Linear", "ReLU", "Dropout", "Linear"]  # fmt: skip
    assert model[0].kernel_size == (3, 3) and model[0].padding == (1, 1)
    assert (model[0].in_channels, model[0].out_channels) == (1, 32)
    assert (model[3].in_channels, model[3].out_channels) == (32, 64)
    assert (model[7].in_features, model[7].out_features) == (3136, 1024)
    assert (model[10].in_features, model[10].out_features) == (1024, 10)
    assert model[9].p == 0.5
    assert model(gn.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_options():
    m = seed_cnn(5, in_channels=3, dropout=0.25, width=2, image_size=16)
    assert m(gn.zeros(2, 3, 16, 16)).shape == (2, 5)
    assert m[0].out_channels == 64 and m[3].out_channels == 128 and m[7].in_features == 4 * 4 * 128
    assert m[9].p == 0.25
    bn = seed_cnn(batch_norm=True)
    kinds = [type(x) for x in bn]
    assert kinds.count(BatchNorm2d) == 2 and kinds.count(BatchNorm1d) == 1
    assert isinstance(bn[1], BatchNorm2d) and isinstance(bn[0], Conv2d)
    assert isinstance(bn[9], Linear) and isinstance(bn[10], BatchNorm1d)
    assert isinstance(bn[3], MaxPool2d)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_matches_torch_values_and_all_gradients(batch_norm, rng, torch):
    torch.manual_seed(0)
    ref = _torch_seed_cnn(torch, batch_norm=batch_norm, dropout=0.0).double()
    model = seed_cnn(batch_norm=batch_norm, dropout=0.0).double()
    assert list(model.state_dict()) == list(ref.state_dict())
    model.load_state_dict(ref.state_dict())
    x = rng.random((6, 1, 28, 28))
    y = rng.integers(0, 10, 6)
    loss = cross_entropy(model(gn.tensor(x)), gn.tensor(y))
    tloss = torch.nn.functional.cross_entropy(ref(torch.tensor(x)), torch.tensor(y))
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-10)
    loss.backward()
    tloss.backward()
    named = dict(ref.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), named[name].grad.numpy(), rtol=1e-7, atol=1e-12, err_msg=name
        )
    for k, v in ref.state_dict().items():  # running statistics too
        np.testing.assert_allclose(
            model.state_dict()[k], v.numpy(), rtol=1e-9, atol=1e-14, err_msg=k
        )
    model.eval()
    ref.eval()
    np.testing.assert_allclose(
        model(gn.tensor(x)).numpy(), ref(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-12
    )


def test_float32_training_learns_a_simple_task(rng):
    """Bright top half -> class 0, bright bottom half -> class 1: a few Adam steps learn it."""
    from glassnet.optim import Adam

    gn.manual_seed(0)
    model = seed_cnn(2)
    opt = Adam(model.parameters(), lr=1e-3)
    labels = rng.integers(0, 2, 16)
    images = rng.random((16, 1, 28, 28), dtype=np.float32) * 0.2
    for i, c in enumerate(labels):
        images[i, 0, 14 * c : 14 * c + 14] += 0.8
    x, y = gn.tensor(images), gn.tensor(labels)
    losses = []
    for _ in range(8):
        opt.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    model.eval()
    assert (model(x).numpy().argmax(1) == labels).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_classes": 0}, r"seed_cnn: num_classes must be a positive int, got 0"),
        ({"dropout": 1.0}, r"seed_cnn: dropout must be a probability in \[0, 1\), got 1.0"),
        ({"image_size": 30}, r"seed_cnn: image_size must be divisible by 4, got 30"),
        ({"width": 0}, r"seed_cnn: width must be a positive int, got 0"),
    ],
)
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        seed_cnn(**kwargs)


def test_wrong_input_is_reported_by_the_first_layer():
    with pytest.raises(
        ValueError,
        match=r"Conv2d\(1, 32, .*\): expected input of shape \(N, 1, H, W\) .*got \(4, 28, 28\)",
    ):
        seed_cnn()(gn.zeros(4, 28, 28))
