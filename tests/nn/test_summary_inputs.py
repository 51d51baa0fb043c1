"""``Module.summary`` for models that do not take one float tensor: several inputs,
token indices, keyword arguments and given data (torchinfo's ``input_size`` list,
``dtypes`` and ``input_data``)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn


class _TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 3)
        self.b = nn.Linear(5, 3)

    def forward(self, x, y=None):
        return self.a(x) + self.b(y)


class _Tokens(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(100, 8)
        self.rnn = nn.GRU(8, 16, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(32, 2)

    def forward(self, t):
        out, _ = self.rnn(self.emb(t))
        return self.fc(out[:, -1])


def test_a_list_of_shapes_feeds_several_inputs():
    s = _TwoInputs().summary([(2, 4), (2, 5)])
    assert s.input_shape == ((2, 4), (2, 5))
    assert [r.name for r in s.rows] == ["a", "b"]
    assert [r.flops for r in s.rows] == [2 * 4 * 6, 2 * 5 * 6]
    assert s.input_bytes == (8 + 10) * 4
    assert s.to_dict()["input_shape"] == [[2, 4], [2, 5]]
    assert str(s).splitlines()[0] == "_TwoInputs, inputs [2, 4], [2, 5]"


def test_input_data_as_keyword_arguments_and_arrays():
    kw = _TwoInputs().summary(input_data={"x": gn.zeros((3, 4)), "y": np.zeros((3, 5), np.float32)})
    assert kw.input_shape == ((3, 4), (3, 5))
    assert [r.output_shape for r in kw.rows] == [(3, 3), (3, 3)]
    one = nn.Linear(4, 2).summary(input_data=gn.zeros((7, 4)))
    assert one.input_shape == (7, 4) and one.rows[0].flops == 2 * 4 * 14


def test_token_indices_with_an_integer_dtype():
    m = _Tokens()
    s = m.summary((2, 10), dtype=gn.int64)
    assert [r.name for r in s.rows] == ["emb", "rnn", "fc"]
    assert s.total_params == sum(p.numel() for p in m.parameters())
    gru = (
        2 * 3 * 16 * (8 + 16) * 10 * 2 * 2
    )  # per step, layer, direction; x 10 steps, 2 dirs, batch 2
    assert s.rows[1].flops == gru
    assert m.summary(input_data=np.zeros((2, 10), np.int64)).total_flops == s.total_flops


def test_wrong_inputs_say_what_to_pass():
    with pytest.raises(
        ValueError, match=r"cannot run on an input of shape \(2, 10\) \(float32\): .*dtype=gn.int64"
    ):
        _Tokens().summary((2, 10))
    with pytest.raises(ValueError, match="exactly one of input_shape and input_data"):
        _TwoInputs().summary()
    with pytest.raises(ValueError, match="exactly one of input_shape and input_data"):
        _TwoInputs().summary((2, 4), input_data=gn.zeros((2, 4)))
    with pytest.raises(ValueError, match="dtype gives 1 dtypes for 2 inputs"):
        _TwoInputs().summary([(2, 4), (2, 5)], dtype=[gn.float32])
    with pytest.raises(ValueError, match=r"list of such tuples .* got \[\(2, 4\), 5\]"):
        _TwoInputs().summary([(2, 4), 5])
    with pytest.raises(TypeError, match="input_data must be a Tensor or array"):
        _TwoInputs().summary(input_data="x")
