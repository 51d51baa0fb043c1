"""Layers that only point down: a static check of glassnet's own imports.

The package's modules import each other only at the top of a file, and the
graph those imports make has no cycle. Importing a submodule runs its parent
packages' ``__init__`` first, so ``from .autograd import grad_mode`` is an edge
to ``glassnet.autograd`` as well as to ``glassnet.autograd.grad_mode``; taking a
name (not a submodule) from a package a module lives in is an edge to that
package's ``__init__`` too.

Imports inside a function, or after the first statement that is not an
import, are what hides a cycle; they are refused for glassnet's own modules
and for its required dependencies. Optional dependencies (CuPy, torch, ONNX,
matplotlib, mpi4py, ...) and standard-library modules may be imported where
they are used.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "glassnet"

#: Third-party modules every install has (``dependencies`` in pyproject.toml): import at the top.
REQUIRED = frozenset({"numpy", "glassnet"})

#: Modules whose imports inside functions other work in progress (issue 15) removes.
#: Shrink this as those changes land; a module listed here that no longer has one fails.
ALLOWED_LATE: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _targets(mod: str, is_pkg: bool, node: ast.Import | ast.ImportFrom, known: set[str]):
    """The modules ``node`` executes, as (module, how) pairs; ``how`` is 'module' or 'name'."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, "module"
        return
    if node.level:
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        src = ".".join(base + ([node.module] if node.module else []))
    else:
        src = node.module or ""
    names_from_src = False
    for alias in node.names:
        sub = f"{src}.{alias.name}"
        if sub in known:
            yield sub, "module"
        else:
            names_from_src = True
    yield src, "name" if names_from_src else "module"


def _stated(mod: str, is_pkg: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> str:
    """The module an import statement names (its first submodule for ``from pkg import sub``)."""
    found = list(_targets(mod, is_pkg, node, known))
    return found[0][0]


def _with_parents(target: str, mod: str, how: str) -> Iterator[str]:
    """``target`` and the packages importing it runs, less the ones ``mod`` already lives in.

    A name taken from one of ``mod``'s own packages still depends on that
    package's ``__init__`` having run to that point, so it stays an edge.
    """
    parts = target.split(".")
    for i in range(1, len(parts) + 1):
        pkg = ".".join(parts[:i])
        inside = mod == pkg or mod.startswith(pkg + ".")
        if not inside or (i == len(parts) and how == "name" and mod != pkg):
            yield pkg


def _is_import_block(stmt: ast.stmt) -> bool:
    """A module-level ``if``/``try`` that only imports (``TYPE_CHECKING``, optional deps)."""
    if not isinstance(stmt, (ast.If, ast.Try)):
        return False
    return all(
        isinstance(n, (ast.Import, ast.ImportFrom, ast.Pass, ast.Assign, ast.Expr, ast.Raise))
        for block in ast.iter_child_nodes(stmt)
        if isinstance(block, ast.stmt)
        for n in [block]
    )


def _is_type_checking(stmt: ast.stmt) -> bool:
    """``if TYPE_CHECKING:`` (its body is read by type checkers, never run)."""
    test = stmt.test if isinstance(stmt, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def scan(mod: str, path: Path, known: set[str]):
    """(top-level edges, late imports) of one module.

    A late import is ``(line, imported module, where)`` for an import of
    glassnet or a required dependency inside a function or class, or after
    the module's first non-import statement.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    edges: set[str] = set()
    late: list[tuple[int, str, str]] = []
    seen_code = False
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        imports = [stmt] if isinstance(stmt, (ast.Import, ast.ImportFrom)) else []
        if _is_type_checking(stmt):
            continue  # never runs: no edge
        if _is_import_block(stmt):
            imports = [n for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))]
        if not imports:
            seen_code = True
            continue
        for node in imports:
            for target, how in _targets(mod, is_pkg, node, known):
                edges.update(t for t in _with_parents(target, mod, how) if t in known)
            stated = _stated(mod, is_pkg, node, known)
            if seen_code and stated.split(".")[0] in REQUIRED:
                late.append((node.lineno, stated, "after the first statement"))
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in _own_nodes(fn):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                stated = _stated(mod, is_pkg, node, known)
                if stated.split(".")[0] in REQUIRED:
                    late.append((node.lineno, stated, f"inside {fn.name}"))
    edges.discard(mod)
    return edges, late


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``fn``'s body, not those of the functions nested in it (they are walked too)."""
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            todo.extend(ast.iter_child_nodes(node))


def import_graph() -> tuple[dict[str, set[str]], dict[str, list[tuple[int, str, str]]]]:
    mods = package_modules()
    known = set(mods)
    graph, late = {}, {}
    for mod, path in mods.items():
        graph[mod], late[mod] = scan(mod, path, known)
    return graph, late


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    comps: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    return comps


def _cycle_path(graph: dict[str, set[str]], comp: list[str]) -> str:
    """One concrete loop through ``comp``, for the failure message."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                path = [node]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return " -> ".join([*reversed(path), start])
            if nxt not in prev:
                prev[nxt] = node
                queue.append(nxt)
    return " / ".join(comp)


def test_the_package_imports_form_no_cycle():
    graph, _ = import_graph()
    cycles = [_cycle_path(graph, c) for c in find_cycles(graph)]
    assert not cycles, "import cycles in glassnet:\n  " + "\n  ".join(cycles)


def test_no_glassnet_import_hides_inside_a_function_or_below_code():
    _, late = import_graph()
    bad = sorted(f"{m}:{line} imports {t} {where}" for m, rows in late.items()
                 if m not in ALLOWED_LATE for line, t, where in rows)  # fmt: skip
    assert not bad, "move these imports to the top of their module:\n  " + "\n  ".join(bad)
    stale = sorted(m for m in ALLOWED_LATE if not late.get(m))
    assert not stale, f"ALLOWED_LATE lists modules with no late import left; remove {stale}"


def test_the_checker_sees_a_cycle_and_a_late_import(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert _cycle_path(graph, ["a", "b", "c"]) == "a -> b -> c -> a"
    src = tmp_path / "m.py"
    src.write_text(
        "import os\nfrom glassnet import tensor\nX = 1\nimport numpy\n"
        "def f():\n    import torch\n    from glassnet.ops import shape\n"
    )
    edges, late = scan("glassnet.m", src, {"glassnet", "glassnet.tensor", "glassnet.ops",
                                             "glassnet.ops.shape"})  # fmt: skip
    assert edges == {"glassnet.tensor"}
    assert [(t, w) for _, t, w in late] == [
        ("numpy", "after the first statement"),
        ("glassnet.ops.shape", "inside f"),
    ]


#: Who may not depend on whom, directly or through others: (modules, what they never reach).
#: A name matches itself and everything under it.
LAYERS = (
    (("glassnet._validate",), ("glassnet.backend", "glassnet.tensor", "glassnet.autograd")),
    (("glassnet.backend", "glassnet.random", "glassnet._kernels", "glassnet._blas",
      "glassnet.kernels"),
     ("glassnet.tensor", "glassnet.autograd", "glassnet.ops")),
    (("glassnet.tensor",), ("glassnet.autograd", "glassnet.ops", "glassnet.nn")),
    (("glassnet.autograd",), ("glassnet.ops", "glassnet.nn")),
    (("glassnet.ops",), ("glassnet.nn", "glassnet.functional", "glassnet.optim", "glassnet.train",
                         "glassnet.io", "glassnet.models", "glassnet.data", "glassnet.explain")),
    (("glassnet.nn", "glassnet.optim", "glassnet.data"),
     ("glassnet.train", "glassnet.io", "glassnet.models", "glassnet.explain")),
    (("glassnet.nn.container",), ("glassnet.nn.layers",)),
    (("glassnet.ops.attention", "glassnet.ops.conv"), ("glassnet.ops.rnn",)),
    (("glassnet.io",), ("glassnet.models", "glassnet.train", "glassnet.explain")),
    (tuple(f"glassnet.{p}" for p in ("nn", "optim", "data", "train", "io", "models", "explain",
                                     "distributed", "ops", "autograd")), ("glassnet.cli",)),
)  # fmt: skip

#: Exceptions to LAYERS while work in progress removes them; (module, what it reaches): owner.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def reached(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module importing ``start`` runs (not ``start`` itself)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    seen.discard(start)
    return seen


def test_layers_only_point_down():
    graph, _ = import_graph()
    bad, used = [], set()
    for mods, forbidden in LAYERS:
        for mod in (m for m in graph if _under(m, mods)):
            for hit in sorted(t for t in reached(graph, mod) if _under(t, forbidden)):
                rule = next((k for k in ALLOWED_UPWARD if _under(mod, (k[0],))
                             and _under(hit, (k[1],))), None)  # fmt: skip
                if rule is None:
                    bad.append(f"{mod} reaches {hit}")
                used.add(rule)
    assert not bad, "lower layers import higher ones:\n  " + "\n  ".join(sorted(set(bad)))
    stale = sorted(set(ALLOWED_UPWARD) - used)
    assert not stale, f"ALLOWED_UPWARD lists rules that now hold; remove {stale}"
