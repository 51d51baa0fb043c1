"""torch.diff and torch.multinomial / Tensor.multinomial, checked against torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.testing import check_against_torch, check_gradients


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"dim": 0}, {"n": 2}, {"n": 3, "dim": 1}, {"n": 0}, {"n": 7}],
)
def test_diff_matches_torch(kwargs, rng, torch):
    x = rng.standard_normal((4, 5))
    check_against_torch(lambda a: gn.diff(a, **kwargs), lambda a: torch.diff(a, **kwargs), x)
    check_gradients(lambda a: a.diff(**kwargs) * 1.0, x)


def test_diff_with_prepend_and_append(rng, torch):
    x, p, q = rng.standard_normal((3, 4)), rng.standard_normal((3, 2)), rng.standard_normal((3, 1))

    def mine(a, b, c):
        return a.diff(n=2, prepend=b, append=c)

    def theirs(a, b, c):
        return torch.diff(a, n=2, prepend=b, append=c)

    check_against_torch(mine, theirs, x, p, q)
    check_gradients(mine, x, p, q)


def test_diff_of_bool_and_int_tensors_is_torchs(torch):
    b = [True, False, False, True]
    assert gn.diff(gn.tensor(b)).tolist() == torch.diff(torch.tensor(b)).tolist()
    assert gn.diff(gn.tensor([1, 4, 9])).dtype == np.int64


def test_diff_errors_name_the_argument():
    x = gn.ones(2, 3)
    with pytest.raises(ValueError, match="diff: order n must be a non-negative int, got -1"):
        x.diff(n=-1)
    with pytest.raises(ValueError, match="prepend must have the input's 2 dims"):
        x.diff(prepend=gn.tensor(1.0))
    with pytest.raises(TypeError, match="append must be a Tensor"):
        x.diff(append=0.0)


def test_multinomial_shapes_dtype_and_without_replacement():
    p = gn.tensor([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 1.0, 1.0]])
    out = gn.multinomial(p, 4)
    assert out.shape == (2, 4) and out.dtype == np.int64 and not out.requires_grad
    assert sorted(out[1].tolist()) == [0, 1, 2, 3]
    assert out[0, :3].tolist().count(1) == 0  # zero weight comes only after the others
    assert gn.tensor([0.5, 0.5, 0.0, 0.0]).multinomial(3).tolist()[:2] in ([0, 1], [1, 0])
    assert p[0].multinomial(6, replacement=True).shape == (6,)


def test_multinomial_frequencies_follow_the_weights():
    counts = np.bincount(
        gn.multinomial(gn.tensor([1.0, 2.0, 7.0]), 20000, True).numpy(), minlength=3
    )
    np.testing.assert_allclose(counts / 20000, [0.1, 0.2, 0.7], atol=0.015)
    rows = gn.tensor(np.tile([0.1, 0.2, 0.7], (20000, 1)))
    second = np.bincount(rows.multinomial(2)[:, 1].numpy(), minlength=3) / 20000
    # P(second = i) = sum over first j != i of p_j * p_i / (1 - p_j)
    np.testing.assert_allclose(second, [0.2583, 0.4889, 0.2528], atol=0.015)


def test_multinomial_generator_makes_it_reproducible():
    p = gn.tensor([0.2, 0.3, 0.5])
    a = gn.multinomial(p, 10, True, generator=gn.Generator().manual_seed(3))
    b = p.multinomial(10, replacement=True, generator=gn.Generator().manual_seed(3))
    assert a.tolist() == b.tolist()


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: gn.ones(2, 2, 2).multinomial(1), ValueError, "1 or 2 dim"),
        (lambda: gn.tensor([1, 2]).multinomial(1), TypeError, "floating-point"),
        (lambda: gn.ones(3).multinomial(0), ValueError, "num_samples <= 0"),
        (lambda: gn.ones(3).multinomial(4), ValueError, "without replacement"),
        (lambda: gn.tensor([1.0, -1.0]).multinomial(1), ValueError, "element < 0"),
        (lambda: gn.tensor([0.0, 0.0]).multinomial(1), ValueError, "sum of probabilities"),
        (lambda: gn.ones(3).multinomial(1, generator=3), TypeError, "generator must be"),
    ],
)
def test_multinomial_refuses_what_torch_refuses(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
