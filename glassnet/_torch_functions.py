"""PyTorch's top-level functions on tensors: ``glassnet.cat``, ``glassnet.max``, ``glassnet.where``, ...

``glassnet/__init__.py`` re-exports everything in ``__all__``, so
``torch.sum(x, dim=1)`` reads ``glassnet.sum(x, dim=1)``. Most are the
Tensor method of the same name called on the first argument (one definition
of each behaviour: ``glassnet.max(x, 1)`` is ``x.max(1)``, a ``(values,
indices)`` pair); the rest join, pick or compare several tensors. Creating
tensors is in ``_creation.py``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _tensor_str, backend
from . import _torch_args as _args
from ._errors import ShapeError as _ShapeError
from ._out import write_out
from ._torch_legacy import *  # noqa: F403  (torch.FloatTensor, torch.LongTensor, ...)
from ._torch_legacy import LEGACY_TYPES
from .ops import arithmetic as _ar
from .ops import einsum as _einsum
from .ops import select as _sel
from .ops import shape as _sh
from .tensor import Tensor

#: Functions that are ``input.<name>(*args, **kwargs)``.
_METHODS = (
    "exp", "log", "expm1", "log1p", "sqrt", "sin", "cos", "abs", "neg", "negative", "clamp", "clip", "sigmoid",
    "tanh", "relu", "floor", "ceil", "round", "trunc", "sign", "reciprocal", "rsqrt", "square",
    "isnan", "isinf", "isfinite", "logical_not", "softmax", "log_softmax",
    "sum", "mean", "prod", "cumsum", "logsumexp", "max", "min", "amax", "amin", "argmax",
    "argmin", "var", "std", "norm", "all", "any", "count_nonzero", "nonzero",
    "reshape", "flatten", "transpose", "swapaxes", "swapdims", "permute", "squeeze",
    "unsqueeze", "broadcast_to", "t", "chunk", "split", "tensor_split", "unbind", "narrow",
    "select", "flip", "fliplr", "flipud", "roll", "tile", "repeat_interleave",
    "gather", "scatter", "scatter_add", "index_add", "index_select", "masked_fill", "masked_select", "take_along_dim",
    "sort", "argsort", "topk", "kthvalue", "median", "nanmedian", "mode", "logcumsumexp",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "equal", "allclose",
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
    "floor_divide", "remainder", "pow", "matmul", "mm", "bmm", "dot",
    "clone", "detach", "numel", "is_floating_point", "unique", "bincount",
    "outer", "isclose", "tril", "triu", "diag", "trace", "movedim", "moveaxis", "unflatten",
    "cumprod", "erf", "erfc", "erfinv", "atan2", "arctan2", "lerp", "diff", "multinomial",
    "clamp_min", "clamp_max", "nan_to_num", "logit", "xlogy", "fmod", "frac", "index_fill",
    "logical_and", "logical_or", "logical_xor", "nansum", "nanmean", "aminmax", "argwhere",
    "log2", "log10", "tan", "atan", "asin", "acos", "sinh", "cosh", "arcsin", "arccos", "arctan",
    "index_put", "masked_scatter",
)  # fmt: skip

__all__ = [
    *_METHODS, "cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "where",
    "maximum", "minimum", "meshgrid", "is_tensor", "cdist", "pdist", "set_printoptions", "einsum",
    "triu_indices", "tril_indices", "std_mean", "var_mean", "addmm", "baddbmm", *LEGACY_TYPES,
]  # fmt: skip


#: the functions torch also takes with a number first when ``other`` is a Tensor
_NUMBER_FIRST = frozenset({
    "remainder", "floor_divide", "add", "sub", "subtract", "mul", "multiply", "div", "divide",
    "true_divide",
})  # fmt: skip


def _number_as_tensor(value: Any, like: Tensor) -> Tensor:
    """A Python number as the 0-d tensor torch wraps it in (default dtype for a float)."""
    dt = backend.default_dtype() if isinstance(value, float) else None
    return Tensor(np.asarray(value, dtype=dt)).to(like.device)


#: functions whose ``out=`` tensor sets the dtype they accumulate in (``cumsum(x, out=o)``)
_OUT_IS_DTYPE = frozenset({"cumsum", "cumprod", "sum", "prod", "nansum"})


def _from_method(name: str) -> Callable[..., Any]:
    method = getattr(Tensor, name)

    def function(input: Tensor, *args: Any, out: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        if (
            name in _NUMBER_FIRST and isinstance(input, (bool, int, float))
            and args and isinstance(args[0], Tensor)
        ):  # fmt: skip
            input = _number_as_tensor(input, args[0])  # noqa: A001
        if not isinstance(input, Tensor):
            raise TypeError(
                f"glassnet.{name}: expected a Tensor as input, got {type(input).__name__}"
            )
        if out is not None and name in _OUT_IS_DTYPE and isinstance(out, Tensor):
            kwargs.setdefault("dtype", out.dtype)  # torch accumulates in out's dtype
        result = method(input, *args, **kwargs)
        return result if out is None else write_out(name, result, out)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (
        f"``glassnet.{name}(input, ...)`` is ``input.{name}(...)``.\n\n{method.__doc__ or ''}"
    )
    return function


for _name in _METHODS:
    globals()[_name] = _from_method(_name)

_pow_of_tensor = _from_method("pow")


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    """``input ** exponent``; ``input`` may be a number when ``exponent`` is a Tensor
    (``torch.pow(2, x)``)."""
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        result = exponent.__rpow__(input)
        return result if out is None else write_out("pow", result, out)
    return _pow_of_tensor(input, exponent, out=out)


def cat(
    tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None, out: Tensor | None = None
) -> Tensor:
    """Join tensors along the existing dim ``dim`` (1-D empty tensors are skipped, as in PyTorch)."""
    d = _args.dim_arg("cat", dim if axis is None else None, axis)
    parts = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or list(tensors)[:1]
    result = _sh.concat(_promoted(parts), d)
    return result if out is None else write_out("cat", result, out)


concat = concatenate = cat


def stack(
    tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None, out: Tensor | None = None
) -> Tensor:
    """Join same-shaped tensors along a new dim ``dim``."""
    result = _sh.stack(
        _promoted(list(tensors)), _args.dim_arg("stack", dim if axis is None else None, axis)
    )
    return result if out is None else write_out("stack", result, out)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors)."""
    tensors = list(tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0, 1-D tensors as rows."""
    return cat([t if t.ndim > 1 else _sh.reshape(t, (1, -1)) for t in tensors], 0)


row_stack = vstack  # torch's alias


def _promoted(tensors: list[Tensor]) -> list[Tensor]:
    """Tensors cast to one dtype, PyTorch's way (floating wins over integer)."""
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) <= 1:
        return tensors
    floats = [d for d in dtypes if d.kind == "f"]
    target = np.result_type(*floats) if floats else np.result_type(*dtypes)
    return [t if t.dtype == target else _ar.cast(t, target) for t in tensors]


def where(
    condition: Any, input: Any = None, other: Any = None, *, out: Tensor | None = None  # noqa: A002
) -> Any:
    """``input`` where ``condition`` is true, else ``other``; with the condition alone, the
    indices of its true entries (one tensor per dim). ``out=`` as torch's."""
    if out is not None:
        return write_out("where", where(condition, input, other), out)
    if input is None and other is None:
        cond = condition if isinstance(condition, Tensor) else Tensor(np.asarray(condition))
        return cond.nonzero(as_tuple=True)
    _sel.need_bool_condition("where", condition)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = _scalar_tensor(input, other)  # two numbers: torch's dtype for them
    return _ar.where(condition, *_args.promote(input, other))


def _scalar_tensor(value: Any, other: Any) -> Any:
    """``value`` as a 0-d Tensor of the dtype torch gives two Python numbers together:
    the default dtype if either is a float, int64 for ints, bool for two bools."""
    both = (value, other)  # (builtins: this module's all/any are torch's)
    if not builtins.all(isinstance(v, (bool, int, float, np.generic)) for v in both):
        return value
    if builtins.any(isinstance(v, (float, np.floating)) for v in both):
        dtype = backend.default_dtype()
    elif builtins.all(isinstance(v, (bool, np.bool_)) for v in both):
        dtype = np.bool_
    else:
        dtype = np.int64
    return Tensor(np.asarray(value, dtype=dtype))


def maximum(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    result = _ar.maximum(*_args.promote(input, other))
    return result if out is None else write_out("maximum", result, out)


def minimum(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    result = _ar.minimum(*_args.promote(input, other))
    return result if out is None else write_out("minimum", result, out)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors; ``indexing='ij'`` (PyTorch's default) or ``'xy'``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    order = list(tensors)
    if indexing == "xy" and len(order) >= 2:
        order[0], order[1] = order[1], order[0]
    shape = tuple(t.numel() for t in order)
    grids = []
    for i, t in enumerate(order):
        view = [1] * len(order)
        view[i] = -1
        grids.append(_sh.broadcast_to(_sh.reshape(t, tuple(view)), shape))
    if indexing == "xy" and len(grids) >= 2:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def is_tensor(obj: Any) -> bool:
    """True for a :class:`~glassnet.Tensor`."""
    return isinstance(obj, Tensor)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")  # fmt: skip


def cdist(
    x1: Tensor, x2: Tensor, p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:  # fmt: skip
    """Pairwise ``p``-norm distances between the rows of ``x1`` ``(..., N, D)`` and ``x2``
    ``(..., M, D)``: ``(..., N, M)``.

    ``compute_mode`` is torch's (one of its three names); every mode computes the distances
    from the differences, as torch's ``"donot_use_mm_for_euclid_dist"`` does (torch's matrix
    product route for ``p=2`` differs from it by rounding only)."""
    if compute_mode not in _CDIST_MODES:
        raise ValueError(
            f"cdist: compute_mode must be one of {', '.join(_CDIST_MODES)}, got {compute_mode!r}"
        )
    diff = _ar.sub(_sh.unsqueeze(x1, -2), _sh.unsqueeze(x2, -3))
    return diff.norm(p, -1)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002
    """The ``p``-norm distance between each pair of rows of ``input`` ``(N, M)``, pairs
    ``(i, j)`` with ``i < j`` in row-major order (the upper triangle of
    ``cdist(input, input)``): shape ``(N * (N - 1) / 2,)``, as ``torch.pdist``."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist: expected a 2-D input (N, M), got shape {tuple(input.shape)}")
    rows, cols = np.triu_indices(input.shape[0], 1)
    return _ar.sub(input[rows], input[cols]).norm(p, -1)


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """How tensors print, as ``torch.set_printoptions`` (``_tensor_str``): ``profile``
    (``'default'``, ``'short'``, ``'full'``) first, then each option given; ``sci_mode``
    ``True``/``False`` forces scientific notation on or off, ``None`` lets each tensor
    choose."""
    _tensor_str.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products of ``operands`` over the letters of ``equation``, as ``torch.einsum``.

    ``einsum(eq, [a, b])`` (a list) works too. An ellipsis (``'...ij,...jk->...ik'``)
    stands for the leading dims each operand has beyond its letters, broadcast against
    each other from the right; without ``->`` the output is those dims, then the letters
    used once, in alphabetical order (torch's rule).

    Parameters
    ----------
    equation : str
        Subscripts such as ``'bhqd,bhkd->bhqk'``.
    *operands : Tensor
        One tensor per comma-separated term.

    Returns
    -------
    Tensor
        The result, with one dim per output letter (and per ellipsis dim).
    """
    if not isinstance(equation, str):  # torch's sublist form: einsum(a, [0, 1], b, [1, 2], [0, 2])
        equation, operands = _from_sublists((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    dtypes = {op.array.dtype for op in operands if isinstance(op, Tensor)}
    if len(dtypes) > 1:
        raise RuntimeError(
            f"einsum: expected operands of one dtype (as torch), got {sorted(map(str, dtypes))}"
        )
    if "..." in equation:
        equation, operands = _expand_ellipsis(equation.replace(" ", ""), list(operands))
    return _einsum.einsum(equation, *operands)


def _from_sublists(args: tuple) -> tuple[str, tuple]:
    """``(a, [0, 1], b, [1, 2], [0, 2])`` as ``("ab,bc->ac", (a, b))``: integers 0-51 are
    the letters a-z then A-Z, ``Ellipsis`` is ``...``."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def spell(sub: Any) -> str:
        try:
            return "".join("..." if i is Ellipsis else letters[int(i)] for i in sub)
        except (IndexError, TypeError, ValueError):
            raise ValueError(f"einsum: a sublist holds integers 0-51 or Ellipsis, got {sub!r}") from None

    operands = args[0:-1:2] if len(args) % 2 else args[0::2]
    equation = ",".join(spell(sub) for sub in args[1::2][: len(operands)])
    if len(args) % 2:
        equation += "->" + spell(args[-1])
    return equation, tuple(operands)


def _expand_ellipsis(equation: str, operands: list[Tensor]) -> tuple[str, list[Tensor]]:
    """``equation`` with each ``...`` spelt as unused letters, and the operands broadcast
    along those dims where one of them has size 1."""
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise _ShapeError(
            f"einsum: {equation!r} names {len(terms)} operands, got {len(operands)} tensors"
        )
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in equation]
    shapes = []
    for term, op in zip(terms, operands):
        n = op.ndim - (len(term) - 3) if "..." in term else 0
        if n < 0:
            raise ValueError(f"einsum: operand {term!r} has more letters than its {op.ndim} dims")
        shapes.append(tuple(op.shape[:n]))
    common = np.broadcast_shapes(*shapes)
    letters = "".join(spare[: len(common)])
    new_terms, new_ops = [], []
    for term, op, shape in zip(terms, operands, shapes):
        if "..." in term:
            want = common[len(common) - len(shape) :]
            if shape != want:
                op = op.expand(*want, *op.shape[len(shape) :])
            term = term.replace("...", letters[len(letters) - len(shape) :])
        new_terms.append(term)
        new_ops.append(op)
    if arrow:
        out = rhs.replace("...", letters)
    else:
        counts = {c: lhs.count(c) for c in lhs if c.isalpha()}
        out = letters + "".join(sorted(c for c, k in counts.items() if k == 1))
    return ",".join(new_terms) + "->" + out, new_ops


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The ``(2, N)`` row and column indices of the upper triangle of a ``row x col`` matrix
    (the diagonal ``offset`` and above), row by row as torch's."""
    _check_triangle("triu_indices", row, col, dtype)
    rows, cols = np.triu_indices(row, offset, col)
    return _index_pair(rows, cols, dtype, device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The ``(2, N)`` row and column indices of the lower triangle of a ``row x col`` matrix
    (the diagonal ``offset`` and below), row by row as torch's."""
    _check_triangle("tril_indices", row, col, dtype)
    rows, cols = np.tril_indices(row, offset, col)
    return _index_pair(rows, cols, dtype, device)


def _check_triangle(who: str, row: int, col: int, dtype: Any) -> None:
    """torch's refusals: a negative size, an index dtype other than int32/int64."""
    if row < 0 or col < 0:
        raise RuntimeError(f"{who}: row and col must be non-negative, got {row} and {col}")
    if dtype is not None and np.dtype(dtype) not in (np.int32, np.int64):
        raise NotImplementedError(f"{who}: dtype must be int32 or int64 (as torch), got {dtype}")


def _index_pair(rows: np.ndarray, cols: np.ndarray, dtype: Any, device: Any) -> Tensor:
    out = Tensor(np.stack([rows, cols]).astype(np.int64 if dtype is None else np.dtype(dtype)))
    return out if device is None else out.to(device)


def std_mean(input: Tensor, dim: Any = None, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(input.std(dim, ...), input.mean(dim, keepdim))``, torch's arguments."""
    return input.std(dim, *args, **kwargs), _mean_like(input, dim, args, kwargs)


def var_mean(input: Tensor, dim: Any = None, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(input.var(dim, ...), input.mean(dim, keepdim))``, torch's arguments."""
    return input.var(dim, *args, **kwargs), _mean_like(input, dim, args, kwargs)


def _mean_like(input: Tensor, dim: Any, args: tuple, kwargs: dict) -> Tensor:  # noqa: A002
    keepdim = kwargs.get("keepdim", args[1] if len(args) > 1 else False)
    return input.mean(dim, keepdim=keepdim)


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)`` for ``(n, m) @ (m, p)``; ``input`` broadcasts to
    ``(n, p)`` (with ``beta=0`` it is ignored, NaNs included, as in torch)."""
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"addmm: expected 2-D matrices, got shapes {mat1.shape} and {mat2.shape}")
    return _scaled_sum(input, _ar.matmul(mat1, mat2), beta, alpha)


def baddbmm(input: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (batch1 @ batch2)`` for ``(b, n, m) @ (b, m, p)``."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(
            f"baddbmm: expected 3-D batches, got shapes {batch1.shape} and {batch2.shape}"
        )
    return _scaled_sum(input, _ar.matmul(batch1, batch2), beta, alpha)


def _scaled_sum(input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:  # noqa: A002
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out
    return out + (input if beta == 1 else input * beta)
