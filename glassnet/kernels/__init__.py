"""Compiled CPU kernels (numba) that stand in for NumPy passes, and the one switch for them.

The ops and optimizers keep their NumPy code as the reference. Where a compiled
kernel does the same work faster (a fused pass, no temporaries, every core through
``prange``), they ask :func:`load` for the kernel module and use it when they get one:

- ``_pool``: max pooling forward and backward on the channels-last layout;
- ``_optim``: the Adam/AdamW, SGD and RMSprop updates, each one fused pass per parameter;
- ``_norm``: batch normalisation's per-channel sums and elementwise passes;
- ``_rnn``: the LSTM's per-step elementwise work and the GRU's forward step (their
  ``tanh`` calls stay NumPy's);
- ``_conv``: the convolution's col2im as one gathering pass (its input gradient).

The switch is the environment variable ``GLASSNET_KERNELS``: ``numpy`` forces the NumPy
reference everywhere; unset (or ``numba``) uses the kernels when numba imports. It is
read on every call, so a test or a benchmark can flip it inside one process.

numba is imported the first time a kernel is asked for, and only then (``import
glassnet`` does not pay for it). Each kernel is compiled on its first call
(``cache=True``: the machine code is stored beside the source, in ``__pycache__``, and
the next process loads it instead of compiling again), so a run compiles only the
kernels it uses.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["ENV", "enabled", "available", "load", "KERNEL_MODULES"]

#: The environment variable that picks the path: ``numpy`` (reference) or ``numba``.
ENV = "GLASSNET_KERNELS"

#: The kernel modules of this package, by the short name :func:`load` takes.
KERNEL_MODULES = ("pool", "optim", "norm", "rnn", "conv")

_CHOICES = ("numba", "numpy", "")
_available: bool | None = None
_loaded: dict[str, ModuleType] = {}


def available() -> bool:
    """Whether numba imports here with a thread-safe threading layer (tried once).

    ``nn.DataParallel`` and the optimizers' worker threads may call kernels at the same
    time; numba's fallback layer (``workqueue``) aborts the process when that happens, so
    the kernels are used only where TBB or OpenMP is there, and numba is told to pick one
    of those (``THREADING_LAYER = "threadsafe"``) unless the user chose a layer.
    """
    global _available
    if _available is None:
        try:
            import numba  # optional at run time: the NumPy path stands in
        except ImportError:
            _available = False
        else:
            _available = _threadsafe_layer(numba)
    return _available


def _threadsafe_layer(numba: ModuleType) -> bool:
    _quiet_openmp()
    for pool in ("tbbpool", "omppool"):
        try:
            importlib.import_module(f"numba.np.ufunc.{pool}")
        except ImportError:  # its library (libtbb, libgomp) is missing
            continue
        if numba.config.THREADING_LAYER == "default":
            numba.config.THREADING_LAYER = "threadsafe"
        return True
    return False


def _quiet_openmp() -> None:
    """Let GNU OpenMP's idle threads sleep (``OMP_WAIT_POLICY=PASSIVE``) unless the user chose.

    By default they spin for a while after every parallel region, on the cores that
    OpenBLAS's threads need for the next matrix product: with two kernel threads beside
    two BLAS threads the seed CNN's training step took 236 ms instead of 80 (2-core
    machine). libgomp reads the variable when it loads, which is when numba's OpenMP
    layer is imported just after this call.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def enabled() -> bool:
    """Whether the compiled kernels are in use: numba imports and ``GLASSNET_KERNELS`` is
    not ``numpy``.

    Raises
    ------
    ValueError
        When ``GLASSNET_KERNELS`` holds anything but ``numba``, ``numpy`` or nothing.
    """
    choice = os.environ.get(ENV, "").strip().lower()
    if choice not in _CHOICES:
        raise ValueError(f"{ENV}: expected 'numba' or 'numpy' (or unset), got {choice!r}")
    return choice != "numpy" and available()


def _after_fork_in_child() -> None:
    """A process forked after kernels ran keeps to NumPy: GNU OpenMP's threads do not
    survive ``fork()``, and a parallel kernel in the child would hang."""
    global _available
    if _loaded:
        _available = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def load(name: str) -> ModuleType | None:
    """The kernel module ``name`` (one of :data:`KERNEL_MODULES`), or None on the NumPy path.

    Parameters
    ----------
    name : str
        One of :data:`KERNEL_MODULES` (``"pool"``, ``"optim"``, ``"norm"``, ``"rnn"``,
        ``"conv"``).

    Returns
    -------
    module or None
        The module ``glassnet.kernels._<name>`` (imported on the first call), or None
        when :func:`enabled` is false.
    """
    if not enabled():
        return None
    mod = _loaded.get(name)
    if mod is None:
        if name not in KERNEL_MODULES:
            raise ValueError(f"glassnet.kernels.load: expected one of {KERNEL_MODULES}, got {name!r}")
        mod = _loaded[name] = importlib.import_module(f"{__name__}._{name}")
    return mod
