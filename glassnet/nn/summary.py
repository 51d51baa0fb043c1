"""``Module.summary``: one row per layer with output shape, parameters, FLOPs and activation memory.

The model runs once on zeros of ``input_shape`` (or on ``input_data``; in eval mode, without
recording a graph) with forward hooks on every sub-module; each module that
has parameters of its own or no children becomes a row, in the order the
forward pass calls them (as torchinfo and Keras's ``model.summary()``).

FLOP convention
---------------
FLOPs are **2 x multiply-adds** of the matrix products, counted for one forward
pass over the whole ``input_shape`` batch:

* ``Linear``: ``2 * in_features * output.numel()``;
* ``Conv1d`` / ``Conv2d`` / ``Conv3d``: ``2 * (in_channels / groups) * prod(kernel_size) * output.numel()``;
* ``ConvTranspose1d`` / ``2d`` / ``3d``: ``2 * (out_channels / groups) * prod(kernel_size) * input.numel()``
  (each input element multiplies the kernel for every output channel of its group; the
  convention of ``torch.utils.flop_counter`` and fvcore, whatever the stride, padding,
  ``output_padding`` or ``output_size``);
* ``RNN`` / ``LSTM`` / ``GRU``: per step, layer and direction
  ``2 * gates * hidden * (layer_input + hidden)`` with 1, 4 or 3 gates;
* ``MultiheadAttention``: the input projections and the two attention products
  (``Q K^T`` and ``weights V``); its ``out_proj`` is a ``Linear`` row of its own;
* ``TemporalAttention``: the scores (additive: the key and query projections
  and the ``v`` product; dot: ``q . h_t``) and the weighted average.

Bias additions, activations, normalisation, pooling and other elementwise work
are not counted (they are cheap next to the products), so other layers show 0.
A sub-module whose weights its parent uses directly (without calling it) adds
its parameters to the parent's row, so the rows add up to the total.
Activation memory is the size in bytes of each layer's output(s): what a
training step keeps for backward, roughly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import is_int
from ..autograd.grad_mode import no_grad
from ..backend import get_array_module
from ..tensor import Tensor

if TYPE_CHECKING:
    from .module import Module

__all__ = ["LayerSummary", "ModelSummary", "summarize", "layer_flops"]


@dataclass(frozen=True)
class LayerSummary:
    """One row: a module call.

    Attributes
    ----------
    name : str
        Dotted path in the model (``"0"``, ``"encoder.fc1"``; ``""`` for a model
        that is a single layer).
    kind : str
        The class name.
    depth : int
        Nesting depth (1 for the model's children, 0 for a single-layer model).
    output_shape : tuple of int
        Shape of the first output tensor.
    trainable, frozen : int
        The module's own parameters (not its children's), by ``requires_grad``;
        0 on a second call of a shared module.
    flops : int
        See the module docstring for the convention.
    activation_bytes : int
        Bytes of all the call's output tensors.
    """

    name: str
    kind: str
    depth: int
    output_shape: tuple[int, ...]
    trainable: int
    frozen: int
    flops: int
    activation_bytes: int

    @property
    def params(self) -> int:
        return self.trainable + self.frozen


@dataclass
class ModelSummary:
    """What :meth:`Module.summary` returns: ``print()`` it for the table.

    Attributes
    ----------
    model_name : str
    input_shape : tuple of int, or tuple of such tuples
        The input's shape; one shape per input for a model with several.
    rows : list of LayerSummary
    trainable, frozen : int
        Over all the model's parameters (also those the forward pass did not use).
    param_bytes : int
    input_bytes : int
    """

    model_name: str
    input_shape: tuple
    rows: list[LayerSummary] = field(default_factory=list)
    trainable: int = 0
    frozen: int = 0
    param_bytes: int = 0
    input_bytes: int = 0

    @property
    def total_params(self) -> int:
        return self.trainable + self.frozen

    @property
    def total_flops(self) -> int:
        return sum(r.flops for r in self.rows)

    @property
    def activation_bytes(self) -> int:
        return sum(r.activation_bytes for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the rows and totals."""
        return {
            "model": self.model_name,
            "input_shape": _as_lists(self.input_shape),
            "layers": [
                {
                    "name": r.name, "type": r.kind, "output_shape": list(r.output_shape),
                    "trainable": r.trainable, "frozen": r.frozen, "flops": r.flops,
                    "activation_bytes": r.activation_bytes,
                }
                for r in self.rows
            ],
            "total_params": self.total_params,
            "trainable_params": self.trainable,
            "frozen_params": self.frozen,
            "total_flops": self.total_flops,
            "activation_bytes": self.activation_bytes,
            "param_bytes": self.param_bytes,
            "input_bytes": self.input_bytes,
        }  # fmt: skip

    def __str__(self) -> str:
        return _format(self)

    __repr__ = __str__


# ---------------------------------------------------------------- FLOPs
def _conv_flops(m: Any, inputs: tuple, out: Tensor) -> int:
    kernel = int(np.prod(m.kernel_size))
    return 2 * (m.in_channels // m.groups) * kernel * int(out.numel())


def _conv_transpose_flops(m: Any, inputs: tuple, out: Tensor) -> int:
    # the adjoint of a convolution: every input element scatters through the kernel into
    # the output channels of its group; taps that land in the cropped padding still count
    kernel = int(np.prod(m.kernel_size))
    return 2 * (m.out_channels // m.groups) * kernel * int(inputs[0].numel())


def _linear_flops(m: Any, inputs: tuple, out: Tensor) -> int:
    return 2 * m.in_features * int(out.numel())


_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def _rnn_flops(m: Any, inputs: tuple, out: Tensor) -> int:
    x = inputs[0]
    steps_times_batch = int(np.prod(x.shape[:-1]))
    dirs = 2 if m.bidirectional else 1
    gates = _GATES[type(m).__name__]
    h = m.hidden_size
    proj = getattr(m, "proj_size", 0)  # an LSTM's projection: W_hr (proj, h) each step
    fed_back = proj or h  # the hidden state's width, what the next step and layer read
    macs = 0
    for layer in range(m.num_layers):
        layer_in = m.input_size if layer == 0 else fed_back * dirs
        macs += dirs * (gates * h * (layer_in + fed_back) + h * proj)
    return 2 * macs * steps_times_batch


def _mha_flops(m: Any, inputs: tuple, out: Tensor) -> int:
    q, k = inputs[0], inputs[1]
    e = m.embed_dim
    if q.ndim == 2:  # unbatched (L, E)
        n, tq, tk = 1, q.shape[0], k.shape[0]
    elif m.batch_first:
        n, tq, tk = q.shape[0], q.shape[1], k.shape[1]
    else:
        n, tq, tk = q.shape[1], q.shape[0], k.shape[0]
    proj = n * (tq * e * e + tk * e * m.kdim + tk * e * m.vdim)
    attend = 2 * n * tq * tk * e
    return 2 * (proj + attend)


def _temporal_flops(m: Any, inputs: tuple, out: Tensor) -> int:
    n, t, h = inputs[0].shape
    macs = 2 * n * t * h  # scores against h_t, then the weighted average
    if m.score == "additive":  # tanh(W_h h_t + W_q q) . v in place of q . h_t
        macs = n * t * h * m.attn_size + n * t * m.attn_size + n * t * h
        query = inputs[1] if len(inputs) > 1 and inputs[1] is not None else None
        if query is not None and m.query_proj is not None:
            macs += n * m.query_size * m.attn_size
    return 2 * macs


_FLOPS = {
    "Linear": _linear_flops,
    "Conv1d": _conv_flops,
    "Conv2d": _conv_flops,
    "Conv3d": _conv_flops,
    "ConvTranspose1d": _conv_transpose_flops,
    "ConvTranspose2d": _conv_transpose_flops,
    "ConvTranspose3d": _conv_transpose_flops,
    "RNN": _rnn_flops,
    "LSTM": _rnn_flops,
    "GRU": _rnn_flops,
    "MultiheadAttention": _mha_flops,
    "TemporalAttention": _temporal_flops,
}


def layer_flops(module: Any, inputs: tuple, output: Any) -> int:
    """FLOPs of one call of ``module`` (2 x multiply-adds; 0 for layers not counted).

    Parameters
    ----------
    module : Module
    inputs : tuple
        The call's positional inputs.
    output : Tensor or tuple
        The call's output; the first tensor in it is used.
    """
    fn = _FLOPS.get(type(module).__name__)
    first = _first_tensor(output)
    if fn is None or first is None:
        return 0
    return int(fn(module, inputs, first))


# ---------------------------------------------------------------- running
def _tensors(obj: Any) -> list[Tensor]:
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for item in obj for t in _tensors(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _tensors(item)]
    return []


def _first_tensor(obj: Any) -> Tensor | None:
    found = _tensors(obj)
    return found[0] if found else None


def _is_row(module: Any) -> bool:
    return not module._modules or bool(module._parameters)


def _own_params(module: Any) -> tuple[int, int]:
    trainable = frozen = 0
    for p in module._parameters.values():
        if p is None:
            continue
        if p.requires_grad:
            trainable += int(p.numel())
        else:
            frozen += int(p.numel())
    return trainable, frozen


class _Recorder:
    """Forward hooks that collect one row per call, in call order."""

    def __init__(self, model: Any) -> None:
        self.calls: list[list[Any]] = []  # [name, module, row or None], in call order
        self.seen: set[int] = set()
        self.handles = []
        for name, m in model.named_modules():
            if not _is_row(m):
                continue
            self.handles.append(m.register_forward_pre_hook(self._pre(name)))
            self.handles.append(m.register_forward_hook(self._post(name)))

    def _pre(self, name: str) -> Any:
        def hook(module: Any, inputs: tuple) -> None:
            self.calls.append([name, module, None])

        return hook

    def _post(self, name: str) -> Any:
        def hook(module: Any, inputs: tuple, output: Any) -> None:
            for call in reversed(self.calls):
                if call[1] is module and call[2] is None:
                    call[2] = self._row(name, module, inputs, output)
                    break

        return hook

    def _row(self, name: str, module: Any, inputs: tuple, output: Any) -> LayerSummary:
        first = _first_tensor(output)
        trainable, frozen = (0, 0) if id(module) in self.seen else _own_params(module)
        self.seen.add(id(module))
        return LayerSummary(
            name=name,
            kind=type(module).__name__,
            depth=name.count(".") + 1 if name else 0,
            output_shape=tuple(first.shape) if first is not None else (),
            trainable=trainable,
            frozen=frozen,
            flops=layer_flops(module, inputs, output),
            activation_bytes=sum(int(t.array.nbytes) for t in _tensors(output)),
        )

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def _fold_uncalled(model: Any, rows: list[LayerSummary]) -> list[LayerSummary]:
    """Add the parameters of modules that never ran as rows to their nearest row ancestor."""
    first = {}
    for i, r in enumerate(rows):
        first.setdefault(r.name, i)
    for name, m in model.named_modules():
        if not name or name in first or not m._parameters:
            continue
        parts = name.split(".")
        owner = next(
            (
                ".".join(parts[:k])
                for k in range(len(parts) - 1, -1, -1)
                if ".".join(parts[:k]) in first
            ),
            None,
        )
        if owner is None:
            continue
        trainable, frozen = _own_params(m)
        r = rows[first[owner]]
        rows[first[owner]] = replace(r, trainable=r.trainable + trainable, frozen=r.frozen + frozen)
    return rows


def _check_shape(input_shape: Any) -> tuple[int, ...]:
    shape = (input_shape,) if isinstance(input_shape, int) else input_shape
    try:
        shape = tuple(shape)
    except TypeError:
        shape = None
    if not shape or any(not is_int(d) or d <= 0 for d in shape):
        raise ValueError(
            "summary: input_shape must be a non-empty tuple of positive ints including the "
            "batch dimension, e.g. (1, 1, 28, 28), or a list of such tuples for a model with "
            f"several inputs, got {input_shape!r}"
        )
    return tuple(int(d) for d in shape)


def _several(input_shape: Any) -> bool:
    """Whether ``input_shape`` is a list of shapes (one per input) rather than one shape."""
    return (
        isinstance(input_shape, (tuple, list))
        and len(input_shape) > 0
        and all(isinstance(s, (tuple, list)) for s in input_shape)
    )


def _zeros_inputs(model: Module, input_shape: Any, dtype: Any) -> list[Tensor]:
    """Zeros of each shape in ``input_shape``, of ``dtype`` (one, or one per input).

    Integer dtypes give zeros too: index 0 is valid for an ``Embedding``."""
    shapes = (
        [_check_shape(s) for s in input_shape]
        if _several(input_shape)
        else [_check_shape(input_shape)]
    )
    params = list(model.parameters())
    xp = get_array_module(params[0].array) if params else np
    if dtype is None:
        dtype = params[0].dtype if params else np.float32
    dtypes = list(dtype) if isinstance(dtype, (tuple, list)) else [dtype] * len(shapes)
    if len(dtypes) != len(shapes):
        raise ValueError(
            f"summary: dtype gives {len(dtypes)} dtypes for {len(shapes)} inputs; give one "
            "dtype, or one per input"
        )
    return [Tensor(xp.zeros(s, dtype=_np_dtype(d))) for s, d in zip(shapes, dtypes)]


def _np_dtype(dtype: Any) -> np.dtype:
    return np.dtype(getattr(dtype, "np", dtype))


def _data_inputs(input_data: Any) -> tuple[list, dict]:
    """``input_data`` as positional and keyword arguments: a Tensor or array, a list or
    tuple of them (one per positional input), or a dict (keyword arguments)."""

    def one(v: Any) -> Any:
        return Tensor(v) if isinstance(v, np.ndarray) else v

    if isinstance(input_data, dict):
        return [], {k: one(v) for k, v in input_data.items()}
    if isinstance(input_data, (tuple, list)):
        return [one(v) for v in input_data], {}
    if isinstance(input_data, (Tensor, np.ndarray)):
        return [one(input_data)], {}
    raise TypeError(
        "summary: input_data must be a Tensor or array, a list or tuple of them, or a dict of "
        f"keyword arguments, got {type(input_data).__name__}"
    )


def _given_text(given: list) -> str:
    if len(given) == 1:
        return f"an input of shape {tuple(given[0].shape)} ({given[0].dtype})"
    return "inputs of shapes " + ", ".join(f"{tuple(t.shape)} ({t.dtype})" for t in given)


def _hint(model: Module, given: list) -> str:
    """What to pass instead, where the model starts from token indices but got floats."""
    embeds = any("Embedding" in type(m).__name__ for m in model.modules())
    floats = all(np.issubdtype(np.dtype(t.dtype), np.floating) for t in given)
    return " (pass dtype=gn.int64 or input_data= for token indices)" if embeds and floats else ""


def summarize(
    model: Module, input_shape: Any = None, *, dtype: Any = None, input_data: Any = None
) -> ModelSummary:
    """Run ``model`` once and summarise every layer.

    Parameters
    ----------
    model : Module
    input_shape : tuple of int, or list of tuple of int
        The whole input shape, batch dimension included, e.g. ``(1, 1, 28, 28)``; for a
        model with several inputs, one shape per input (``[(2, 4), (2, 5)]``). The model
        runs on zeros of these shapes.
    dtype : dtype or list of dtype, optional
        Of the zeros, one for all inputs or one per input (default: the dtype of the
        model's first parameter, else float32). An integer dtype (``gn.int64``) gives
        index 0, for models that start with an ``Embedding``.
    input_data : Tensor, array, list/tuple of them, or dict, optional
        Instead of ``input_shape``: the inputs themselves (positional, or a dict of
        keyword arguments), as torchinfo's ``input_data``.

    Returns
    -------
    ModelSummary
        ``print()`` it for the table; ``.to_dict()`` for JSON.
    """
    if (input_shape is None) == (input_data is None):
        raise ValueError("summary: give exactly one of input_shape and input_data")
    if input_data is None:
        args, kwargs = _zeros_inputs(model, input_shape, dtype), {}
    else:
        args, kwargs = _data_inputs(input_data)
    given = [t for t in (*args, *kwargs.values()) if isinstance(t, Tensor)]
    shapes = tuple(tuple(int(d) for d in t.shape) for t in given)
    shape: tuple = shapes[0] if len(shapes) == 1 else shapes
    params = list(model.parameters())
    recorder = _Recorder(model)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(*args, **kwargs)
    except Exception as exc:
        raise ValueError(
            f"summary: {type(model).__name__} cannot run on {_given_text(given)}: {exc}"
            + _hint(model, given)
        ) from exc
    finally:
        recorder.remove()
        model.train(was_training)
    rows = _fold_uncalled(model, [c[2] for c in recorder.calls if c[2] is not None])
    trainable = sum(int(p.numel()) for p in params if p.requires_grad)
    return ModelSummary(
        model_name=type(model).__name__,
        input_shape=shape,
        rows=rows,
        trainable=trainable,
        frozen=sum(int(p.numel()) for p in params) - trainable,
        param_bytes=sum(int(p.array.nbytes) for p in params),
        input_bytes=sum(int(t.array.nbytes) for t in given),
    )


# ---------------------------------------------------------------- printing
def _human(n: float, unit: str) -> str:
    for prefix in ("", "K", "M", "G", "T"):
        if abs(n) < 1000 or prefix == "T":
            return f"{n:.0f} {unit}" if prefix == "" else f"{n:.2f} {prefix}{unit}"
        n /= 1000.0
    return f"{n} {unit}"  # pragma: no cover


def _mib(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 2**20:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 2**20:.2f} MiB"


def _params_cell(r: LayerSummary) -> str:
    if r.frozen and not r.trainable:
        return f"{r.frozen:,} (frozen)"
    if r.frozen:
        return f"{r.params:,} ({r.frozen:,} frozen)"
    return f"{r.trainable:,}"


def _as_lists(shape: tuple) -> list:
    return [_as_lists(d) if isinstance(d, tuple) else d for d in shape]


def _inputs_text(shape: tuple) -> str:
    if shape and isinstance(shape[0], tuple):
        return "inputs " + ", ".join(str(list(s)) for s in shape)
    return f"input {list(shape)}"


def _format(s: ModelSummary) -> str:
    header = ("Layer (type)", "Output shape", "Params", "FLOPs", "Activations")
    body = [
        (
            "  " * max(r.depth - 1, 0) + (f"{r.name} ({r.kind})" if r.name else r.kind),
            str(list(r.output_shape)),
            _params_cell(r),
            f"{r.flops:,}",
            _mib(r.activation_bytes),
        )
        for r in s.rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    rule = "=" * (sum(widths) + 2 * (len(widths) - 1))
    out = [f"{s.model_name}, {_inputs_text(s.input_shape)}", rule, line.format(*header), rule]
    out += [line.format(*row) for row in body]
    out += [
        rule,
        f"Total params: {s.total_params:,}",
        f"Trainable params: {s.trainable:,}",
        f"Frozen params: {s.frozen:,}",
        f"FLOPs per forward pass: {s.total_flops:,} ({_human(s.total_flops, 'FLOP')}; "
        "2 x multiply-adds)",
        f"Input: {_mib(s.input_bytes)}, activations: {_mib(s.activation_bytes)}, "
        f"parameters: {_mib(s.param_bytes)}",
        rule,
    ]
    return "\n".join(out)
