"""nn.DataParallel: the batch sliced over threads gives the whole batch's outputs and gradients."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import _blas, nn, optim
from glassnet.models import seed_cnn
from glassnet.ops import _parallel


def _cnn(seed: int = 0, batch_norm: bool = False, dropout: float = 0.0) -> nn.Module:
    gn.manual_seed(seed)
    m = seed_cnn(batch_norm=batch_norm)
    for mod in m.modules():
        if isinstance(mod, nn.Dropout):
            mod.p = dropout
    return m


def _batch(n: int = 10, seed: int = 1) -> tuple[gn.Tensor, gn.Tensor]:
    rng = np.random.default_rng(seed)
    x = gn.tensor(rng.standard_normal((n, 1, 28, 28)))
    y = gn.tensor(rng.integers(0, 10, n))
    return x, y


def _grads(model: nn.Module) -> list[np.ndarray]:
    return [p.grad.numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("threads", [2, 3])
def test_outputs_and_gradients_equal_the_unsliced_model(threads):
    m = _cnn().to(dtype=np.float64)
    x, y = _batch()
    ref_out = m(x)
    F.cross_entropy(ref_out, y).backward()
    ref = _grads(m)
    m.zero_grad()
    dp = nn.DataParallel(m, threads=threads)
    out = dp(x)
    assert out.shape == ref_out.shape
    np.testing.assert_allclose(out.numpy(), ref_out.numpy(), rtol=1e-12, atol=1e-12)
    F.cross_entropy(out, y).backward()
    for a, b in zip(_grads(m), ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # replicas keep no gradients; the wrapper's parameters are the module's
    assert all(q.grad is None for r in dp._replicas for q in r.parameters())
    assert [id(p) for p in dp.parameters()] == [id(p) for p in m.parameters()]


def test_slices_run_in_separate_threads_with_blas_on_one_thread():
    m = _cnn().to(dtype=np.float64)
    seen = []
    ctl = _blas.controller()

    def hook(mod, inputs, out):
        seen.append((threading.get_ident(), inputs[0].shape[0], ctl.get() if ctl else None))

    m.register_forward_hook(hook)
    dp = nn.DataParallel(m, threads=2)
    x, y = _batch(9)
    before = ctl.get() if ctl else None
    F.cross_entropy(dp(x), y).backward()
    assert sorted(n for _, n, _ in seen) == [4, 5]
    assert len({t for t, _, _ in seen}) == 2
    if ctl is not None:
        assert {b for _, _, b in seen} == {1}
        assert ctl.get() == before  # restored


def test_training_steps_match_the_unsliced_model():
    """A few Adam steps (optimizer split over threads too) track the plain model's."""
    x, y = _batch(16)
    results = []
    for parallel in (False, True):
        m = _cnn(seed=3).to(dtype=np.float64)
        model = nn.DataParallel(m, threads=2) if parallel else m
        opt = optim.Adam(m.parameters(), lr=1e-3)
        _parallel.set_num_threads(2 if parallel else 1)
        try:
            for _ in range(3):
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()
        finally:
            _parallel.set_num_threads(_parallel._default_threads())
        results.append([p.numpy().copy() for p in m.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_gradients_accumulate_over_calls():
    m = _cnn().to(dtype=np.float64)
    dp = nn.DataParallel(m, threads=2)
    x, y = _batch(8)
    F.cross_entropy(m(x), y).backward()
    once = _grads(m)
    F.cross_entropy(dp(x), y).backward()
    for a, b in zip(_grads(m), once):
        np.testing.assert_allclose(a, 2 * b, rtol=1e-10, atol=1e-12)


def test_dropout_masks_are_reproducible_from_the_seed():
    x, y = _batch(8)
    outs = []
    for _ in range(2):
        m = _cnn(dropout=0.5).to(dtype=np.float64)
        dp = nn.DataParallel(m, threads=2)
        gn.manual_seed(11)
        outs.append(dp(x).numpy())
    np.testing.assert_array_equal(outs[0], outs[1])
    m.eval()
    with gn.no_grad():
        assert not np.allclose(outs[0], m(x).numpy())  # dropout was on


def test_batch_norm_statistics_come_from_the_first_slice_only():
    m = _cnn(batch_norm=True).to(dtype=np.float64)
    ref = _cnn(batch_norm=True).to(dtype=np.float64)
    dp = nn.DataParallel(m, threads=2)
    x, y = _batch(8)
    F.cross_entropy(dp(x), y).backward()
    ref(x[:4])  # the first slice alone updates the running statistics
    for (name, a), (_, b) in zip(m.named_buffers(), ref.named_buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, err_msg=name)
    # the second step's replica starts again from the module's statistics
    dp(x)
    rep_stats = dict(dp._replicas[0].named_buffers())
    for name, b in m.named_buffers():
        assert rep_stats[name].numpy().shape == b.numpy().shape


def test_inference_under_no_grad_is_sliced_and_exact():
    m = _cnn().to(dtype=np.float64).eval()
    dp = nn.DataParallel(m, threads=2)
    x, _ = _batch(7)
    with gn.no_grad():
        a, b = dp(x), m(x)
    assert not a.requires_grad
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


class _TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 3)
        self.b = nn.Linear(4, 2)

    def forward(self, x, scale=None):
        out = self.a(x), self.b(x)
        return out if scale is None else (out[0] * scale, out[1])


def test_tuple_outputs_and_sliced_keyword_tensors():
    gn.manual_seed(0)
    m = _TwoHeads().to(dtype=np.float64)
    dp = nn.DataParallel(m, threads=2)
    rng = np.random.default_rng(0)
    x = gn.tensor(rng.standard_normal((6, 4)))
    scale = gn.tensor(rng.standard_normal((6, 1)))
    ya, yb = dp(x, scale=scale)
    ra, rb = m(x, scale=scale)
    np.testing.assert_allclose(ya.numpy(), ra.numpy(), rtol=1e-12)
    np.testing.assert_allclose(yb.numpy(), rb.numpy(), rtol=1e-12)
    ((ya**2).sum() + yb.sum()).backward()
    got = _grads(m)
    m.zero_grad()
    ((ra**2).sum() + rb.sum()).backward()
    for a, b in zip(got, _grads(m)):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_falls_back_to_the_module_where_slicing_does_not_apply():
    m = _cnn().to(dtype=np.float64)
    dp = nn.DataParallel(m, threads=2)
    calls = []
    m.register_forward_hook(lambda mod, i, o: calls.append(i[0].shape[0]))
    dp(_batch(3)[0])  # 3 < threads * min_batch
    xg = gn.tensor(_batch(9)[0].numpy(), requires_grad=True)
    dp(xg).sum().backward()  # an input that needs a gradient (saliency): unsliced
    assert xg.grad is not None
    m.eval()
    dp(_batch(8)[0])  # evaluation mode with gradients on (explanations): unsliced
    assert calls == [3, 9, 8]


def test_replicas_follow_a_changed_module():
    m = _cnn().to(dtype=np.float64)
    dp = nn.DataParallel(m, threads=2)
    x, y = _batch(6)
    dp(x)
    m.load_state_dict({k: v * 0.5 for k, v in m.state_dict().items()})
    with gn.no_grad():
        m.eval()
        np.testing.assert_allclose(dp(x).numpy(), m(x).numpy(), rtol=1e-12)


def test_errors_name_the_wrapper():
    with pytest.raises(TypeError, match=r"DataParallel: expected a Module, got int"):
        nn.DataParallel(3)
    with pytest.raises(ValueError, match=r"DataParallel: threads must be a positive int, got 0"):
        nn.DataParallel(nn.Linear(2, 2), threads=0)
    dp = nn.DataParallel(nn.Linear(2, 2), threads=2)
    with pytest.raises(
        TypeError, match=r"first argument must be a Tensor with a batch dimension 0"
    ):
        dp(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"DataParallel: dim must be a non-negative int, got -1"):
        nn.DataParallel(nn.Linear(2, 2), dim=-1)

    class Reduces(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            return self.lin(x).sum()

    with pytest.raises(ValueError, match=r"every output must keep the batch dimension 0; a slice "
                       r"of 2 gave an output of shape \(\)"):  # fmt: skip
        nn.DataParallel(Reduces(), threads=2)(gn.zeros((4, 2)))

    class Bad(nn.Module):
        def forward(self, x):
            return x, "label"

    with pytest.raises(TypeError, match=r"must return a Tensor, or a tuple, list or dict of "
                       r"Tensors, got tuple with non-Tensor items"):  # fmt: skip
        nn.DataParallel(Bad(), threads=2)(gn.zeros((4, 2)))


def test_an_error_in_a_slice_is_raised_and_blas_restored():
    ctl = _blas.controller()
    before = ctl.get() if ctl else None

    class Fails(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            if x.shape[0] == 3:
                raise RuntimeError("slice failed")
            return self.lin(x)

    with pytest.raises(RuntimeError, match="slice failed"):
        nn.DataParallel(Fails(), threads=2)(gn.zeros((5, 2)))
    if ctl is not None:
        assert ctl.get() == before


def test_blas_limit_sets_and_restores():
    ctl = _blas.controller()
    if ctl is None:
        pytest.skip("no BLAS thread control in this process")
    before = ctl.get()
    with _blas.limit(1) as ok:
        assert ok and ctl.get() == 1
    assert ctl.get() == before


def test_time_major_sequences_are_sliced_along_dim_1():
    """An LSTM with batch_first=False takes (T, N, F): dim=1 slices the batch, not time."""
    gn.manual_seed(0)
    lstm = nn.LSTM(3, 5).to(dtype=np.float64)

    class Last(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = lstm

        def forward(self, x):
            return self.lstm(x)[0]  # (T, N, H)

    m = Last()
    dp = nn.DataParallel(m, threads=2, dim=1)
    x = gn.tensor(np.random.default_rng(0).standard_normal((7, 6, 3)))
    out = dp(x)
    ref = m(x)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)
    (out**2).sum().backward()
    got = _grads(m)
    m.zero_grad()
    (ref**2).sum().backward()
    for a, b in zip(got, _grads(m)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_replicas_follow_attribute_hook_and_structure_changes():
    m = _cnn(dropout=0.5).to(dtype=np.float64)
    dp = nn.DataParallel(m, threads=2)
    x, y = _batch(8)
    dp(x)
    for mod in m.modules():  # dropout switched off after the replicas were made
        if isinstance(mod, nn.Dropout):
            mod.p = 0.0
    seen = []
    m.register_forward_hook(lambda mod, i, o: seen.append(i[0].shape[0]))  # hooks too
    out = dp(x)
    with gn.no_grad():
        np.testing.assert_allclose(out.numpy(), m(x).numpy(), rtol=1e-12, atol=1e-12)
    assert sorted(seen[:2]) == [4, 4]
    # a layer replaced by another of a different kind: the replicas are copied again
    last = list(m._modules)[-1]
    setattr(m, last, nn.Sequential(nn.Linear(1024, 10), nn.Tanh()).to(dtype=np.float64))
    old = dp._replicas[0]
    with gn.no_grad():
        np.testing.assert_allclose(dp(x).numpy(), m(x).numpy(), rtol=1e-12, atol=1e-12)
    assert dp._replicas[0] is not old


def test_a_blas_without_thread_control_is_reported_once(monkeypatch):
    from glassnet.nn import parallel

    monkeypatch.setattr(_blas, "controller", lambda: None)
    monkeypatch.setattr(parallel, "_warned", [])
    dp = nn.DataParallel(nn.Linear(2, 2), threads=2)
    with pytest.warns(RuntimeWarning, match=r"DataParallel: the BLAS library's thread count"):
        dp(gn.zeros((4, 2)))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dp(gn.zeros((4, 2)))  # only once
