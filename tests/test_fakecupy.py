"""The fake CuPy used by the device tests catches the mistakes it is there to catch."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.backend import get_array_module

from . import fakecupy


@pytest.fixture
def cp(monkeypatch):
    return fakecupy.install(monkeypatch)


def test_glassnet_sees_it_as_cupy(cp):
    a = cp.asarray(np.arange(3.0))
    assert gn.cuda_available() and sys.modules["cupy"] is cp
    assert get_array_module(a) is cp and get_array_module(gn.tensor(a)) is cp
    assert gn.tensor(a).device == gn.device("cuda:0")
    assert type(a.data).__module__.startswith("cupy")  # a memory pointer, as in CuPy


def test_numpy_calls_on_device_arrays_fail(cp):
    a = cp.ones(3)
    with pytest.raises(TypeError, match="does not support ufuncs"):
        np.exp(a)
    with pytest.raises(TypeError, match=r"numpy\.where was called on a device"):
        np.where(a > 0, a, 0)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)


def test_host_arrays_in_device_computations_fail(cp):
    a, h = cp.ones(3), np.ones(3)
    for bad in (lambda: a + h, lambda: h * a, lambda: cp.where(a > 0, h, a), lambda: cp.exp(h)):
        with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
            bad()
    with pytest.raises(TypeError, match="Unsupported type"):
        a[:] = h  # CuPy refuses assignment from CPU arrays
    with pytest.raises(TypeError, match="Unsupported type"):
        cp.multiply(a, 2, out=np.empty(3))
    assert float((a * np.float32(2) + 1).sum()) == 9.0  # NumPy scalars are fine


def test_names_cupy_lacks_are_missing(cp):
    for name in ("errstate", "frompyfunc", "insert"):
        with pytest.raises(AttributeError, match="NumPy has it, CuPy 14 does not"):
            getattr(cp, name)
    with pytest.raises(AttributeError, match="resize"):
        cp.ones(3).resize(4)
    with pytest.raises(AttributeError):
        cp.random.default_rng(0).normal(size=3)  # CuPy's Generator has no normal()
    with pytest.raises(NotImplementedError, match=r"cupy\.multiply\.at` is not supported"):
        cp.multiply.at(cp.ones(3), [0], 2.0)
    with pytest.raises(NotImplementedError, match=r"cupy\.maximum\.reduce` is not supported"):
        cp.maximum.reduce(cp.ones(3))
    cp.add.at(a := cp.zeros(3), cp.asarray([0, 0, 2]), 1.0)
    assert a.tolist() == [2.0, 0.0, 1.0]
    with pytest.raises(NotImplementedError, match="cannot compile CUDA code"):
        cp.ElementwiseKernel("T x", "T y", "y = x", "copy")


def test_reductions_return_device_scalars_and_count_read_backs(cp):
    cp.transfers.reset()
    s = cp.arange(4.0).sum()
    assert type(s) is cp.ndarray and s.ndim == 0
    assert cp.transfers.syncs == 0
    assert float(s) == 6.0 and bool(s > 1) and s.item() == 6.0
    assert cp.transfers.syncs == 3
    cp.ones(2).get()
    cp.asarray(np.zeros(2))
    cp.ones((3, 2))[np.array([0, 2])]  # host index arrays are copied, as CuPy does
    assert (cp.transfers.d2h, cp.transfers.h2d) == (1, 2)
    assert len(cp.transfers.events) == 6


def test_identities_behave_like_cupy(cp):
    a = cp.ones((2, 3), dtype=np.float32)
    assert a.astype(np.float32, copy=False) is a
    out = cp.empty((2, 3), dtype=np.float32)
    assert cp.multiply(a, 2, out=out) is out
    v = a.reshape(-1)
    assert v.base is a and v.base is v.base
    assert a.T.base is a
    assert not hasattr(a.flags, "writeable") and a.flags.c_contiguous
    b = a.copy()
    b += 1
    assert float(a.sum()) == 6.0 and float(b.sum()) == 12.0
