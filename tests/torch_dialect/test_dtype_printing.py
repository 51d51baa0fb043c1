"""Under ``glassnet run`` dtypes print as torch's (``torch.float32``), compared with real torch.

The torch import hook makes ``x.dtype``, ``torch.float32``, ``torch.long``, ... into
:class:`glassnet._dtypes.TorchDType` objects: NumPy dtypes to NumPy and in comparisons, but
printed as torch prints its dtypes. Outside the hook glassnet's dtypes stay plain NumPy dtypes.
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import glassnet as gn
from glassnet import _dtypes
from glassnet.cli.torch_alias import install, torch_aliases, uninstall
from glassnet.tensor import Tensor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: torch's dtype names that glassnet has, aliases (``float``, ``long``, ...) included.
NAMES = ("float32", "float64", "float16", "half", "double", "float", "int64", "long", "int32",
         "int", "int16", "short", "int8", "uint8", "bool")  # fmt: skip

#: Every dtype a glassnet tensor can hold.
SUPPORTED = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
             "uint16", "uint32", "uint64", "bool")  # fmt: skip


def _data(name: str) -> np.ndarray:
    return np.array([True, False]) if name == "bool" else np.array([1, 2], dtype=name)


def test_dtype_names_print_as_torchs_under_the_alias(torch):
    want = {n: getattr(torch, n) for n in NAMES}
    with torch_aliases():
        import torch as gtorch

        got = {n: getattr(gtorch, n) for n in NAMES}
    for name in NAMES:
        ours, theirs = got[name], want[name]
        assert str(ours) == str(theirs), name
        assert repr(ours) == repr(theirs), name
        assert f"{ours}" == f"{theirs}", name
        for obj in (ours, theirs):  # no format spec, as in torch
            with pytest.raises(TypeError):
                format(obj, ">20")
        assert f"{[ours]} {(ours,)} {ours!r}" == f"{[theirs]} {(theirs,)} {theirs!r}", name
        assert print_text(ours) == print_text(theirs), name
        # the aliases are the canonical dtype itself, in both
        assert (ours is got[str(theirs)[6:]]) == (theirs is want[str(theirs)[6:]]), name


def print_text(obj) -> str:
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        print(obj)
    return buf.getvalue()


@pytest.mark.parametrize("name", SUPPORTED)
def test_every_supported_dtype_prints_as_torchs_in_dtype_and_repr(torch, name):
    real = torch.from_numpy(_data(name))
    with torch_aliases():
        import torch as gtorch

        x = gtorch.from_numpy(_data(name))
        scalar = gtorch.tensor(3, dtype=x.dtype)
        empty = gtorch.zeros(0, dtype=x.dtype)
        got = (str(x.dtype), repr(x.dtype), f"{x.dtype}", repr(x), repr(scalar), repr(empty))
    want = (str(real.dtype), repr(real.dtype), f"{real.dtype}", repr(real),
            repr(torch.tensor(3, dtype=real.dtype)), repr(torch.zeros(0, dtype=real.dtype)))  # fmt: skip
    assert got == want


def test_dtype_attributes_are_torchs(torch):
    attrs = ("is_floating_point", "is_complex", "is_signed", "itemsize")
    with torch_aliases():
        import torch as gtorch

        got = {n: [getattr(getattr(gtorch, n), a) for a in attrs] for n in NAMES}
        complex_of = [str(gtorch.float32.to_complex()), str(gtorch.float64.to_complex())]
        real_of = [str(gtorch.float32.to_real()), str(gtorch.float32.to_complex().to_real())]
    assert got == {n: [getattr(getattr(torch, n), a) for a in attrs] for n in NAMES}
    assert complex_of == [str(torch.float32.to_complex()), str(torch.float64.to_complex())]
    assert real_of == [str(torch.float32.to_real()), str(torch.float32.to_complex().to_real())]


def test_dtypes_compare_and_hash_as_numpy_dtypes_and_as_torchs(torch):
    x_real = torch.ones(2)
    want = [x_real.dtype == torch.float32, x_real.dtype != torch.float64,
            torch.float is torch.float32, isinstance(x_real.dtype, torch.dtype),
            isinstance(torch.get_default_dtype(), torch.dtype),
            {torch.float32: "f"}[x_real.dtype], torch.float32 in {torch.float32, torch.int64}]  # fmt: skip
    with torch_aliases():
        import torch as gtorch

        x = gtorch.ones(2)
        got = [x.dtype == gtorch.float32, x.dtype != gtorch.float64, gtorch.float is gtorch.float32,
               isinstance(x.dtype, gtorch.dtype), isinstance(gtorch.get_default_dtype(), gtorch.dtype),
               {gtorch.float32: "f"}[x.dtype], gtorch.float32 in {gtorch.float32, gtorch.int64}]  # fmt: skip
        d = x.dtype
        # NumPy's side: equal both ways, one hash, found in dicts keyed by NumPy dtypes
        assert d == np.float32 and d == np.dtype("float32") and np.dtype("float32") == d
        assert not (d != np.dtype("float32")) and not (np.dtype("float32") != d)
        assert d != np.float64 and np.dtype("float64") != d and d != gtorch.int32
        assert hash(d) == hash(np.dtype("float32"))
        assert {np.dtype("float32"): 1}[d] == 1 and {d: 1}[np.dtype("float32")] == 1
        assert d in (np.float32, np.float64) and d.kind == "f" and d.name == "float32"
        assert d.type is np.float32 and d.itemsize == 4 and d.char == "f"
        assert isinstance(np.dtype("int8"), gtorch.dtype)  # a NumPy dtype is a dtype too
        assert not isinstance("float32", gtorch.dtype) and not isinstance(np.float32, gtorch.dtype)
        # one object per dtype: x.dtype is torch.float32
        assert d is gtorch.float32 and gtorch.zeros(2, dtype=gtorch.int64).dtype is gtorch.long
        # pickling and copying keep the object
        assert pickle.loads(pickle.dumps(d)) is d and copy.deepcopy(d) is d and copy.copy(d) is d
    assert got == want


def test_numpy_takes_the_torch_dtypes_where_it_takes_a_dtype():
    with torch_aliases():
        import torch as gtorch

        d, i = gtorch.float64, gtorch.int16
        arr = np.arange(3.0)
        assert np.zeros(2, dtype=d).dtype == np.float64 and type(np.dtype(d)) is type(np.dtype("f8"))
        assert arr.astype(i).dtype == np.int16 and np.asarray([1, 2], i).dtype == np.int16
        assert np.issubdtype(d, np.floating) and not np.issubdtype(i, np.floating)
        assert np.result_type(gtorch.float32, d) == np.float64
        assert np.promote_types(i, gtorch.int32) == np.int32
        assert np.can_cast(i, d) and np.finfo(d).eps == np.finfo(np.float64).eps
        assert np.iinfo(i).max == np.iinfo(np.int16).max
        assert arr.sum(dtype=gtorch.float32).dtype == np.float32


def test_tensors_made_and_cast_with_torch_dtypes_as_torchs(torch):
    def program(lib):
        x = lib.tensor([1.0, -2.0, 0.0])
        outs = [x.to(lib.float64), x.to("cpu", lib.int32), x.to(dtype=lib.float16),
                x.type(lib.int64), x.double(), x.long(), x.int(), x.half(), x.bool(),
                lib.zeros(2, dtype=lib.long), lib.ones(2, 2, dtype=lib.double),
                lib.full((2,), 7, dtype=lib.int32), lib.arange(3, dtype=lib.float64),
                lib.empty(2, dtype=lib.int16).zero_(), lib.tensor([1, 0], dtype=lib.bool),
                x.new_zeros(2, dtype=lib.int8), lib.zeros_like(x, dtype=lib.uint8),
                lib.randn(2, dtype=lib.float64).zero_(), x.sum(dtype=lib.float64),
                lib.as_tensor(np.ones(2), dtype=lib.float32)]  # fmt: skip
        texts = [(repr(o), str(o.dtype), o.type()) for o in outs]
        texts += [x.type(), x.long().type(), str(lib.get_default_dtype()),
                  str(lib.promote_types(lib.int32, lib.float16)),
                  str(lib.result_type(lib.tensor([1]), 1.0)),
                  str(lib.result_type(lib.tensor([1], dtype=lib.int8), lib.tensor(1000)))]  # fmt: skip
        numbers = [lib.finfo(lib.float32).eps, float(lib.finfo(lib.float64).max),
                   lib.finfo(lib.float16).tiny, lib.iinfo(lib.int32).max, lib.iinfo(lib.uint8).max,
                   lib.finfo(x.dtype).eps, lib.finfo().eps]  # fmt: skip
        return texts, [float(v) for v in numbers]

    want = program(torch)
    with torch_aliases():
        import torch as gtorch

        got = program(gtorch)
    assert got == want


def test_parameter_container_lines_name_torchs_dtypes(torch):
    def lines(lib):
        plist = lib.nn.ParameterList([lib.nn.Parameter(lib.zeros(2, 3)),
                                      lib.nn.Parameter(lib.zeros(4, dtype=lib.float64))])  # fmt: skip
        return [line.strip() for line in repr(plist).splitlines()]

    want = lines(torch)
    with torch_aliases():
        import torch as gtorch

        got = lines(gtorch)
    assert got == want


def test_training_under_the_alias_works_with_the_torch_dtypes(tmp_path):
    # glassnet's own code receives TorchDType objects from x.dtype under the hook
    with torch_aliases():
        import torch as gtorch
        import torch.nn.functional as F

        gtorch.manual_seed(0)
        model = gtorch.nn.Sequential(gtorch.nn.Linear(3, 4), gtorch.nn.ReLU(), gtorch.nn.Linear(4, 2))
        model = model.to(gtorch.float64)
        opt = gtorch.optim.Adam(model.parameters(), lr=0.1)
        x = gtorch.randn(8, 3, dtype=gtorch.float64)
        y = gtorch.tensor([0, 1] * 4)
        first = None
        for _ in range(5):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            first = first if first is not None else loss.item()
        assert loss.item() < first and loss.dtype == gtorch.float64
        path = os.fspath(tmp_path / "m.pt")
        gtorch.save(model.state_dict(), path)
        loaded = gtorch.load(path)
        assert all(loaded[k].dtype is gtorch.float64 for k in loaded)
        model.load_state_dict(loaded)
        half = gtorch.nn.Linear(3, 2).half()
        assert str(half.weight.dtype) == "torch.float16"


def test_uninstall_gives_back_numpy_dtypes():
    getter = Tensor.__dict__["dtype"]
    names = {n: getattr(gn, n) for n in NAMES + ("bool_",)}
    functions = [gn.get_default_dtype, gn.result_type, gn.promote_types, gn.dtype]
    for _ in range(3):  # install and uninstall many times in one process
        finder = install()
        import torch as gtorch

        assert type(gtorch.ones(1).dtype) is _dtypes.TorchDType
        nested = install()  # a nested hook undoes only its own changes
        uninstall(nested)
        assert type(gtorch.ones(1).dtype) is _dtypes.TorchDType
        uninstall(finder)
    assert Tensor.__dict__["dtype"] is getter
    assert {n: getattr(gn, n) for n in names} == names
    assert all(getattr(gn, n) is v for n, v in names.items())
    assert [gn.get_default_dtype, gn.result_type, gn.promote_types, gn.dtype] == functions
    x = gn.tensor([1, 2], dtype=gn.int32)
    assert type(x.dtype) is type(np.dtype("int32")) and isinstance(gn.float32, np.dtype)
    assert str(x.dtype) == str(np.dtype("int32")) and repr(gn.long) == repr(np.dtype("int64"))
    assert repr(x).endswith(f"dtype={np.dtype('int32')})")
    assert type(gn.get_default_dtype()) is type(np.dtype("float32"))


def test_a_script_prints_dtypes_as_under_torch(tmp_path):
    torch = pytest.importorskip("torch")
    script = tmp_path / "dtypes.py"
    script.write_text(textwrap.dedent("""
        import torch
        x = torch.ones(2, 3)
        print(x.dtype, torch.float32, torch.float, torch.long, torch.int, torch.half, torch.bool)
        print(repr(torch.int64), f"{x.dtype}", str(torch.bool), [x.dtype], {"d": torch.double})
        print(torch.tensor([1, 2], dtype=torch.int32), torch.tensor([True, False]))
        print(torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor(5, dtype=torch.uint8))
        print(x.double().dtype, x.to(torch.int16).dtype, x.type(), torch.get_default_dtype())
        print(torch.nn.Linear(2, 2).weight.dtype, torch.arange(3).dtype, x.sum().dtype)
        print("%s %r" % (x.dtype, torch.long), "{}".format(torch.float16))
    """))  # fmt: skip
    env = dict(os.environ, PYTHONPATH=ROOT)
    ours = subprocess.run([sys.executable, "-m", "glassnet", "run", os.fspath(script)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    theirs = subprocess.run([sys.executable, os.fspath(script)], capture_output=True, text=True,
                            env=env, timeout=300)  # fmt: skip
    assert ours.returncode == 0, ours.stderr[-3000:]
    assert theirs.returncode == 0, theirs.stderr[-3000:]
    assert torch is not None and ours.stdout == theirs.stdout
