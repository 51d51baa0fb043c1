"""glassnet never unpickles or evaluates what it reads: a guard over the whole package's source."""

from __future__ import annotations

import ast
import pathlib

import glassnet

UNSAFE_MODULES = {
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "marshal",
    "shelve",
    "joblib",
}
UNSAFE_CALLS = {"eval", "exec"}
# the one module that may import pickle: torch files' restricted unpickler (tests/io/test_torch_file.py)
RESTRICTED_UNPICKLER = "io/torch_file.py"


def _problems(tree: ast.AST, name: str) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mods = [(node.module or "").split(".")[0]]
        else:
            mods = []
        found += [f"{name}:{node.lineno} imports {m}" for m in mods if m in UNSAFE_MODULES]
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in UNSAFE_CALLS:
                found.append(f"{name}:{node.lineno} calls {f.id}()")
            if isinstance(f, ast.Attribute) and f.attr == "load" and isinstance(f.value, ast.Name):
                if f.value.id == "torch":
                    found.append(f"{name}:{node.lineno} calls torch.load (a pickle)")
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    found.append(f"{name}:{node.lineno} passes allow_pickle")
    return found


def test_the_guard_catches_what_it_looks_for():
    src = "import pickle\nfrom dill import loads\neval('1')\ntorch.load('x')\nnp.load(p, allow_pickle=True)\n"
    assert len(_problems(ast.parse(src), "t")) == 5
    assert _problems(ast.parse("model.eval()\nnp.load(p)\n"), "t") == []


def test_no_module_in_glassnet_can_unpickle():
    root = pathlib.Path(glassnet.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        problems = _problems(ast.parse(path.read_text(encoding="utf-8")), name)
        if name == RESTRICTED_UNPICKLER:
            problems = [p for p in problems if not p.endswith(" imports pickle")]
        found += problems
    assert found == []


def test_the_one_unpickler_is_restricted():
    from glassnet.io import torch_file

    cls = torch_file._RestrictedUnpickler
    assert cls.find_class is not torch_file.pickle._Unpickler.find_class
    for op in ("REDUCE", "BUILD", "NEWOBJ", "NEWOBJ_EX", "INST", "OBJ", "EXT1", "EXT2", "EXT4"):
        code = getattr(torch_file.pickle, op)[0]
        assert cls.dispatch[code] is not torch_file.pickle._Unpickler.dispatch[code], op
