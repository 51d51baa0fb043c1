"""Shape ops and indexing: finite differences, agreement with PyTorch, and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import shape as S
from glassnet.testing import check_against_torch, check_gradients


def _both(fn, tfn, x):
    check_gradients(fn, x)
    check_against_torch(fn, tfn, x)


# ------------------------------------------------------------------ reshape / flatten
@pytest.mark.parametrize(
    "shape,new", [((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((2, 3, 4), (4, -1, 2)), ((), (1,)), ((1,), ())]
)  # fmt: skip
def test_reshape(shape, new, rng, torch):
    _both(lambda a: S.reshape(a, new), lambda a: a.reshape(new), rng.standard_normal(shape))


@pytest.mark.parametrize("start,end", [(0, -1), (1, -1), (0, 1), (-2, -1), (1, 1)])
def test_flatten(start, end, rng, torch):
    x = rng.standard_normal((2, 3, 4))
    _both(lambda a: S.flatten(a, start, end), lambda a: a.flatten(start, end), x)


def test_flatten_scalar_gives_one_element(torch):
    _both(lambda a: S.flatten(a), lambda a: a.flatten(), np.array(3.0))


def test_tensor_view_methods(rng, torch):
    x = rng.standard_normal((2, 3, 4))
    _both(lambda a: a.reshape(4, 6), lambda a: a.reshape(4, 6), x)
    _both(lambda a: a.view((3, 8)), lambda a: a.view((3, 8)), x)
    _both(lambda a: a.flatten(1), lambda a: a.flatten(1), x)


# ------------------------------------------------------------------ transpose family
@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1), (-1, 0, -2)])
def test_transpose(axes, rng, torch):
    x = rng.standard_normal((2, 3, 4))
    tfn = (lambda a: a.permute(2, 1, 0)) if axes is None else (lambda a: a.permute(*axes))
    _both(lambda a: S.transpose(a, axes), tfn, x)


@pytest.mark.parametrize("shape,a1,a2", [((3, 4), 0, 1), ((3, 4), 1, 0), ((2, 3, 4), 0, -1), ((2, 3, 4), 1, 2)])  # fmt: skip
def test_tensor_transpose_swaps_two_axes_like_torch(shape, a1, a2, rng, torch):
    _both(lambda a: a.transpose(a1, a2), lambda a: a.transpose(a1, a2), rng.standard_normal(shape))


def test_permute_and_T(rng, torch):
    x = rng.standard_normal((2, 3, 4))
    _both(lambda a: a.permute(1, 2, 0), lambda a: a.permute(1, 2, 0), x)
    m = rng.standard_normal((3, 5))
    _both(lambda a: a.T, lambda a: a.T, m)
    _both(lambda a: S.swapaxes(a, 0, 2), lambda a: a.swapaxes(0, 2), x)


# ------------------------------------------------------------------ indexing
INDICES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, 3),
    "step slice": slice(None, None, -2),
    "tuple": (0, slice(None), 2),
    "none": (None, 1),
    "ellipsis": (Ellipsis, 1),
    "ellipsis none": (0, Ellipsis, None),
    "int array repeats": np.array([0, 2, 0, 0]),
    "two int arrays": (np.array([0, 1, 1]), slice(None), np.array([3, 0, 3])),
    "int array and slice": (slice(None), np.array([[1, 1], [2, 0]])),
    "bool mask": np.array([True, False, True]),
    "bool mask 2d": np.array([[True, False, True, False], [False, False, True, True], [True] * 4]),
}


def _torch_index(index):
    import torch

    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    if isinstance(index, tuple):
        return tuple(_torch_index(i) for i in index)
    if isinstance(index, slice) and index.step is not None and index.step < 0:
        raise pytest.skip.Exception("torch has no negative-step slices")
    return index


@pytest.mark.parametrize("name", sorted(INDICES))
def test_getitem_gradcheck(name, rng):
    index = INDICES[name]
    check_gradients(lambda a: a[index], rng.standard_normal((3, 4, 5)))


@pytest.mark.parametrize("name", sorted(INDICES))
def test_getitem_matches_torch(name, rng, torch):
    index = INDICES[name]
    tidx = _torch_index(index)
    check_against_torch(lambda a: a[index], lambda a: a[tidx], rng.standard_normal((3, 4, 5)))


def test_negative_step_slice_values():
    x = np.arange(12.0).reshape(3, 4)
    t = gn.tensor(x, requires_grad=True)
    y = t[::-2, 1]
    np.testing.assert_array_equal(y.numpy(), x[::-2, 1])
    y.sum().backward()
    expected = np.zeros_like(x)
    expected[::-2, 1] = 1
    np.testing.assert_array_equal(t.grad.numpy(), expected)


def test_repeated_indices_accumulate_gradient():
    x = gn.tensor(np.zeros(4), requires_grad=True)
    x[[1, 1, 3, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 3, 0, 1])


def test_index_with_tensors_and_lists(rng):
    x = rng.standard_normal((4, 3))
    t = gn.tensor(x, requires_grad=True)
    np.testing.assert_array_equal(t[gn.tensor([2, 0])].numpy(), x[[2, 0]])
    mask = gn.tensor(x[:, 0] > 0)
    np.testing.assert_array_equal(t[mask].numpy(), x[x[:, 0] > 0])
    np.testing.assert_array_equal(t[[True, False, True, False]].numpy(), x[[0, 2]])
    np.testing.assert_array_equal(t[gn.tensor(1), 2].numpy(), x[1, 2])
    t[[3, 3]].sum().backward()
    np.testing.assert_array_equal(t.grad.numpy()[3], [2, 2, 2])


def test_index_on_scalar_tensor():
    s = gn.tensor(np.array(2.0), requires_grad=True)
    y = s[None]
    assert y.shape == (1,)
    (y * 3.0).sum().backward()
    assert s.grad.shape == () and s.grad.item() == 3.0


# ------------------------------------------------------------------ concat / stack / split
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis, rng, torch):
    shapes = {
        0: [(2, 3), (1, 3), (4, 3)],
        1: [(2, 1), (2, 3), (2, 2)],
        -1: [(2, 1), (2, 3), (2, 2)],
    }
    xs = [rng.standard_normal(s) for s in shapes[axis]]
    fn = lambda *a: S.concat(a, axis)  # noqa: E731
    check_gradients(fn, *xs)
    check_against_torch(fn, lambda *a: torch.cat(a, axis), *xs)


def test_concat_with_a_constant_input(rng):
    a = gn.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    b = gn.tensor(rng.standard_normal((3, 2)))
    S.concat([b, a]).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones((2, 2)))
    assert b.grad is None


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack(axis, rng, torch):
    xs = [rng.standard_normal((2, 3)) for _ in range(3)]
    fn = lambda *a: S.stack(a, axis)  # noqa: E731
    check_gradients(fn, *xs)
    check_against_torch(fn, lambda *a: torch.stack(a, axis), *xs)


@pytest.mark.parametrize("sections,axis", [(2, 0), (3, 1), ([1, 4, 0, 2], -1), ([3, 2], 0), (7, 1)])
def test_split(sections, axis, rng, torch):
    x = rng.standard_normal((5, 7))
    fn = lambda a: tuple(S.split(a, sections, axis))  # noqa: E731
    check_gradients(fn, x)
    check_against_torch(fn, lambda a: tuple(torch.split(a, sections, axis)), x)


def test_split_pieces_only_part_used(rng):
    x = gn.tensor(rng.standard_normal((6,)), requires_grad=True)
    a, b, c = S.split(x, 2)
    (b * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 2, 2, 0, 0])


# ------------------------------------------------------------------ pad
@pytest.mark.parametrize(
    "width,torch_width",
    [
        (1, (1, 1, 1, 1, 1, 1)),
        (((0, 0), (1, 2), (3, 0)), (3, 0, 1, 2)),
        ((2, 1), (2, 1)),
        ((1, 0, 0, 2), (1, 0, 0, 2)),
        ((1, 1, 2, 0, 0, 3), (1, 1, 2, 0, 0, 3)),
    ],
)
@pytest.mark.parametrize("value", [0.0, -1.5])
def test_pad_numpy_and_flat_torch_widths(width, torch_width, value, rng, torch):
    x = rng.standard_normal((2, 3, 4))
    fn = lambda a: S.pad(a, width, value)  # noqa: E731
    check_gradients(fn, x)
    check_against_torch(fn, lambda a: torch.nn.functional.pad(a, torch_width, value=value), x)


# ------------------------------------------------------------------ squeeze / unsqueeze / expand
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), 1])
def test_squeeze(axis, rng, torch):
    x = rng.standard_normal((1, 3, 1))
    tfn = (lambda a: a.squeeze()) if axis is None else (lambda a: a.squeeze(axis))
    _both(lambda a: S.squeeze(a, axis), tfn, x)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_unsqueeze(axis, rng, torch):
    _both(lambda a: S.unsqueeze(a, axis), lambda a: a.unsqueeze(axis), rng.standard_normal((3, 4)))


def test_squeeze_unsqueeze_scalar(torch):
    x = np.array(1.5)
    _both(lambda a: S.unsqueeze(a, -1), lambda a: a.unsqueeze(-1), x)
    _both(lambda a: S.squeeze(a, 0), lambda a: a.squeeze(0), x)


@pytest.mark.parametrize(
    "shape,target", [((3, 1), (3, 4)), ((4,), (2, 3, 4)), ((1, 4), (-1, 4)), ((3, 1), (2, -1, 5)), ((), (2, 2))]
)  # fmt: skip
def test_broadcast_to_and_expand(shape, target, rng, torch):
    x = rng.standard_normal(shape)
    _both(lambda a: S.broadcast_to(a, target), lambda a: a.expand(*target), x)
    _both(lambda a: a.expand(*target), lambda a: a.expand(*target), x)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda x: S.reshape(x, (5, 5)), ValueError, r"reshape: .*\(2, 3, 4\) into \(5, 5\)"),
        (lambda x: S.reshape(x, (-1, -1)), ValueError, r"reshape: .*\(-1, -1\)"),
        (lambda x: S.flatten(x, 2, 0), ValueError, r"flatten: start_dim 2 comes after end_dim 0"),
        (lambda x: S.flatten(x, 3), ValueError, r"flatten: axis 3 is out of range \[-3, 2\]"),
        (lambda x: S.transpose(x, (0, 1, 1)), ValueError, r"transpose: axes \(0, 1, 1\)"),
        (lambda x: S.transpose(x, (0, 5, 1)), ValueError, r"transpose: axis 5 is out of range"),
        (lambda x: S.swapaxes(x, 0, 3), ValueError, r"swapaxes: axis 3"),
        (lambda x: S.concat([x, gn.zeros(2, 4, 5)], 1), ValueError, r"concat: tensor 1 has shape \(2, 4, 5\)"),
        (lambda x: S.concat([x, x], 3), ValueError, r"concat: axis 3 is out of range"),
        (lambda x: S.concat([]), ValueError, r"concat: expected at least one tensor"),
        (lambda x: S.concat([gn.tensor(1.0)]), ValueError, r"concat: 0-d tensors"),
        (lambda x: S.stack([x, gn.zeros(2, 3)]), ValueError, r"stack: tensor 1 has shape \(2, 3\), expected \(2, 3, 4\)"),
        (lambda x: S.stack([x], 4), ValueError, r"stack: axis 4 is out of range \[-4, 3\]"),
        (lambda x: S.stack([]), ValueError, r"stack: expected at least one tensor"),
        (lambda x: S.split(x, 0, 1), ValueError, r"split: .*positive int, got 0"),
        (lambda x: S.split(x, [1, 1], 1), ValueError, r"split: sizes \[1, 1\] do not add up to 3 along axis 1"),
        (lambda x: S.split(x, [4, -1], 2), ValueError, r"split: sizes must be non-negative"),
        (lambda x: S.split(x, 1, 3), ValueError, r"split: axis 3"),
        (lambda x: S.pad(x, (1, 2, 3)), ValueError, r"pad: flat pad_width must hold pairs"),
        (lambda x: S.pad(x, ((1, 1), (1, 1))), ValueError, r"pad: expected 3 \(before, after\) pairs, got 2"),
        (lambda x: S.pad(x, -1), ValueError, r"pad: widths must be non-negative"),
        (lambda x: S.squeeze(x, 3), ValueError, r"squeeze: axis 3"),
        (lambda x: S.unsqueeze(x, 4), ValueError, r"unsqueeze: axis 4 is out of range \[-4, 3\]"),
        (lambda x: S.broadcast_to(x, (2, 5, 4)), ValueError, r"broadcast_to: cannot broadcast shape \(2, 3, 4\) to \(2, 5, 4\)"),
        (lambda x: S.unsqueeze(x, 1.0), TypeError, r"unsqueeze: axis must be an int, got 1.0"),
    ],
)  # fmt: skip
def test_errors_name_function_and_values(call, exc, match):
    with pytest.raises(exc, match=match):
        call(gn.randn(2, 3, 4))
