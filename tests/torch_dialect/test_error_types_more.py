"""More bad calls that raise torch's exception class in glassnet too (second pass).

The same harness as ``test_error_types.py``: each case is one wrong call ``fn(lib)`` run
with ``lib`` = torch and ``lib`` = glassnet; glassnet's exception must be an instance of
the class torch raised (so ``except RuntimeError:`` / ``except IndexError:`` in a PyTorch
script catches it) and still of the class glassnet raised before (``ValueError`` for
most), so glassnet code written ``except ValueError:`` keeps working. This pass covers
``einsum``, attention, the losses, ``F.pad``, ``interpolate``, indexing ops, the
dim and size checks of the view ops, ``repeat``/``expand``, and the layers' input checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import glassnet as gn
from tests.torch_dialect.test_error_types import _raised

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.filterwarnings("ignore:Using a target size:UserWarning"),
    pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning"),
]


def _f(lib: Any) -> Any:
    return lib.nn.functional


# (name, bad call, the class glassnet raised before torch's class was added to it)
CASES: list[tuple[str, Callable[[Any], Any], type[BaseException]]] = [
    # einsum: torch's RuntimeError "operands do not broadcast with remapped shapes"
    ("einsum sizes", lambda t: t.einsum("ij,jk->ik", t.ones(2, 3), t.ones(4, 5)), ValueError),
    ("einsum operands", lambda t: t.einsum("ij,jk->ik", t.ones(2, 3)), ValueError),
    ("einsum subscripts", lambda t: t.einsum("ij,jk->ik", t.ones(2, 3, 1), t.ones(3, 5)),
     ValueError),
    ("einsum ellipsis operands", lambda t: t.einsum("...ij,...jk->...ik", t.ones(2, 3)),
     ValueError),
    # attention: query/key/value and mask shapes
    ("sdpa qk", lambda t: _f(t).scaled_dot_product_attention(
        t.ones(2, 3, 4), t.ones(2, 3, 5), t.ones(2, 3, 5)), ValueError),
    ("sdpa kv", lambda t: _f(t).scaled_dot_product_attention(
        t.ones(2, 3, 4), t.ones(2, 3, 4), t.ones(2, 5, 4)), ValueError),
    ("sdpa mask", lambda t: _f(t).scaled_dot_product_attention(
        t.ones(2, 3, 4), t.ones(2, 3, 4), t.ones(2, 3, 4), attn_mask=t.ones(4, 4)), ValueError),
    ("MultiheadAttention attn_mask", lambda t: t.nn.MultiheadAttention(4, 2)(
        t.ones(3, 2, 4), t.ones(3, 2, 4), t.ones(3, 2, 4), attn_mask=t.ones(5, 5)), ValueError),
    # losses: input/target shapes and class indices
    ("cross_entropy batch", lambda t: _f(t).cross_entropy(t.ones(2, 3), t.tensor([0, 1, 2])),
     ValueError),
    ("CrossEntropyLoss batch",
     lambda t: t.nn.CrossEntropyLoss()(t.ones(2, 3), t.tensor([0, 1, 2])), ValueError),
    ("nll_loss batch", lambda t: _f(t).nll_loss(t.ones(2, 3), t.tensor([0, 1, 2])), ValueError),
    ("nll_loss class", lambda t: _f(t).nll_loss(t.ones(2, 3), t.tensor([0, 5])), ValueError),
    ("binary_cross_entropy", lambda t: _f(t).binary_cross_entropy(
        t.full((2, 3), 0.5), t.ones(2, 4)), ValueError),
    ("BCELoss", lambda t: t.nn.BCELoss()(t.full((2, 3), 0.5), t.ones(2, 4)), ValueError),
    ("bce_with_logits", lambda t: _f(t).binary_cross_entropy_with_logits(
        t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("l1_loss", lambda t: _f(t).l1_loss(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("L1Loss", lambda t: t.nn.L1Loss()(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("smooth_l1_loss", lambda t: _f(t).smooth_l1_loss(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("huber_loss", lambda t: _f(t).huber_loss(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("kl_div", lambda t: _f(t).kl_div(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("cosine_embedding_loss", lambda t: _f(t).cosine_embedding_loss(
        t.ones(2, 3), t.ones(2, 4), t.ones(2)), ValueError),
    ("one_hot", lambda t: _f(t).one_hot(t.tensor([5]), 3), ValueError),
    # F.pad and interpolate
    ("pad too many", lambda t: _f(t).pad(t.ones(2, 3), (1, 1, 1, 1, 1, 1)), ValueError),
    ("pad odd", lambda t: _f(t).pad(t.ones(2, 3), (1, 1, 1)), ValueError),
    ("pad reflect", lambda t: _f(t).pad(t.ones(1, 2, 3), (3, 3), mode="reflect"), ValueError),
    ("interpolate size", lambda t: _f(t).interpolate(t.ones(1, 1, 4, 4), size=(2, 2, 2)),
     ValueError),
    ("interpolate neither", lambda t: _f(t).interpolate(t.ones(1, 1, 4, 4)), ValueError),
    # indices out of range: torch's IndexError
    ("embedding negative", lambda t: _f(t).embedding(t.tensor([-1]), t.ones(3, 2)), IndexError),
    ("index_select dim", lambda t: t.index_select(t.ones(2, 3), 5, t.tensor([0])), ValueError),
    ("take", lambda t: t.take(t.ones(2, 3), t.tensor([9])), IndexError),
    ("index_put", lambda t: t.ones(3).index_put((t.tensor([5]),), t.tensor([1.0])), IndexError),
    # dims and sizes of the view ops
    ("squeeze negative dim", lambda t: t.ones(2, 3).squeeze(-5), ValueError),
    ("flatten dim", lambda t: t.ones(2, 3).flatten(0, 5), ValueError),
    ("flatten order", lambda t: t.ones(2, 3, 4).flatten(2, 1), ValueError),
    ("movedim", lambda t: t.ones(2, 3).movedim(0, 5), IndexError),
    ("narrow dim", lambda t: t.ones(2, 3).narrow(5, 0, 1), ValueError),
    ("narrow length", lambda t: t.ones(2, 3).narrow(1, 2, 5), ValueError),
    ("select index", lambda t: t.ones(2, 3).select(1, 5), IndexError),
    ("select dim", lambda t: t.ones(2, 3).select(5, 0), ValueError),
    ("split dim", lambda t: t.ones(2, 3).split(1, 5), ValueError),
    ("chunk dim", lambda t: t.ones(2, 3).chunk(2, 5), ValueError),
    ("unbind dim", lambda t: t.ones(2, 3).unbind(5), ValueError),
    ("cat dim", lambda t: t.cat([t.ones(2, 3), t.ones(2, 3)], dim=5), ValueError),
    ("stack dim", lambda t: t.stack([t.ones(2, 3), t.ones(2, 3)], dim=5), ValueError),
    ("cumsum dim", lambda t: t.ones(2, 3).cumsum(5), ValueError),
    ("argmax dim", lambda t: t.ones(2, 3).argmax(5), ValueError),
    ("topk k", lambda t: t.ones(2, 3).topk(5), ValueError),
    ("kthvalue k", lambda t: t.ones(2, 3).kthvalue(5), ValueError),
    ("repeat too few", lambda t: t.ones(2, 3).repeat(2), ValueError),
    ("expand fewer dims", lambda t: t.ones(2, 3).expand(3), ValueError),
    ("expand -1 leading", lambda t: t.ones(2, 3).expand(-1, -1, 3), RuntimeError),
    ("view of a permute", lambda t: t.ones(2, 3, 4).permute(2, 0, 1).view(-1), RuntimeError),
    ("tensor ragged", lambda t: t.tensor([[1, 2], [3]]), ValueError),
    ("masked_fill mask", lambda t: t.ones(2, 3).masked_fill(t.ones(2, 4) > 0, 0.0), ValueError),
    # layers' input checks
    ("Linear 3-D", lambda t: t.nn.Linear(4, 5)(t.ones(2, 3, 6)), ValueError),
    ("BatchNorm1d 3-D channels", lambda t: t.nn.BatchNorm1d(3)(t.ones(2, 4, 5)), ValueError),
    ("LSTM input size", lambda t: t.nn.LSTM(4, 5)(t.ones(3, 2, 6)), ValueError),
    ("GRU input size", lambda t: t.nn.GRU(4, 5)(t.ones(3, 2, 6)), ValueError),
    ("RNN input size", lambda t: t.nn.RNN(4, 5)(t.ones(3, 2, 6)), ValueError),
    ("LSTMCell input size", lambda t: t.nn.LSTMCell(4, 5)(t.ones(2, 6)), ValueError),
    ("conv2d groups", lambda t: _f(t).conv2d(t.ones(1, 4, 5, 5), t.ones(4, 3, 3, 3), groups=2),
     ValueError),
]  # fmt: skip


@pytest.mark.parametrize("fn, before", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_glassnet_raises_torchs_class(fn: Callable[[Any], Any], before: type) -> None:
    theirs = _raised(fn, torch)
    ours = _raised(fn, gn)
    assert isinstance(ours, type(theirs)), (
        f"torch raises {type(theirs).__name__} ({theirs}); glassnet {type(ours).__mro__} ({ours})"
    )
    assert isinstance(ours, before), f"glassnet no longer raises {before.__name__}: {ours!r}"


def test_messages_keep_glassnets_words() -> None:
    """The class changed, the text did not: each message still names the function."""
    with pytest.raises(ValueError, match=r"^einsum: "):
        gn.einsum("ij,jk->ik", gn.ones(2, 3), gn.ones(4, 5))
    with pytest.raises(RuntimeError, match=r"^pad: expected pairs for at most 2 axes"):
        gn.nn.functional.pad(gn.ones(2, 3), (1, 1, 1, 1, 1, 1))
    with pytest.raises(RuntimeError, match=r"^repeat: 1 repeat counts"):
        gn.ones(2, 3).repeat(2)
    with pytest.raises(RuntimeError, match=r"number of sizes provided \(1\)"):
        gn.ones(2, 3).expand(3)


def test_expand_still_broadcasts() -> None:
    """The new rank check on ``expand`` refuses only fewer sizes than dims."""
    for shape, size in [((2, 1), (2, 4)), ((3,), (2, 3)), ((1, 3), (-1, 3)), ((2, 3), (4, -1, -1))]:
        assert tuple(gn.ones(*shape).expand(*size).shape) == tuple(
            torch.ones(*shape).expand(*size).shape
        )


def test_except_clauses_of_a_pytorch_script() -> None:
    """``except RuntimeError`` / ``except IndexError`` pick the same branch under both.

    Only the calls torch answers with one of those two: where torch raises a plain
    ``ValueError`` glassnet's class may also be a ``RuntimeError`` (a superset)."""
    calls = [(n, fn) for n, fn, _ in CASES if isinstance(_raised(fn, torch), (RuntimeError, IndexError))]
    assert len(calls) > 40

    def said(lib: Any) -> list[str]:
        out = []
        for name, fn in calls:
            try:
                fn(lib)
                out.append(f"{name}: ran")
            except IndexError:
                out.append(f"{name}: index")
            except RuntimeError:
                out.append(f"{name}: runtime")
            except ValueError:
                out.append(f"{name}: value")
        return out

    assert said(gn) == said(torch)


def test_item_of_many_elements_is_torchs_runtime_error(torch):
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(2).item()
    with pytest.raises(RuntimeError) as ours:
        gn.ones(2).item()
    assert isinstance(ours.value, ValueError)  # glassnet's own except clauses still catch it
    assert "cannot be converted to Scalar" in str(theirs.value) and "cannot be converted to Scalar" in str(ours.value)
