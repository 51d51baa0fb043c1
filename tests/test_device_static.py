"""A static check that keeps NumPy calls out of the ops' forward and backward passes.

Inside ``forward``/``backward`` of every ``Function`` subclass in the package,
arrays must go through ``xp = get_array_module(...)`` so the same code runs on
CuPy; ``np.<function>(...)`` is flagged, except for the functions below that
take dtypes or shapes, never arrays. Helpers outside forward/backward are
left to the device tests (``test_device_ops.py`` runs every op on a fake GPU).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "glassnet"

#: np.<name>(...) calls allowed in forward/backward: they never see an array.
ALLOWED = frozenset(
    {
        "dtype", "result_type", "promote_types", "can_cast", "issubdtype", "iinfo", "finfo",
        "broadcast_shapes", "errstate", "float16", "float32", "float64", "int8", "int16",
        "int32", "int64", "uint8", "bool_", "intp",
    }
)  # fmt: skip


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def _base_names(cls: ast.ClassDef) -> list[str]:
    names = []
    for b in cls.bases:
        d = _dotted(b)
        if d:
            names.append(d[-1])
    return names


def function_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Names of the classes that derive from ``Function`` (through any chain of bases)."""
    bases: dict[str, list[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, []).extend(_base_names(node))
    found = {"Function"}
    changed = True
    while changed:
        changed = False
        for name, bs in bases.items():
            if name not in found and any(b in found for b in bs):
                found.add(name)
                changed = True
    return found


def numpy_calls(trees: dict[str, ast.Module]) -> list[str]:
    """``file:line Class.method: np.name`` for each flagged call."""
    ops = function_classes(trees)
    hits = []
    for path, tree in trees.items():
        for cls in ast.walk(tree):
            if not (isinstance(cls, ast.ClassDef) and set(_base_names(cls)) & ops):
                continue
            for fn in cls.body:
                if not (isinstance(fn, ast.FunctionDef) and fn.name in ("forward", "backward")):
                    continue
                for node in ast.walk(fn):
                    if not isinstance(node, ast.Call):
                        continue
                    d = _dotted(node.func)
                    if d and d[0] == "np" and len(d) > 1 and d[1] not in ALLOWED:
                        hits.append(f"{path}:{node.lineno} {cls.name}.{fn.name}: {'.'.join(d)}")
    return hits


def _package_trees() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(PACKAGE.parent)): ast.parse(p.read_text(), filename=str(p))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def test_no_numpy_calls_in_forward_or_backward():
    hits = numpy_calls(_package_trees())
    assert not hits, (
        "forward/backward must use xp = get_array_module(...) so CuPy works:\n" + "\n".join(hits)
    )


def test_the_check_finds_numpy_calls():
    src = """
class Function: ...
class _Base(Function): ...
class Scatter(_Base):
    def forward(self, a, idx):
        out = np.zeros(a.shape, dtype=np.dtype(a.dtype))
        np.add.at(out, idx, a)
        return out
    def backward(self, g):
        return g * np.float32(2)
class Helper:
    def forward(self, a):
        return np.exp(a)  # not a Function: not checked
"""
    hits = numpy_calls({"snippet.py": ast.parse(src)})
    assert hits == [
        "snippet.py:6 Scatter.forward: np.zeros",
        "snippet.py:7 Scatter.forward: np.add.at",
    ]


def test_the_check_sees_the_ops():
    classes = function_classes(_package_trees())
    assert {"Add", "MatMul", "CrossEntropy", "Max", "Min", "Dropout"} <= classes
    assert len(classes) > 40
