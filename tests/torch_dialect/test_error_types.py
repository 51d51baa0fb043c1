"""A bad call raises an exception of torch's class in glassnet too, and still glassnet's own.

Each case is one wrong call written once, ``fn(lib)``, run with ``lib`` = torch and
``lib`` = glassnet. Whatever torch raises (``RuntimeError`` for a shape mismatch,
``IndexError`` for a dimension or index out of range), glassnet's exception must be an
instance of that class, so ``except RuntimeError:`` in a PyTorch script catches it; and it
must still be an instance of the class glassnet raised before (``ValueError`` for most), so
glassnet code and tests written ``except ValueError:`` keep working.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

import glassnet as gn
from glassnet._errors import OutOfRangeError, ShapeError, broadcast_message

torch = pytest.importorskip("torch")

# torch's mse_loss warns about the two shapes before it raises
pytestmark = pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (name, bad call, the class glassnet raised before torch's class was added to it)
CASES: list[tuple[str, Callable[[Any], Any], type[BaseException]]] = [
    # matrix products and linear layers: torch's "mat1 and mat2 shapes cannot be multiplied"
    ("mm", lambda t: t.mm(t.ones(2, 3), t.ones(4, 5)), ValueError),
    ("matmul", lambda t: t.matmul(t.ones(2, 3), t.ones(4, 5)), ValueError),
    ("@", lambda t: t.ones(2, 3) @ t.ones(4, 5), ValueError),
    ("@ 1-D", lambda t: t.ones(3) @ t.ones(4), ValueError),
    ("@ batched", lambda t: t.ones(2, 2, 3) @ t.ones(4, 5), ValueError),
    ("bmm", lambda t: t.bmm(t.ones(2, 2, 3), t.ones(2, 4, 5)), ValueError),
    ("bmm batch", lambda t: t.bmm(t.ones(2, 2, 3), t.ones(3, 3, 5)), ValueError),
    ("F.linear", lambda t: t.nn.functional.linear(t.ones(2, 3), t.ones(5, 4)), ValueError),
    ("Linear", lambda t: t.nn.Linear(4, 5)(t.ones(2, 3)), ValueError),
    ("Flatten+Linear",
     lambda t: t.nn.Sequential(t.nn.Flatten(), t.nn.Linear(10, 2))(t.ones(2, 3, 4)), ValueError),
    # broadcasting: "The size of tensor a (3) must match the size of tensor b (4)"
    ("+", lambda t: t.ones(2, 3) + t.ones(2, 4), ValueError),
    ("-", lambda t: t.ones(2, 3) - t.ones(4), ValueError),
    ("mul", lambda t: t.mul(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("/", lambda t: t.ones(2, 3) / t.ones(3, 3), ValueError),
    ("**", lambda t: t.ones(2, 3) ** t.ones(2, 4), ValueError),
    ("maximum", lambda t: t.maximum(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("minimum", lambda t: t.minimum(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("atan2", lambda t: t.atan2(t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("lerp", lambda t: t.lerp(t.ones(2, 3), t.ones(2, 4), 0.5), ValueError),
    ("where", lambda t: t.where(t.ones(2, 3) > 0, t.ones(2, 3), t.ones(2, 4)), ValueError),
    ("<", lambda t: t.ones(2, 3) < t.ones(2, 4), ValueError),
    ("==", lambda t: t.ones(2, 3) == t.ones(2, 4), ValueError),
    ("requires_grad *",
     lambda t: t.ones(2, 3, requires_grad=True) * t.ones(2, 4), ValueError),
    ("expand", lambda t: t.ones(2, 3).expand(4, 3), ValueError),
    ("mse_loss", lambda t: t.nn.functional.mse_loss(t.ones(2, 3), t.ones(2, 4)), ValueError),
    # view / reshape: "shape '[5, 2]' is invalid for input of size 12"
    ("view", lambda t: t.ones(3, 4).view(5, 2), ValueError),
    ("reshape", lambda t: t.ones(3, 4).reshape(5, 2), ValueError),
    ("view -1", lambda t: t.ones(2, 3).view(-1, 4), ValueError),
    ("view -1 -1", lambda t: t.ones(2, 3).view(-1, -1), ValueError),
    ("view of a transpose", lambda t: t.ones(3, 4).t().view(12), RuntimeError),
    ("permute", lambda t: t.ones(2, 3).permute(0, 0), ValueError),
    ("split", lambda t: t.ones(3, 2).split([1, 1], 0), ValueError),
    # joining: "Sizes of tensors must match except in dimension 1"
    ("cat", lambda t: t.cat([t.ones(2, 3), t.ones(3, 4)], dim=1), ValueError),
    ("cat dim 0", lambda t: t.cat([t.ones(2, 3), t.ones(2, 4)]), ValueError),
    ("cat ranks", lambda t: t.cat([t.ones(2, 3), t.ones(2)]), ValueError),
    ("stack", lambda t: t.stack([t.ones(2, 3), t.ones(2, 4)]), ValueError),
    # conv / pool / norm / rnn layers: rank and channel checks
    ("Conv2d channels", lambda t: t.nn.Conv2d(3, 4, 3)(t.ones(1, 1, 8, 8)), ValueError),
    ("Conv2d rank", lambda t: t.nn.Conv2d(3, 4, 3)(t.ones(8, 8)), ValueError),
    ("Conv1d rank", lambda t: t.nn.Conv1d(3, 4, 3)(t.ones(1, 1, 3, 8)), ValueError),
    ("Conv3d channels", lambda t: t.nn.Conv3d(3, 4, 1)(t.ones(1, 2, 2, 2, 2)), ValueError),
    ("F.conv2d channels",
     lambda t: t.nn.functional.conv2d(t.ones(1, 1, 8, 8), t.ones(4, 3, 3, 3)), ValueError),
    ("F.conv1d channels",
     lambda t: t.nn.functional.conv1d(t.ones(1, 2, 8), t.ones(4, 3, 3)), ValueError),
    ("ConvTranspose2d channels",
     lambda t: t.nn.ConvTranspose2d(3, 4, 3)(t.ones(1, 2, 5, 5)), ValueError),
    ("MaxPool2d rank", lambda t: t.nn.MaxPool2d(2)(t.ones(8)), ValueError),
    ("BatchNorm2d channels", lambda t: t.nn.BatchNorm2d(3)(t.ones(2, 4, 5, 5)), ValueError),
    ("BatchNorm1d channels", lambda t: t.nn.BatchNorm1d(3)(t.ones(2, 4)), ValueError),
    ("LayerNorm", lambda t: t.nn.LayerNorm(4)(t.ones(2, 3)), ValueError),
    ("GroupNorm", lambda t: t.nn.GroupNorm(2, 4)(t.ones(2, 6, 3)), ValueError),
    ("LSTM", lambda t: t.nn.LSTM(4, 5, batch_first=True)(t.ones(2, 3, 6)), ValueError),
    ("GRUCell", lambda t: t.nn.GRUCell(4, 5)(t.ones(2, 6)), ValueError),
    # dtypes: torch's "expected m1 and m2 to have the same dtype"
    ("mm dtypes", lambda t: t.mm(t.ones(2, 3), t.ones(3, 5, dtype=t.float64)), RuntimeError),
    ("@ dtypes", lambda t: t.ones(2, 3) @ t.ones(3, 5, dtype=t.float64), RuntimeError),
    # out of range: torch's IndexError
    ("index", lambda t: t.ones(3)[5], IndexError),
    ("index dim 1", lambda t: t.ones(3, 4)[:, 7], IndexError),
    ("index negative", lambda t: t.ones(3)[-4], IndexError),
    ("index tensor", lambda t: t.ones(3)[t.tensor([5])], IndexError),
    ("setitem", lambda t: t.ones(3).__setitem__(5, 1.0), IndexError),
    ("index_select", lambda t: t.index_select(t.ones(2, 3), 0, t.tensor([5])), IndexError),
    ("Embedding", lambda t: t.nn.Embedding(3, 2)(t.tensor([5])), IndexError),
    ("F.embedding", lambda t: t.nn.functional.embedding(t.tensor([5]), t.ones(3, 2)), IndexError),
    ("cross_entropy class", lambda t: t.nn.functional.cross_entropy(t.ones(2, 3), t.tensor([0, 5])),
     ValueError),
    ("sum dim", lambda t: t.ones(2, 3).sum(5), ValueError),
    ("transpose dim", lambda t: t.ones(2, 3).transpose(0, 5), ValueError),
    ("squeeze dim", lambda t: t.ones(2, 3).squeeze(5), ValueError),
    ("unsqueeze dim", lambda t: t.ones(2, 3).unsqueeze(5), ValueError),
    ("softmax dim", lambda t: t.softmax(t.ones(2, 3), dim=2), ValueError),
    # gather / scatter: torch's RuntimeError "index 5 is out of bounds for dimension 1 with size 3"
    ("gather", lambda t: t.gather(t.ones(2, 3), 1, t.tensor([[5], [0]])), IndexError),
    ("gather negative", lambda t: t.ones(2, 3).gather(1, t.tensor([[-9], [0]])), IndexError),
    ("gather shape", lambda t: t.gather(t.ones(2, 3), 1, t.tensor([[0, 1, 2, 0]] * 3)), ValueError),
    ("gather rank", lambda t: t.ones(2, 3).gather(1, t.tensor([0, 1])), ValueError),
    ("scatter negative", lambda t: t.ones(2, 3).scatter(1, t.tensor([[-1], [0]]), 1.0),
     IndexError),
    ("index_add negative", lambda t: t.ones(2, 3).index_add(1, t.tensor([-1]), t.ones(2, 1)),
     IndexError),
    # NumPy's bare "invalid entry in coordinates array" (a ValueError) before: now torch's terms
    ("scatter", lambda t: t.ones(2, 3).scatter(1, t.tensor([[5], [0]]), 1.0), IndexError),
    ("scatter shape", lambda t: t.ones(2, 3).scatter(1, t.tensor([[0, 1, 2, 0]] * 3), 1.0),
     ValueError),
]  # fmt: skip


def _raised(fn: Callable[[Any], Any], lib: Any) -> BaseException:
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return e
    pytest.fail(f"{getattr(lib, '__name__', lib)}: the call raised nothing")


@pytest.mark.parametrize("fn, before", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_glassnet_raises_torchs_class(fn: Callable[[Any], Any], before: type) -> None:
    theirs = _raised(fn, torch)
    ours = _raised(fn, gn)
    assert isinstance(ours, type(theirs)), (
        f"torch raises {type(theirs).__name__} ({theirs}); glassnet {type(ours).__mro__} ({ours})"
    )
    assert isinstance(ours, before), f"glassnet no longer raises {before.__name__}: {ours!r}"


def test_classes_are_both_builtins() -> None:
    assert issubclass(ShapeError, ValueError) and issubclass(ShapeError, RuntimeError)
    assert issubclass(OutOfRangeError, ValueError) and issubclass(OutOfRangeError, IndexError)
    with pytest.raises(RuntimeError, match="do not broadcast"):
        gn.ones(2, 3) + gn.ones(2, 4)
    with pytest.raises(ValueError, match="inner dimensions differ"):
        gn.ones(2, 3) @ gn.ones(4, 5)


@pytest.mark.parametrize("a, b", [((2, 3), (2, 4)), ((5, 1, 3), (4, 2)), ((3,), (2, 1, 4))])
def test_broadcast_message_names_torchs_dimension(a: tuple, b: tuple) -> None:
    try:
        torch.ones(a) + torch.ones(b)
    except RuntimeError as e:
        theirs = str(e)
    ours = broadcast_message("add", [a, b])
    assert ours.startswith(f"add: shapes {a} and {b} do not broadcast: ")
    assert ours.split(": ", 2)[2].lower() == theirs.lower()


def _script(lib: Any, calls: list[Callable[[Any], Any]]) -> list[str]:
    """A PyTorch user's pattern: each bad call in ``try``/``except RuntimeError``."""
    said = []
    for call in calls:
        try:
            call(lib)
            said.append("ran")
        except RuntimeError:
            said.append("caught")
    return said


def test_except_runtimeerror_catches_it_under_both() -> None:
    calls = [fn for _, fn, before in CASES if before is not IndexError][:30]
    theirs = _script(torch, calls)
    assert theirs == ["caught"] * len(calls)
    assert _script(gn, calls) == theirs


SCRIPT = """
import torch
import torch.nn as nn

model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
for shape in [(2, 1, 8, 8), (2, 3, 9, 9), (2, 3, 8, 8)]:
    try:
        out = model(torch.ones(shape))
        print("ok", tuple(out.shape))
    except RuntimeError as e:
        print("caught", shape)
try:
    torch.ones(3, 4).view(5, 2)
except RuntimeError:
    print("caught view")
try:
    torch.ones(3)[5]
except IndexError:
    print("caught index")
"""


def test_script_under_glassnet_run_prints_what_torch_prints(tmp_path) -> None:
    path = tmp_path / "catch.py"
    path.write_text(textwrap.dedent(SCRIPT))
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    runs = [
        subprocess.run([*head, str(path)], capture_output=True, text=True, env=env, timeout=300)
        for head in ([sys.executable], [sys.executable, "-m", "glassnet", "run"])
    ]
    for done in runs:
        assert done.returncode == 0, done.stderr[-3000:]
    assert runs[1].stdout == runs[0].stdout
    assert runs[0].stdout.count("caught") == 4
