"""benchmarks.profile: exclusive op timing, the instrumentation is removed afterwards, the table."""

from __future__ import annotations

import pytest

from benchmarks import profile
from glassnet.autograd.function import Function
from glassnet.ops.activation import ReLU


class FakeClock:
    """A clock that moves only when the test says so: the accounting, not the machine's speed."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_nested_timed_calls_are_counted_once():
    clock = FakeClock()
    timer = profile.OpTimer(clock)

    def inner() -> None:
        clock.sleep(0.02)

    def outer() -> None:
        clock.sleep(0.01)
        wrapped_inner()

    wrapped_inner = timer.wrap("inner", inner)
    timer.wrap("outer", outer)()
    totals = timer.reset()
    assert totals["inner"] == pytest.approx(0.02)
    assert totals["outer"] == pytest.approx(0.01)  # its child's time is not included
    assert timer.totals == {}


def test_region_subtracts_timed_calls_inside():
    clock = FakeClock()
    timer = profile.OpTimer(clock)
    op = timer.wrap("op", lambda: clock.sleep(0.02))
    with timer.region("framework"):
        clock.sleep(0.005)
        op()
    totals = timer.reset()
    assert totals["op"] == pytest.approx(0.02)
    assert totals["framework"] == pytest.approx(0.005)


def test_instrumentation_is_removed_after_the_block():
    timer = profile.OpTimer()
    before = ReLU.__dict__["forward"]
    with profile.instrumented(timer):
        assert hasattr(ReLU.__dict__["forward"], "_profile_original")
    assert ReLU.__dict__["forward"] is before
    for cls in profile._subclasses(Function):
        for meth in ("forward", "backward"):
            assert not hasattr(cls.__dict__.get(meth), "_profile_original"), cls


@pytest.mark.parametrize("mode", ["train", "infer"])
def test_profile_model_breaks_a_step_down(mode):
    rows, total = profile.profile_model("mlp", mode, batch=8, steps=2, warmup=1)
    labels = {r[0] for r in rows}
    assert "Linear.forward" in labels and "framework (forward overhead)" in labels
    if mode == "train":
        assert {"Linear.backward", "optimizer.step", "engine (backward overhead)"} <= labels
    else:
        assert not any(label.endswith(".backward") for label in labels)
    assert total > 0 and all(ms >= 0 for _, ms, _ in rows)
    text = profile.to_markdown("mlp", mode, 8, rows, total, "note")
    assert text.startswith(f"### mlp, {mode}, batch 8:") and "| Linear.forward |" in text


def test_main_writes_the_table(tmp_path, capsys):
    out = tmp_path / "profile.md"
    profile.main(["--model", "mlp", "--mode", "infer", "--batch", "4", "--steps", "1",
                  "--warmup", "1", "--out", str(out)])  # fmt: skip
    text = out.read_text()
    assert text.startswith("# glassnet step profiles") and "### mlp, infer, batch 4" in text
    profile.main(["--model", "mlp", "--mode", "train", "--batch", "4", "--steps", "1",
                  "--warmup", "1", "--out", str(out), "--append"])  # fmt: skip
    text = out.read_text()
    assert "### mlp, infer" in text and "### mlp, train" in text


def test_profile_on_the_gpu_path_and_cprofile(gpu):
    rows, total = profile.profile_model("mlp", "train", batch=8, steps=2, warmup=1, device=gpu)
    labels = {r[0] for r in rows}
    assert {"Linear.forward", "Linear.backward", "optimizer.step"} <= labels and total > 0
    text = profile.cprofile_model("mlp", "infer", batch=8, steps=2, warmup=1, top=5)
    assert text.startswith("mlp infer on cpu, batch 8:") and "ms per step" in text
    assert "Ordered by: internal time" in text
