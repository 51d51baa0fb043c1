"""More of the Tensor's methods in PyTorch's names: comparisons, selecting, sorting, splitting.

:func:`glassnet._tensor_methods.attach` copies the methods of
:class:`DialectMethods` onto :class:`~glassnet.tensor.Tensor`, with the
others. Each is a thin call into an op (``glassnet/ops/select.py`` composes
most of them from indexing, so they are differentiable where PyTorch's are).
"""

from __future__ import annotations

import builtins
import difflib
from typing import Any

import numpy as np

from . import _torch_args as _args
from . import backend as _backend
from . import random as _random
from .autograd import hooks as _hooks
from .ops import arithmetic as _ar
from .ops import index_put as _ip
from .ops import logic as _logic
from .ops import select as _sel
from .ops import shape as _sh
from .tensor import Tensor

__all__ = ["DialectMethods", "TensorMethodMissing"]

#: torch Tensor methods glassnet lacks -> what to use instead.
NEAREST_METHOD: dict[str, str] = {
    "scatter_reduce": "Tensor.scatter_add",
}


class TensorMethodMissing(NotImplementedError, AttributeError):
    """A torch ``Tensor`` method or attribute glassnet's Tensor does not have.

    Both a ``NotImplementedError`` (a torch API glassnet lacks fails loudly) and an
    ``AttributeError`` (``hasattr(x, "name")`` stays False, ``getattr(x, name, default)``
    still gives the default). The message is made when shown, so probing costs nothing.
    """

    def __str__(self) -> str:
        name = str(self.args[0])
        near = NEAREST_METHOD.get(name)
        if near is None:
            public = [n for n in dir(Tensor) if not n.startswith("_")]
            close = difflib.get_close_matches(name, public, n=1, cutoff=0.75)
            near = f"Tensor.{close[0]}" if close else None
        hint = f"; nearest glassnet API: {near}" if near else ""
        return (
            f"torch.Tensor.{name} is not available in glassnet{hint} "
            "(see docs/pytorch.md for what is covered)"
        )


class DialectMethods:
    """Methods for :class:`~glassnet.tensor.Tensor` (never instantiated)."""

    def __getattr__(self, name: str) -> Any:
        """Called only when ``name`` is not found: a torch method glassnet lacks, said so."""
        if name.startswith("_") or hasattr(type(self), name):
            # private names, and a property whose getter itself raised AttributeError
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        exc = TensorMethodMissing(name)
        exc.name = name
        raise exc

    # ----------------------------------------------------------------- hooks
    def register_hook(self, hook: Any) -> _hooks.HookHandle:
        """Call ``hook(grad)`` with this tensor's gradient in every backward pass.

        The hook may return a tensor of the same shape, which replaces the gradient
        (for the graph below, ``retain_grad()``, a leaf's ``.grad`` and
        ``autograd.grad``); it should not change ``grad`` in place. A leaf's hook sees
        the sum of all its contributions, once. See :mod:`glassnet.autograd.hooks`.

        Parameters
        ----------
        hook : callable
            ``hook(grad: Tensor) -> Tensor or None``.

        Returns
        -------
        HookHandle
            ``handle.remove()`` unregisters the hook.
        """
        return _hooks.register(self, hook)

    def register_post_accumulate_grad_hook(self, hook: Any) -> _hooks.HookHandle:
        """Call ``hook(self)`` in each ``backward()`` once this leaf's ``.grad`` holds the
        pass's gradient (an optimizer step per parameter, gradient logging).

        Parameters
        ----------
        hook : callable
            ``hook(tensor) -> None``.

        Returns
        -------
        HookHandle
            ``handle.remove()`` unregisters the hook.
        """
        return _hooks.register_post_accumulate(self, hook)

    # ------------------------------------------------ comparisons (no gradient)
    def eq(self, other: Any) -> Tensor:
        return self == other

    def ne(self, other: Any) -> Tensor:
        return self != other

    def lt(self, other: Any) -> Tensor:
        return self < other

    def le(self, other: Any) -> Tensor:
        return self <= other

    def gt(self, other: Any) -> Tensor:
        return self > other

    def ge(self, other: Any) -> Tensor:
        return self >= other

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def equal(self, other: Any) -> bool:
        """True when ``other`` has the same shape and values."""
        o = other.array if isinstance(other, Tensor) else other
        return tuple(self.shape) == tuple(getattr(o, "shape", ())) and bool((self.array == o).all())

    def allclose(
        self, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
    ) -> bool:
        o = other.array if isinstance(other, Tensor) else other
        return bool(self.xp.allclose(self.array, o, rtol=rtol, atol=atol, equal_nan=equal_nan))

    def logical_not(self) -> Tensor:
        return _logic.logical_not(self)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """Indices of the non-zero entries: ``(n, ndim)`` int64, or one 1-D tensor per dim."""
        if _logic.tracing_active() and self.ndim > 0:  # one op, so an exporter's trace sees it
            out = _logic.nonzero_indices(self)
            return tuple(out[:, i] for i in range(self.ndim)) if as_tuple else out
        idx = self.xp.nonzero(self.array)
        if as_tuple:
            return tuple(Tensor._make(i, False, None, 0) for i in idx)
        return Tensor._make(
            self.xp.stack(idx, axis=1) if idx else self.xp.zeros((1, 0), dtype="int64"),
            False,
            None,
            0,
        )

    def count_nonzero(self, dim: Any = None) -> Tensor:
        if _logic.tracing_active():  # one op, so an exporter's trace sees it
            return _logic.truth(self, "count", dim)
        return Tensor._make(
            self.xp.asarray(self.xp.count_nonzero(self.array, axis=dim)), False, None, 0
        )

    def unique(
        self,
        sorted: bool = True,  # noqa: A002
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: int | None = None,
    ) -> Any:
        """The distinct values (sorted), with the inverse indices and counts when asked."""
        _logic.refuse_while_tracing("unique")
        out = self.xp.unique(
            self.array, return_inverse=return_inverse, return_counts=return_counts, axis=dim
        )
        if not (return_inverse or return_counts):
            return Tensor._make(out, False, None, 0)
        values, *rest = out
        if return_inverse:
            rest[0] = rest[0].reshape(self.shape if dim is None else (-1,))
        return tuple(Tensor._make(r, False, None, 0) for r in (values, *rest))

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        """Counts of each non-negative int (summed ``weights`` when given) in this 1-D tensor."""
        _logic.refuse_while_tracing("bincount")
        w = weights.array if isinstance(weights, Tensor) else weights
        out = self.xp.bincount(self.array, w, minlength)
        if w is not None and getattr(w, "dtype", None) in (np.float32, np.float64):
            out = out.astype(w.dtype, copy=False)  # torch: float32/float64 weights' dtype
        return Tensor._make(out, False, None, 0)

    # ---------------------------------------------------------- selecting
    def where(self, condition: Any, other: Any) -> Tensor:
        """``self`` where ``condition`` is true, else ``other``."""
        _sel.need_bool_condition("where", condition)
        return _ar.where(condition, *_args.promote(self, other))

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        _sel.need_bool_mask("masked_fill", mask)
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(
                f"masked_fill: only a 0-dimensional value tensor is supported, got shape {tuple(value.shape)}"
            )
        return _sel.masked_fill(self, mask, value)

    def masked_select(self, mask: Any) -> Tensor:
        return _sel.masked_select(self, mask)

    def gather(self, dim: int, index: Any) -> Tensor:
        _sel.refuse_negative_index("gather", index)
        return _sel.gather(self, dim, index)

    def scatter(
        self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None
    ) -> Tensor:
        """Out-of-place ``scatter_``: ``src`` (a tensor) or ``value`` written at ``index``;
        with ``reduce='add'`` or ``'multiply'`` added or multiplied in (``scatter_reduce``
        with ``'sum'`` / ``'prod'``)."""
        if (src is None) == (value is None):
            raise TypeError("scatter: give exactly one of src and value")
        source = value if src is None else src
        _sel.refuse_negative_index("scatter", index)
        if reduce is None:
            return _sel.scatter(self, dim, index, source)
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        if not isinstance(source, Tensor):
            source = Tensor(self.xp.full(tuple(index.shape), source, dtype=self.dtype))
        return self.scatter_reduce(dim, index, source, modes[reduce])

    def scatter_add(self, dim: int, index: Any, src: Tensor) -> Tensor:
        """Out-of-place ``scatter_add_``: ``src`` added at ``index`` (entries that meet add up)."""
        _sel.refuse_negative_index("scatter_add", index)
        return _sel.scatter_add(self, dim, index, src)

    def index_add(self, dim: int, index: Any, source: Tensor, *, alpha: Any = 1) -> Tensor:
        """Out-of-place ``index_add_``: ``alpha * source[i]`` added at ``index[i]`` along ``dim``."""
        _sel.refuse_negative_index("index_add", index)
        if isinstance(source, Tensor) and source.array.dtype != self.array.dtype:
            raise RuntimeError(
                f"index_add: self ({self.dtype}) and source ({source.dtype}) must have the same dtype"
            )
        if self.array.dtype.kind in "iub" and isinstance(alpha, float):
            alpha = int(alpha)  # as torch: an integer tensor takes alpha as an integer
        return _sel.index_add(self, dim, index, source, alpha)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """Out-of-place ``index_put_``: ``values`` written (or added) at ``self[indices]``."""
        return _ip.index_put(self, indices, values, accumulate)

    def masked_scatter(self, mask: Any, source: Tensor) -> Tensor:
        """Out-of-place ``masked_scatter_``: ``source``'s leading elements where ``mask``."""
        return _ip.masked_scatter(self, mask, source)

    def index_select(self, dim: int, index: Any) -> Tensor:
        if getattr(index, "ndim", 1) > 1:
            raise IndexError(
                f"index_select: index must be 0-D or 1-D, got shape {tuple(index.shape)}"
            )
        _sel.refuse_negative_index("index_select", index)
        return _sel.index_select(self, dim, index)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        """``self`` at ``indices`` along ``dim``, the other dims broadcast (of the flattened
        tensor when ``dim`` is None), as ``torch.take_along_dim``."""
        if isinstance(indices, Tensor) and indices.array.dtype != np.int64:
            raise RuntimeError(
                f"take_along_dim: dtype of indices should be int64, got {indices.dtype}"
            )
        if dim is None:
            return _sel.gather(_sh.reshape(self, (-1,)), 0, _sh.reshape(indices, (-1,)))
        if indices.ndim != self.ndim:
            raise RuntimeError(
                f"take_along_dim: input and indices should have the same number of dims, "
                f"got {self.ndim} and {indices.ndim}"
            )
        if self.ndim == 0:
            return _sel.gather(self, dim, indices)
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(f"take_along_dim: dim {dim} is out of range for {self.ndim} dims")
        d = dim % self.ndim
        common = list(np.broadcast_shapes(
            self.shape[:d] + (1,) + self.shape[d + 1 :], indices.shape[:d] + (1,) + indices.shape[d + 1 :]
        ))  # fmt: skip
        x = _sh.broadcast_to(self, tuple(common[:d] + [self.shape[d]] + common[d + 1 :]))
        idx = _sh.broadcast_to(indices, tuple(common[:d] + [indices.shape[d]] + common[d + 1 :]))
        return _sel.gather(x, d, idx)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        return _sel.narrow(self, dim, start, length)

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at ``index`` along ``dim``, without that dim."""
        return _sel.unbind_one(self, dim, index)

    def flip(self, *dims: Any, **kw: Any) -> Tensor:
        """Reverse the order along ``dims`` (positional, or torch's keyword ``dims=``)."""
        if kw:
            if set(kw) != {"dims"} or dims:
                raise TypeError(f"flip: expected dims (positional or dims=), got {sorted(kw)}")
            dims = (kw["dims"],)
        return _sel.flip(self, dims[0] if len(dims) == 1 else dims)

    def fliplr(self) -> Tensor:
        return _sel.flip(self, 1)

    def flipud(self) -> Tensor:
        return _sel.flip(self, 0)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return _sel.roll(self, shifts, dims)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile: ``sizes[i]`` copies along dim ``i`` (``x.repeat(2, 1)``)."""
        return _sel.repeat(self, _sizes(sizes))

    def tile(self, *dims: Any) -> Tensor:
        d = _sizes(dims)
        return _sel.repeat(self, (1,) * (self.ndim - len(d)) + tuple(d))

    def repeat_interleave(
        self, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
    ) -> Tensor:
        """Each entry ``repeats`` times in a row along ``dim`` (the flattened tensor by default).

        ``repeats`` is an int or a 1-D integer tensor of counts, one per entry along ``dim``
        (or a single count for all). With no ``repeats``, this tensor holds the counts and
        the result repeats ``arange(len(self))``, as ``torch.repeat_interleave(counts)``.
        """
        if repeats is None:
            return Tensor(_repeat_positions("repeat_interleave", self, self.numel()))
        x = _sh.reshape(self, (-1,)) if dim is None else self
        d = 0 if dim is None else dim % max(x.ndim, 1)
        index = _repeat_positions("repeat_interleave", repeats, x.shape[d])
        if output_size is not None and int(output_size) != index.shape[0]:
            raise RuntimeError(
                f"repeat_interleave: output_size={output_size} but the repeats sum to "
                f"{index.shape[0]}"
            )
        return _sel.index_select(x, d, x.xp.asarray(index))

    def diff(
        self, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None
    ) -> Tensor:
        """The ``n``-th forward difference along ``dim``: ``x[i + 1] - x[i]``, ``n`` times.

        ``prepend`` / ``append`` (tensors of this tensor's ndim) are joined on before;
        boolean tensors give ``x[i + 1] != x[i]``, as torch's.

        Parameters
        ----------
        n : int
            How many times to take the difference (0 gives the tensor back).
        dim : int
            The dim to run along.
        prepend, append : Tensor, optional
            Values joined before / after this tensor along ``dim``.

        Returns
        -------
        Tensor
            This tensor's shape, with ``dim`` ``n`` shorter (and longer by the joined values).
        """
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"diff: order n must be a non-negative int, got {n!r}")
        (d,) = _dims(self, "diff", dim)
        x = _joined_for_diff(self, d, prepend, append)
        for _ in range(n):
            if x.shape[d] == 0:
                break
            later = _sel.narrow(x, d, 1, x.shape[d] - 1)
            earlier = _sel.narrow(x, d, 0, x.shape[d] - 1)
            x = later != earlier if x.dtype == np.bool_ else later - earlier
        return x

    def multinomial(
        self, num_samples: int, replacement: bool = False, *, generator: Any = None
    ) -> Tensor:
        """Category indices drawn with the probabilities of each row (weights, any scale).

        Without replacement a category is drawn at most once per row (once the categories
        of non-zero weight run out, those of zero weight follow, as in torch). No gradient.

        Parameters
        ----------
        num_samples : int
            Draws per row.
        replacement : bool
            Draw with replacement.
        generator : glassnet.Generator, optional
            The generator to draw from (glassnet's global one by default).

        Returns
        -------
        Tensor
            int64, ``(num_samples,)`` for a 1-D ``(C,)`` input, ``(N, num_samples)`` for
            ``(N, C)``, on this tensor's device.
        """
        weights = _multinomial_weights(self, num_samples, replacement)
        rng = _random.get_rng() if generator is None else generator
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                "multinomial: generator must be a glassnet.Generator (torch.Generator) or a "
                f"numpy.random.Generator, got {type(rng).__name__}"
            )
        draw = _with_replacement if replacement else _without_replacement
        idx = draw(weights, int(num_samples), rng).astype(np.int64)
        idx = idx[0] if self.ndim == 1 else idx
        if self.device.type != "cpu":
            idx = _backend.to_device(idx, self.device)
        return Tensor._make(idx, False, None, 0)

    # ------------------------------------------------------------- sorting
    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        return _sel.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        return _sel.argsort(self, dim, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        return _sel.topk(_no_bool(self, "topk"), k, dim, largest, sorted)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return _sel.kthvalue(_no_bool(self, "kthvalue"), k, dim, keepdim)

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _sel.median(_no_bool(self, "median"), dim, keepdim)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The lower median of the non-NaN entries (a tensor), or ``(values, indices)``
        along ``dim``."""
        return _sel.nanmedian(_no_bool(self, "nanmedian"), dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        """``(values, indices)``: the most frequent entry along ``dim`` (the smallest of
        equally frequent ones)."""
        return _sel.mode(self, dim, keepdim)

    # ----------------------------------------------------------- splitting
    def split(
        self, split_size_or_sections: Any, dim: int = 0, *, axis: int | None = None
    ) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along ``dim`` (the last smaller), or of the listed sizes."""
        d = dim if axis is None else axis
        return tuple(_sh.split(self, split_size_or_sections, d))

    def chunk(self, chunks: int, dim: int = 0, *, axis: int | None = None) -> tuple[Tensor, ...]:
        return tuple(_sel.chunk(self, chunks, dim if axis is None else axis))

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return _sel.unbind(self, dim)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """An int: that many pieces as equal as possible (the first ones one larger). A list
        (or 1-D tensor) of indices: the pieces between them, as ``x[:i0], x[i0:i1], ...``
        (an index past the end gives empty pieces)."""
        if self.ndim == 0:
            raise RuntimeError("tensor_split: expected at least a 1-dimensional tensor, got a 0-d one")
        n = self.shape[dim]
        if isinstance(indices_or_sections, Tensor) and indices_or_sections.array.dtype != np.int64:
            raise RuntimeError(
                "tensor_split: expected indices_or_sections of dtype int64, got "
                f"{indices_or_sections.dtype}"
            )
        if isinstance(indices_or_sections, Tensor) and indices_or_sections.ndim == 0:
            indices_or_sections = int(indices_or_sections.item())
        if isinstance(indices_or_sections, (int, np.integer)):
            sections = int(indices_or_sections)
            if sections < 1:
                raise RuntimeError(f"tensor_split: expected at least 1 section, got {sections}")
            q, r = divmod(n, sections)
            return tuple(_sh.split(self, [q + 1] * r + [q] * (sections - r), dim))
        points = indices_or_sections
        if isinstance(points, Tensor):
            points = points.tolist()
        bounds = [0] + [min(max(int(i) + n if int(i) < 0 else int(i), 0), n) for i in points]
        bounds.append(n)
        sizes = [max(end - start, 0) for start, end in zip(bounds, bounds[1:])]
        if sum(sizes) != n:  # decreasing indices: torch gives the slices, which overlap
            return tuple(self.narrow(dim, min(s, n), max(min(e, n) - min(s, n), 0))
                         for s, e in zip(bounds, bounds[1:]))  # fmt: skip
        return tuple(_sh.split(self, sizes, dim))

    # ------------------------------------------------------------- moving dims
    def movedim(self, source: int | tuple[int, ...], destination: int | tuple[int, ...]) -> Tensor:
        """The dims ``source`` moved to the positions ``destination``; the others keep order."""
        src, dst = _dims(self, "movedim", source), _dims(self, "movedim", destination)
        if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
            raise ValueError(
                f"movedim: source {source!r} and destination {destination!r} must be "
                "distinct dims, as many of each"
            )
        rest = iter(d for d in range(self.ndim) if d not in src)
        where = dict(zip(dst, src))
        return self.permute(*[where[i] if i in where else next(rest) for i in range(self.ndim)])

    moveaxis = movedim

    def unflatten(self, dim: int, sizes: tuple[int, ...]) -> Tensor:
        """Dim ``dim`` split into ``sizes`` (one of them may be -1)."""
        (d,) = _dims(self, "unflatten", dim)
        shape = tuple(self.shape)
        return _sh.reshape(self, shape[:d] + tuple(sizes) + shape[d + 1 :])

    # ------------------------------------------------------- matrix shapes
    def outer(self, vec2: Tensor) -> Tensor:
        """Outer product of two 1-D tensors, ``(n, m)``."""
        if self.ndim != 1 or getattr(vec2, "ndim", 1) != 1:
            raise RuntimeError(
                f"outer: expected two 1-D tensors, got shapes {tuple(self.shape)} and "
                f"{tuple(vec2.shape)}"
            )
        return _ar.mul(_sh.reshape(self, (-1, 1)), _sh.reshape(vec2, (1, -1)))

    def isclose(
        self, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
    ) -> Tensor:
        """Boolean tensor: ``|self - other| <= atol + rtol * |other|``."""
        if isinstance(other, Tensor) and other.dtype != self.dtype:
            raise RuntimeError(
                f"isclose: expected tensors of one dtype (as torch), got {self.dtype} and "
                f"{other.dtype}; cast one with .to()"
            )
        o = other.array if isinstance(other, Tensor) else other
        return Tensor._make(
            self.xp.isclose(self.array, o, rtol=rtol, atol=atol, equal_nan=equal_nan),
            False,
            None,
            0,
        )

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two dims (above ``diagonal`` set to 0)."""
        return _triangle(self, diagonal, True)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two dims (below ``diagonal`` set to 0)."""
        return _triangle(self, diagonal, False)

    def diag(self, diagonal: int = 0) -> Tensor:
        """A 1-D tensor as a diagonal matrix, or the diagonal of a 2-D tensor."""
        if self.ndim == 1:
            return _diag_matrix(self, diagonal)
        if self.ndim != 2:
            raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {self.shape}")
        n, m = self.shape
        k = builtins.max(
            builtins.min(n + builtins.min(diagonal, 0), m - builtins.max(diagonal, 0)), 0
        )
        idx = self.xp.arange(k)
        rows, cols = idx + builtins.max(-diagonal, 0), idx + builtins.max(diagonal, 0)
        return _sh.getitem(self, (rows, cols))

    def trace(self) -> Tensor:
        """The sum of the main diagonal of a 2-D tensor (a 0-d tensor)."""
        if self.ndim != 2:
            raise ValueError(f"trace: expected a 2-D tensor, got shape {self.shape}")
        return self.diag().sum()


def _dims(x: Tensor, who: str, dims: int | tuple[int, ...]) -> tuple[int, ...]:
    """``dims`` (an int or a sequence) as non-negative dims of ``x``."""
    out = (dims,) if isinstance(dims, int) else tuple(dims)
    for d in out:
        if not -x.ndim <= d < x.ndim:
            raise IndexError(f"{who}: dim {d} is out of range for a {x.ndim}-d tensor")
    return tuple(d % x.ndim for d in out)


def _joined_for_diff(x: Tensor, d: int, prepend: Any, append: Any) -> Tensor:
    """``x`` with ``prepend`` before it and ``append`` after it along ``d``."""
    parts = []
    for name, part in (("prepend", prepend), (None, x), ("append", append)):
        if part is None:
            continue
        if name is not None:
            if not isinstance(part, Tensor):
                raise TypeError(f"diff: {name} must be a Tensor, got {type(part).__name__}")
            if part.ndim != x.ndim:
                raise ValueError(
                    f"diff: {name} must have the input's {x.ndim} dims, got shape {part.shape}"
                )
        parts.append(part)
    if len(parts) == 1:
        return x
    dtypes = {p.dtype for p in parts}
    if len(dtypes) > 1:  # torch's promotion: a floating part decides (int64 + float32: float32)
        floats = {d for d in dtypes if d.kind == "f"}
        target = np.result_type(*(floats or dtypes))
        parts = [p if p.dtype == target else _ar.cast(p, target) for p in parts]
    return _sh.concat(parts, d)


def _multinomial_weights(x: Tensor, num_samples: Any, replacement: bool) -> np.ndarray:
    """The rows of ``x`` as a float64 host array ``(N, C)``, checked as torch checks them."""
    if x.ndim not in (1, 2):
        raise ValueError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"multinomial: only floating-point input is supported, got {x.dtype}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise TypeError(f"multinomial: num_samples must be an int, got {num_samples!r}")
    if num_samples <= 0:
        raise ValueError(f"multinomial: cannot sample num_samples <= 0 samples, got {num_samples}")
    if not replacement and num_samples > x.shape[-1]:
        raise ValueError(
            f"multinomial: cannot sample num_samples={num_samples} > prob_dist.size(-1)="
            f"{x.shape[-1]} samples without replacement"
        )
    w = np.asarray(_backend.to_host(x.array), dtype=np.float64).reshape(-1, x.shape[-1])
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("multinomial: probability tensor contains either inf, nan or element < 0")
    if (w.sum(axis=1) <= 0).any():
        raise ValueError("multinomial: invalid distribution (sum of probabilities <= 0)")
    return w


def _with_replacement(w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``(N, k)`` indices: each row inverts its cumulative weights at ``k`` uniform points."""
    cum = np.cumsum(w, axis=1)
    total = cum[:, -1:]
    u = np.minimum(rng.random((w.shape[0], k)) * total, np.nextafter(total, 0))  # below total
    return np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cum, u)])


def _without_replacement(w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``(N, k)`` indices: the ``k`` largest ``w / E`` with ``E`` exponential draws, largest
    first (the order a sequential draw without replacement picks them in)."""
    keys = w / rng.standard_exponential(w.shape)
    return np.argsort(-keys, axis=1, kind="stable")[:, :k]


def _triangle(x: Tensor, diagonal: int, lower: bool) -> Tensor:
    n, m = x.shape[-2:]
    keep = (
        x.xp.tri(n, m, diagonal, dtype=bool) if lower else ~x.xp.tri(n, m, diagonal - 1, dtype=bool)
    )
    return _ar.where(keep, x, x.xp.zeros((), dtype=x.dtype))


def _diag_matrix(v: Tensor, diagonal: int) -> Tensor:
    """``(n + |diagonal|, n + |diagonal|)`` with ``v`` on the ``diagonal``-th diagonal."""
    n = v.shape[0] + builtins.abs(diagonal)
    rows = v.xp.arange(v.shape[0]) + builtins.max(-diagonal, 0)
    cols = v.xp.arange(v.shape[0]) + builtins.max(diagonal, 0)
    pick = v.xp.full((n, n), v.shape[0], dtype=np.int64)
    pick[rows, cols] = v.xp.arange(v.shape[0])
    zero = Tensor._make(v.xp.zeros(1, dtype=v.dtype), False, None, 0)
    return _sh.getitem(_sh.concat([_sh.reshape(v, (-1,)), zero], 0), pick)


def _sizes(args: tuple) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _repeat_positions(who: str, repeats: Any, n: int) -> np.ndarray:
    """The index ``[0]*r0 + [1]*r1 + ...`` for counts ``repeats`` (an int or 1-D counts), (R,)."""
    if isinstance(repeats, Tensor):
        repeats = repeats.numpy()
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iub":
        raise TypeError(f"{who}: repeats must be an int or integer tensor, got {counts.dtype}")
    if counts.ndim > 1 or (counts.ndim == 1 and counts.shape[0] not in (1, n)):
        raise RuntimeError(
            f"{who}: repeats must have the same size as input along dim ({n}), "
            f"got shape {counts.shape}"
        )
    if (counts < 0).any():
        raise RuntimeError(f"{who}: repeats can not be negative, got {counts.tolist()}")
    counts = np.broadcast_to(counts.reshape(-1), (n,)) if counts.size == 1 else counts
    return np.repeat(np.arange(n), counts.astype(np.int64))


def _no_bool(x: Tensor, who: str) -> Tensor:
    """``x``, refused when it is a bool tensor, as torch's CPU kernels for ``who`` are."""
    if x.array.dtype == np.bool_:
        raise NotImplementedError(f"{who}: not implemented for bool tensors, as in torch (cast first)")
    return x
