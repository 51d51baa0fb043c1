"""glassnet.vision.models.resnet*: torchvision's architecture, keys and outputs."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn
from glassnet.vision import models

from . import torch_resnet


@pytest.mark.parametrize(
    "name,count", [("resnet18", 11_689_512), ("resnet34", 21_797_672), ("resnet50", 25_557_032)]
)
def test_parameter_counts_are_torchvisions(name, count):
    m = getattr(models, name)()
    assert sum(p.numel() for p in m.parameters()) == count


def test_torchvision_state_dict_loads_and_gives_its_outputs(rng, torch, tmp_path):
    pytest.importorskip("safetensors")
    from safetensors.torch import save_file

    torch.manual_seed(0)
    ref = torch_resnet.build(torch, [2, 2, 2, 2], num_classes=10)
    # give the batch norms non-trivial running statistics
    ref.train()
    with torch.no_grad():
        ref(torch.randn(8, 3, 64, 64))
    ref.eval()
    path = tmp_path / "resnet18.safetensors"
    save_file({k: v.contiguous() for k, v in ref.state_dict().items()}, str(path))
    m = models.resnet18(num_classes=10)
    assert list(m.state_dict()) == list(ref.state_dict())
    m.load_state_dict(gio.load(str(path)))
    m.eval()
    x = rng.standard_normal((2, 3, 64, 64)).astype(np.float32)
    with gn.no_grad():
        out = m(gn.tensor(x)).numpy()
    np.testing.assert_allclose(out, ref(torch.tensor(x)).detach().numpy(), rtol=1e-3, atol=1e-4)


def test_grayscale_28x28_trains_a_step():
    m = models.resnet18(num_classes=10, in_channels=1)
    opt = gn.optim.SGD(m.parameters(), lr=0.01)
    x = gn.tensor(np.random.default_rng(0).standard_normal((4, 1, 28, 28)).astype(np.float32))
    loss = nn.CrossEntropyLoss()(m(x), np.array([0, 1, 2, 3]))
    loss.backward()
    opt.step()
    assert m(x).shape == (4, 10) and np.isfinite(loss.item())


def test_children_build_a_feature_extractor():
    m = models.resnet18()
    names = [n for n, _ in m.named_children()]
    assert names == [
        "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"
    ]
    body = nn.Sequential(*list(m.children())[:-1])
    body.eval()
    with gn.no_grad():
        feats = body(gn.tensor(np.zeros((1, 3, 32, 32), np.float32)))
    assert feats.shape == (1, 512, 1, 1)


def test_pretrained_weights_are_refused_with_the_way_to_load_them():
    with pytest.raises(NotImplementedError, match=r"resnet18: weights='IMAGENET1K_V1'.*safetensors"):
        models.resnet18(weights="IMAGENET1K_V1")
