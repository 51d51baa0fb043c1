"""The torch-call checklist: every call in ``checklist_calls.py`` gives what torch gives.

Values, dtypes and shapes are compared (``(values, indices)`` results field
by field, with their field names); random calls compare shapes and dtypes.
Skipped where torch is not installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn

from .checklist_calls import CALLS, SHAPE_ONLY


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def _flatten(result: Any, torch: Any, path: str = "") -> list[tuple[str, Any]]:
    """``(path, leaf)`` pairs: tensors as (array, dtype name), other leaves as they are."""
    if isinstance(result, (gn.Tensor, torch.Tensor)):
        arr = result.detach().numpy() if isinstance(result, torch.Tensor) else result.numpy()
        return [(path, (np.array(arr), _dtype_name(result.dtype)))]
    if isinstance(result, tuple) and hasattr(result, "_fields"):  # glassnet's named tuple
        return [
            (f"{path}.{f}{p}", v)
            for f in result._fields
            for p, v in _flatten(getattr(result, f), torch)
        ]
    if type(result).__module__ == "torch.return_types":
        fields = [f for f in ("values", "indices") if hasattr(result, f)]
        return [
            (f"{path}.{f}{p}", v) for f in fields for p, v in _flatten(getattr(result, f), torch)
        ]
    if isinstance(result, (tuple, list)):
        out = [(f"{path}#len", len(result))]
        for i, r in enumerate(result):
            out += _flatten(r, torch, f"{path}[{i}]")
        return out
    if isinstance(result, (np.bool_, np.integer, np.floating)):
        return [(path, result.item())]
    return [(path, result)]


def _compare(name: str, got: Any, want: Any, torch: Any, values: bool = True) -> None:
    g, w = _flatten(got, torch), _flatten(want, torch)
    assert [p for p, _ in g] == [p for p, _ in w], f"{name}: structure {g} != torch's {w}"
    for (path, gv), (_, wv) in zip(g, w):
        where = f"{name}{path}"
        if isinstance(wv, tuple) and len(wv) == 2 and isinstance(wv[0], np.ndarray):
            (ga, gd), (wa, wd) = gv, wv
            assert gd == wd, f"{where}: dtype {gd}, torch gives {wd}"
            assert ga.shape == wa.shape, f"{where}: shape {ga.shape}, torch gives {wa.shape}"
            if values:
                np.testing.assert_allclose(ga, wa, rtol=1e-5, atol=1e-6, err_msg=where)
        elif isinstance(wv, float):
            assert gv == pytest.approx(wv, rel=1e-6), f"{where}: {gv} != {wv}"
        else:
            assert type(gv) is type(wv) and gv == wv, f"{where}: {gv!r} != torch's {wv!r}"


def test_the_checklist_has_at_least_150_calls():
    assert len(CALLS) + len(SHAPE_ONLY) >= 150


@pytest.mark.parametrize("name", sorted(CALLS))
def test_call_matches_torch(name: str, torch: Any) -> None:
    fn = CALLS[name]
    _compare(name, fn(gn), fn(torch), torch)


@pytest.mark.parametrize("name", sorted(SHAPE_ONLY))
def test_random_call_matches_torch_in_shape_and_dtype(name: str, torch: Any) -> None:
    fn = SHAPE_ONLY[name]
    _compare(name, fn(gn), fn(torch), torch, values=False)


def test_named_results_unpack_and_name_their_fields(torch: Any) -> None:
    for call in ("max_dim", "sort", "topk", "kthvalue", "median_dim", "torch_max_dim"):
        got, want = CALLS[call](gn), CALLS[call](torch)
        values, indices = got
        assert got.values is values and got.indices is indices
        assert len(got) == len(want) == 2
