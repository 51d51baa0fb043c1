"""On a trained seed CNN: IG completeness and the model-randomisation sanity check (slow)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import GradCAM, IntegratedGradients, Saliency
from glassnet.explain.sanity import cascading_randomization

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained():
    """The seed CNN after one epoch on the embedded Fashion-MNIST sample, and 100 test images."""
    from glassnet.data import fashion_mnist
    from glassnet.models import seed_cnn
    from glassnet.ops.loss import cross_entropy
    from glassnet.optim import Adam

    gn.manual_seed(0)
    x, y = fashion_mnist("train", sample=True)
    x_test, y_test = fashion_mnist("test", sample=True)
    model = seed_cnn()
    opt = Adam(model.parameters(), lr=1e-3)
    order = np.random.default_rng(0).permutation(len(x))
    for start in range(0, len(x), 64):
        idx = order[start : start + 64]
        loss = cross_entropy(model(gn.tensor(x[idx])), gn.tensor(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    opt.zero_grad()
    model.eval()
    with gn.no_grad():
        acc = (model(gn.tensor(x_test[:500])).numpy().argmax(axis=1) == y_test[:500]).mean()
    assert acc > 0.7, f"the seed CNN did not learn (accuracy {acc:.3f})"
    return model, x_test[:100], y_test[:100]


def test_ig_completeness_gauss_legendre(trained):
    model, x, _ = trained
    ig = IntegratedGradients(model)
    attr, delta = ig.attribute(
        x,
        target=ig.forward(x).argmax(axis=1),
        method="gausslegendre",
        n_steps=64,
        internal_batch_size=256,
        return_convergence_delta=True,
    )
    assert attr.shape == x.shape
    out_x = ig.forward(x)
    target = out_x.argmax(axis=1)
    gap = out_x[np.arange(len(x)), target] - ig.forward(np.zeros_like(x))[np.arange(len(x)), target]
    keep = np.abs(gap) > 1e-2
    assert keep.sum() >= 90
    ok = np.abs(delta[keep]) < 0.01 * np.abs(gap[keep])
    assert ok.mean() >= 0.95, f"completeness within 1% for only {ok.mean():.0%} of images"


def test_randomising_weights_changes_saliency_and_gradcam(trained):
    model, x, _ = trained
    x = x[:16]
    target = Saliency(model).forward(x).argmax(axis=1)
    sal = cascading_randomization(model, lambda m: Saliency(m).attribute(x, target=target))
    cam = cascading_randomization(
        model, lambda m: GradCAM(m, layer="3").attribute(x, target=target), absolute=False
    )
    assert [n for n, _ in sal] == ["trained", "10", "7", "3", "0"]
    assert sal[0][1] == pytest.approx(1.0) and cam[0][1] == pytest.approx(1.0)
    assert sal[-1][1] < 0.5, sal
    assert min(c for _, c in cam[1:]) < 0.5, cam
    # the model given in is not changed
    target_after = Saliency(model).forward(x).argmax(axis=1)
    np.testing.assert_array_equal(target, target_after)
