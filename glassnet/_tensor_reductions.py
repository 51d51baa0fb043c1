"""The Tensor's reductions in PyTorch's form: ``sum``, ``mean``, ``max``/``min`` (with the
``(values, indices)`` result along a dim), ``var``/``std``, ``norm``, ``all``/``any``, ...

Each takes ``dim``/``keepdim`` and NumPy's ``axis``/``keepdims`` (see
``_torch_args.py``). :func:`glassnet._tensor_methods.attach` copies the
methods of :class:`ReductionMethods` onto :class:`~glassnet.tensor.Tensor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _torch_args as _args
from ._dtypes import to_dtype
from .linalg import matrix_norm
from .ops import arithmetic as _ar
from .ops import logic as _logic
from .ops import pointwise as _pw
from .ops import reduce as _red
from .ops import select as _sel
from .tensor import Tensor

__all__ = ["ReductionMethods"]

Axis = int | Sequence[int] | None


class ReductionMethods:
    """Methods for :class:`~glassnet.tensor.Tensor` (never instantiated)."""

    def sum(
        self,
        dim: Axis = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        out = _red.sum(
            _accumulated(self, dtype),
            _args.dim_arg("sum", dim, axis),
            _args.keep_arg("sum", keepdim, keepdims),
        )
        # NumPy sums small integers as int64; torch keeps the dtype asked for
        return out if dtype is None else _args.cast_for(out, dtype)

    def mean(
        self,
        dim: Axis = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        x = _args.cast_for(self, dtype)
        if x.dtype.kind != "f":
            raise TypeError(
                f"mean: needs a floating tensor, got dtype {x.dtype} (use .float() or dtype=)"
            )
        return _red.mean(
            x, _args.dim_arg("mean", dim, axis), _args.keep_arg("mean", keepdim, keepdims)
        )

    def prod(
        self,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        if isinstance(dim, (tuple, list)) or isinstance(axis, (tuple, list)):
            raise TypeError(
                f"prod: dim must be an int (torch.prod reduces one dim), got {dim or axis!r}; "
                "flatten those dims first or call prod once per dim"
            )
        return _kept(
            _red.prod(
                _accumulated(self, dtype),
                _args.dim_arg("prod", dim, axis),
                _args.keep_arg("prod", keepdim, keepdims),
            ),
            dtype,
        )  # NumPy multiplies small integers as int64; torch keeps the dtype asked for

    def cumsum(
        self, dim: int | None = None, *, dtype: Any = None, axis: int | None = None
    ) -> Tensor:
        d = _args.dim_arg("cumsum", dim, axis)
        if d is None:
            raise TypeError("cumsum: missing dim (torch.cumsum needs dim)")
        return _kept(_red.cumsum(_accumulated(self, dtype), d), dtype)

    def logcumsumexp(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """``log(cumsum(exp(x)))`` along ``dim``, computed stably (floating tensors only)."""
        d = _args.dim_arg("logcumsumexp", dim, axis)
        if d is None:
            raise TypeError("logcumsumexp: missing dim (torch.logcumsumexp needs dim)")
        if self.dtype.kind != "f":
            raise TypeError(
                f"logcumsumexp: expected a floating tensor, got dtype {self.dtype} "
                "(use .float(), as torch, which refuses integer tensors too)"
            )
        return _red.logcumsumexp(self, d)

    def cumprod(
        self, dim: int | None = None, *, dtype: Any = None, axis: int | None = None
    ) -> Tensor:
        """Running product along ``dim``, same shape (``dtype`` casts first)."""
        d = _args.dim_arg("cumprod", dim, axis)
        if d is None:
            raise TypeError("cumprod: missing dim (torch.cumprod needs dim)")
        return _kept(_red.cumprod(_accumulated(self, dtype), d), dtype)

    def logsumexp(
        self,
        dim: Axis = None,
        keepdim: bool = False,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        return _red.logsumexp(
            _args.floating(self),
            _args.dim_arg("logsumexp", dim, axis),
            _args.keep_arg("logsumexp", keepdim, keepdims),
        )

    def max(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The largest entry (a tensor); with ``dim`` an int, ``(values, indices)`` along it;
        with a tensor, the elementwise maximum (as ``torch.max``)."""
        return _extreme(self, dim, keepdim, axis, keepdims, largest=True)

    def min(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The smallest entry; with ``dim``, ``(values, indices)``; with a tensor, elementwise."""
        return _extreme(self, dim, keepdim, axis, keepdims, largest=False)

    def amax(
        self,
        dim: Axis = None,
        keepdim: bool = False,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Largest entries over ``dim`` (ties share the gradient, as ``torch.amax``)."""
        return _red.max(
            self, _args.dim_arg("amax", dim, axis), _args.keep_arg("amax", keepdim, keepdims)
        )

    def amin(
        self,
        dim: Axis = None,
        keepdim: bool = False,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        return _red.min(
            self, _args.dim_arg("amin", dim, axis), _args.keep_arg("amin", keepdim, keepdims)
        )

    def argmax(
        self,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Index of the largest entry (of the flattened tensor without ``dim``)."""
        return _arg_extreme(
            self,
            "argmax",
            _args.dim_arg("argmax", dim, axis),
            _args.keep_arg("argmax", keepdim, keepdims),
        )

    def argmin(
        self,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        axis: int | None = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        return _arg_extreme(
            self,
            "argmin",
            _args.dim_arg("argmin", dim, axis),
            _args.keep_arg("argmin", keepdim, keepdims),
        )

    def var(
        self,
        dim: Axis = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | None = None,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Variance over ``dim`` with ``N - correction`` in the denominator (default 1).

        Read as in PyTorch: ``x.var(1)``, ``x.var(1, keepdim=True)``,
        ``x.var(1, False)`` (unbiased=False), ``x.var(dim=1, correction=0)``.
        Next to ``correction=`` (which PyTorch cannot combine with ``unbiased``)
        a second positional bool is glassnet's older ``keepdims``.
        """
        if self.dtype.kind not in "fc":
            raise RuntimeError(
                f"var/std: only floating dtypes are supported (as in torch), got {self.dtype}; "
                "cast first (x.float())"
            )
        if correction is not None and unbiased is not None:
            unbiased, keepdim = None, bool(unbiased) or keepdim
        return _red.var(
            _args.floating(self),
            _args.dim_arg("var", dim, axis),
            _args.keep_arg("var", keepdim, keepdims),
            correction=_correction(unbiased, correction),
        )

    def std(
        self,
        dim: Axis = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | None = None,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Standard deviation; arguments as :meth:`var`. Where it is 0 the gradient is 0, as
        torch's (not the NaN of ``sqrt``'s infinite slope times a zero deviation)."""
        v = self.var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
        zero = v == 0
        if not (v.requires_grad and bool(zero.any())):
            return v.sqrt()
        return _ar.where(zero, 0.0, _ar.where(zero, 1.0, v).sqrt())

    def norm(
        self, p: Any = "fro", dim: Axis = None, keepdim: bool = False, dtype: Any = None
    ) -> Tensor:
        """The ``p``-norm over ``dim`` (all entries when ``None``); see :func:`glassnet.norm`."""
        x = _args.cast_for(self, dtype)
        if isinstance(p, str) and p == "nuc":  # the nuclear norm of the matrices over dim
            if dim is None and x.ndim != 2:
                raise ValueError(
                    f"norm: p='nuc' needs a 2-D input or a pair of dims, got shape "
                    f"{tuple(x.shape)} and dim=None"
                )
            return matrix_norm(x, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)
        if p == 0 and _logic.tracing_active():  # an exporter traces: record the count
            return _count_norm(x, dim, keepdim)
        return _pw.norm(x, p, dim, keepdim)

    def all(
        self,
        dim: Axis = None,
        keepdim: bool = False,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Are all entries true (non-zero)? A boolean tensor, outside the graph."""
        return _logical(
            self, "all", _args.dim_arg("all", dim, axis), _args.keep_arg("all", keepdim, keepdims)
        )

    def any(
        self,
        dim: Axis = None,
        keepdim: bool = False,
        *,
        axis: Axis = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        return _logical(
            self, "any", _args.dim_arg("any", dim, axis), _args.keep_arg("any", keepdim, keepdims)
        )


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None:  # torch takes a fractional correction too (N - 0.5)
        return float(correction) if isinstance(correction, float) else int(correction)
    return 0 if unbiased is False else 1


def _extreme(x: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: Any, largest: bool) -> Any:
    who = "max" if largest else "min"
    if isinstance(dim, Tensor) or (dim is not None and hasattr(dim, "shape")):
        return (_ar.maximum if largest else _ar.minimum)(x, dim)
    d = _args.dim_arg(who, dim, axis)
    keep = _args.keep_arg(who, keepdim, keepdims)
    if d is None:
        return (_red.max if largest else _red.min)(x, None, keep)
    if not isinstance(d, (int, np.integer)):
        raise TypeError(f"{who}: dim must be an int (use amax/amin for several dims), got {d!r}")
    return (_sel.max_along if largest else _sel.min_along)(x, int(d), keep)


def _arg_extreme(x: Tensor, name: str, dim: Any, keepdim: bool) -> Tensor:
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input (cast it first: .int())")
    if _logic.tracing_active():  # an exporter traces: record the op
        return _logic.arg_extreme(x, name == "argmax", dim, keepdim)
    arr = x.array
    if dim is None:
        out = getattr(arr.reshape(-1), name)()
        if keepdim:
            out = out.reshape((1,) * arr.ndim)
    else:
        out = getattr(arr, name)(axis=dim, keepdims=keepdim)
    return Tensor._make(x.xp.asarray(out, dtype=np.int64), False, None, 0)


def _logical(x: Tensor, name: str, dim: Any, keepdim: bool) -> Tensor:
    out = _logic.truth(x, name, dim, keepdim)
    return out.to(np.uint8) if x.dtype == np.uint8 else out  # torch keeps uint8 for uint8


def _count_norm(x: Tensor, dim: Any, keepdim: bool) -> Tensor:
    """``norm(p=0)`` as recorded ops: the non-zeros counted, in ``x``'s floating dtype."""
    x = _args.floating(x)
    axis = dim if dim is None else tuple(_red.normalize_axis(dim, x.ndim, "norm"))
    return _ar.cast(_logic.truth(x, "count", axis, keepdim), x.dtype)


def _kept(out: Tensor, dtype: Any) -> Tensor:
    """A running sum or product in the ``dtype`` asked for (NumPy widens int32 to int64)."""
    if dtype is None:
        return out
    dt = to_dtype(dtype, "dtype argument")
    return out if out.dtype == dt else _ar.cast(out, dt)


def _accumulated(x: Tensor, dtype: Any) -> Tensor:
    """``x`` cast for a sum or product: to ``dtype`` when given, else unsigned integers to
    int64 as torch does (NumPy would keep them unsigned: uint8 sums to uint64)."""
    if dtype is None and x.dtype.kind == "u":
        return x.long()
    return _args.cast_for(x, dtype)
