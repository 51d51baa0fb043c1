"""``LayerDiagnostics``: what each layer's activations and gradients do during training.

Every ``every`` steps (and only then: the other steps cost nothing) the callback
hooks the model's layers for one training step and records, per layer:

* ``act_mean``, ``act_std``: mean and standard deviation of the layer's output;
* ``dead_frac`` (ReLU layers): the fraction of output units that are zero for
  every example of the batch;
* ``grad_norm``: the 2-norm of the gradient of the layer's own parameters;
* ``update_ratio``: ``||w_after - w_before|| / ||w_before||`` of the optimizer step.

It warns (once per layer and problem, after the epoch's progress line, at most
:attr:`LayerDiagnostics.MAX_LINES` lines per problem and epoch) when
a layer's gradient norm is below ``vanish`` times the largest layer's
(vanishing gradients), above ``explode`` (exploding gradients), or when more
than ``dead`` of a ReLU layer's units are dead. With a ``folder`` (the CLI
gives the run folder) the records go to ``diagnostics.csv`` and
``diagnostics.json`` there, rewritten atomically at every epoch end;
``report.html`` then gets a Diagnostics section.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import IO, Any

from ..._fileio import atomic_write
from . import layer_stats as stats
from .base import Callback

__all__ = ["LayerDiagnostics", "DIAGNOSTICS_CSV", "DIAGNOSTICS_JSON"]

DIAGNOSTICS_CSV = "diagnostics.csv"
DIAGNOSTICS_JSON = "diagnostics.json"
FIELDS = (
    "step", "epoch", "layer", "type", "act_mean", "act_std", "dead_frac", "grad_norm",
    "update_ratio",
)  # fmt: skip


class LayerDiagnostics(Callback):
    """Per-layer activation, gradient and update statistics every ``every`` steps, with warnings.

    Parameters
    ----------
    every : int, default 50
        Record one training step out of ``every`` (the first step of training is recorded).
    folder : str or path, optional
        Where to write ``diagnostics.csv`` and ``diagnostics.json`` (the run folder).
    vanish : float, default 1e-3
        Warn when a layer's gradient norm is below ``vanish`` times the largest layer's.
    explode : float, default 1e3
        Warn when a layer's gradient norm exceeds this.
    dead : float, default 0.9
        Warn when more than this fraction of a ReLU layer's units is dead.
    stream : file-like, optional
        Where warnings go (default ``sys.stdout``); ``verbose=False`` silences them.
    verbose : bool, default True

    Attributes
    ----------
    rows : list of dict
        One per recorded layer and step, with the keys of :data:`FIELDS`.
    warnings : list of str
        Every warning emitted.
    """

    main_rank_only = True
    #: Warning lines printed per problem and epoch; the rest are counted in one line.
    MAX_LINES = 3

    def __init__(
        self,
        every: int = 50,
        *,
        folder: str | os.PathLike | None = None,
        vanish: float = 1e-3,
        explode: float = 1e3,
        dead: float = 0.9,
        stream: IO[str] | None = None,
        verbose: bool = True,
    ) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"LayerDiagnostics: every must be an int >= 1, got {every!r}")
        for name, value in (("vanish", vanish), ("explode", explode)):
            if not (isinstance(value, (int, float)) and 0 < value < math.inf):
                raise ValueError(
                    f"LayerDiagnostics: {name} must be a positive number, got {value!r}"
                )
        if not (isinstance(dead, (int, float)) and 0 < dead <= 1):
            raise ValueError(f"LayerDiagnostics: dead must be in (0, 1], got {dead!r}")
        self.every = every
        self.folder = None if folder is None else os.fspath(folder)
        self.vanish, self.explode, self.dead = float(vanish), float(explode), float(dead)
        self.stream, self.verbose = stream, bool(verbose)
        self.rows: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self._pending: list[tuple[str, str]] = []
        self._warned: set[tuple[str, str]] = set()
        self._handles: list[Any] = []
        self._acts: dict[str, dict[str, float]] = {}
        self._before: dict[str, list[Any]] = {}
        self._epoch = 0

    # ------------------------------------------------------------- layers
    def _layers(self) -> list[tuple[str, Any]]:
        return stats.layers(self.model)

    def _hook(self, name: str) -> Any:
        def hook(module: Any, inputs: tuple, output: Any) -> None:
            out = output[0] if isinstance(output, tuple) and output else output
            found = stats.activation_stats(type(module).__name__, out)
            if found:
                self._acts[name] = found

        return hook

    # ------------------------------------------------------------- hooks
    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._flush_warnings()
        self._epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.trainer.global_step % self.every:
            return
        self._acts = {}
        self._before = {}
        for name, m in self._layers():
            self._handles.append(m.register_forward_hook(self._hook(name)))
            params = stats.own_parameters(m)
            if params:
                self._before[name] = [p.array.copy() for p in params]

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._handles:
            return
        for h in self._handles:
            h.remove()
        self._handles = []
        step = self.trainer.global_step - 1
        rows = [self._row(step, name, m) for name, m in self._layers()]
        rows = [r for r in rows if r is not None]
        self.rows.extend(rows)
        self._check(rows)

    def _row(self, step: int, name: str, module: Any) -> dict[str, Any] | None:
        acts = self._acts.get(name, {})
        params = stats.own_parameters(module)
        grads = [p.grad.array for p in params if p.grad is not None]
        if not acts and not grads:
            return None
        row: dict[str, Any] = {f: None for f in FIELDS}
        row.update(step=step, epoch=self._epoch, layer=name, type=type(module).__name__, **acts)
        if grads:
            row["grad_norm"] = stats.total_norm(grads)
        before = self._before.get(name)
        if before is not None and len(before) == len(params):
            row["update_ratio"] = stats.update_ratio(before, [p.array for p in params])
        return row

    # ------------------------------------------------------------- warnings
    def _check(self, rows: list[dict[str, Any]]) -> None:
        norms = [r["grad_norm"] for r in rows if r["grad_norm"] is not None]
        largest = max(norms, default=0.0)
        for r in rows:
            where = f"layer {r['layer']!r} ({r['type']}) at step {r['step']}"
            g = r["grad_norm"]
            if g is not None and largest > 0 and g < self.vanish * largest:
                self._warn(
                    r, "vanishing",
                    f"{where}: gradient norm {g:.3g} is {g / largest:.2g}x the largest layer's "
                    f"({largest:.3g}): vanishing gradients",
                )  # fmt: skip
            if g is not None and g > self.explode:
                self._warn(
                    r,
                    "exploding",
                    f"{where}: gradient norm {g:.3g} > {self.explode:g}: exploding gradients",
                )
            d = r["dead_frac"]
            if d is not None and d > self.dead:
                self._warn(
                    r,
                    "dead",
                    f"{where}: {d:.0%} of its units output 0 for the whole batch: dead ReLUs",
                )

    def _warn(self, row: dict[str, Any], kind: str, text: str) -> None:
        if (row["layer"], kind) in self._warned:
            return  # once per layer and problem
        self._warned.add((row["layer"], kind))
        line = f"diagnostics: warning: {text}"
        self._pending.append((kind, line))
        self.warnings.append(line)

    def _flush_warnings(self) -> None:
        if self._pending and self.verbose:
            out = self.stream if self.stream is not None else sys.stdout
            for kind in dict.fromkeys(k for k, _ in self._pending):
                lines = [line for k, line in self._pending if k == kind]
                shown = lines[: self.MAX_LINES]
                if len(lines) > len(shown):
                    more = len(lines) - len(shown)
                    shown.append(
                        f"diagnostics: warning: ... and {more} more layer(s) with {kind} "
                        f"figures (see diagnostics.csv or LayerDiagnostics.warnings)"
                    )
                out.write("".join(line + "\n" for line in shown))
            out.flush()
        self._pending = []

    # ------------------------------------------------------------- resumes
    def state_dict(self) -> dict[str, Any]:
        return {
            "rows": [{k: _finite(v) for k, v in r.items()} for r in self.rows],
            "warnings": list(self.warnings),
            "warned": [list(k) for k in sorted(self._warned)],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rows = [dict(r) for r in state.get("rows", [])]
        self.warnings = list(state.get("warnings", []))
        self._warned = {tuple(k) for k in state.get("warned", [])}

    # ------------------------------------------------------------- files
    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.write()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
        self._flush_warnings()
        self.write()

    def write(self) -> None:
        """Rewrite ``diagnostics.csv`` and ``diagnostics.json`` in ``folder`` (if one was given)."""
        if self.folder is None:
            return
        os.makedirs(self.folder, exist_ok=True)
        lines = [",".join(FIELDS)]
        for r in self.rows:
            lines.append(",".join("" if r[f] is None else str(r[f]) for f in FIELDS))
        with atomic_write(os.path.join(self.folder, DIAGNOSTICS_CSV), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        record = {
            "every": self.every,
            "thresholds": {"vanish": self.vanish, "explode": self.explode, "dead": self.dead},
            "rows": [{k: _finite(v) for k, v in r.items()} for r in self.rows],
            "warnings": self.warnings,
        }
        with atomic_write(os.path.join(self.folder, DIAGNOSTICS_JSON), "w", encoding="utf-8") as f:
            json.dump(record, f, allow_nan=False, default=_json_default)


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _json_default(value: Any) -> Any:
    raise TypeError(f"LayerDiagnostics: cannot write {value!r} to JSON")
