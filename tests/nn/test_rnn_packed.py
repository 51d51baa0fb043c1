"""nn.utils.rnn and packed input to RNN/LSTM/GRU, against torch with the same weights."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn.utils import rnn as R

LENGTHS = [5, 2, 4, 1]


def _seqs(rng, dim=3):
    return [rng.standard_normal((n, dim)).astype(np.float32) for n in LENGTHS]


def test_pad_and_pack_round_trip_like_torch(rng, torch):
    seqs = _seqs(rng)
    T = torch.nn.utils.rnn
    gp = R.pad_sequence([gn.tensor(s) for s in seqs], batch_first=True)
    tp = T.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True)
    np.testing.assert_array_equal(gp.numpy(), tp.numpy())
    gk = R.pack_padded_sequence(gp, LENGTHS, batch_first=True, enforce_sorted=False)
    tk = T.pack_padded_sequence(tp, LENGTHS, batch_first=True, enforce_sorted=False)
    np.testing.assert_array_equal(gk.data.numpy(), tk.data.numpy())
    np.testing.assert_array_equal(gk.batch_sizes, tk.batch_sizes.numpy())
    np.testing.assert_array_equal(gk.sorted_indices, tk.sorted_indices.numpy())
    back, lens = R.pad_packed_sequence(gk, batch_first=True, total_length=6)
    tback, tlens = T.pad_packed_sequence(tk, batch_first=True, total_length=6)
    np.testing.assert_array_equal(back.numpy(), tback.numpy())
    np.testing.assert_array_equal(lens, tlens.numpy())
    left = R.pad_sequence([gn.tensor(s) for s in seqs], padding_side="left", padding_value=-1.0)
    tleft = T.pad_sequence([torch.tensor(s) for s in seqs], padding_side="left", padding_value=-1.0)
    np.testing.assert_array_equal(left.numpy(), tleft.numpy())


CONFIGS = [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(batch_first=True)),
    ("GRU", dict(bidirectional=True)),
    ("RNN", dict(num_layers=2)),
]


@pytest.mark.parametrize("cls,kw", CONFIGS)
@pytest.mark.parametrize("with_hx", [False, True])
def test_rnns_on_packed_input_match_torch(cls, kw, with_hx, rng, torch):
    torch.manual_seed(0)
    t = getattr(torch.nn, cls)(3, 4, **kw)
    g = getattr(nn, cls)(3, 4, **kw)
    g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    seqs = _seqs(rng)
    gx = [gn.tensor(s, requires_grad=True) for s in seqs]
    tx = [torch.tensor(s, requires_grad=True) for s in seqs]
    gpk = R.pack_sequence(gx, enforce_sorted=False)
    tpk = torch.nn.utils.rnn.pack_sequence(tx, enforce_sorted=False)
    hx_g = hx_t = None
    if with_hx:
        d = 2 if kw.get("bidirectional") else 1
        shape = (kw.get("num_layers", 1) * d, len(seqs), 4)
        h0 = rng.standard_normal(shape).astype(np.float32)
        c0 = rng.standard_normal(shape).astype(np.float32)
        hx_g = (gn.tensor(h0), gn.tensor(c0)) if cls == "LSTM" else gn.tensor(h0)
        hx_t = (torch.tensor(h0), torch.tensor(c0)) if cls == "LSTM" else torch.tensor(h0)
    go, gh = g(gpk, hx_g)
    to, th = t(tpk, hx_t)
    assert isinstance(go, R.PackedSequence)
    np.testing.assert_allclose(go.data.numpy(), to.data.detach().numpy(), rtol=1e-5, atol=1e-6)
    gh = gh if isinstance(gh, tuple) else (gh,)
    th = th if isinstance(th, tuple) else (th,)
    for a, b in zip(gh, th):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    w = rng.standard_normal(go.data.shape).astype(np.float32)
    ((go.data * gn.tensor(w)).sum() + gh[0].sum()).backward()
    ((to.data * torch.tensor(w)).sum() + th[0].sum()).backward()
    for a, b in zip(gx, tx):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_segments_group_equal_batch_sizes():
    from glassnet.nn.layers.rnn_packed import segments

    assert segments(np.array([4, 4, 3, 1, 1])) == [(0, 2, 4, 0), (8, 1, 3, 2), (11, 2, 1, 3)]


def test_errors():
    x = gn.tensor(np.zeros((3, 2, 1)))
    with pytest.raises(ValueError, match=r"not sorted longest first; sort the batch or pass enforce_sorted=False"):
        R.pack_padded_sequence(x, [1, 3])
    with pytest.raises(ValueError, match=r"lengths must be in \[1, 3\]"):
        R.pack_padded_sequence(x, [4, 1])
    with pytest.raises(ValueError, match="pad_sequence: sequence 1 has shape"):
        R.pad_sequence([gn.tensor(np.zeros((2, 3))), gn.tensor(np.zeros((2, 4)))])


def _packed_to_program(lib):
    """packed.to(float64) / .double() into a float64 LSTM after flatten_parameters(), and
    all_weights; what it returns must match torch."""
    rnn = lib.nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)
    rnn.load_state_dict({k: lib.tensor(np.linspace(-0.5, 0.5, int(np.prod(tuple(v.shape))))
                                       .reshape(tuple(v.shape)).astype(np.float32))
                         for k, v in rnn.state_dict().items()})  # fmt: skip
    rnn = rnn.double()
    rnn.flatten_parameters()
    x = lib.tensor(np.arange(24.0, dtype=np.float32).reshape(3, 4, 2) / 10)
    packed = lib.nn.utils.rnn.pack_padded_sequence(x, [2, 4, 1], batch_first=True,
                                                  enforce_sorted=False)  # fmt: skip
    out, (h, c) = rnn(packed.to(lib.float64))
    same, _ = rnn(packed.double())
    padded, _ = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    shapes = [[tuple(w.shape) for w in ws] for ws in rnn.all_weights]
    return (padded.detach().numpy(), h.detach().numpy(), str(out.data.dtype),
            np.array_equal(same.data.detach().numpy(), out.data.detach().numpy()), shapes,
            type(packed.float()).__name__, packed.cpu().is_cuda)


def test_packed_sequence_to_and_rnn_bookkeeping_agree_with_torch(torch):
    ours, theirs = _packed_to_program(gn), _packed_to_program(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-12)
    assert ours[2].removeprefix("torch.") == theirs[2].removeprefix("torch.")
    assert ours[3:] == theirs[3:]
