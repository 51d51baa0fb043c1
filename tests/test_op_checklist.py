"""Adding an op is a checklist, and this test enforces it (docs/CONTRIBUTING.md, "Adding an op").

The registry is ``CASES`` in ``tests/test_device_ops.py``: one entry per way an
op is called, ``name -> (function of tensors, inputs)``. Every case

- runs on the CPU and on the (fake or real) GPU: the device case
  (``test_device_ops.py``);
- gets a float64 central-difference gradient check here.

The tests below enumerate every differentiable ``Function`` subclass in
``glassnet.ops`` and fail, naming it, for one that no case reaches (a case
reaches the Functions recorded in its graph), that has no ONNX converter
(``glassnet.io.register_onnx_function``) and no recorded reason why it cannot
have one, or whose family's tests never compare with PyTorch.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
import glassnet.ops
from glassnet.autograd.function import Function
from glassnet.testing import check_gradients

from .test_device_ops import CASES

#: Functions no case can reach, and where they are tested instead.
EXEMPT = {
    "glassnet.ops.arithmetic.Move": "the device move itself (a case runs on one device): "
    "tests/test_devices.py::test_moving_a_computed_tensor_keeps_the_graph",
    "glassnet.ops.logic.TakeAlong": "gather's form while an exporter traces (outside a trace "
    "GetItem selects, reached by the gather cases): tests/ops/test_logic.py::"
    "test_take_along_gradient",
}

#: Inputs of a case that are constants to the op (running statistics, class weights taken
#: as ``.data``, an additive mask): the gradient check does not differentiate them.
CONSTANT_INPUTS = {
    "batch_norm_eval": (1, 2),
    "bce_with_logits": (2,),
    "cross_entropy_weighted": (2,),
    "sdpa_float_mask": (3,),
}

#: Cases too slow to check by central differences; the ops they reach are checked by others.
NO_GRADCHECK = {
    "conv2d_many_channels": "3,300 + 1,800 inputs, ten thousand forward passes; Conv2d is "
    "checked by conv2d, conv2d_groups, conv2d_stride_dil and conv2d_rect_stride_pad",
}


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__name__}"


def differentiable_functions() -> dict[str, type]:
    """Public ``Function`` subclasses defined in ``glassnet.ops`` that have a backward."""
    found = {}
    for info in pkgutil.iter_modules(glassnet.ops.__path__):
        module = importlib.import_module(f"glassnet.ops.{info.name}")
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Function)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
                and obj.backward is not Function.backward
            ):
                found[_qualname(obj)] = obj
    return found


def graph_functions(fn: Callable[..., Any], arrays: list[np.ndarray]) -> set[str]:
    """The Function classes recorded in the graph of one case (forward only)."""
    ins = [gn.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = fn(*ins)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    todo = [o._ctx for o in outs if o._ctx is not None]
    seen: dict[int, Any] = {}
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        todo.extend(t._ctx for t in node.inputs or () if t is not None and t._ctx is not None)
    return {_qualname(type(n)) for n in seen.values()}


@cache
def reached_by() -> dict[str, tuple[str, ...]]:
    """Function class -> the cases whose graph holds it."""
    cover: dict[str, list[str]] = {}
    for name, (fn, arrays) in sorted(CASES.items()):
        for f in graph_functions(fn, arrays):
            cover.setdefault(f, []).append(name)
    return {k: tuple(v) for k, v in cover.items()}


def _missing(cases_of: Callable[[str], tuple[str, ...]]) -> list[str]:
    return sorted(f for f in differentiable_functions() if f not in EXEMPT and not cases_of(f))


def test_every_op_has_a_device_case():
    missing = _missing(lambda f: reached_by().get(f, ()))
    assert not missing, (
        f"no case in tests/test_device_ops.py CASES reaches {missing}: add one per op "
        "(it runs on the CPU and the fake GPU, and gets a float64 gradient check)"
    )


def test_every_op_has_a_gradient_check():
    missing = _missing(lambda f: tuple(c for c in reached_by().get(f, ()) if c not in NO_GRADCHECK))
    assert not missing, (
        f"no gradient-checked case reaches {missing}: add a case to CASES in "
        "tests/test_device_ops.py (or take it out of NO_GRADCHECK)"
    )


def test_every_op_has_an_onnx_converter():
    covered = set(gio.onnx_function_converters()) | set(gio.not_exportable_functions())
    missing = sorted(f for f, cls in differentiable_functions().items() if cls not in covered)
    assert not missing, (
        f"no ONNX converter for {missing}: register one with register_onnx_function in "
        "glassnet/io/onnx_ops.py, or say why there is none with mark_not_exportable"
    )


def test_the_lists_name_real_things():
    ops = differentiable_functions()
    assert set(EXEMPT) <= set(ops), f"EXEMPT names no op: {sorted(set(EXEMPT) - set(ops))}"
    for f in EXEMPT:
        assert not reached_by().get(f), f"{f} has a case now: remove it from EXEMPT"
    unknown = (set(CONSTANT_INPUTS) | set(NO_GRADCHECK)) - set(CASES)
    assert not unknown, f"CONSTANT_INPUTS / NO_GRADCHECK name no case: {sorted(unknown)}"


def test_the_checklist_sees_a_new_op():
    """A Function added without a case is reported (the enumeration is not a fixed list)."""

    class Cube(Function):
        def forward(self, a: Any) -> Any:
            self.a = a
            return a**3

        def backward(self, g: Any) -> Any:
            return 3 * self.a**2 * g

    Cube.__module__ = "glassnet.ops.arithmetic"
    module = importlib.import_module("glassnet.ops.arithmetic")
    module.Cube = Cube
    try:
        assert "glassnet.ops.arithmetic.Cube" in _missing(lambda f: reached_by().get(f, ()))
    finally:
        del module.Cube
    assert "glassnet.ops.arithmetic.Cube" not in differentiable_functions()


def test_every_op_family_is_compared_with_torch():
    """``glassnet/ops/<family>.py`` has ``tests/ops/test_<family>.py`` calling both checkers."""
    tests = Path(__file__).resolve().parent / "ops"
    bad = []
    for family in sorted({f.split(".")[2] for f in differentiable_functions()}):
        path = tests / f"test_{family}.py"
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        lacks = [c for c in ("check_gradients(", "check_against_torch(") if c not in text]
        if lacks:
            bad.append(f"{path.name}: no {' or '.join(lacks)}")
    assert not bad, bad


@pytest.mark.parametrize("name", sorted(set(CASES) - set(NO_GRADCHECK)))
def test_case_gradients_match_central_differences(name: str) -> None:
    fn, arrays = CASES[name]
    constant = CONSTANT_INPUTS.get(name, ())
    check = [a.dtype.kind == "f" and i not in constant for i, a in enumerate(arrays)]
    assert check_gradients(fn, *arrays, check=check)
