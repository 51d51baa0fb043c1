"""``Optimizer``: parameter groups, per-parameter state, and checkpointable state dicts.

Every optimizer in :mod:`glassnet.optim` subclasses :class:`Optimizer` and
implements one method, ``_step_group(group)``, which updates the parameters of
one group in place. Updates run on raw arrays with ufunc ``out=`` arguments;
large contiguous parameters are processed in cache-sized blocks through a
scratch buffer shared by all parameters of one dtype and device (see
:meth:`Optimizer._blocks`), so a step allocates nothing after the first.

The state dict has PyTorch's structure, so a ``torch.optim`` state dict whose
tensors are converted to NumPy loads here (and the reverse)::

    {"state": {0: {"step": 3, "exp_avg": ndarray, ...}, ...},
     "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), ..., "params": [0, 1, ...]}]}
"""

from __future__ import annotations

import inspect
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .. import backend, kernels
from .._validate import finite_number, flag, nonnegative_number, number_in
from ..autograd.grad_mode import enable_grad
from ..backend import get_array_module
from ..ops import _parallel
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]

#: Bytes of each array one block covers. Measured on the project's 2-core EPYC machines
#: (Adam over the seed CNN's 3.3M float32 parameters): 4.3 ms a step with 512 KiB blocks,
#: 6.5 ms with 32 KiB (call overhead), 5.8 ms on whole arrays (memory traffic).
_BLOCK_BYTES = 1 << 19


class _Required:
    """Marks a hyper-parameter that has no default (``SGD``'s ``lr`` in PyTorch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


#: PyTorch's implementation switches, kept in each group by torch (glassnet has one implementation)
_TORCH_SWITCHES = ("foreach", "fused", "capturable", "differentiable")
#: torch's defaults that are Python ints (glassnet stores floats): printed as torch prints them
_TORCH_INT_DEFAULTS = {
    "momentum": 0, "dampening": 0, "weight_decay": 0, "lr_decay": 0,
    "initial_accumulator_value": 0, ("LBFGS", "lr"): 1, ("Rprop", "step_sizes"): (1e-06, 50),
}


def _torch_default_text(owner: str, key: str, value: Any) -> str:
    """``value`` as torch's repr shows it: a float equal to torch's int default as that int."""
    default = _TORCH_INT_DEFAULTS.get((owner, key), _TORCH_INT_DEFAULTS.get(key))
    if default is not None and value == default and not isinstance(value, bool):
        return str(default)
    return str(value)


# ------------------------------------------------------------- validation helpers
# The optimizers' argument checks are the package's (glassnet/_validate.py), under the names
# every optimizer imports from here.
check_in_range = number_in
check_finite = finite_number
check_bool = flag


def check_nonnegative(who: str, name: str, value: Any) -> Any:
    """``value`` as a finite float >= 0; for ``lr``, a one-element tensor is kept as it is
    (torch keeps it in ``param_groups``), its value checked. :meth:`Optimizer.step` reads
    its value once per group and step."""
    if name == "lr" and isinstance(value, Tensor):
        if value.numel() != 1 or value.dtype.kind not in "fiu":
            raise ValueError(
                f"{who}: lr must be a number or a one-element real tensor, got a tensor of "
                f"shape {tuple(value.shape)} and dtype {value.dtype}"
            )
        nonnegative_number(who, name, float(value.item()))
        return value
    return nonnegative_number(who, name, value)


def _is_number(value: Any) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(
        value, (int, float, np.integer, np.floating)
    )


def _plain_value(value: Any) -> bool:
    """A number, bool, string, None, or a list/tuple of those (a hyper-parameter's shape)."""
    if isinstance(value, (list, tuple)):
        return all(_plain_value(v) and not isinstance(v, (list, tuple)) for v in value)
    return value is None or isinstance(value, (bool, str, int, float, np.generic))


def check_fits_dtype(owner: str, group: Mapping[str, Any], dtype: Any) -> None:
    """Refuse a hyper-parameter of ``group`` beyond the range of the parameters' ``dtype``.

    An update multiplies arrays by these numbers in the parameters' dtype: ``lr=1e39``
    becomes ``inf`` in float32, and ``0 * inf`` is NaN where a gradient is 0.
    """
    big = float(np.finfo(dtype).max)
    for key, value in group.items():
        if key == "params":
            continue
        for x in value if isinstance(value, (tuple, list)) else (value,):
            if _is_number(x) and abs(x) > big:
                raise ValueError(
                    f"{owner}: {key}={x:g} is beyond the range of the {np.dtype(dtype)} "
                    f"parameters (largest {big:.3g}); use a smaller {key} or float64 parameters"
                )


def nonzero_in(dtype: Any, value: float) -> float:
    """``value`` if it stays non-zero in ``dtype``, else the dtype's smallest positive number.

    Used for ``eps``: a denominator ``sqrt(v) + eps`` with ``eps`` 0 (or rounding to 0,
    1e-8 in float16) is 0 where ``v`` is, and ``0 / 0`` is NaN where a gradient is 0.
    Adding the smallest subnormal changes no denominator that is not 0.
    """
    if dtype.type(value) != 0:
        return value
    return float(np.finfo(dtype).smallest_subnormal)


def factors_in(dtype: Any, *factors: float) -> tuple[float, ...]:
    """``(product,)`` when the product of ``factors`` is a normal number of ``dtype`` (or 0),
    else the factors one by one: multiply an array by each in turn so that no scalar leaves
    the dtype (``lr / (1 - beta1**t)`` overflows float32 at ``lr=1e38``, and ``0 * inf`` is NaN).
    """
    product = math.prod(factors)
    info = np.finfo(dtype)
    if product == 0 or float(info.tiny) <= abs(product) <= float(info.max):
        return (product,)
    return tuple(factors)


# ------------------------------------------------------------- array helpers
def effective_grad(xp: Any, p: Any, g: Any, out: Any, weight_decay: float, maximize: bool) -> Any:
    """The gradient an update uses: ``g`` (negated when ``maximize``) plus ``weight_decay * p``.

    Returns ``g`` itself when there is nothing to add, otherwise writes into
    ``out`` (a scratch array of ``g``'s shape) and returns it; ``g`` is never
    modified.
    """
    if weight_decay != 0:
        xp.multiply(p, weight_decay, out=out)
        if maximize:
            xp.subtract(out, g, out=out)
        else:
            xp.add(out, g, out=out)
        return out
    if maximize:
        xp.negative(g, out=out)
        return out
    return g


def compiled_updates(p: Any) -> tuple[Any, int] | None:
    """The compiled update kernels (:mod:`glassnet.kernels._optim`) for parameter array ``p``
    and the threads to run them on, or None: a device array, or the NumPy path
    (``GLASSNET_KERNELS=numpy``, or numba missing)."""
    if type(p) is not np.ndarray:
        return None
    mod = kernels.load("optim")
    return None if mod is None else (mod, _parallel.split_threads(4 * p.nbytes))


def _zeros(like: Any) -> Any:
    """A C-contiguous zero array with ``like``'s shape, dtype and device."""
    xp = get_array_module(like)
    if xp is np:
        return np.zeros(like.shape, dtype=like.dtype)
    with xp.cuda.Device(like.device.id):
        return xp.zeros(like.shape, dtype=like.dtype)


def _empty(like: Any, n: int) -> Any:
    xp = get_array_module(like)
    if xp is np:
        return np.empty(n, dtype=like.dtype)
    with xp.cuda.Device(like.device.id):
        return xp.empty(n, dtype=like.dtype)


def _saved_entry(value: Any) -> Any:
    """One state entry as :meth:`Optimizer.state_dict` gives it: a host copy of an array, a
    detached copy of a Tensor (what an optimizer written in a script keeps), else a plain
    value."""
    if isinstance(value, Tensor):
        return Tensor._make(value.array.copy(), False, None, 0)
    if hasattr(value, "shape") and value.ndim:
        return np.array(_host_array(value))
    return _to_plain(value)


def _to_plain(value: Any) -> Any:
    """Python scalars for NumPy scalars and 0-d NumPy/CuPy arrays; other values unchanged."""
    if isinstance(value, np.generic) or (
        (isinstance(value, np.ndarray) or backend.is_cupy_array(value)) and value.ndim == 0
    ):
        return value.item()
    return value


def _host_array(value: Any) -> np.ndarray:
    """A NumPy array from a NumPy/CuPy array, a glassnet Tensor or a torch tensor."""
    return backend.to_host(value)


def _count(where: str, value: Any) -> int:
    """A step count: an int >= 0, also as a float or a 0-d array (PyTorch's float tensors)."""
    if hasattr(value, "shape") and not isinstance(value, np.generic):
        value = _to_plain(_host_array(value))
    if not (
        _is_number(value) and math.isfinite(value) and float(value).is_integer() and value >= 0
    ):
        raise ValueError(f"{where} must be a count (an int >= 0), got {value!r:.80}")
    return int(value)


def _real(where: str, value: Any) -> float:
    """A finite real number, also as a 0-d array (PyTorch's scalar tensors)."""
    if hasattr(value, "shape") and not isinstance(value, np.generic):
        value = _to_plain(_host_array(value))
    if not (_is_number(value) and math.isfinite(value)):
        raise ValueError(f"{where} must be a finite number, got {value!r:.80}")
    return float(value)


def _state_array(where: str, p: Tensor, arr: np.ndarray) -> Any:
    """``arr`` as a state array of parameter ``p``: its shape, then its dtype and device."""
    if arr.shape != p.shape:
        raise ValueError(f"{where} has shape {arr.shape}, the parameter has shape {p.shape}")
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{where} must hold numbers, got dtype {arr.dtype}")
    arr = np.array(arr, dtype=p.dtype, order="C", copy=True)
    return backend.to_device(arr, p.device)


class Optimizer:
    """Base class of optimizers, with PyTorch's interface.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimize (``model.parameters()``), or parameter groups:
        dicts with a ``"params"`` entry and hyper-parameters that override
        ``defaults`` for that group, e.g.
        ``[{"params": body.parameters()}, {"params": head.parameters(), "lr": 1e-2}]``.
    defaults : dict
        Hyper-parameters used by groups that do not set them.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: hyper-parameters and ``"params"`` (list of Tensor).
        Change ``group["lr"]`` to change the learning rate (schedulers do).
    state : dict
        Per-parameter state (``{Tensor: {name: array or number}}``), created
        on the first step that parameter has a gradient.
    defaults : dict
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch_pool: dict[tuple, list] = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of tensors or of dicts, got a single "
                f"Tensor of shape {params.shape}; pass [tensor] or model.parameters()"
            )
        if isinstance(params, Mapping):
            params = [params]
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: params must be an ordered collection (list, tuple, generator), "
                "got a set, whose order changes between runs"
            )
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params must be an iterable of tensors or of dicts, "
                f"got {type(params).__name__}"
            ) from None
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list (nothing to optimize)")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        """Validate and normalise a group's hyper-parameters in place (subclasses extend)."""

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters, with its own hyper-parameters (fine-tuning, unfreezing).

        Parameters
        ----------
        param_group : dict
            ``"params"`` (a Tensor or an iterable of Tensor) and optional
            hyper-parameters; the missing ones come from ``defaults``.
        """
        name = type(self).__name__
        index = len(self.param_groups)
        owner = name if index == 0 else f"{name}: param group {index}"
        if not isinstance(param_group, Mapping):
            raise TypeError(
                f"{owner}: a parameter group must be a dict, got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{owner}: a parameter group needs a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{owner}: params must be an ordered collection (list, tuple, generator), "
                "got a set, whose order changes between runs"
            )
        else:
            params = list(params)
        if not params:
            raise ValueError(f"{owner}: got an empty parameter list (nothing to optimize)")
        params = self._named_params(group, params, owner)
        seen: set[int] = set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{owner}: params[{i}] must be a Tensor, got {type(p).__name__}")
            if p.dtype.kind != "f":
                raise TypeError(
                    f"{owner}: params[{i}] must be floating, got dtype {p.dtype} (shape {p.shape})"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{owner}: params[{i}] (shape {p.shape}) is not a leaf tensor: it was "
                    "computed from others; optimize the tensors it came from, or detach() it"
                )
            if id(p) in seen:
                raise ValueError(
                    f"{owner}: params[{i}] (shape {p.shape}) appears twice in the group"
                )
            seen.add(id(p))
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{owner}: the group does not set the required {key!r}")
            group.setdefault(key, default)
        self._check_group(group, owner)
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if id(p) in taken:
                raise ValueError(
                    f"{owner}: params[{i}] (shape {p.shape}) is already in another "
                    "parameter group; a parameter may belong to one group only"
                )
        self.param_groups.append(group)

    @staticmethod
    def _named_params(group: dict[str, Any], params: list[Any], owner: str) -> list[Any]:
        """``(name, parameter)`` pairs (``model.named_parameters()``, as torch 2.5+ takes
        them): the parameters, with their names kept in ``group["param_names"]``."""
        named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
        if not any(named):
            return params
        if not all(named):
            raise ValueError(
                f"{owner}: params must be all (name, parameter) pairs or all parameters, "
                "not a mix"
            )
        group["param_names"] = [name for name, _ in params]
        return [p for _, p in params]

    # ------------------------------------------------------------- gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all optimized parameters.

        Parameters
        ----------
        set_to_none : bool, default True
            Set ``.grad`` to ``None`` (frees memory; the next backward
            allocates). With False, fill the existing gradients with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.array.fill(0)

    # -------------------------------------------------------------------- step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (those with ``grad is None`` are skipped).

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (called with gradient
            recording on, before the update).

        Returns
        -------
        Any
            What ``closure`` returned, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for i, group in enumerate(self.param_groups):
            owner = type(self).__name__ if i == 0 else f"{type(self).__name__}: param group {i}"
            for dtype in {p.dtype for p in group["params"] if p.grad is not None}:
                check_fits_dtype(owner, group, dtype)
        for group in self.param_groups:
            self._follow_params(group)
            lr = group.get("lr")
            if isinstance(lr, Tensor):  # torch's tensor lr: its current value, for this step
                group["lr"] = float(lr.item())
                try:
                    self._step_group(group)
                finally:
                    group["lr"] = lr
            else:
                self._step_group(group)
        return loss

    # ----------------------------------------------------------------- devices
    def _follow_params(self, group: dict[str, Any]) -> None:
        """Move (and cast) state arrays to their parameter's device and dtype if it changed
        since they were made (``model.to('cuda')`` after the optimizer had stepped)."""
        state = self.state
        for p in group["params"]:
            s = state.get(p)
            if not s:
                continue
            data = p.array
            on_gpu = backend.is_cupy_array(data)
            for k, v in s.items():
                if not hasattr(v, "shape"):
                    continue
                if (
                    type(v) is not type(data)
                    or v.dtype != data.dtype
                    or (on_gpu and v.device.id != data.device.id)
                ):
                    s[k] = backend.to_device(v, p.device).astype(data.dtype, copy=False)

    def to(self, device: Any) -> Optimizer:
        """Move the per-parameter state (moment estimates, ...) to ``device`` now.

        State also follows its parameter on its own: after ``model.to('cuda')``
        the next :meth:`step` moves what it needs. Call this to move it at a
        chosen moment, e.g. to free GPU memory after moving a model back.
        """
        dev = backend.Device(device)
        for s in self.state.values():
            for k, v in s.items():
                if hasattr(v, "shape"):
                    s[k] = backend.to_device(v, dev)
        self._scratch_pool.clear()
        return self

    def _step_group(self, group: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not implement _step_group")

    # --------------------------------------------------------------- kernels
    def _scratch(self, like: Any, n: int, count: int, slot: int = 0) -> list:
        """``count`` flat scratch arrays of ``n`` elements with ``like``'s dtype and device.

        They are views of buffers kept per (device, dtype, slot: one per thread)
        and grown only when a larger one is asked for, so steps after the first
        allocate nothing.
        """
        key = (backend.device_of(like), like.dtype, slot)
        bufs = self._scratch_pool.get(key)
        if bufs is None or len(bufs) < count or bufs[0].size < n:
            size = max(n, bufs[0].size if bufs else 0)
            bufs = [_empty(like, size) for _ in range(max(count, len(bufs or ())))]
            self._scratch_pool[key] = bufs
        return [b[:n] for b in bufs[:count]]

    def _blocks(
        self, arrays: list, n_scratch: int, part: tuple[int, int] = (0, 1)
    ) -> Iterator[list]:
        """Matching pieces of ``arrays`` (same shape) followed by ``n_scratch`` scratch pieces.

        On the CPU, contiguous arrays larger than one block are walked in
        cache-sized flat blocks, so the several passes of an update read
        memory once; otherwise the whole arrays come in one piece. With
        ``part=(k, t)`` only the ``k``-th of ``t`` equal shares of the blocked
        range is walked, with scratch of its own (thread ``k`` of ``t``); an
        array that is not blocked belongs to share 0.
        """
        first = arrays[0]
        n = first.size
        k, t = part
        block = max(1, _BLOCK_BYTES // first.dtype.itemsize)
        if (
            n > block
            and get_array_module(first) is np
            and all(a.flags.c_contiguous for a in arrays)
        ):
            flat = [a.reshape(-1) for a in arrays]
            scratch = self._scratch(first, block, n_scratch, k)
            for start in range(n * k // t, n * (k + 1) // t, block):
                stop = min(start + block, n * (k + 1) // t)
                m = stop - start
                yield [f[start:stop] for f in flat] + [s[:m] for s in scratch]
        elif k == 0:
            scratch = self._scratch(first, n, n_scratch)
            yield list(arrays) + [s.reshape(first.shape) for s in scratch]

    def _run_blocks(self, items: list[tuple[list, int, Callable[[list], None]]]) -> None:
        """Apply each item's ``update(block)`` to every block of its arrays (see :meth:`_blocks`).

        ``items`` are ``(arrays, n_scratch, update)``. With glassnet's thread
        count above one (:func:`glassnet.set_num_threads`) and enough work,
        the blocked ranges are split between that many threads: NumPy releases
        the GIL in its passes, so an update over millions of parameters runs
        on every core. The result is the same whatever the split.
        """
        nbytes = sum(a[0].nbytes for a, _, _ in items)
        on_cpu = bool(items) and get_array_module(items[0][0][0]) is np
        t = min(_parallel.num_threads(), max(1, nbytes // _parallel.MIN_BYTES)) if on_cpu else 1

        def share(k: int) -> None:
            for arrays, n_scratch, update in items:
                for blk in self._blocks(arrays, n_scratch, (k, t)):
                    update(blk)

        _parallel.run_tasks([lambda k=k: share(k) for k in range(t)])

    def _new_state_array(self, p: Tensor, fill: float = 0.0) -> Any:
        """A state array shaped like ``p`` on its device and in its dtype, filled with ``fill``."""
        arr = _zeros(p.array)
        if fill != 0:
            arr.fill(fill)
        return arr

    # ------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's structure (copies, on the host).

        Returns
        -------
        dict
            ``{"state": {index: {name: ndarray or number}}, "param_groups":
            [{hyper-parameters..., "params": [index, ...]}]}``. Parameters are
            numbered in group order; the hyper-parameters are Python numbers,
            bools, strings, tuples and None, so they serialise to JSON.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _to_plain(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                ids.append(index.setdefault(id(p), len(index)))
            packed["params"] = ids
            groups.append(packed)
        params = {id(p): p for g in self.param_groups for p in g["params"]}
        state: dict[int, dict[str, Any]] = {}
        for pid, i in index.items():
            s = self.state.get(params[pid])
            if not s:
                continue
            state[i] = {k: _saved_entry(v) for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state returned by :meth:`state_dict` (or by a ``torch.optim`` optimizer).

        Arrays are copied into this optimizer's parameters' dtype and device;
        hyper-parameters (including ``lr``) are taken from the state dict.
        Everything is checked first (:meth:`check_state_dict`): nothing changes
        when the state dict does not fit.

        Parameters
        ----------
        state_dict : dict
            ``{"state": ..., "param_groups": ...}``; state keys may be ints or
            strings of ints (as after a JSON round trip); arrays may be NumPy,
            glassnet or torch tensors.
        """
        groups, state = self._checked_state(state_dict)
        self.param_groups = groups
        self.state = state

    def check_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Raise the error :meth:`load_state_dict` would raise for ``state_dict``, changing nothing.

        The state of each parameter must hold the entries of this optimizer
        (:attr:`STATE_ENTRIES`; a renamed or unknown entry is named), each of
        its kind; every group's hyper-parameters pass the constructor's checks.
        """
        self._checked_state(state_dict)

    def _checked_state(
        self, state_dict: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], defaultdict[Tensor, dict[str, Any]]]:
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise ValueError(
                    f"{who}: the state dict has no {key!r} entry (keys: {sorted(state_dict)})"
                )
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, (list, tuple)) or not all(
            isinstance(g, Mapping) for g in saved_groups
        ):
            raise TypeError(
                f"{who}: 'param_groups' must be a list of dicts, got {saved_groups!r:.80}"
            )
        if not isinstance(state_dict["state"], Mapping):
            raise TypeError(f"{who}: 'state' must be a dict, got {state_dict['state']!r:.80}")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{who}: the state dict has {len(saved_groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        id_map = self._saved_ids(who, saved_groups)
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, entry in state_dict["state"].items():
            pid, p = self._saved_param(who, key, id_map)
            if not isinstance(entry, Mapping):
                raise TypeError(
                    f"{who}: the state of parameter {pid} must be a dict, got {entry!r:.80}"
                )
            self._check_entries(who, pid, entry)
            new_state[p] = {name: self._loaded(who, pid, p, name, v) for name, v in entry.items()}
        new_groups = [
            self._loaded_group(who, gi, saved, group)
            for gi, (saved, group) in enumerate(zip(saved_groups, self.param_groups))
        ]
        return new_groups, new_state

    #: The entries of a parameter's state: name -> ``"count"`` (an int >= 0), ``"number"``
    #: (a finite real number, also as a 0-d array: PyTorch's scalar tensors), ``"array"``
    #: (an array of the parameter's shape) or ``"array?"`` (an array or None, as PyTorch
    #: writes an unused buffer); a subclass may add kinds of its own in ``_load_value``.
    #: None (a subclass that does not say): not checked.
    STATE_ENTRIES: Mapping[str, str] | None = None
    #: Entries every non-empty state holds (the state of a parameter that has stepped).
    REQUIRED_ENTRIES: tuple[str, ...] = ()
    #: Group keys the schedulers add, which must be numbers.
    SCHEDULER_KEYS = ("initial_lr", "max_lr", "min_lr", "base_momentum", "max_momentum")

    def _loaded(self, who: str, pid: int, p: Tensor, name: str, value: Any) -> Any:
        """One state entry through :meth:`_load_value`, with its kind where one is declared."""
        if self.STATE_ENTRIES is None:  # subclasses may override _load_value without `kind`
            return self._load_value(who, pid, p, name, value)
        return self._load_value(who, pid, p, name, value, self.STATE_ENTRIES.get(name))

    def _saved_ids(self, who: str, saved_groups: Any) -> dict[int, Tensor]:
        id_map: dict[int, Tensor] = {}
        for gi, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            saved_ids = saved.get("params", ())
            if not isinstance(saved_ids, (list, tuple)) or not all(
                _is_number(i) and float(i).is_integer() for i in saved_ids
            ):
                raise ValueError(
                    f"{who}: parameter group {gi}: 'params' must be a list of parameter "
                    f"indices, got {saved_ids!r:.80}"
                )
            if len(saved_ids) != len(group["params"]):
                raise ValueError(
                    f"{who}: parameter group {gi} has {len(saved_ids)} parameters in the "
                    f"state dict, {len(group['params'])} in this optimizer"
                )
            for sid, p in zip(saved_ids, group["params"]):
                id_map[int(sid)] = p
        return id_map

    @staticmethod
    def _saved_param(who: str, key: Any, id_map: Mapping[int, Tensor]) -> tuple[int, Tensor]:
        try:
            pid = int(key)
        except (TypeError, ValueError):
            raise ValueError(f"{who}: state key {key!r} is not a parameter index") from None
        if pid not in id_map:
            raise ValueError(
                f"{who}: the state dict has state for parameter {pid}, which none of "
                "its parameter groups lists"
            )
        return pid, id_map[pid]

    def _check_entries(self, who: str, pid: int, entry: Mapping[str, Any]) -> None:
        """The entry names of one parameter's state against :attr:`STATE_ENTRIES`."""
        if self.STATE_ENTRIES is None or not entry:
            return
        known = ", ".join(self.STATE_ENTRIES)
        for name in entry:
            if name not in self.STATE_ENTRIES:
                raise ValueError(
                    f"{who}: the state of parameter {pid} has an unknown entry {name!r:.80} "
                    f"({type(self).__name__} keeps {known})"
                )
        for name in self.REQUIRED_ENTRIES:
            if name not in entry:
                raise ValueError(
                    f"{who}: the state of parameter {pid} has no {name!r} entry "
                    f"(it has {', '.join(map(str, entry))}; {type(self).__name__} keeps {known})"
                )

    def _loaded_group(
        self, who: str, gi: int, saved: Mapping[str, Any], group: dict[str, Any]
    ) -> dict[str, Any]:
        new = {k: v for k, v in group.items() if k != "params"}
        for k, v in saved.items():
            if k == "params":
                continue
            v = _to_plain(v)
            if isinstance(group.get(k), tuple) and isinstance(v, list):
                v = tuple(_to_plain(x) for x in v)
            if k in self.SCHEDULER_KEYS:
                v = check_finite(f"{who}: parameter group {gi}", k, v)
            elif not _plain_value(v):
                raise TypeError(
                    f"{who}: parameter group {gi}: {k!r} must be a number, bool, string, None "
                    f"or a list of those, got {v!r:.80}"
                )
            new[k] = v
        new["params"] = group["params"]
        self._check_group(new, f"{who}: parameter group {gi}")
        return new

    @staticmethod
    def _load_value(
        who: str, pid: int, p: Tensor, name: str, value: Any, kind: str | None = None
    ) -> Any:
        where = f"{who}: state {name!r} of parameter {pid}"
        if kind == "count":
            return _count(where, value)
        if kind == "number":
            return _real(where, value)
        if kind == "array?" and value is None:
            return None
        if kind is not None:
            if value is None or isinstance(value, (bool, int, float, str, Mapping, list, tuple)):
                raise ValueError(f"{where} must be an array of shape {p.shape}, got {value!r:.80}")
            return _state_array(where, p, _host_array(value))
        # an entry of an optimizer that does not declare STATE_ENTRIES (one written in a
        # script): Tensors stay Tensors, as its step() made them; numbers stay numbers
        if isinstance(value, Tensor):
            kept = Tensor._make(value.array.copy(), False, None, 0)
            if kept.dtype.kind == "f" and name != "step":
                kept = kept.to(p.dtype)
            return kept.to(p.device)
        if value is None or isinstance(value, (int, float, bool, str)):
            v = value
        else:
            arr = _host_array(value)
            v = arr.item() if arr.ndim == 0 else arr
        if not isinstance(v, np.ndarray):
            if name == "step" and isinstance(v, float) and v.is_integer():
                v = int(v)  # PyTorch keeps step counts as float tensors
            return v
        return _state_array(where, p, v)

    def __repr__(self) -> str:
        """torch's text: each group's options sorted by name, with the implementation switches
        the constructor takes (``foreach``, ``fused``, ``capturable``, ``differentiable``) at
        their defaults and torch's whole-number defaults written as torch writes them."""
        try:
            accepted = inspect.signature(type(self)).parameters
        except (TypeError, ValueError):  # a subclass whose signature cannot be read
            accepted = {}
        switches = {k: accepted[k].default for k in _TORCH_SWITCHES if k in accepted}
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.extend([""] * (i > 0) + [f"Parameter Group {i}"])  # a blank line between groups
            shown = {**switches, **{k: v for k, v in group.items() if k != "params"}}
            for key in sorted(shown):
                lines.append(f"    {key}: {_torch_default_text(type(self).__name__, key, shown[key])}")
        lines.append(")")
        return "\n".join(lines)
