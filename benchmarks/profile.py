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
  forwards: module calls, argument checks, ``Function.apply`` bookkeeping;
- the fused inference pass (``Conv2d+ReLU+MaxPool2d``, no graph), timed as one part.

The table (median milliseconds per step over ``--steps`` steps after warm-up)
is printed as Markdown and written to ``benchmarks/profile.md`` (``--out``).
Timers cost about a microsecond per call, so the step itself is a little
slower than in ``benchmarks.run``. Run it with the machine's
``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` removed, as the benchmark does::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.profile --model seed_cnn

``--device cuda`` profiles on the GPU (through CuPy): every timed call is then
bracketed by a device synchronisation, so each op is charged with its kernels'
time as well as its host time (the step is slower than without the
synchronisations, which is the price of attributing the time).
``--cprofile N`` instead runs the steps under Python's ``cProfile`` without
the op timers and prints the N functions with the most time of their own:
where the host time of a step goes, kernel launches and library calls included.
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

from .models import MODELS, batches, build_glassnet

HERE = Path(__file__).resolve().parent

__all__ = ["OpTimer", "profile_model", "main"]


class OpTimer:
    """Exclusive wall-clock time per label, with a stack so nested timed calls are not counted twice.

    ``clock`` reads the time; pass one that synchronises the device first to
    charge asynchronous GPU work to the call that launched it.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []  # per open call: [start, time spent in children]

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        stack, totals, calls, clock = self._stack, self.totals, self.calls, self.clock

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [clock(), 0.0]
            stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                stack.pop()
                spent = clock() - frame[0]
                totals[label] += spent - frame[1]
                calls[label] += 1
                if stack:
                    stack[-1][1] += spent

        timed._profile_original = fn  # type: ignore[attr-defined]
        return timed

    @contextmanager
    def region(self, label: str) -> Iterator[None]:
        """Time a block (its nested timed calls are subtracted)."""
        frame = [self.clock(), 0.0]
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            spent = self.clock() - frame[0]
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


#: Passes that may run without a Function (the fused block without a graph; with a graph it
#: calls ``ConvReluPool2d``, whose forward is timed as a Function and subtracted from this
#: entry, which then keeps only the call's own checks): (module, name, label).
FUSED = (
    ("glassnet.nn.layers.conv", "conv2d_relu_maxpool2", "Conv2d+ReLU+MaxPool2d (fused block)"),
)


@contextmanager
def instrumented(timer: OpTimer) -> Iterator[None]:
    """Wrap every Function subclass's forward/backward, and the fused passes of
    :data:`FUSED`, with ``timer`` inside the block."""
    import importlib

    from glassnet.autograd.function import Function

    patched = []
    for cls in _subclasses(Function):
        for meth in ("forward", "backward"):
            f = cls.__dict__.get(meth)
            if f is None or hasattr(f, "_profile_original"):
                continue
            setattr(cls, meth, timer.wrap(f"{cls.__name__}.{meth}", f))
            patched.append((cls, meth, f))
    for module, name, label in FUSED:
        mod = importlib.import_module(module)
        f = getattr(mod, name)
        setattr(mod, name, timer.wrap(label, f))
        patched.append((mod, name, f))
    try:
        yield
    finally:
        for owner, name, f in patched:
            setattr(owner, name, f)


def _setup(model: str, mode: str, batch: int, width: int, device: str) -> tuple:
    import glassnet as gn
    from glassnet import optim

    gn.manual_seed(0)
    net = build_glassnet(model, width).to(device)
    data = [(gn.tensor(x).to(device), gn.tensor(y).to(device)) for x, y in batches(model, batch)]
    if mode == "train":
        net.train()
        return net, data, optim.Adam(net.parameters(), lr=1e-3)
    net.eval()
    return net, data, None


def profile_model(
    model: str,
    mode: str,
    *,
    batch: int = 128,
    steps: int = 20,
    warmup: int = 3,
    width: int = 1,
    device: str = "cpu",
) -> tuple[list[tuple[str, float, float]], float]:
    """Rows ``(label, median ms per step, share of the step)`` and the median step time (ms)."""
    import glassnet as gn
    import glassnet.functional as F

    net, data, opt = _setup(model, mode, batch, width, device)
    clock = time.perf_counter
    if device != "cpu":

        def clock() -> float:
            gn.backend.synchronize()
            return time.perf_counter()

    timer = OpTimer(clock)
    per_step: list[dict[str, float]] = []
    with instrumented(timer):
        for i in range(warmup + steps):
            x, y = data[i % len(data)]
            t0 = clock()
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
            step = clock() - t0
            totals = timer.reset()
            totals["step (total)"] = step
            if i >= warmup:
                per_step.append(totals)
    labels = sorted({k for s in per_step for k in s})
    med = {k: statistics.median(s.get(k, 0.0) for s in per_step) * 1e3 for k in labels}
    total = med.pop("step (total)")
    rows = sorted(((k, v, v / total) for k, v in med.items()), key=lambda r: -r[1])
    return rows, total


def cprofile_model(
    model: str,
    mode: str,
    *,
    batch: int = 128,
    steps: int = 20,
    warmup: int = 3,
    width: int = 1,
    device: str = "cpu",
    top: int = 30,
) -> str:
    """``cProfile`` statistics of ``steps`` steps (after ``warmup``), ``top`` rows by own time."""
    import cProfile
    import io
    import pstats

    import glassnet as gn
    import glassnet.functional as F

    net, data, opt = _setup(model, mode, batch, width, device)

    def step(i: int) -> None:
        x, y = data[i % len(data)]
        if opt is not None:
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
        else:
            with gn.no_grad():
                net(x)

    for i in range(warmup):
        step(i)
    gn.backend.synchronize()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for i in range(steps):
        step(i)
    gn.backend.synchronize()
    prof.disable()
    wall = (time.perf_counter() - t0) / steps * 1e3
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    return f"{model} {mode} on {device}, batch {batch}: {wall:.2f} ms per step under cProfile\n" + (
        buf.getvalue()
    )


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
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    p.add_argument(
        "--cprofile", type=int, default=0, metavar="N",
        help="print cProfile's N functions with the most own time instead (writes nothing)",
    )  # fmt: skip
    args = p.parse_args(argv)

    from .machine import blas_summary

    common = dict(batch=args.batch, steps=args.steps, warmup=args.warmup, width=args.width,
                  device=args.device)  # fmt: skip
    if args.cprofile:
        print(cprofile_model(args.model, args.mode, top=args.cprofile, **common))
        return
    rows, total = profile_model(args.model, args.mode, **common)
    where = f" --device {args.device}" if args.device != "cpu" else ""
    note = (
        f"`python -m benchmarks.profile --model {args.model} --mode {args.mode} --batch {args.batch}"
        f" --steps {args.steps}{where}`; BLAS: {blas_summary()}; load average "
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
