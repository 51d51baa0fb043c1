"""glassnet's own API in PyTorch's dialect: argument spellings, dtype objects, ``to``,
named results, ``glassnet.nn.functional`` (no torch needed)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional
import glassnet.nn.functional as F
from glassnet import return_types


def test_dim_and_axis_spellings_agree_and_both_at_once_is_an_error():
    x = gn.tensor(np.arange(24.0).reshape(2, 3, 4))
    for name in ("sum", "mean", "amax", "amin", "logsumexp", "var", "std"):
        a = getattr(x, name)(dim=1, keepdim=True)
        b = getattr(x, name)(axis=1, keepdims=True)
        np.testing.assert_allclose(a.numpy(), b.numpy())
        assert a.shape == (2, 1, 4)
    with pytest.raises(TypeError, match="sum: give dim or axis, not both"):
        x.sum(dim=0, axis=1)
    assert x.squeeze(axis=0).shape == x.squeeze(dim=0).shape == (2, 3, 4)
    assert x.unsqueeze(axis=0).shape == x.unsqueeze(0).shape == (1, 2, 3, 4)
    assert gn.cat([x, x], axis=2).shape == gn.cat([x, x], dim=2).shape == (2, 3, 8)
    assert x.argmax(dim=2).shape == x.argmax(axis=2).shape == (2, 3)


def test_named_results_are_return_types():
    x = gn.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    assert isinstance(x.max(1), return_types.max) and isinstance(x.min(1), return_types.min)
    assert isinstance(x.sort(), return_types.sort) and isinstance(x.topk(2), return_types.topk)
    assert isinstance(x.kthvalue(1), return_types.kthvalue)
    assert isinstance(x.median(1), return_types.median)
    s = x.sort(descending=True)
    assert s.values.tolist() == [[3.0, 2.0, 1.0], [5.0, 4.0, 0.0]]
    assert s.indices.tolist() == [[0, 2, 1], [1, 2, 0]]


def test_sort_is_stable_both_ways():
    x = gn.tensor([2.0, 1.0, 2.0, 1.0])
    assert x.sort().indices.tolist() == [1, 3, 0, 2]
    assert x.sort(descending=True).indices.tolist() == [0, 2, 1, 3]


def test_dtype_objects_are_numpy_dtypes_with_torch_names():
    assert gn.float32 == np.float32 and gn.float is gn.float32 and gn.double is gn.float64
    assert gn.long is gn.int64 and gn.int is gn.int32 and gn.bool == np.bool_
    assert gn.half is gn.float16 and gn.uint8 == np.uint8
    x = gn.zeros(2)
    assert x.dtype == gn.float32 and x.to(gn.long).dtype == gn.long
    assert gn.get_default_dtype() is gn.float32 or gn.get_default_dtype() == gn.float32
    gn.set_default_dtype(gn.float64)
    try:
        assert gn.zeros(1).dtype == gn.float64 and gn.arange(0.5).dtype == gn.float64
    finally:
        gn.set_default_dtype(gn.float32)
    assert gn.finfo(gn.float32).eps == np.finfo(np.float32).eps
    assert gn.iinfo(gn.int8).max == 127
    assert float(2) == 2.0  # the package's names leave Python's builtins alone


@pytest.mark.parametrize(
    "call, dtype",
    [
        (lambda x: x.to(gn.float64), np.float64),
        (lambda x: x.to("cpu", gn.int64), np.int64),
        (lambda x: x.to(device="cpu", dtype=gn.int32), np.int32),
        (lambda x: x.to(gn.tensor([True])), np.bool_),
        (lambda x: x.to(float), np.float64),
        (lambda x: x.type(gn.long), np.int64),
        (lambda x: x.half(), np.float16),
        (lambda x: x.type_as(gn.tensor([1], dtype=gn.int16)), np.int16),
    ],
)
def test_to_reads_every_torch_form(call, dtype):
    assert call(gn.tensor([1.5, -2.0])).dtype == dtype


def test_to_without_a_change_is_the_tensor_itself_and_refuses_nonsense():
    x = gn.tensor([1.0])
    assert x.to("cpu") is x and x.to(gn.float32) is x
    assert x.to(gn.float32, copy=True) is not x
    with pytest.raises(TypeError, match=r"Tensor.to: expected a device .* got 3.5"):
        x.to(3.5)
    assert x.type() == "torch.FloatTensor" and gn.tensor([1]).type() == "torch.LongTensor"


def test_integer_division_and_mixed_operands_promote_like_torch():
    i = gn.tensor([1, 2, 3])
    assert (i / 2).dtype == gn.float32 and (i * 0.5).dtype == gn.float32
    assert (i + gn.tensor([0.5, 0.5, 0.5], dtype=gn.float64)).dtype == gn.float64
    assert (i // 2).dtype == gn.int64 and (i + 1).dtype == gn.int64
    assert i.div(2, rounding_mode="floor").tolist() == [0, 1, 1]


def test_nn_functional_is_one_module_with_two_names():
    assert glassnet.functional is F and gn.functional is F and gn.nn.functional is F
    x = gn.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(F.softmax(x, dim=1).numpy(), F.softmax(x, axis=1).numpy())
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        F.softmax(gn.zeros(2, 3, 4))


def test_functional_inplace_changes_the_input():
    x = gn.tensor([-1.0, 2.0])
    out = F.relu(x, inplace=True)
    assert out is x and x.tolist() == [0.0, 2.0]
    y = gn.tensor([-1.0, 2.0])
    assert F.leaky_relu(y, 0.5, inplace=False).tolist() == [-0.5, 2.0] and y.tolist() == [-1.0, 2.0]
    leaf = gn.tensor([-1.0, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        F.relu(leaf, inplace=True)


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros(3, dtype=np.float64)
    t = gn.from_numpy(a)
    t.add_(1)
    a[0] = 5
    assert t.dtype == np.float64 and t.tolist() == [5.0, 1.0, 1.0] and a.tolist() == [5.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        gn.from_numpy([1.0])


def test_selecting_methods_keep_the_graph():
    x = gn.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], requires_grad=True)
    y = x.gather(1, gn.tensor([[2], [0]])).sum() + x.masked_fill(x < 0, 0).sum()
    y = y + x.topk(1).values.sum() + x.flip(0)[0, 0] + x.roll(1, 1)[1, 0]
    y.backward()
    g = np.zeros((2, 3))
    g[0, 2] += 1 + 1 + 1  # gather, masked_fill, topk of row 0
    g[1, 0] += 1 + 1  # gather, masked_fill
    g[0, 0] += 1  # masked_fill
    g[1, 1] += 1 + 1  # masked_fill, topk of row 1
    g[1, 0] += 1  # flip(0)[0, 0]
    g[1, 2] += 1  # roll(1, 1)[1, 0]
    np.testing.assert_allclose(x.grad.numpy(), g)


def test_step_functions_stay_in_the_graph_with_a_zero_gradient():
    x = gn.tensor([1.4, -2.6], requires_grad=True)
    y = x.floor() + x.round() + x.sign() + x.trunc() + x.ceil()
    assert y.requires_grad
    (y + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])
    assert gn.tensor([3, -4]).floor().dtype == np.int64


def test_errors_name_the_call_and_the_bad_value():
    x = gn.zeros(2, 3)
    with pytest.raises(ValueError, match=r"topk: k=4 is out of range for dim -1 of size 3"):
        x.topk(4)
    with pytest.raises(ValueError, match=r"gather: index of shape \(2,\) does not fit input"):
        x.gather(1, gn.tensor([0, 1]))
    with pytest.raises(TypeError, match="scatter: give exactly one of src and value"):
        x.scatter(1, gn.tensor([[0]]))
    with pytest.raises(ValueError, match=r"repeat: 1 repeat counts for a tensor with 2 dims"):
        x.repeat(2)
    with pytest.raises(TypeError, match="glassnet.sum: expected a Tensor as input, got list"):
        gn.sum([1, 2])


def test_format_spec_on_a_0d_tensor_like_torch(torch):
    w = gn.tensor([1.23456, -2.5])
    assert f"{w[0]:+.2f} x^{1}" == "+1.23 x^1" == f"{torch.tensor([1.23456])[0]:+.2f} x^{1}"
    assert f"{gn.tensor(7):>3}" == "  7"
    assert f"{w}" == str(w)
    with pytest.raises(TypeError):
        f"{w:.2f}"  # noqa: B018  (torch refuses a format spec on a 1-D tensor too)
