"""Variable-length sequences: padding and packing (PyTorch's ``torch.nn.utils.rnn``).

A batch of sequences of different lengths can be *padded* to one length
(``pad_sequence``) or *packed* (``pack_padded_sequence``): the sequences are
sorted longest first and their steps stored time-major, step ``t`` holding
one row for each sequence longer than ``t``. ``RNN``, ``LSTM`` and ``GRU``
accept a :class:`PackedSequence` and then never read padding: each sequence
stops at its own length, so ``h_n`` is its state at its last real step and a
backward direction starts at its real end.

All functions here are written with differentiable ops (``pad``, ``stack``,
``getitem``, ``concat``), so gradients flow through packing and unpacking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ...ops import resize as Z
from ...ops import shape as S
from ...tensor import Tensor

__all__ = [
    "PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
    "pack_sequence", "unpad_sequence", "unpack_sequence",
]  # fmt: skip


class PackedSequence(NamedTuple):
    """Sequences packed time-major, longest first.

    Attributes
    ----------
    data : Tensor, shape (sum of lengths, *)
        Step ``t`` of every sequence longer than ``t``, for ``t = 0, 1, ...``.
    batch_sizes : ndarray of int64, shape (T_max,)
        How many sequences are longer than ``t``.
    sorted_indices : ndarray of int64, shape (N,), or None
        Original index of each sorted sequence (None when given sorted).
    unsorted_indices : ndarray of int64, shape (N,), or None
        Where each original sequence sits in the sorted order.
    """

    data: Tensor
    batch_sizes: np.ndarray
    sorted_indices: np.ndarray | None = None
    unsorted_indices: np.ndarray | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data`` moved or cast by ``Tensor.to`` (torch's forms); the sizes and indices are
        kept, as torch's ``PackedSequence.to`` (``packed.to(device)`` in a training loop)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._replace(data=self.data.cuda(*args, **kwargs))

    def double(self) -> PackedSequence:
        return self.to(np.float64)

    def float(self) -> PackedSequence:
        return self.to(np.float32)

    def half(self) -> PackedSequence:
        return self.to(np.float16)

    def long(self) -> PackedSequence:
        return self.to(np.int64)

    def int(self) -> PackedSequence:
        return self.to(np.int32)

    @property
    def is_cuda(self) -> bool:
        return bool(self.data.is_cuda)

    def lengths(self) -> np.ndarray:
        """Each sequence's length, in the original order."""
        sizes = np.asarray(self.batch_sizes)
        n = int(sizes[0]) if sizes.size else 0
        sorted_lengths = (sizes[None, :] > np.arange(n)[:, None]).sum(axis=1)
        return (
            sorted_lengths
            if self.unsorted_indices is None
            else sorted_lengths[self.unsorted_indices]
        )


def _lengths(who: str, lengths: Any, n: int, t_max: int) -> np.ndarray:
    arr = np.asarray(lengths.array if isinstance(lengths, Tensor) else lengths)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{who}: expected {n} lengths (one per sequence), got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{who}: lengths must be integers, got dtype {arr.dtype}")
    if n and (arr.min() < 1 or arr.max() > t_max):
        raise ValueError(f"{who}: lengths must be in [1, {t_max}], got {arr.tolist()}")
    return arr.astype(np.int64)


def pad_sequence(
    sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:  # fmt: skip
    """Stack sequences of shapes ``(L_i, *)`` into ``(T_max, N, *)`` (``(N, T_max, *)`` batch first).

    Parameters
    ----------
    sequences : sequence of Tensor
    batch_first : bool, default False
    padding_value : float, default 0
    padding_side : {'right', 'left'}, default 'right'
    """
    seqs = list(sequences)
    if not seqs:
        raise ValueError("pad_sequence: expected at least one sequence")
    if padding_side not in ("right", "left"):
        raise ValueError(
            f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}"
        )
    tail = seqs[0].shape[1:]
    for i, s in enumerate(seqs):
        if s.ndim < 1 or s.shape[1:] != tail:
            raise ValueError(
                f"pad_sequence: sequence {i} has shape {s.shape}; all must be (L, {tail}) "
                "with the same trailing shape"
            )
    t_max = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        extra = t_max - s.shape[0]
        widths = [0, 0] * len(tail) + ([extra, 0] if padding_side == "left" else [0, extra])
        padded.append(Z.pad(s, widths, value=padding_value) if extra else s)
    return S.stack(padded, 0 if batch_first else 1)


def pack_padded_sequence(
    input: Tensor, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True,  # noqa: A002
) -> PackedSequence:  # fmt: skip
    """Pack a padded batch ``(T, N, *)`` (or ``(N, T, *)``) given each sequence's length.

    Parameters
    ----------
    input : Tensor
    lengths : array-like of int, shape (N,)
    batch_first : bool, default False
    enforce_sorted : bool, default True
        Require lengths sorted longest first (as PyTorch); False sorts them here.
    """
    who = "pack_padded_sequence"
    x = input.transpose(0, 1) if batch_first else input
    t_max, n = x.shape[0], x.shape[1]
    lens = _lengths(who, lengths, n, t_max)
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise ValueError(
                f"{who}: lengths {lens.tolist()} are not sorted longest first; sort the batch "
                "or pass enforce_sorted=False"
            )
        order, inverse = None, None
    else:
        order = np.argsort(-lens, kind="stable")
        inverse = np.empty_like(order)
        inverse[order] = np.arange(n)
        x = S.getitem(x, (slice(None), x.xp.asarray(order)))
        lens = lens[order]
    sizes = (lens[None, :] > np.arange(int(lens[0]))[:, None]).sum(axis=1).astype(np.int64)
    rows = [S.getitem(x, (t, slice(0, int(b)))) for t, b in enumerate(sizes)]
    return PackedSequence(S.concat(rows, 0), sizes, order, inverse)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """Undo :func:`pack_padded_sequence`: the padded batch and the lengths (original order).

    Parameters
    ----------
    sequence : PackedSequence
    batch_first : bool, default False
    padding_value : float, default 0
    total_length : int, optional
        Pad to this many steps (at least the longest length).

    Returns
    -------
    padded : Tensor, shape (T, N, *) or (N, T, *) when ``batch_first``
    lengths : Tensor of int64, shape (N,)
        Each sequence's length, in the original order, on the CPU (as torch).
    """
    data, sizes = sequence.data, np.asarray(sequence.batch_sizes)
    n, t_max = int(sizes[0]), len(sizes)
    if total_length is not None and total_length < t_max:
        raise ValueError(
            f"pad_packed_sequence: total_length={total_length} is shorter than the longest "
            f"sequence ({t_max})"
        )
    steps, start = [], 0
    tail = [0, 0] * (data.ndim - 1)
    for b in sizes.tolist():
        rows = S.getitem(data, slice(start, start + b))
        steps.append(Z.pad(rows, tail + [0, n - b], value=padding_value) if b < n else rows)
        start += b
    out = S.stack(steps, 0)
    if total_length is not None and total_length > t_max:
        out = Z.pad(out, [0, 0] * (out.ndim - 1) + [0, total_length - t_max], value=padding_value)
    if sequence.unsorted_indices is not None:
        out = S.getitem(out, (slice(None), out.xp.asarray(sequence.unsorted_indices)))
    lengths = Tensor(np.asarray(sequence.lengths(), dtype=np.int64))
    return (out.transpose(0, 1) if batch_first else out), lengths


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` tensors (``pad_sequence`` then ``pack_padded_sequence``)."""
    lens = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lens, enforce_sorted=enforce_sorted)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Any, batch_first: bool = False
) -> list[Tensor]:
    """Split a padded batch back into its ``(L_i, *)`` sequences."""
    padded = padded_sequences
    x = padded if batch_first else padded.transpose(0, 1)
    lens = _lengths("unpad_sequence", lengths, x.shape[0], x.shape[1])
    return [S.getitem(x, (i, slice(0, int(n)))) for i, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The ``(L_i, *)`` sequences of a :class:`PackedSequence`, in the original order."""
    padded, lens = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lens, batch_first=True)
