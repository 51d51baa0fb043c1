"""Round 2 of hostile PyTorch scripts: what they hit, each as a fast regression test."""

from __future__ import annotations

import operator

import pytest

import glassnet as gn


def test_a_one_element_integer_tensor_is_an_index():
    # char-RNN batching: ``for i in idx: data[i : i + seq]`` with idx a 1-D int64 tensor
    data = gn.arange(10)
    idx = gn.tensor([2, 5])
    assert [data[i : i + 3].tolist() for i in idx] == [[2, 3, 4], [5, 6, 7]]
    assert ["a", "b", "c"][gn.tensor(1)] == "b" and list(range(gn.tensor([3]))) == [0, 1, 2]
    assert operator.index(gn.tensor(True)) == 1


@pytest.mark.parametrize("bad", [gn.tensor(2.0), gn.tensor([1, 2])])
def test_other_tensors_are_not_an_index_as_in_torch(bad):
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        operator.index(bad)
