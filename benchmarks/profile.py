"""Per-op time breakdown of one glassnet training (or inference) step.

``python -m benchmarks.profile [--model seed_cnn|seed_cnn_bn|mlp|lstm_attn] [--mode train|infer]``

Every :class:`~glassnet.autograd.function.Function` subclass's ``forward`` and
``backward`` is wrapped with a timer for the duration of the run only (the
wrappers are removed afterwards, so nothing of this touches the normal hot
path). Times are *exclusive*: a forward that calls another op's forward (a
``Conv1d`` running the ``Conv2d`` code) is charged only for its own part.
Besides the ops, the table shows:

- ``optimizer.step`` and ``optimizer.zero_grad`` (timed around the calls);
- ``engine (backward overhead)``: ``loss.backward()`` minus the time inside op
  backwards: graph sort, gradient accumulation and un-broadcasting;
- ``framework (forward overhead)``: the model call minus the time inside op
  forwards: module calls, argument checks, ``Function.apply`` bookkeeping.

The table (median milliseconds per step over ``--steps`` steps after warm-up)
is printed as Markdown and written to ``benchmarks/profile.md`` (``--out``).
Timers cost about a microsecond per call, so the step itself is a little
slower than in ``benchmarks.run``. Run it with the machine's
``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` removed, as the benchmark does::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.profile --model seed_cnn
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .models import MODELS, build_glassnet, input_shape

HERE = Path(__file__).resolve().parent

__all__ = ["OpTimer", "profile_model", "main"]


class OpTimer:
    """Exclusive wall-clock time per label, with a stack so nested timed calls are not counted twice."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []  # per open call: [start, time spent in children]

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        stack, totals, calls = self._stack, self.totals, self.calls

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [time.perf_counter(), 0.0]
            stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                stack.pop()
                spent = time.perf_counter() - frame[0]
                totals[label] += spent - frame[1]
                calls[label] += 1
                if stack:
                    stack[-1][1] += spent

        timed._profile_original = fn  # type: ignore[attr-defined]
        return timed

    @contextmanager
    def region(self, label: str) -> Iterator[None]:
        """Time a block (its nested timed calls are subtracted)."""
        frame = [time.perf_counter(), 0.0]
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            spent = time.perf_counter() - frame[0]
            self.totals[label] += spent - frame[1]
            self.calls[label] += 1
            if self._stack:
                self._stack[-1][1] += spent

    def reset(self) -> dict[str, float]:
        out = dict(self.totals)
        self.totals.clear()
        self.calls.clear()
        return out


def _subclasses(cls: type) -> list[type]:
    out, stack = [], [cls]
    while stack:
        for s in stack.pop().__subclasses__():
            out.append(s)
            stack.append(s)
    return out


@contextmanager
def instrumented(timer: OpTimer) -> Iterator[None]:
    """Wrap every Function subclass's forward/backward with ``timer`` inside the block."""
    from glassnet.autograd.function import Function

    patched = []
    for cls in _subclasses(Function):
        for meth in ("forward", "backward"):
            f = cls.__dict__.get(meth)
            if f is None or hasattr(f, "_profile_original"):
                continue
            setattr(cls, meth, timer.wrap(f"{cls.__name__}.{meth}", f))
            patched.append((cls, meth, f))
    try:
        yield
    finally:
        for cls, meth, f in patched:
            setattr(cls, meth, f)


def _batches(model: str, batch: int, n: int = 4) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    shape = input_shape(model)
    return [
        (rng.random((batch,) + shape, dtype=np.float32), rng.integers(0, 10, batch))
        for _ in range(n)
    ]


def profile_model(
    model: str, mode: str, *, batch: int = 128, steps: int = 20, warmup: int = 3, width: int = 1
) -> tuple[list[tuple[str, float, float]], float]:
    """Rows ``(label, median ms per step, share of the step)`` and the median step time (ms)."""
    import glassnet as gn
    import glassnet.functional as F
    from glassnet import optim

    gn.manual_seed(0)
    net = build_glassnet(model, width)
    data = [(gn.tensor(x), gn.tensor(y)) for x, y in _batches(model, batch)]
    timer = OpTimer()
    per_step: list[dict[str, float]] = []
    if mode == "train":
        net.train()
        opt = optim.Adam(net.parameters(), lr=1e-3)
    else:
        net.eval()
    with instrumented(timer):
        for i in range(warmup + steps):
            x, y = data[i % len(data)]
            t0 = time.perf_counter()
            if mode == "train":
                with timer.region("optimizer.zero_grad"):
                    opt.zero_grad()
                with timer.region("framework (forward overhead)"):
                    logits = net(x)
                with timer.region("loss (checks outside the op)"):
                    loss = F.cross_entropy(logits, y)
                with timer.region("engine (backward overhead)"):
                    loss.backward()
                with timer.region("optimizer.step"):
                    opt.step()
                del logits, loss
            else:
                with gn.no_grad(), timer.region("framework (forward overhead)"):
                    net(x)
            step = time.perf_counter() - t0
            totals = timer.reset()
            totals["step (total)"] = step
            if i >= warmup:
                per_step.append(totals)
    labels = sorted({k for s in per_step for k in s})
    med = {k: statistics.median(s.get(k, 0.0) for s in per_step) * 1e3 for k in labels}
    total = med.pop("step (total)")
    rows = sorted(((k, v, v / total) for k, v in med.items()), key=lambda r: -r[1])
    return rows, total


def to_markdown(model: str, mode: str, batch: int, rows: list, total: float, note: str) -> str:
    lines = [
        f"### {model}, {mode}, batch {batch}: {total:.2f} ms per step (median)",
        "",
        note,
        "",
        "| part | ms per step | share |",
        "|---|---:|---:|",
    ]
    for label, ms, share in rows:
        lines.append(f"| {label} | {ms:.3f} | {100 * share:.1f}% |")
    covered = sum(r[1] for r in rows)
    lines.append(f"| (sum of parts; medians need not add up) | {covered:.2f} | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--model", default="seed_cnn", choices=MODELS)
    p.add_argument("--mode", default="train", choices=("train", "infer"))
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--width", type=int, default=1)
    p.add_argument("--out", default=str(HERE / "profile.md"))
    p.add_argument("--append", action="store_true", help="append to --out instead of replacing")
    args = p.parse_args(argv)

    from .machine import blas_summary

    rows, total = profile_model(
        args.model, args.mode, batch=args.batch, steps=args.steps, warmup=args.warmup,
        width=args.width,
    )  # fmt: skip
    note = (
        f"`python -m benchmarks.profile --model {args.model} --mode {args.mode} --batch {args.batch}"
        f" --steps {args.steps}`; BLAS: {blas_summary()}; load average "
        f"{os.getloadavg()[0]:.2f}. Op times are exclusive (nested timed calls subtracted)."
    )
    text = to_markdown(args.model, args.mode, args.batch, rows, total, note)
    print(text)
    out = Path(args.out)
    if args.append and out.exists():
        text = out.read_text().rstrip("\n") + "\n\n" + text
    elif not args.append:
        text = "# glassnet step profiles\n\n" + text
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
