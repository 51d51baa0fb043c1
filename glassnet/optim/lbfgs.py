"""L-BFGS, a limited-memory quasi-Newton method, with PyTorch's interface and decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .. import backend
from ..autograd.grad_mode import enable_grad
from ..backend import get_array_module
from .line_search import Probe, strong_wolfe
from .optimizer import Optimizer, check_nonnegative

__all__ = ["LBFGS"]

_HISTORY_KEYS = ("old_dirs", "old_stps")


def _positive_int(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


class _Memory:
    """The last ``size`` curvature pairs ``(s, y)`` and the two-loop product ``-H g``."""

    def __init__(self, size: int, dirs: list, stps: list, ro: list, h_diag: float) -> None:
        self.size = size
        self.dirs, self.stps, self.ro, self.h_diag = dirs, stps, ro, h_diag

    def add(self, s: Any, y: Any) -> None:
        """Remember the pair when its curvature ``y . s`` is positive enough."""
        ys = float(y @ s)
        if ys <= 1e-10:
            return
        if len(self.dirs) == self.size:
            del self.dirs[0], self.stps[0], self.ro[0]
        self.dirs.append(y)
        self.stps.append(s)
        self.ro.append(1.0 / ys)
        self.h_diag = ys / float(y @ y)

    def direction(self, g: Any) -> Any:
        """``-H g`` by the two-loop recursion, ``H`` the inverse-Hessian estimate."""
        q = -g
        alphas = []
        for y, s, ro in zip(reversed(self.dirs), reversed(self.stps), reversed(self.ro)):
            a = float(s @ q) * ro
            q -= a * y
            alphas.append(a)
        r = q * self.h_diag
        for y, s, ro, a in zip(self.dirs, self.stps, self.ro, reversed(alphas)):
            b = float(y @ r) * ro
            r += (a - b) * s
        return r


class LBFGS(Optimizer):
    r"""L-BFGS (Liu & Nocedal, 1989), as ``torch.optim.LBFGS``.

    Each :meth:`step` runs up to ``max_iter`` iterations, each calling
    ``closure`` (which must zero the gradients, compute the loss, call
    ``backward()`` and return the loss) once, or several times with the line
    search. The direction is ``-H g``, with ``H`` built from the last
    ``history_size`` steps (two-loop recursion); the step length is ``lr``
    (``min(1, 1 / sum|g|) * lr`` on the very first iteration), or what the
    strong-Wolfe line search finds (:mod:`glassnet.optim.line_search`).

    Parameters
    ----------
    params : iterable of Tensor
        One group only (as in PyTorch); all on one device.
    lr : float, default 1
        Step length (>= 0).
    max_iter : int, default 20
        Iterations per :meth:`step`.
    max_eval : int, optional
        Closure calls per :meth:`step` (default ``max_iter * 5 // 4``).
    tolerance_grad : float, default 1e-7
        Stop when ``max |g|`` is at most this.
    tolerance_change : float, default 1e-9
        Stop when the loss or the step changes by less than this.
    history_size : int, default 100
        Number of curvature pairs kept.
    line_search_fn : {None, "strong_wolfe"}, default None

    Notes
    -----
    State (on the first parameter, PyTorch's names): ``func_evals``,
    ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``,
    ``prev_flat_grad``, ``prev_loss`` (PyTorch's ``al``, a scratch list, is
    accepted from its state dicts and dropped). Memory grows by two flat copies of
    all parameters per remembered pair. A loaded state is checked entry by entry
    (:attr:`STATE_ENTRIES`).

    Examples
    --------
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = loss_fn(model(x), y)
    ...     loss.backward()
    ...     return loss
    >>> opt.step(closure)  # doctest: +SKIP
    """

    #: the state's entries and their kinds (``"flat"``: all parameters flattened, as one array)
    STATE_ENTRIES = {
        "func_evals": "count",
        "n_iter": "count",
        "d": "flat",
        "t": "number",
        "old_dirs": "flat list",
        "old_stps": "flat list",
        "ro": "number list",
        "H_diag": "number",
        "prev_flat_grad": "flat",
        "prev_loss": "number",
        "al": "torch only",
    }
    REQUIRED_ENTRIES = ("func_evals", "n_iter")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        max_iter = _positive_int("LBFGS", "max_iter", max_iter)
        defaults = dict(
            lr=lr, max_iter=max_iter,
            max_eval=max_iter * 5 // 4 if max_eval is None else max_eval,
            tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
            history_size=history_size, line_search_fn=line_search_fn,
        )  # fmt: skip
        self._check_group(defaults, "LBFGS")
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(
                f"LBFGS: supports one parameter group only (as PyTorch), got "
                f"{len(self.param_groups)}; pass model.parameters()"
            )
        self._params = self.param_groups[0]["params"]

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["lr"] = check_nonnegative(owner, "lr", group["lr"])
        group["max_iter"] = _positive_int(owner, "max_iter", group["max_iter"])
        group["max_eval"] = _positive_int(owner, "max_eval", group["max_eval"])
        group["history_size"] = _positive_int(owner, "history_size", group["history_size"])
        for key in ("tolerance_grad", "tolerance_change"):
            group[key] = check_nonnegative(owner, key, group[key])
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"{owner}: line_search_fn must be None or 'strong_wolfe', "
                f"got {group['line_search_fn']!r}"
            )

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        if self.param_groups:
            raise ValueError("LBFGS: supports one parameter group only (as PyTorch)")
        super().add_param_group(param_group)

    # ----------------------------------------------------------- flat vectors
    def _flat_grad(self) -> Any:
        xp = get_array_module(self._params[0].array)
        parts = [
            p.grad.array.reshape(-1) if p.grad is not None else xp.zeros(p.numel(), p.dtype)
            for p in self._params
        ]
        return xp.concatenate(parts)

    def _add_step(self, t: float, d: Any) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.array += t * d[offset : offset + n].reshape(p.shape)
            offset += n

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, Any]:
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    def _probe(self, closure: Callable[[], Any], d: Any) -> Callable[[float], Probe]:
        """``t -> Probe`` at ``x + t d``, restoring ``x`` after each evaluation."""

        def evaluate(t: float) -> Probe:
            saved = [p.array.copy() for p in self._params]
            self._add_step(t, d)
            _, f, g = self._evaluate(closure)
            for p, x in zip(self._params, saved):
                p.array[...] = x
            return Probe(t, f, g, float(g @ d))

        return evaluate

    # ------------------------------------------------------------------- step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; return the loss the first closure call gave.

        Parameters
        ----------
        closure : callable
            Zeroes the gradients, computes the loss, calls ``backward()`` and
            returns the loss. Required.
        """
        if closure is None:
            raise TypeError(
                "LBFGS.step: needs a closure that zeroes the gradients, computes the loss, "
                "calls loss.backward() and returns it: opt.step(closure)"
            )
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss, g = self._evaluate(closure)
        state["func_evals"] += 1
        if float(abs(g).max()) <= group["tolerance_grad"]:
            return orig_loss
        memory = _Memory(
            group["history_size"], state.get("old_dirs", []), state.get("old_stps", []),
            state.get("ro", []), state.get("H_diag", 1.0),
        )  # fmt: skip
        self._iterate(closure, group, state, memory, loss, g)
        state.update(old_dirs=memory.dirs, old_stps=memory.stps, ro=memory.ro, H_diag=memory.h_diag)
        return orig_loss

    def _direction(self, state: dict, memory: _Memory, g: Any) -> Any:
        if state["n_iter"] == 1:
            memory.dirs, memory.stps, memory.ro, memory.h_diag = [], [], [], 1.0
            return -g
        memory.add(state["d"] * state["t"], g - state["prev_flat_grad"])
        return memory.direction(g)

    def _iterate(
        self, closure: Callable[[], Any], group: dict, state: dict, memory: _Memory,
        loss: float, g: Any,
    ) -> None:  # fmt: skip
        evals, tol_change = 1, group["tolerance_change"]
        for n_iter in range(1, group["max_iter"] + 1):
            state["n_iter"] += 1
            d = self._direction(state, memory, g)
            state["d"], state["prev_flat_grad"], state["prev_loss"] = d, g.copy(), loss
            first = state["n_iter"] == 1
            lr = float(group["lr"])  # a number, or torch's one-element tensor lr
            t = min(1.0, 1.0 / float(abs(g).sum())) * lr if first else lr
            state["t"] = t
            gtd = float(g @ d)
            if gtd > -tol_change:
                break
            loss, g, t, spent = self._move(closure, group, d, t, Probe(0.0, loss, g, gtd),
                                           evals, last=n_iter == group["max_iter"])  # fmt: skip
            state["t"] = t
            evals += spent
            state["func_evals"] += spent
            if (
                n_iter == group["max_iter"]
                or evals >= group["max_eval"]
                or float(abs(g).max()) <= group["tolerance_grad"]
                or float(abs(d * t).max()) <= tol_change
                or abs(loss - state["prev_loss"]) < tol_change
            ):
                break

    def _move(
        self, closure: Callable[[], Any], group: dict, d: Any, t: float, start: Probe,
        evals: int, last: bool,
    ) -> tuple[float, Any, float, int]:  # fmt: skip
        """Take the step along ``d``; return the new loss, gradient, step and closure calls."""
        if group["line_search_fn"] == "strong_wolfe":
            d_norm = float(abs(d).max())
            found, spent = strong_wolfe(
                self._probe(closure, d), t, d_norm, start,
                tolerance_change=group["tolerance_change"], max_ls=group["max_eval"] - evals,
            )  # fmt: skip
            self._add_step(found.t, d)
            return found.f, found.g, found.t, spent
        self._add_step(t, d)
        if last:
            return start.f, start.g, t, 0
        _, loss, g = self._evaluate(closure)
        return loss, g, t, 1

    # ------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's structure; the curvature pairs as lists of host arrays."""
        out = super().state_dict()
        for entry in out["state"].values():
            for key in _HISTORY_KEYS:
                if key in entry:
                    entry[key] = [np.array(backend.to_host(v)) for v in entry[key]]
            if "ro" in entry:
                entry["ro"] = [float(v) for v in entry["ro"]]
        return out

    def _load_value(  # type: ignore[override]
        self, who: str, pid: int, p: Any, name: str, value: Any, kind: str | None = None
    ) -> Any:
        n = sum(q.numel() for q in self._params)
        if kind in ("flat list", "number list"):
            if not isinstance(value, (list, tuple)):
                raise ValueError(
                    f"{who}: state {name!r} of parameter {pid} must be a list, got {value!r:.80}"
                )
            if kind == "number list":
                return [
                    super(LBFGS, self)._load_value(who, pid, p, name, v, "number") for v in value
                ]
            return [self._flat_value(who, name, v, n, p) for v in value]
        if kind == "flat":
            return self._flat_value(who, name, value, n, p)
        if kind == "torch only":  # PyTorch's scratch list of the two-loop recursion
            return None
        return super()._load_value(who, pid, p, name, value, kind)

    @staticmethod
    def _flat_value(who: str, name: str, value: Any, n: int, p: Any) -> Any:
        arr = np.asarray(backend.to_host(value))
        if arr.shape != (n,):
            raise ValueError(
                f"{who}: state {name!r} has shape {arr.shape}, expected ({n},) "
                "(all parameters flattened)"
            )
        return backend.to_device(np.array(arr, dtype=p.dtype), p.device)
