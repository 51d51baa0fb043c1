"""Named ``(values, indices)`` results, as ``torch.return_types``.

``x.max(1)``, ``x.sort()``, ``x.topk(3)``, ... return one of these: it unpacks
like a pair (``values, idx = x.max(1)``) and names its fields.
"""

from __future__ import annotations

from typing import NamedTuple

from ._tensor_extra import aminmax
from .tensor import Size, Tensor

__all__ = [
    "max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax", "cummin",
    "frexp", "slogdet", "histogram",
]  # fmt: skip


class max(NamedTuple):  # noqa: N801 - named as torch.return_types.max
    values: Tensor
    indices: Tensor


class min(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class sort(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class topk(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class kthvalue(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class median(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class nanmedian(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class mode(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class cummax(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class cummin(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class frexp(NamedTuple):  # noqa: N801
    mantissa: Tensor
    exponent: Tensor


class slogdet(NamedTuple):  # noqa: N801 - torch.slogdet / torch.linalg.slogdet
    sign: Tensor
    logabsdet: Tensor


class histogram(NamedTuple):  # noqa: N801
    hist: Tensor
    bin_edges: Tensor


def _torch_repr(self: tuple) -> str:
    """torch's text for a named result under ``glassnet run`` (``torch.return_types.max(``,
    then one ``field=value`` a line); NumPy-style ``max(values=..., indices=...)`` otherwise."""
    pairs = [f"{k}={v!r}" for k, v in zip(self._fields, self)]  # type: ignore[attr-defined]
    if Size.repr_module is None:
        return f"{type(self).__name__}({', '.join(pairs)})"
    return f"{Size.repr_module}.return_types.{type(self).__name__}(\n" + ",\n".join(pairs) + ")"


for _cls in (max, min, sort, topk, kthvalue, median, nanmedian, mode, cummax, cummin, frexp,
             slogdet, histogram, aminmax):
    _cls.__repr__ = _torch_repr  # type: ignore[method-assign]
