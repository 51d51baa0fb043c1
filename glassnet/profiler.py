"""``torch.profiler`` (and ``torch.autograd.profiler``): where the time of a block goes, op by op.

::

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            model(x).sum().backward()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")

While a :class:`profile` records, every op's forward and backward (each
:class:`~glassnet.autograd.function.Function` subclass's own methods) and every
:class:`record_function` block is timed: its total time and its self time (the total
less the timed calls inside it). The wrappers are installed when recording starts and
removed when it stops, so nothing of this touches the ops the rest of the time.

The event names are glassnet's: an op's forward is named by its Function class
(``Linear``, ``Conv2d``, ``CrossEntropy``) and its backward ``<name>Backward``, where
PyTorch names ATen kernels (``aten::addmm``, ``AddmmBackward0``). The table has
PyTorch's columns for the CPU; there is no device time (GPU work through CuPy is charged
to the call that launched it) and no memory column (``profile_memory`` is accepted and
ignored). ``schedule``, ``step()``, ``on_trace_ready`` and :func:`tensorboard_trace_handler`
work as PyTorch's; the trace files are Chrome trace JSON.
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .autograd.function import Function

__all__ = [
    "profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
    "tensorboard_trace_handler", "EventList", "FunctionEvent", "FunctionEventAvg",
]  # fmt: skip


class ProfilerActivity(enum.Enum):
    """What a profile records; glassnet times host (CPU) work for every choice."""

    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3


class ProfilerAction(enum.Enum):
    """What :func:`schedule` says to do at a step."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


# ------------------------------------------------------------------ events
@dataclass
class FunctionEvent:
    """One timed call: times in microseconds since the profile started."""

    name: str
    start_us: float
    end_us: float = 0.0
    input_shapes: list = field(default_factory=list)
    thread: int = 0
    children_us: float = 0.0
    is_user_annotation: bool = False

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - self.children_us


@dataclass
class FunctionEventAvg:
    """The events of one name (and input shapes, when grouped so) added up."""

    key: str
    count: int = 0
    cpu_time_total: float = 0.0
    self_cpu_time_total: float = 0.0
    input_shapes: list = field(default_factory=list)
    device_time_total: float = 0.0
    self_device_time_total: float = 0.0
    cuda_time_total: float = 0.0
    self_cuda_time_total: float = 0.0

    @property
    def cpu_time(self) -> float:
        """Mean total time per call (microseconds)."""
        return self.cpu_time_total / max(self.count, 1)

    def add(self, event: FunctionEvent) -> None:
        self.count += 1
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total


class EventList(list):
    """A list of events with PyTorch's :meth:`table`."""

    def __init__(self, items: Iterable = (), *, shapes: bool = False) -> None:
        super().__init__(items)
        self._shapes = shapes

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_src_column_width: int = 75, max_name_column_width: int = 55,
              max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False) -> str:  # fmt: skip
        """The events as PyTorch's text table (times in ms or us, as its columns)."""
        rows = list(self)
        if sort_by is not None:
            rows.sort(key=lambda e: _sort_value(e, sort_by), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        return _format_table(rows, self.self_cpu_time_total, max_name_column_width, self._shapes,
                             header)  # fmt: skip


def _sort_value(event: Any, key: str) -> float:
    key = key.replace("cuda", "device")
    if key in ("count",):
        return event.count
    return float(getattr(event, key, 0.0) or 0.0)


def _time_text(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_table(rows: list, total_us: float, name_width: int, shapes: bool,
                  header: str | None) -> str:  # fmt: skip
    names = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
             "# of Calls"] + (["Input Shapes"] if shapes else [])  # fmt: skip
    widths = [name_width] + [12] * 6 + ([37] if shapes else [])
    line = "  ".join("-" * w for w in widths) + "  "
    out = [header] if header else []
    out += [line, "  ".join(n.rjust(w) for n, w in zip(names, widths)) + "  ", line]
    total = total_us or 1.0
    for e in rows:
        name = e.key if len(e.key) <= name_width else e.key[: name_width - 3] + "..."
        cells = [name, f"{100 * e.self_cpu_time_total / total:.2f}%",
                 _time_text(e.self_cpu_time_total), f"{100 * e.cpu_time_total / total:.2f}%",
                 _time_text(e.cpu_time_total), _time_text(e.cpu_time), str(e.count)]  # fmt: skip
        if shapes:
            cells.append(str(e.input_shapes))
        out.append("  ".join(c.rjust(w) for c, w in zip(cells, widths)) + "  ")
    out += [line, f"Self CPU time total: {_time_text(total_us)}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- recording
class _Recorder:
    """The events of one recording; a stack per thread for the self times."""

    def __init__(self, record_shapes: bool) -> None:
        self.events: list[FunctionEvent] = []
        self.record_shapes = record_shapes
        self.origin = time.perf_counter()
        self.local = threading.local()
        self.lock = threading.Lock()

    def _stack(self) -> list:
        stack = getattr(self.local, "stack", None)
        if stack is None:
            stack = self.local.stack = []
        return stack

    def open(self, name: str, args: tuple = (), user: bool = False) -> FunctionEvent:
        shapes = [list(a.shape) for a in args if hasattr(a, "shape")] if self.record_shapes else []
        event = FunctionEvent(name, self._now(), input_shapes=shapes,
                              thread=threading.get_ident(), is_user_annotation=user)  # fmt: skip
        self._stack().append(event)
        return event

    def close(self, event: FunctionEvent) -> None:
        event.end_us = self._now()
        stack = self._stack()
        if stack and stack[-1] is event:
            stack.pop()
        if stack:
            stack[-1].children_us += event.cpu_time_total
        with self.lock:
            self.events.append(event)

    def _now(self) -> float:
        return (time.perf_counter() - self.origin) * 1e6


_active: list[_Recorder] = []  # the recording in progress (at most one)


def _subclasses(cls: type) -> list[type]:
    out, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            out.append(sub)
            todo.append(sub)
    return out


def _timed(name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _active:
            return fn(*args, **kwargs)
        rec = _active[0]
        event = rec.open(name, args[1:])
        try:
            return fn(*args, **kwargs)
        finally:
            rec.close(event)

    wrapper._profiled = fn  # type: ignore[attr-defined]
    return wrapper


@contextmanager
def _ops_timed() -> Iterator[None]:
    """Every Function subclass's own forward/backward (plain methods) wrapped in the block."""
    patched = []
    for cls in _subclasses(Function):
        for meth, suffix in (("forward", ""), ("backward", "Backward")):
            f = cls.__dict__.get(meth)
            if not inspect.isfunction(f) or hasattr(f, "_profiled"):
                continue
            setattr(cls, meth, _timed(cls.__name__ + suffix, f))
            patched.append((cls, meth, f))
    try:
        yield
    finally:
        for cls, meth, f in patched:
            setattr(cls, meth, f)


class record_function:
    """A named block (or decorated function) that appears as one event in the profile."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.event: FunctionEvent | None = None

    def __enter__(self) -> record_function:
        if _active:
            self.event = _active[0].open(self.name, user=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.event is not None and _active:
            _active[0].close(self.event)
        self.event = None

    def __call__(self, fn: Callable) -> Callable:
        name = self.name

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with record_function(name):
                return fn(*args, **kwargs)

        return wrapper


# ----------------------------------------------------------------- schedule
def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0,
             skip_first: int = 0, skip_first_wait: int = 0) -> Callable[[int], ProfilerAction]:  # fmt: skip
    """PyTorch's step schedule: skip ``skip_first`` steps, then cycles of ``wait`` idle,
    ``warmup`` and ``active`` recorded steps (the last one saves), ``repeat`` times (0:
    forever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError("schedule: expected wait, warmup, skip_first >= 0, active > 0 and "
                         f"repeat >= 0, got {wait}, {warmup}, {skip_first}, {active}, {repeat}")  # fmt: skip
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD_AND_SAVE if pos == cycle - 1 else ProfilerAction.RECORD

    return action


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None,
                              use_gzip: bool = False) -> Callable[[profile], None]:  # fmt: skip
    """An ``on_trace_ready`` that writes each trace to ``dir_name`` as
    ``<worker>.<milliseconds>.pt.trace.json`` (gzipped with ``use_gzip``)."""
    worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"

    def handler(prof: profile) -> None:
        os.makedirs(dir_name, exist_ok=True)
        name = f"{worker}.{int(time.time() * 1000)}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, name))

    return handler


# ------------------------------------------------------------------ profile
_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


class profile:
    """Record op times in a ``with`` block (``torch.profiler.profile``, and
    ``torch.autograd.profiler.profile``'s arguments too).

    Parameters
    ----------
    activities : iterable of ProfilerActivity, optional
        Accepted; glassnet records host time for all of them.
    schedule : callable, optional
        Step -> :class:`ProfilerAction`, from :func:`schedule`; without one every step records.
    on_trace_ready : callable, optional
        Called with the profile when a scheduled cycle ends (``RECORD_AND_SAVE``).
    record_shapes : bool, default False
        Keep each op's input shapes (``key_averages(group_by_input_shape=True)``).
    enabled : bool, default True
        False records nothing (``torch.autograd.profiler.profile``'s switch).
    profile_memory, with_stack, with_flops, with_modules, use_cuda, use_device, ...
        Accepted and ignored.
    """

    def __init__(self, activities: Iterable[ProfilerActivity] | None = None, *,
                 schedule: Callable[[int], ProfilerAction] | None = None,
                 on_trace_ready: Callable[[profile], Any] | None = None,
                 record_shapes: bool = False, enabled: bool = True, **ignored: Any) -> None:  # fmt: skip
        self.activities = set(activities or [ProfilerActivity.CPU])
        self.schedule = schedule
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.enabled = enabled
        self.step_num = 0
        self._events: list[FunctionEvent] = []
        self._recorder: _Recorder | None = None
        self._patch: Any = None

    # recording on and off
    def _start_recording(self) -> None:
        if self._recorder is None and self.enabled:
            if _active:
                raise RuntimeError("profile: another profiler is already recording")
            self._patch = _ops_timed()
            self._patch.__enter__()
            self._recorder = _Recorder(self.record_shapes)
            _active.append(self._recorder)

    def _stop_recording(self) -> None:
        if self._recorder is not None:
            _active.remove(self._recorder)
            self._patch.__exit__(None, None, None)
            self._events = self._recorder.events
            self._recorder = None

    def _action(self) -> ProfilerAction:
        return self.schedule(self.step_num) if self.schedule else ProfilerAction.RECORD

    def start(self) -> None:
        """Begin (as entering the ``with`` block does)."""
        if self._action() in _RECORDING:
            self._start_recording()

    def stop(self) -> None:
        """End (as leaving the ``with`` block does); a recording in progress is handed to
        ``on_trace_ready``."""
        recording = self._recorder is not None
        self._stop_recording()
        if recording and self.on_trace_ready:
            self.on_trace_ready(self)

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def step(self) -> None:
        """Mark the end of a training step; the schedule decides what the next one records."""
        finished = self._action()
        self.step_num += 1
        if finished == ProfilerAction.RECORD_AND_SAVE and self._recorder is not None:
            self._stop_recording()
            if self.on_trace_ready:
                self.on_trace_ready(self)
        if self._action() in _RECORDING:
            self._start_recording()
        else:
            self._stop_recording()

    # results
    def events(self) -> EventList:
        """Every timed call of the last recording, in the order they ended."""
        return EventList(self._events)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:  # fmt: skip
        """The events added up per name (and per input shapes with ``group_by_input_shape``)."""
        groups: dict[Any, FunctionEventAvg] = {}
        for e in self._events:
            k = (e.name, str(e.input_shapes)) if group_by_input_shape else e.name
            avg = groups.get(k)
            if avg is None:
                avg = groups[k] = FunctionEventAvg(e.name, input_shapes=e.input_shapes)
            avg.add(e)
        return EventList(groups.values(), shapes=group_by_input_shape)

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self._events)

    def export_chrome_trace(self, path: str) -> str:
        """Write the events as Chrome trace JSON (``chrome://tracing``, Perfetto), atomically."""
        trace = {"traceEvents": [
            {"name": e.name, "ph": "X", "ts": e.start_us, "dur": e.cpu_time_total,
             "pid": os.getpid(), "tid": e.thread,
             "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
             "args": {"Input Dims": e.input_shapes} if e.input_shapes else {}}
            for e in self._events
        ]}  # fmt: skip
        data = json.dumps(trace).encode()
        if path.endswith(".gz"):
            import gzip  # only for gzipped traces

            data = gzip.compress(data)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return path

