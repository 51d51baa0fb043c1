"""``nn.Embedding``: a learnt lookup table of vectors, indexed by integers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...backend import default_dtype, to_host
from ...ops.embedding import embedding
from ...ops.embedding_bag import embedding_bag
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import as_given, positive_int

__all__ = ["Embedding", "EmbeddingBag"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, as ``torch.nn.Embedding``.

    Parameters
    ----------
    num_embeddings : int
    embedding_dim : int
    padding_idx : int, optional
        Its row starts at zero and gets no gradient (negative values count from the end).
    max_norm : float, optional
        Rows looked up are renormalised in place to at most this norm.
    norm_type : float, default 2
    scale_grad_by_freq : bool, default False
        Each lookup's gradient is divided by how often the batch holds its index.
    sparse : bool, default False
        Not supported (refused when True).
    _weight : array-like, optional
        Initial table (``from_pretrained`` uses it).
    _freeze : bool, default False
        The table gets no gradient.
    device, dtype : optional

    Shape
    -----
    - Input: ``(*)`` integers in ``[0, num_embeddings)``
    - Output: ``(*, embedding_dim)``

    Attributes
    ----------
    weight : Parameter, shape (num_embeddings, embedding_dim)
        Initialised from ``N(0, 1)``, as PyTorch.
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
        sparse: bool = False, _weight: Any = None, _freeze: bool = False, device: Any = None,
        dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.num_embeddings = positive_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = positive_int("Embedding", "embedding_dim", embedding_dim)
        self.padding_idx = self._padding(padding_idx)
        if sparse:
            raise NotImplementedError("Embedding: sparse=True is not supported (dense gradients only)")
        self.max_norm = None if max_norm is None else as_given(max_norm)
        self.norm_type = as_given(norm_type)
        self.scale_grad_by_freq, self.sparse = bool(scale_grad_by_freq), False
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dt))
            self.reset_parameters()
        else:
            table = np.asarray(to_host(_weight.array if isinstance(_weight, Tensor) else _weight))
            if table.shape != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight has shape {table.shape}, expected "
                    f"({num_embeddings}, {embedding_dim})"
                )
            # no copy: as torch, from_pretrained's table shares its memory (max_norm changes both)
            self.weight = Parameter(table.astype(table.dtype if dtype is None else dt, copy=False))
        self.weight.requires_grad = not _freeze
        if device is not None:
            self.to(device)

    def _padding(self, padding_idx: Any) -> int | None:
        if padding_idx is None:
            return None
        n = self.num_embeddings
        if isinstance(padding_idx, bool) or not isinstance(padding_idx, int) or not -n <= padding_idx < n:
            raise ValueError(
                f"Embedding: padding_idx must be an int in [-{n}, {n}), got {padding_idx!r}"
            )
        return padding_idx % n

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq)

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:  # fmt: skip
        """An ``Embedding`` whose weight shares the memory of the 2-D ``embeddings`` table, as
        torch's (frozen by default)."""
        table = np.asarray(to_host(embeddings.array if isinstance(embeddings, Tensor) else embeddings))
        if table.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-D table, got shape {table.shape}")
        return cls(
            table.shape[0], table.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq,
            sparse, _weight=table, _freeze=freeze,
        )  # fmt: skip

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        return s


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embedding vectors, as ``torch.nn.EmbeddingBag``.

    Parameters
    ----------
    num_embeddings, embedding_dim : int
    max_norm : float, optional
        Looked-up rows are scaled down in place to this norm (as ``Embedding``).
    norm_type : float, default 2
    scale_grad_by_freq, sparse : bool
        ``True`` raises ``NotImplementedError`` (dense gradients only).
    mode : {'mean', 'sum', 'max'}
    include_last_offset : bool, default False
        ``offsets`` has one more entry, the end of the last bag; as in torch, that last
        bag runs to the end of ``input`` whatever the entry says.
    padding_idx : int, optional
        Entries equal to it are left out of their bag; that row starts at zeros.
    device, dtype : optional

    Shape
    -----
    - Input: ``(B, N)`` indices, or ``(T,)`` with ``offsets`` ``(B,)``
    - ``per_sample_weights`` (``mode='sum'``): the input's shape
    - Output: ``(B, embedding_dim)``
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
        sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
        padding_idx: int | None = None, device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        if scale_grad_by_freq or sparse:
            name = "scale_grad_by_freq" if scale_grad_by_freq else "sparse"
            raise NotImplementedError(
                f"EmbeddingBag: {name}=True is not supported (dense gradients only)"
            )
        table = Embedding(
            num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, _weight=_weight,
            device=device, dtype=dtype,
        )  # fmt: skip
        self.num_embeddings, self.embedding_dim = table.num_embeddings, table.embedding_dim
        self.padding_idx, self.max_norm, self.norm_type = table.padding_idx, max_norm, as_given(norm_type)
        self.scale_grad_by_freq, self.sparse = False, False
        self.mode, self.include_last_offset = mode, bool(include_last_offset)
        self.weight = table.weight

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(
        self, input: Any, offsets: Any = None, per_sample_weights: Tensor | None = None  # noqa: A002
    ) -> Tensor:
        return embedding_bag(
            input, self.weight, offsets, self.max_norm, self.norm_type, False, self.mode, False,
            per_sample_weights, self.include_last_offset, self.padding_idx,
        )  # fmt: skip

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, max_norm: float | None = None,
        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
        sparse: bool = False, include_last_offset: bool = False, padding_idx: int | None = None,
    ) -> EmbeddingBag:  # fmt: skip
        """An ``EmbeddingBag`` whose weight shares the memory of the 2-D ``embeddings`` table,
        as torch's (frozen by default)."""
        table = np.asarray(to_host(embeddings.array if isinstance(embeddings, Tensor) else embeddings))
        if table.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: expected a 2-D table, got shape {table.shape}")
        bag = cls(
            table.shape[0], table.shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
            table, include_last_offset, padding_idx,
        )  # fmt: skip
        bag.weight.requires_grad = not freeze
        return bag

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s
