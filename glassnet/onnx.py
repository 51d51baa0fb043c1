"""``torch.onnx.export``'s signature over :func:`glassnet.io.export_onnx` (``import torch.onnx``).

::

    import glassnet as gn
    gn.onnx.export(model, (x,), "model.onnx", input_names=["input"], output_names=["logits"],
                   dynamic_axes={"input": {0: "batch_size"}, "logits": {0: "batch_size"}},
                   opset_version=17)

The model is traced as :func:`glassnet.io.export_onnx` does (``docs/onnx.md``). What
differs from PyTorch is refused with a message rather than ignored: only one axis of
each input may be dynamic (the batch; the dynamic inputs share one size), training-mode
export, ``export_params=False``, keyword arguments for ``forward``.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ._fileio import atomic_write
from .autograd import tracing
from .autograd.grad_mode import no_grad
from .io.onnx_export import MIN_OPSET, build_onnx_model
from .nn.module import Module
from .tensor import Tensor

__all__ = ["export", "TrainingMode", "is_in_onnx_export"]


class TrainingMode(enum.IntEnum):
    """``torch.onnx.TrainingMode``: glassnet exports in evaluation mode only."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


def is_in_onnx_export() -> bool:
    """Is a model being traced for ONNX export on this thread (``torch.onnx.is_in_onnx_export``)?"""
    return tracing.current() is not None


#: Options of ``torch.onnx.export`` that glassnet accepts only with these values.
_FIXED = {
    "export_params": (True,),
    "operator_export_type": (None,),
    "keep_initializers_as_inputs": (None, False),
    "custom_opsets": (None, {}),
    "export_modules_as_functions": (False,),
    "kwargs": (None, {}),
    "dynamic_shapes": (None,),
}
#: Options that change nothing in glassnet's export (the graph is the same either way).
_IGNORED = (
    "verbose", "do_constant_folding", "autograd_inlining", "dynamo", "external_data", "report",
    "optimize", "verify", "profile", "dump_exported_program", "artifacts_dir", "fallback",
)  # fmt: skip


def export(
    model: Module,
    args: Any,
    f: str | os.PathLike | Any,
    *,
    training: Any = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    **options: Any,
) -> None:
    """Export ``model`` to ONNX with ``torch.onnx.export``'s arguments.

    Parameters
    ----------
    model : Module
        Exported in evaluation mode.
    args : Tensor or tuple
        The positional arguments of ``model(...)`` (one tensor alone, or a tuple;
        nested tuples allowed). A trailing ``dict`` (keyword arguments) is refused.
    f : str, os.PathLike or binary file object
        Where the ONNX bytes go (a path is written atomically).
    training : TrainingMode or bool, optional
        ``None``, ``False``, ``TrainingMode.EVAL`` (or ``PRESERVE`` on a model in
        evaluation mode); training-mode export is refused.
    input_names, output_names : sequence of str, optional
        Names of the graph's inputs / outputs in order; missing ones are ``input``
        / ``output`` (one) or ``input_<i>`` / ``output_<i>``.
    opset_version : int, optional
        ONNX opset, 17 (the default) or newer.
    dynamic_axes : dict, optional
        ``{name: {axis: "dim_name"}}`` or ``{name: [axis]}``. Without it every shape is
        the example's, as in PyTorch. Each input may have one dynamic axis (its batch
        axis, shared by all dynamic inputs); an output's dynamic axis must follow it.
    **options
        The other keywords of ``torch.onnx.export``: ``verbose``,
        ``do_constant_folding``, ``dynamo`` and the like change nothing here;
        ``export_params=False``, ``operator_export_type``,
        ``keep_initializers_as_inputs=True``, ``custom_opsets``,
        ``export_modules_as_functions``, ``kwargs`` and ``dynamic_shapes`` are refused.

    Raises
    ------
    NotImplementedError
        For an option or a dynamic axis glassnet cannot honour (named in the message).
    """
    _check_options(options)
    _check_training(model, training)
    example = _example(args)
    n_in = len(_tensors(example))
    ins = _fill_names("input_names", input_names, n_in, "input")
    batch_axes, name = _batch_axes(dynamic_axes, ins)
    dynamic = any(ax is not None for ax in batch_axes)
    n_out = _count_outputs(model, example)
    outs = _fill_names("output_names", output_names, n_out, "output")
    _check_names(dynamic_axes, ins, outs)
    proto = build_onnx_model(
        model, example, opset=MIN_OPSET if opset_version is None else opset_version,
        input_names=ins, output_names=outs, dynamic_batch=dynamic,
        batch_axes=batch_axes if dynamic else None,
    )  # fmt: skip
    if dynamic:
        _name_dims(proto, dynamic_axes or {}, name)
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with atomic_write(f, "wb") as fh:
            fh.write(data)
    elif callable(getattr(f, "write", None)):
        f.write(data)
    else:
        raise TypeError(
            f"glassnet.onnx.export: f must be a path or a binary file object, got "
            f"{type(f).__name__}"
        )


def _check_options(options: dict) -> None:
    for key, value in options.items():
        if key in _IGNORED:
            continue
        if key not in _FIXED:
            raise TypeError(f"glassnet.onnx.export: unexpected keyword argument {key!r}")
        if not any(value is ok or value == ok for ok in _FIXED[key]):
            raise NotImplementedError(
                f"glassnet.onnx.export: {key}={value!r} is not supported (glassnet exports "
                f"with {key}={_FIXED[key][0]!r}); leave it out"
            )


def _check_training(model: Module, training: Any) -> None:
    if not isinstance(model, Module):
        raise TypeError(
            f"glassnet.onnx.export: model must be a glassnet Module, got {type(model).__name__}"
        )
    mode = getattr(training, "name", training)
    if mode in (None, False, "EVAL") or (mode == "PRESERVE" and not model.training):
        return
    raise NotImplementedError(
        f"glassnet.onnx.export: training={training!r} is not supported: glassnet exports in "
        f"evaluation mode only (dropout off, batch norm with running statistics); pass "
        f"training=TrainingMode.EVAL or leave it out"
    )


def _example(args: Any) -> tuple:
    if not isinstance(args, tuple):
        return (args,)
    if args and isinstance(args[-1], dict):
        if args[-1]:
            raise NotImplementedError(
                f"glassnet.onnx.export: keyword arguments for forward ({sorted(args[-1])}) are "
                f"not supported; wrap the model in a Module whose forward passes them"
            )
        return args[:-1]
    return args


def _tensors(tree: Any) -> list:
    if isinstance(tree, (tuple, list)):
        return [t for x in tree for t in _tensors(x)]
    if isinstance(tree, dict):
        return [t for x in tree.values() for t in _tensors(x)]
    return [tree] if isinstance(tree, Tensor) or hasattr(tree, "__array_interface__") else []


def _count_outputs(model: Module, example: tuple) -> int:
    """How many tensors the model returns (run once in evaluation mode)."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            out = model(*_copy(example))
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    return len(_tensors(out))


def _copy(tree: Any) -> Any:
    """The example with fresh tensors (the model may change its inputs in place)."""
    if isinstance(tree, (tuple, list)):
        return tuple(_copy(x) for x in tree)
    if isinstance(tree, Tensor):
        return Tensor(tree.numpy().copy())
    return Tensor(tree.copy()) if hasattr(tree, "__array_interface__") else tree


def _fill_names(kind: str, names: Any, count: int, stem: str) -> list[str]:
    if names is None:
        names = []
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise TypeError(f"glassnet.onnx.export: {kind} must be a list of str, got {names!r}")
    if len(names) > count:
        raise ValueError(
            f"glassnet.onnx.export: {kind} has {len(names)} names {list(names)}, but the "
            f"model has {count}"
        )
    default = [stem] if count == 1 else [f"{stem}_{i}" for i in range(count)]
    return list(names) + default[len(names) :]


def _axes_of(name: str, spec: Any) -> dict[int, str]:
    if isinstance(spec, Mapping):
        return {int(k): str(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(spec)}
    raise TypeError(
        f"glassnet.onnx.export: dynamic_axes[{name!r}] must be a dict {{axis: name}} or a "
        f"list of axes, got {spec!r}"
    )


def _batch_axes(dynamic_axes: Any, inputs: list[str]) -> tuple[list, str]:
    """The one dynamic axis of each input (``None`` for none) and the batch's dim name."""
    if dynamic_axes is None:
        return [None] * len(inputs), ""
    if not isinstance(dynamic_axes, Mapping):
        raise TypeError(f"glassnet.onnx.export: dynamic_axes must be a dict, got {dynamic_axes!r}")
    axes, names = [], []
    for name in inputs:
        spec = _axes_of(name, dynamic_axes[name]) if name in dynamic_axes else {}
        if len(spec) > 1:
            raise NotImplementedError(
                f"glassnet.onnx.export: dynamic_axes gives input {name!r} the dynamic axes "
                f"{sorted(spec)}; glassnet makes one axis of each input dynamic (its batch "
                f"axis; sequence lengths and image sizes are the example's)"
            )
        axes.append(next(iter(spec), None))
        names.extend(spec.values())
    return axes, (names[0] if names else "")


def _check_names(dynamic_axes: Any, inputs: list[str], outputs: list[str]) -> None:
    for name in dynamic_axes or {}:
        if name not in inputs and name not in outputs:
            raise ValueError(
                f"glassnet.onnx.export: dynamic_axes names {name!r}, which is neither an input "
                f"{inputs} nor an output {outputs}"
            )


def _name_dims(proto: Any, dynamic_axes: Mapping[str, Any], name: str) -> None:
    """Give the batch dimension the user's name; check each dynamic output axis follows it."""
    for value in proto.graph.input:
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param == "batch":
                dim.dim_param = name
    for value in proto.graph.output:
        dims = value.type.tensor_type.shape.dim
        for axis, want in _axes_of(value.name, dynamic_axes.get(value.name, {})).items():
            if not -len(dims) <= axis < len(dims):
                raise ValueError(
                    f"glassnet.onnx.export: dynamic_axes gives output {value.name!r} axis "
                    f"{axis}, but it has {len(dims)} axes"
                )
            dim = dims[axis]
            if dim.HasField("dim_value"):
                raise NotImplementedError(
                    f"glassnet.onnx.export: dynamic_axes makes axis {axis} of output "
                    f"{value.name!r} dynamic, but its size ({dim.dim_value}) does not follow the "
                    f"dynamic input axes; only sizes that follow the batch can be dynamic"
                )
            dim.dim_param = want
    for value in proto.graph.output:
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param == "batch":
                dim.dim_param = name
