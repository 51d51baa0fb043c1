"""Layer, group and instance norm and normalize: finite differences and torch agreement."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.ops import norm_composed as N
from glassnet.testing import check_against_torch, check_gradients


@pytest.mark.parametrize("shape,normalized", [((3, 5), (5,)), ((2, 3, 4), (3, 4)), ((4, 6), 6)])
def test_layer_norm(shape, normalized, rng, torch):
    ns = (normalized,) if isinstance(normalized, int) else normalized
    x, w, b = rng.standard_normal(shape), rng.standard_normal(ns), rng.standard_normal(ns)
    fn = lambda a, c, d: N.layer_norm(a, normalized, c, d, 1e-5)  # noqa: E731
    check_gradients(fn, x, w, b)
    check_against_torch(fn, lambda a, c, d: torch.nn.functional.layer_norm(a, ns, c, d), x, w, b)


@pytest.mark.parametrize("shape,groups", [((2, 6, 3, 3), 3), ((3, 4, 5), 2), ((2, 4), 4)])
def test_group_norm(shape, groups, rng, torch):
    c = shape[1]
    x, w, b = rng.standard_normal(shape), rng.standard_normal(c), rng.standard_normal(c)
    fn = lambda a, ww, bb: N.group_norm(a, groups, ww, bb)  # noqa: E731
    check_gradients(fn, x, w, b)
    check_against_torch(
        fn, lambda a, ww, bb: torch.nn.functional.group_norm(a, groups, ww, bb), x, w, b
    )


@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 4, 5)])
def test_instance_norm_with_affine(shape, rng, torch):
    x, w, b = rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3)
    fn = lambda a, ww, bb: N.instance_norm(a, weight=ww, bias=bb)  # noqa: E731
    check_gradients(fn, x, w, b)
    check_against_torch(
        fn, lambda a, ww, bb: torch.nn.functional.instance_norm(a, weight=ww, bias=bb), x, w, b
    )


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_normalize(p, rng, torch):
    x = rng.standard_normal((4, 5))
    x[1] = 0.0  # an all-zero row: gradient 0, no NaN
    check_against_torch(
        lambda a: N.normalize(a, p, 1), lambda a: torch.nn.functional.normalize(a, p, 1), x
    )
    check_gradients(lambda a: N.normalize(a, p, 1), rng.standard_normal((3, 4)))


def _load(g, t):
    g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})


@pytest.mark.parametrize(
    "make",
    [
        lambda M: M.LayerNorm([4, 5], 1e-6),
        lambda M: M.LayerNorm(5, elementwise_affine=False),
        lambda M: M.GroupNorm(2, 4, 1e-5, True),
        lambda M: M.InstanceNorm2d(4, affine=True),
        lambda M: M.InstanceNorm1d(4, 1e-5, 0.2, True, True),
    ],
)
def test_layers_match_torch_with_its_state_dict(make, rng, torch):
    t, g = make(torch.nn), make(nn)
    with torch.no_grad():
        for prm in t.parameters():
            prm.copy_(torch.randn_like(prm))
    _load(g, t)
    assert list(g.state_dict()) == list(t.state_dict())
    shape = (3, 4, 4, 5) if isinstance(t, torch.nn.InstanceNorm2d) else (3, 4, 5)
    for mode in ("train", "eval"):
        getattr(t, mode)(), getattr(g, mode)()
        for _ in range(2):
            x = rng.standard_normal(shape).astype(np.float32)
            np.testing.assert_allclose(
                g(gn.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5
            )
    for name, buf in t.state_dict().items():
        np.testing.assert_allclose(g.state_dict()[name], buf.numpy(), rtol=1e-5, atol=1e-6)


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"LayerNorm\(\(5,\).*expected input of shape \(\*, 5\)"):
        nn.LayerNorm(5)(gn.tensor(np.zeros((2, 4))))
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(5\) must be divisible"):
        nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match="expected 3 channels"):
        nn.InstanceNorm1d(3)(gn.tensor(np.zeros((2, 4, 5))))
