"""Streaming: chunked runs equal whole-sequence runs; TBPTT gradients equal per-chunk sums with detached states."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn


def _chunks(total, size):
    return [(s, min(s + size, total)) for s in range(0, total, size)]


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_chunked_forward_equals_whole_sequence(name, batch_first, rng):
    rnn = getattr(nn, name)(3, 5, num_layers=2, bidirectional=False, batch_first=batch_first,
                            dtype=np.float64)  # fmt: skip
    t_len, n = 23, 4
    x = gn.tensor(rng.standard_normal((n, t_len, 3) if batch_first else (t_len, n, 3)))
    whole, final = rnn(x)
    srnn = nn.StatefulRNN(rnn)
    ax = 1 if batch_first else 0
    pieces = [chunk.output.numpy() for chunk in nn.stream(srnn, x, chunk_len=5)]
    np.testing.assert_array_equal(np.concatenate(pieces, axis=ax), whole.numpy())  # bit for bit
    got = srnn.state[0] if name == "LSTM" else srnn.state
    want = final[0] if name == "LSTM" else final
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-14)


def test_state_is_detached_and_reset(rng):
    srnn = nn.StatefulRNN(nn.LSTM(2, 3, batch_first=True))
    x = gn.tensor(rng.standard_normal((2, 4, 2)).astype(np.float32))
    srnn(x)
    h, c = srnn.state
    assert h.grad_fn is None and not h.requires_grad and c.grad_fn is None
    assert "carrying a state" in repr(srnn)
    second = srnn(x).numpy()
    srnn.reset_state()
    assert srnn.state is None
    fresh = srnn(x).numpy()
    np.testing.assert_array_equal(fresh, nn.LSTM.forward(srnn.rnn, x)[0].numpy())
    assert not np.allclose(second, fresh)


def test_tbptt_gradients_equal_torch_per_chunk_sums(rng, torch):
    """Streaming with backward() per chunk == torch, state detached between chunks."""
    t_len, n, chunk = 17, 3, 6
    x = rng.standard_normal((n, t_len, 2))
    y = rng.standard_normal((n, t_len, 4))
    tm = torch.nn.LSTM(2, 4, batch_first=True).double()
    gm = nn.StatefulRNN(nn.LSTM(2, 4, batch_first=True, dtype=np.float64))
    gm.rnn.load_state_dict(tm.state_dict())
    # glassnet: stream(), one backward per chunk, gradients accumulate in .grad
    gy = gn.tensor(y)
    for start, stop, out in nn.stream(gm, gn.tensor(x), chunk):
        ((out - gy[:, start:stop]) ** 2).sum().backward()
    # torch: the same loop written by hand with detached states
    state = None
    tx, ty = torch.tensor(x), torch.tensor(y)
    for start, stop in _chunks(t_len, chunk):
        out, state = tm(tx[:, start:stop], state)
        ((out - ty[:, start:stop]) ** 2).sum().backward()
        state = tuple(s.detach() for s in state)
    tp = dict(tm.named_parameters())
    for k, p in gm.rnn.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[k].grad.numpy(), atol=1e-10, err_msg=k)


def test_tbptt_equals_sum_of_independent_chunk_gradients(rng):
    """Each chunk's gradient is that of the chunk run alone from the (constant) carried state."""
    t_len, n, chunk = 12, 2, 5
    rnn = nn.GRU(2, 3, dtype=np.float64)
    x = gn.tensor(rng.standard_normal((t_len, n, 2)))
    srnn = nn.StatefulRNN(rnn)
    for _, _, out in nn.stream(srnn, x, chunk):
        out.sum().backward()
    streamed = {k: p.grad.numpy().copy() for k, p in rnn.named_parameters()}
    rnn.zero_grad()
    total = {k: 0.0 for k in streamed}
    state = None
    for start, stop in _chunks(t_len, chunk):
        out, hn = rnn(x[start:stop], None if state is None else gn.tensor(state))
        out.sum().backward()
        for k, p in rnn.named_parameters():
            total[k] = total[k] + p.grad.numpy()
        rnn.zero_grad()
        state = hn.numpy()
    for k in streamed:
        np.testing.assert_allclose(streamed[k], total[k], atol=1e-12, err_msg=k)
    # and truncation is real: full backpropagation through time differs
    rnn(x)[0].sum().backward()
    assert not np.allclose(rnn.weight_hh_l0.grad.numpy(), streamed["weight_hh_l0"])


def test_stream_inside_a_model_and_time_axis(rng):
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.StatefulRNN(nn.RNN(1, 4))
            self.head = nn.Linear(4, 1)

        def forward(self, x):
            return self.head(self.rnn(x))

    model = Model()
    series = gn.tensor(rng.standard_normal((10, 2, 1)).astype(np.float32))
    got = [(c.start, c.stop, c.output.shape) for c in nn.stream(model, series, 4)]
    assert got == [(0, 4, (4, 2, 1)), (4, 8, (4, 2, 1)), (8, 10, (2, 2, 1))]
    assert model.rnn.state is not None
    # reset=False continues from the carried state
    first = next(nn.stream(model, series, 4, reset=False)).output.numpy()
    again = next(nn.stream(model, series, 4)).output.numpy()
    assert not np.allclose(first, again)


def test_batch_change_is_an_error():
    srnn = nn.StatefulRNN(nn.GRU(2, 3, batch_first=True))
    srnn(gn.zeros(4, 5, 2))
    with pytest.raises(ValueError, match=r"GRU\(2, 3, batch_first=True\) \(streaming\): the carried state is for a batch of 4, got input of shape \(3, 5, 2\); call reset_state\(\)"):  # fmt: skip
        srnn(gn.zeros(3, 5, 2))


def test_stream_errors():
    with pytest.raises(TypeError, match="StatefulRNN: expected an RNN, LSTM or GRU, got Linear"):
        nn.StatefulRNN(nn.Linear(2, 3))
    srnn = nn.StatefulRNN(nn.GRU(2, 3))
    with pytest.raises(ValueError, match="stream: chunk_len must be a positive int, got 0"):
        next(nn.stream(srnn, gn.zeros(5, 1, 2), 0))
    with pytest.raises(ValueError, match="stream: Linear holds no StatefulRNN"):
        next(nn.stream(nn.Linear(2, 3), gn.zeros(5, 1, 2), 2))
    with pytest.raises(ValueError, match=r"stream: time_axis 3 is out of range for a series of shape \(5, 1, 2\)"):  # fmt: skip
        next(nn.stream(srnn, gn.zeros(5, 1, 2), 2, time_axis=3))


def test_carried_state_follows_the_model_to_another_device(gpu):
    from glassnet import nn

    gn.manual_seed(0)
    srnn = nn.StatefulRNN(nn.LSTM(3, 4, batch_first=True))
    x = gn.randn(2, 5, 3)
    srnn(x[:, :2])  # state now on the CPU
    srnn.to(gpu)
    out = srnn(x[:, 2:].to(gpu))  # the carried state moves with the model
    assert out.device == gn.device(gpu)
    h, c = srnn.state
    assert h.device == gn.device(gpu) and c.device == gn.device(gpu)
