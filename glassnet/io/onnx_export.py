"""Export glassnet models to ONNX by tracing: run the model, convert each op it ran, write the file.

How a model becomes a graph
---------------------------
:func:`export_onnx` puts the model in evaluation mode and calls
``builder.call(model, *inputs)`` (``onnx_graph.py``). That runs the model once on
the example input with a trace recorder installed (``onnx_trace.py``), so every op
(:class:`~glassnet.autograd.function.Function`) it runs is recorded with its inputs,
keyword attributes and outputs, whatever style the model is written in (layers,
functional calls, loops over time). The recorded graph is walked back from the
outputs, and each op is converted by the one converter registered for its Function
class (``onnx_ops.py``, ``onnx_nn.py``, ``onnx_seq.py``; see ``onnx_registry.py``).
With a dynamic batch the model runs a second time on a batch of another size; the
sizes that change follow the batch and are computed in the graph.

Modules need no converter. A module with a ``to_onnx`` method, or one registered
with :func:`register_onnx_converter`, is not traced into: it emits its own nodes
(for opaque custom ops).

The ``onnx`` package (the ``onnx`` extra) is imported only when a model is
exported, so ``import glassnet.io`` never needs it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._fileio import atomic_write
from .._validate import is_int
from ..nn.module import Module
from ..tensor import Tensor
from . import onnx_3d, onnx_axes, onnx_logic, onnx_more, onnx_nn, onnx_ops, onnx_seq  # noqa: F401  (they register converters)
from .onnx_builder import OnnxValue, _leaves, _map, _onnx
from .onnx_graph import OnnxBuilder
from .onnx_registry import (
    default_batch_axes,
    not_exportable_functions,
    onnx_function_converters,
    register_onnx_converter,
    register_onnx_function,
    supported_onnx_modules,
)

__all__ = [
    "OnnxBuilder", "OnnxValue", "export_onnx", "build_onnx_model",
    "register_onnx_converter", "supported_onnx_modules", "register_onnx_function",
    "onnx_function_converters", "not_exportable_functions", "MIN_OPSET",
]  # fmt: skip

#: The oldest ONNX opset the exporter writes.
MIN_OPSET = 17


# ------------------------------------------------------------------ export
def _as_example(x: Any) -> Any:
    if isinstance(x, (tuple, list)):
        return tuple(_as_example(t) for t in x)
    if isinstance(x, np.ndarray):
        return Tensor(x)
    return x


def _names(kind: str, names: Any, count: int, what: str) -> list[str]:
    if isinstance(names, str) or not isinstance(names, (tuple, list)):
        raise TypeError(f"export_onnx: {kind} must be a sequence of str, got {names!r}")
    if len(names) != count:
        raise ValueError(
            f"export_onnx: the model {what} {count} tensor(s), got {len(names)} {kind} "
            f"{tuple(names)}; give one name per tensor"
        )
    return list(names)


def _batch_axes(model: Module, args: tuple, given: Any, leaves: list) -> list:
    if given is not None:
        if isinstance(given, (int, np.integer)):
            given = [given] * len(leaves)
        given = list(given)
        if len(given) != len(leaves):
            raise ValueError(
                f"export_onnx: batch_axes has {len(given)} entries for {len(leaves)} inputs"
            )
        for ax in given:
            if ax is not None and (not is_int(ax)):
                raise TypeError(f"export_onnx: batch_axes entries must be int or None, got {ax!r}")
        return given
    rule = default_batch_axes(model)
    if rule is not None:
        return list(rule(model, *args))
    return [0 if t.ndim > 0 else None for t in leaves]


def _check_axes(names: list[str], leaves: list, axes: list) -> None:
    for name, t, ax in zip(names, leaves, axes):
        if ax is not None and not -t.ndim <= ax < t.ndim:
            raise ValueError(
                f"export_onnx: batch axis {ax} is out of range for input {name!r} of shape "
                f"{tuple(t.shape)}"
            )


def _check_batch_sizes(names: list[str], leaves: list, axes: list) -> None:
    """The batch axes share one symbolic size, so the example must give them one length."""
    sizes = [(n, ax, t.shape[ax]) for n, t, ax in zip(names, leaves, axes) if ax is not None]
    if len({size for _, _, size in sizes}) > 1:
        said = ", ".join(f"{n!r}: {size} on axis {ax}" for n, ax, size in sizes)
        raise ValueError(
            f"export_onnx: the inputs' batch axes have different lengths ({said}), but they "
            f"share one symbolic size 'batch'; give each input's batch axis with batch_axes= "
            f"(1 for a time-major sequence or an (L, N, H) recurrent state, None for an input "
            f"without one), or export with dynamic_batch=False"
        )


def _input_value(t: Tensor, name: str, axis: int | None, grow: bool) -> OnnxValue:
    """A graph input and, with a batch axis, its value for the exporter's second run.

    The second run sees the example's samples in another order (rolled by one along
    the batch axis), so that a constant computed from the input's values outside the ops
    the trace records (read as an array with ``.numpy()``) differs between the runs and
    is refused rather than baked into the graph. With ``grow`` (a dynamic batch) the batch
    is also twice as large (the example follows the reordered samples), which tells the sizes
    that follow the batch; doubling, rather than adding one sample, also changes sizes such as
    ``n // 2`` that an attribute (a slice bound) may hold, so that they are refused.
    """
    x = t.numpy()
    if axis is None:
        return OnnxValue(name, x)
    alt = np.roll(x, -1, axis=axis)
    if grow:
        return OnnxValue(name, x, np.concatenate([alt, x], axis=axis))
    return OnnxValue(name, x, None if np.array_equal(alt, x, equal_nan=True) else alt)


def _check_opset(opset: Any) -> int:
    newest = _onnx().defs.onnx_opset_version()
    if not is_int(opset) or not MIN_OPSET <= opset <= newest:
        raise ValueError(
            f"export_onnx: opset must be an int from {MIN_OPSET} to {newest} (the installed "
            f"onnx package's newest), got {opset!r}"
        )
    return opset


def build_onnx_model(
    model: Module,
    example_input: Any,
    *,
    opset: int = MIN_OPSET,
    input_names: Sequence[str] = ("input",),
    output_names: Sequence[str] = ("output",),
    dynamic_batch: bool = True,
    batch_axes: Any = None,
) -> Any:
    """Convert ``model`` to an ONNX ``ModelProto`` in memory (see :func:`export_onnx`).

    Returns
    -------
    onnx.ModelProto
        Checked with ``onnx.checker.check_model(..., full_check=True)``, with
        the output shapes inferred.
    """
    onnx = _onnx()
    if not isinstance(model, Module):
        raise TypeError(f"export_onnx: model must be a glassnet Module, got {type(model).__name__}")
    opset = _check_opset(opset)
    args = _as_example(example_input if isinstance(example_input, tuple) else (example_input,))
    leaves = _leaves(args, (Tensor,))
    if not leaves:
        raise ValueError("export_onnx: example_input must contain at least one tensor or array")
    in_names = _names("input_names", input_names, len(leaves), "takes")
    axes = _batch_axes(model, args, batch_axes, leaves)
    _check_axes(in_names, leaves, axes)
    b = OnnxBuilder(model, opset, dynamic=dynamic_batch)
    for n in in_names:
        b.reserve(n)
    it = iter(zip(in_names, axes))
    values = _map(
        lambda a: _input_value(a, *next(it), dynamic_batch) if isinstance(a, Tensor) else a, args
    )
    if dynamic_batch:
        _check_batch_sizes(in_names, leaves, axes)
    else:
        axes = [None] * len(leaves)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        out = b.call(model, *values)
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    outs = _leaves(out, (OnnxValue,))
    out_names = _names("output_names", output_names, len(outs), "returns")
    graph_inputs = []
    for name, t, ax in zip(in_names, leaves, axes):
        dims: list[Any] = list(t.shape)
        if ax is not None:
            dims[ax] = "batch"
        elem = onnx.helper.np_dtype_to_tensor_dtype(t.dtype)
        graph_inputs.append(onnx.helper.make_tensor_value_info(name, elem, dims))
    graph_outputs = _set_outputs(b, outs, out_names, set(in_names))
    nodes, inits = _prune(b, graph_outputs)
    _check_inputs_used(in_names, nodes, graph_outputs)
    graph = onnx.helper.make_graph(
        nodes, type(model).__name__, graph_inputs,
        [onnx.helper.make_tensor_value_info(n, onnx.helper.np_dtype_to_tensor_dtype(v.dtype), None)
         for n, v in zip(graph_outputs, outs)],
        [onnx.numpy_helper.from_array(a, n) for n, a in inits.items()],
    )  # fmt: skip
    opsets = [onnx.helper.make_opsetid("", opset)]
    proto = onnx.helper.make_model(
        graph, opset_imports=opsets, producer_name="glassnet",
        ir_version=onnx.helper.find_min_ir_version_for(opsets),
    )  # fmt: skip
    proto = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _set_outputs(b: OnnxBuilder, outs: list, names: list[str], inputs: set[str]) -> list[str]:
    """Give the output values the requested names (renaming their producers, or via Identity)."""
    renamed: dict[str, str] = {}
    for v, want in zip(outs, names):
        src = renamed.get(v.name, v.name)
        if want == src:
            continue
        b.reserve(want)
        if src in inputs or src in b.initializers or v.name in renamed:
            node = _onnx().helper.make_node("Identity", [src], [want], name=f"{want}/Identity")
            b.nodes.append(node)
            continue
        for n in b.nodes:
            for i, x in enumerate(n.input):
                if x == src:
                    n.input[i] = want
            for i, x in enumerate(n.output):
                if x == src:
                    n.output[i] = want
        renamed[v.name] = want
    return names


def _check_inputs_used(names: list[str], nodes: list, outputs: list[str]) -> None:
    """Refuse a graph that ignores an input: the model read it outside glassnet's ops
    (``.numpy()``, ``.data``), so the trace holds its example value as a constant."""
    used = {x for n in nodes for x in n.input} | set(outputs)
    for name in names:
        if name not in used:
            raise ValueError(
                f"export_onnx: the input {name!r} does not reach the outputs through glassnet "
                f"ops (the model reads it as an array, or not at all), so the graph would not "
                f"depend on it; compute with tensor ops on it, or leave it out of example_input"
            )


def _prune(b: OnnxBuilder, outputs: list[str]) -> tuple[list, dict]:
    """Keep only the nodes and initializers the outputs depend on."""
    needed = set(outputs)
    keep = []
    for n in reversed(b.nodes):
        if any(o in needed for o in n.output):
            keep.append(n)
            needed.update(x for x in n.input if x)
    keep.reverse()
    return keep, {k: v for k, v in b.initializers.items() if k in needed}


def export_onnx(
    model: Module,
    example_input: Any,
    path: str | os.PathLike,
    *,
    opset: int = MIN_OPSET,
    input_names: Sequence[str] = ("input",),
    output_names: Sequence[str] = ("output",),
    dynamic_batch: bool = True,
    batch_axes: Any = None,
) -> str | os.PathLike:
    """Write ``model`` as an ONNX file that ONNX Runtime (or any ONNX backend) can run.

    The model is exported in evaluation mode (dropout off, batch norm with its
    running statistics); its training flags are restored afterwards. The
    graph is checked with ``onnx.checker.check_model`` and written atomically.

    Parameters
    ----------
    model : Module
        A model made of supported modules (:func:`supported_onnx_modules`),
        containers of them, or modules with a ``to_onnx`` method.
    example_input : Tensor, ndarray, or tuple of them
        Arguments of ``model(...)``; a tuple gives several (nested tuples,
        such as an LSTM's ``(h0, c0)``, are allowed, and ``None`` or flags
        pass through as constants). Each tensor becomes a graph input.
    path : str or os.PathLike
        Where to write the ``.onnx`` file (its folder must exist).
    opset : int, default 17
        ONNX opset, 17 or newer.
    input_names, output_names : sequence of str
        One name per tensor input / output, in order (nested outputs such as
        an LSTM's ``(output, (h_n, c_n))`` are flattened).
    dynamic_batch : bool, default True
        Make the batch axis of each input symbolic (``"batch"``), so the file
        runs on any batch size; otherwise every shape is fixed to the example's.
    batch_axes : int or sequence of (int or None), optional
        The batch axis of each input. By default axis 0, except where the
        exported module says otherwise (time-major ``RNN``/``LSTM``/``GRU``/
        ``MultiheadAttention`` inputs and recurrent states use axis 1).

    Returns
    -------
    str or os.PathLike
        ``path``.

    Examples
    --------
    >>> import glassnet as gn, glassnet.io as gio
    >>> from glassnet.models import seed_cnn
    >>> gio.export_onnx(seed_cnn(), gn.zeros(1, 1, 28, 28), "cnn.onnx")  # doctest: +SKIP
    'cnn.onnx'
    """
    proto = build_onnx_model(
        model, example_input, opset=opset, input_names=input_names, output_names=output_names,
        dynamic_batch=dynamic_batch, batch_axes=batch_axes,
    )  # fmt: skip
    data = proto.SerializeToString()
    with atomic_write(path, "wb") as f:
        f.write(data)
    return path
