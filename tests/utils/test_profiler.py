"""``torch.profiler`` in glassnet (glassnet/profiler.py): events, tables, schedules, traces."""

from __future__ import annotations

import json

import pytest

import glassnet as gn
from glassnet import nn, profiler
from glassnet.autograd.function import Function


def _model():
    gn.manual_seed(0)
    return nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))


def test_ops_and_blocks_are_timed_with_self_times_that_add_up():
    m, x = _model(), gn.randn(8, 10)
    with profiler.profile(record_shapes=True) as prof:
        with profiler.record_function("model_inference"):
            m(x).sum().backward()
    avg = {e.key: e for e in prof.key_averages()}
    assert avg["Linear"].count == 2 and avg["LinearBackward"].count == 2
    assert avg["model_inference"].count == 1
    top = avg["model_inference"]
    assert top.cpu_time_total >= max(e.cpu_time_total for e in prof.events())
    assert sum(e.self_cpu_time_total for e in prof.events()) == pytest.approx(top.cpu_time_total)
    shapes = {str(e.input_shapes) for e in prof.key_averages(group_by_input_shape=True)
              if e.key == "Linear"}  # fmt: skip
    assert shapes == {"[[8, 10], [20, 10], [20]]", "[[8, 20], [2, 20], [2]]"}
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=3)
    assert "Self CPU time total:" in table and table.count("\n") == 3 + 3 + 2


def test_the_op_wrappers_are_gone_after_recording():
    linear = type(nn.Linear(1, 1)(gn.ones(1, 1, requires_grad=True)).grad_fn)
    before = linear.__dict__["forward"]
    with profiler.profile():
        nn.Linear(1, 1)(gn.ones(1, 1))
        assert linear.__dict__["forward"] is not before
    assert linear.__dict__["forward"] is before
    assert all(not hasattr(c.__dict__.get("forward"), "_profiled")
               for c in profiler._subclasses(Function))  # fmt: skip


def test_schedule_matches_torchs():
    torch = pytest.importorskip("torch")
    for kw in (dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=0, active=1, repeat=2),
               dict(wait=2, warmup=1, active=3, repeat=1, skip_first=2)):  # fmt: skip
        ours = profiler.schedule(**kw)
        theirs = torch.profiler.schedule(**kw)
        assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)], kw


def _scheduled_run(lib, sched):
    m = lib.nn.Linear(4, 2)
    x = lib.ones(3, 4)
    ready = []
    with lib.profiler.profile(schedule=sched, on_trace_ready=lambda p: ready.append(p.step_num)) as p:
        for _ in range(9):
            m(x).sum().backward()
            p.step()
    return ready


def test_on_trace_ready_fires_at_torchs_steps():
    torch = pytest.importorskip("torch")
    for kw in (dict(wait=1, warmup=1, active=2, repeat=2), dict(wait=0, warmup=0, active=3)):
        assert _scheduled_run(gn, profiler.schedule(**kw)) == _scheduled_run(
            torch, torch.profiler.schedule(**kw))


def test_chrome_traces_and_the_tensorboard_handler(tmp_path):
    m, x = _model(), gn.randn(4, 10)
    with profiler.profile(on_trace_ready=profiler.tensorboard_trace_handler(str(tmp_path / "tb"),
                                                                           worker_name="w")) as prof:  # fmt: skip
        m(x)
    path = prof.export_chrome_trace(str(tmp_path / "trace.json"))
    events = json.loads(open(path).read())["traceEvents"]
    assert {e["name"] for e in events} >= {"Linear", "ReLU"}
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in events)
    written = list((tmp_path / "tb").iterdir())
    assert len(written) == 1 and written[0].name.startswith("w.") and written[0].name.endswith(".pt.trace.json")


def test_disabled_and_nested_profiles():
    with profiler.profile(enabled=False) as prof:
        nn.Linear(2, 2)(gn.ones(1, 2))
    assert len(prof.events()) == 0
    with profiler.profile():
        with pytest.raises(RuntimeError, match="another profiler is already recording"):
            with profiler.profile():
                pass
