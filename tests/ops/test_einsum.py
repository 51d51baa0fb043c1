"""einsum: finite differences and agreement with PyTorch over the common equations."""

from __future__ import annotations

import pytest

from glassnet.ops.einsum import einsum
from glassnet.testing import check_against_torch, check_gradients

# equation -> operand shapes
EQUATIONS = {
    "ij,jk->ik": [(3, 4), (4, 5)],
    "bij,bjk->bik": [(2, 3, 4), (2, 4, 5)],
    "i,j->ij": [(3,), (4,)],
    "i,i->": [(5,), (5,)],
    "ij->ji": [(3, 4)],
    "ij->": [(3, 4)],
    "ij,k->i": [(3, 4), (5,)],  # k is summed in one operand only
    "bhqd,bhkd->bhqk": [(2, 2, 3, 4), (2, 2, 5, 4)],
    "ij,jk": [(3, 4), (4, 2)],  # implicit output: 'ik'
    "ij,jk,kl->il": [(2, 3), (3, 4), (4, 2)],
}


@pytest.mark.parametrize("equation", sorted(EQUATIONS))
def test_einsum_gradcheck(equation, rng):
    arrays = [rng.standard_normal(s) for s in EQUATIONS[equation]]
    check_gradients(lambda *t: einsum(equation, *t), *arrays)


@pytest.mark.parametrize("equation", sorted(EQUATIONS))
def test_einsum_matches_torch(equation, rng, torch):
    arrays = [rng.standard_normal(s) for s in EQUATIONS[equation]]
    check_against_torch(
        lambda *t: einsum(equation, *t), lambda *t: torch.einsum(equation, *t), *arrays
    )


def test_einsum_takes_a_list_like_torch(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    import glassnet as gn

    out = gn.einsum("ij,jk->ik", [gn.tensor(a), gn.tensor(b)])
    assert out.shape == (2, 2)


@pytest.mark.parametrize(
    "equation, shapes, message",
    [
        ("...ij->ij", [(2, 3)], r"einsum: ellipsis \('...'\) is not supported"),
        ("i1->i", [(3, 3)], r"einsum: operand subscripts must be letters, got 'i1'"),
        ("ij,jk->ik", [(3, 4)], r"einsum: 'ij,jk->ik' names 2 operands, got 1 tensors"),
        ("ij->ik", [(3, 4)], r"einsum: bad output subscripts 'ik'"),
        ("ijk->i", [(3, 4)], r"einsum: subscripts 'ijk' for an operand with 2 dims"),
    ],
)
def test_einsum_errors_name_the_equation(equation, shapes, message, rng):
    import glassnet as gn

    with pytest.raises(ValueError, match=message):
        einsum(equation, *[gn.tensor(rng.standard_normal(s)) for s in shapes])
