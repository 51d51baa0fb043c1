"""Transformer layers with PyTorch's arguments, behaviour and state-dict keys.

``TransformerEncoderLayer`` is self-attention then a two-layer feed-forward
block, each wrapped in a residual connection and a ``LayerNorm`` (after the
residual by default, before the block with ``norm_first=True``).
``TransformerDecoderLayer`` adds attention to the encoder's output
(``memory``) between the two. The stacks copy a layer ``num_layers`` times.
Masks follow ``MultiheadAttention``: boolean ``True`` (or ``-inf``) hides a
position; key-padding masks are ``(N, S)``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ...backend import default_dtype
from ...ops import activation as A
from ...tensor import Tensor
from .. import init
from ..container import ModuleList
from ..module import Module
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .norm_more import LayerNorm

__all__ = [
    "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
    "TransformerDecoder", "Transformer", "generate_square_subsequent_mask",
]  # fmt: skip


def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    """A ``(sz, sz)`` float mask: 0 on and below the diagonal, ``-inf`` above (no peeking ahead).

    Parameters
    ----------
    sz : int
    device, dtype : optional
        ``dtype`` defaults to glassnet's default float dtype.
    """
    dt = np.dtype(dtype) if dtype is not None else default_dtype()
    mask = np.triu(np.full((sz, sz), -np.inf, dtype=dt), k=1)
    out = Tensor(mask)
    return out.to(device) if device is not None else out


def _activation(who: str, activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return A.relu
    if activation == "gelu":
        return A.gelu
    if callable(activation):
        return activation
    raise ValueError(f"{who}: activation must be 'relu', 'gelu' or a callable, got {activation!r}")


def _causal_if_needed(mask: Any, is_causal: bool | None, length: int, like: Tensor) -> Any:
    """The mask to use: ``mask``, or a causal one when only the ``is_causal`` hint is given."""
    if mask is None and is_causal:
        return generate_square_subsequent_mask(length, dtype=like.dtype).to(like.device)
    return mask


def _seq_len(x: Tensor, batch_first: bool) -> int:
    if x.ndim == 2:
        return x.shape[0]
    return x.shape[1] if batch_first else x.shape[0]


class _FeedForward(Module):
    """What the encoder and decoder layers share: the feed-forward block and its plumbing."""

    def _init_ff(
        self, d_model: int, dim_feedforward: int, dropout: float, activation: Any,
        bias: bool, dtype: Any,
    ) -> None:  # fmt: skip
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.activation = _activation(type(self).__name__, activation)

    def _ff_block(self, x: Tensor, drop: Dropout) -> Tensor:
        return drop(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    @staticmethod
    def _attend(
        attn: MultiheadAttention, q: Tensor, kv: Tensor, mask: Any, padding: Any, drop: Dropout
    ) -> Tensor:
        out, _ = attn(q, kv, kv, key_padding_mask=padding, need_weights=False, attn_mask=mask)
        return drop(out)


class TransformerEncoderLayer(_FeedForward):
    """Self-attention and feed-forward, each with a residual connection and layer norm.

    Parameters
    ----------
    d_model : int
        Feature size ``E``.
    nhead : int
        Attention heads (must divide ``d_model``).
    dim_feedforward : int, default 2048
    dropout : float, default 0.1
    activation : 'relu', 'gelu' or callable, default 'relu'
    layer_norm_eps : float, default 1e-5
    batch_first : bool, default False
        Inputs are ``(N, S, E)`` instead of ``(S, N, E)``.
    norm_first : bool, default False
        Pre-norm (``x + f(norm(x))``) instead of post-norm (``norm(x + f(x))``).
    bias : bool, default True
    device, dtype : optional

    Shape
    -----
    - src: ``(S, N, E)``, ``(N, S, E)`` with ``batch_first``, or ``(S, E)``
    - src_mask: ``(S, S)`` or ``(N * nhead, S, S)``; src_key_padding_mask: ``(N, S)``
    - Output: the shape of ``src``
    """

    def __init__(
        self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu", layer_norm_eps: float = 1e-5,
        batch_first: bool = False, norm_first: bool = False, bias: bool = True,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self._init_ff(d_model, dim_feedforward, dropout, activation, bias, dtype)
        self.norm_first, self.batch_first = bool(norm_first), bool(batch_first)
        self.norm1 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        if device is not None:
            self.to(device)

    def forward(
        self, src: Tensor, src_mask: Any = None, src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:  # fmt: skip
        mask = _causal_if_needed(src_mask, is_causal, _seq_len(src, self.batch_first), src)
        x = src
        if self.norm_first:
            h = self.norm1(x)
            x = x + self._attend(self.self_attn, h, h, mask, src_key_padding_mask, self.dropout1)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._attend(self.self_attn, x, x, mask, src_key_padding_mask, self.dropout1))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_FeedForward):
    """Self-attention, attention to ``memory``, and feed-forward, each with residual and norm.

    Parameters
    ----------
    d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
    norm_first, bias, device, dtype
        As :class:`TransformerEncoderLayer`.

    Shape
    -----
    - tgt: ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``); memory: ``(S, N, E)``
    - tgt_mask: ``(T, T)``; memory_mask: ``(T, S)``; key-padding masks ``(N, T)``, ``(N, S)``
    - Output: the shape of ``tgt``
    """

    def __init__(
        self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu", layer_norm_eps: float = 1e-5,
        batch_first: bool = False, norm_first: bool = False, bias: bool = True,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        kw = dict(dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, **kw)
        self._init_ff(d_model, dim_feedforward, dropout, activation, bias, dtype)
        self.norm_first, self.batch_first = bool(norm_first), bool(batch_first)
        self.norm1 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1, self.dropout2, self.dropout3 = (Dropout(dropout) for _ in range(3))
        if device is not None:
            self.to(device)

    def forward(
        self, tgt: Tensor, memory: Tensor, tgt_mask: Any = None, memory_mask: Any = None,
        tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False, memory_is_causal: bool = False,
    ) -> Tensor:  # fmt: skip
        mask = _causal_if_needed(tgt_mask, tgt_is_causal, _seq_len(tgt, self.batch_first), tgt)
        sa, ca = self.self_attn, self.multihead_attn
        x = tgt
        if self.norm_first:
            h = self.norm1(x)
            x = x + self._attend(sa, h, h, mask, tgt_key_padding_mask, self.dropout1)
            x = x + self._attend(
                ca, self.norm2(x), memory, memory_mask, memory_key_padding_mask, self.dropout2
            )
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._attend(sa, x, x, mask, tgt_key_padding_mask, self.dropout1))
        x = self.norm2(
            x + self._attend(ca, x, memory, memory_mask, memory_key_padding_mask, self.dropout2)
        )
        return self.norm3(x + self._ff_block(x, self.dropout3))


def _clones(who: str, layer: Module, num_layers: int) -> ModuleList:
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
        raise ValueError(f"{who}: num_layers must be a positive int, got {num_layers!r}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then an optional ``norm``.

    Parameters
    ----------
    encoder_layer : TransformerEncoderLayer
        Copied (each copy has its own parameters, equal at the start).
    num_layers : int
    norm : Module, optional
    enable_nested_tensor, mask_check : bool
        PyTorch's fast-path switches; accepted, no effect. (PyTorch's fast
        path returns 0 at padded positions in evaluation mode; glassnet
        returns the computed values there. Non-padded positions agree.)

    Shape
    -----
    As :class:`TransformerEncoderLayer`.
    """

    def __init__(
        self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
        enable_nested_tensor: bool = True, mask_check: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        self.layers = _clones("TransformerEncoder", encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self, src: Tensor, mask: Any = None, src_key_padding_mask: Any = None,
        is_causal: bool | None = None,
    ) -> Tensor:  # fmt: skip
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))  # fmt: skip
        return self.norm(x) if self.norm is not None else x


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn, then an optional ``norm``.

    Parameters
    ----------
    decoder_layer : TransformerDecoderLayer
    num_layers : int
    norm : Module, optional
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones("TransformerDecoder", decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self, tgt: Tensor, memory: Tensor, tgt_mask: Any = None, memory_mask: Any = None,
        tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None, memory_is_causal: bool = False,
    ) -> Tensor:  # fmt: skip
        x = tgt
        for layer in self.layers:
            x = layer(
                x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
                bool(tgt_is_causal), memory_is_causal,
            )  # fmt: skip
        return self.norm(x) if self.norm is not None else x


class Transformer(Module):
    """The encoder-decoder Transformer (Vaswani et al., 2017), as ``torch.nn.Transformer``.

    Parameters
    ----------
    d_model : int, default 512
    nhead : int, default 8
    num_encoder_layers, num_decoder_layers : int, default 6
    dim_feedforward : int, default 2048
    dropout : float, default 0.1
    activation : 'relu', 'gelu' or callable
    custom_encoder, custom_decoder : Module, optional
    layer_norm_eps : float, default 1e-5
    batch_first, norm_first, bias : bool
    device, dtype : optional

    Shape
    -----
    - src: ``(S, N, E)``; tgt: ``(T, N, E)`` (batch first with ``batch_first``)
    - Output: ``(T, N, E)``
    """

    def __init__(
        self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
        num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu", custom_encoder: Module | None = None,
        custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
        batch_first: bool = False, norm_first: bool = False, bias: bool = True,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias, None, dtype)  # fmt: skip
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            TransformerEncoderLayer(*args), num_encoder_layers,
            LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype),
        )  # fmt: skip
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            TransformerDecoderLayer(*args), num_decoder_layers,
            LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype),
        )  # fmt: skip
        self.d_model, self.nhead, self.batch_first = d_model, nhead, bool(batch_first)
        self._reset_parameters()
        if device is not None:
            self.to(device)

    def _reset_parameters(self) -> None:
        """Xavier-uniform for every weight matrix, as PyTorch does."""
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self, src: Tensor, tgt: Tensor, src_mask: Any = None, tgt_mask: Any = None,
        memory_mask: Any = None, src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:  # fmt: skip
        b = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[b] != tgt.shape[b]:
            raise ValueError(f"{type(self).__name__}: src and tgt batch sizes differ: {src.shape}, {tgt.shape}")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(
                f"{type(self).__name__}: src and tgt must have {self.d_model} features, "
                f"got {src.shape} and {tgt.shape}"
            )
        memory = self.encoder(src, src_mask, src_key_padding_mask, src_is_causal)
        return self.decoder(
            tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
            tgt_is_causal, memory_is_causal,
        )  # fmt: skip

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """See :func:`generate_square_subsequent_mask`."""
        return generate_square_subsequent_mask(sz, device, dtype)
