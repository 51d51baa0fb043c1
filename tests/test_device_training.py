"""Training, data loading, dropout and explanations on a device; what a GPU step transfers.

Uses the ``device`` / ``gpu`` fixtures of ``tests/device_params.py`` (fake CuPy
everywhere, a real GPU when present). The transfer budgets are checked on the
fake only: it counts every host/device copy and every read-back that would
synchronise a real GPU.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, optim
from glassnet.backend import to_host
from glassnet.data import DataLoader, TensorDataset
from glassnet.models import RowAttentionClassifier, seed_cnn
from glassnet.train import evaluate, fit, predict

from . import device_params
from .device_params import is_fake, real_gpu, tolerances, transfers

device = device_params.device  # the fixture
gpu = device_params.gpu  # the fixture

R = np.random.default_rng(1)


def _data(n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    x = R.standard_normal((n, 6)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)


def _mlp() -> nn.Module:
    gn.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))


# ------------------------------------------------------------------ data loader
def test_dataloader_yields_batches_on_the_device(device):
    x, y = _data(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, device=device)
    batches = list(loader)
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    for bx, by in batches:
        assert bx.device == gn.device(device) and by.device == gn.device(device)
        assert bx.dtype == np.float32 and by.dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([to_host(b[0]) for b in batches]), x)


def test_dataloader_device_error_names_the_loader():
    with pytest.raises(ValueError, match="DataLoader: device: expected 'cpu', 'cuda' or 'cuda:N'"):
        DataLoader(TensorDataset(np.zeros((2, 1))), device="gpu")


# ------------------------------------------------------------ fit / evaluate / predict
def test_fit_evaluate_predict_with_a_device_loader(device):
    """The trainer has no ``device=`` yet: a model on the device plus a loader with
    ``device=`` trains there; results match the CPU run."""
    import glassnet.train as gt

    x, y = _data(48)
    results = []
    for dev in ("cpu", device):
        model = _mlp().to(dev)
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, seed=0, device=dev)
        hist = gt.fit(model, loader, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), 0.1),
                      epochs=2, verbose=0, clip_grad_norm=5.0)  # fmt: skip
        evals = gt.evaluate(model, DataLoader(TensorDataset(x, y), batch_size=16, device=dev),
                            loss="cross_entropy")  # fmt: skip
        pred = gt.predict(model, DataLoader(TensorDataset(x), batch_size=16, device=dev))
        assert type(pred) is np.ndarray and pred.shape == (48, 3)
        results.append((hist.history["loss"], evals["loss"], evals["accuracy"], pred))
    (l0, e0, a0, p0), (l1, e1, a1, p1) = results
    np.testing.assert_allclose(l1, l0, rtol=1e-4)
    assert e1 == pytest.approx(e0, rel=1e-4)
    assert abs(a1 - a0) <= 1 / 48 + 1e-9  # a real GPU may flip one borderline prediction
    np.testing.assert_allclose(p1, p0, **tolerances(device))


# ---------------------------------------------------------------------- dropout
def test_dropout_on_the_gpu_draws_there_and_is_reproducible(gpu):
    x = gn.ones(64, 64, device=gpu)
    gn.manual_seed(5)
    if is_fake():
        transfers().reset()
    a = to_host(F.dropout(x, 0.25))
    if is_fake():
        assert transfers().h2d == 0, transfers().events  # the mask was drawn on the device
    gn.manual_seed(5)
    b = to_host(F.dropout(x, 0.25))
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.15 < (a == 0).mean() < 0.35
    from glassnet.ops.dropout import dropout_mask

    m = dropout_mask(x.array, 0.5, shape=(3, 5))  # e.g. attention weights' shape
    assert m.shape == (3, 5) and gn.backend.device_of(m) == gn.device(gpu) and m.dtype == np.float32


def test_dropout_with_a_host_generator_gives_the_cpu_mask(device):
    x = gn.ones(8, 8, device=device)
    got = to_host(F.dropout(x, 0.5, rng=np.random.default_rng(2)))
    want = F.dropout(gn.ones(8, 8), 0.5, rng=np.random.default_rng(2)).numpy()
    np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ explanations
def _explanations(model: nn.Module, x: np.ndarray) -> list[np.ndarray]:
    from glassnet.explain import (
        FeatureAblation,
        GradCAM,
        InputXGradient,
        IntegratedGradients,
        LimeSurrogate,
        NoiseTunnel,
        Occlusion,
        Saliency,
        cascading_randomization,
    )

    return [
        Saliency(model).attribute(x, target=1),
        InputXGradient(model).attribute(x, target=0),
        IntegratedGradients(model).attribute(x, target=[0, 2], n_steps=8),
        NoiseTunnel(Saliency(model)).attribute(x, nt_samples=3, target=1),
        Occlusion(model).attribute(
            x, sliding_window_shapes=(1, 4, 4), strides=(1, 4, 4), target=2
        ),
        FeatureAblation(model).attribute(x, target=0),
        LimeSurrogate(model).attribute(x, target=1, n_samples=30, patch_size=4),
        GradCAM(model, "3").attribute(x, target=1),
        np.array(
            [
                r
                for _, r in cascading_randomization(
                    model, lambda m: Saliency(m).attribute(x, target=1)
                )
            ]
        ),
    ]


def test_explanations_of_a_device_model_match_the_cpu(device):
    gn.manual_seed(0)
    model = seed_cnn(dropout=0.0, image_size=8).eval()
    x = np.random.default_rng(3).random((2, 1, 8, 8), dtype=np.float32)
    want = _explanations(model, x)
    got = _explanations(model.to(device), x)
    for k, (g, w) in enumerate(zip(got, want)):
        assert type(g) is np.ndarray, k
        tol = tolerances(device, loose=True)
        if k == len(got) - 1 and real_gpu(device):  # rank correlations: near-ties may swap
            tol = {"atol": 0.05}
        np.testing.assert_allclose(g, w, err_msg=f"explanation {k}", **tol)
    assert model.device == gn.device(device)  # cascading_randomization left the model alone


def test_attention_maps_of_a_device_model(device):
    from glassnet.explain import AttentionMaps

    gn.manual_seed(0)
    model = RowAttentionClassifier(hidden_size=8).eval().to(device)
    x = np.random.default_rng(0).random((2, 28, 28), dtype=np.float32)
    maps = AttentionMaps(model).attribute(x)["attention"]  # one entry per attention layer
    assert type(maps) is np.ndarray and maps.shape == (2, 28)
    np.testing.assert_allclose(maps.sum(axis=1), 1.0, rtol=1e-5)


# ------------------------------------------------------------ transfer budgets (fake)
@pytest.mark.parametrize("name", ["mlp", "seed_cnn", "lstm_attention"])
def test_a_gpu_training_step_moves_nothing_and_waits_once(name, monkeypatch):
    """Forward, loss, backward, clipping and Adam on the GPU: no host/device copies, and
    one read-back (validating the class indices) before the loss value is asked for."""
    device_params.fakecupy.install(monkeypatch)
    gn.manual_seed(0)
    model, shape = {
        "mlp": (
            lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3)),
            (4, 6),
        ),
        "seed_cnn": (lambda: seed_cnn(batch_norm=True), (4, 1, 28, 28)),
        "lstm_attention": (lambda: RowAttentionClassifier(hidden_size=8), (4, 28, 28)),
    }[name]
    model = model().to("cuda")
    opt = optim.Adam(model.parameters())
    x = gn.rand(*shape, device="cuda")
    y = gn.tensor([0, 1, 2, 1], device="cuda")
    for step in range(2):  # the second step runs with every buffer and state already made
        transfers().reset()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        t = transfers()
        assert (t.h2d, t.d2h, t.syncs) == (0, 0, 1), f"step {step}: {t.events}"
    float(loss)  # reading the loss is the one place a step has to wait
    assert transfers().syncs == 2


def test_fit_device_argument_moves_model_and_plain_array_batches(device):
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    opt = optim.SGD(model.parameters(), lr=0.1)
    hist = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=2, batch_size=8,
               verbose=0, seed=0, device=device)  # fmt: skip
    assert model.device == gn.device(device)
    assert len(hist.history["loss"]) == 2
    assert evaluate(model, (x, y), loss="cross_entropy")["accuracy"] >= 0.0
    assert predict(model, x).shape == (32, 3)
