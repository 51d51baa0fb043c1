"""The allocator tuning in glassnet.backend (glibc's mallopt, on by default, opt-out by env)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import glassnet as gn

glibc_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or "glibc" not in " ".join(__import__("platform").libc_ver()),
    reason="mallopt is a glibc feature",
)


def _tuned_in_fresh_process(env_value: str | None) -> str:
    import os

    env = dict(os.environ)
    env.pop("GLASSNET_MALLOC_TUNING", None)
    if env_value is not None:
        env["GLASSNET_MALLOC_TUNING"] = env_value
    code = "import glassnet.backend as b; print(b.malloc_tuned())"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@glibc_linux
def test_import_tunes_the_allocator_unless_opted_out():
    assert _tuned_in_fresh_process(None) == "True"
    assert _tuned_in_fresh_process("1") == "True"
    assert _tuned_in_fresh_process("0") == "False"


@glibc_linux
def test_tune_malloc_reports_success_and_is_idempotent():
    assert gn.backend.tune_malloc() is True
    assert gn.backend.tune_malloc() is True
    assert gn.backend.malloc_tuned() is True


def test_tune_malloc_is_a_no_op_off_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert gn.backend.tune_malloc() is False


_THREAD_CHURN = """
import resource, sys, threading
import numpy as np
if sys.argv[1] == "tuned":
    import glassnet  # noqa: F401  (tunes the allocator on import)

faults = []

def churn():
    for _ in range(6):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        arrays = [np.ones(6 << 20, np.float32) for _ in range(4)]  # 4 x 24 MiB: over one heap
        del arrays
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)

t = threading.Thread(target=churn)
t.start()
t.join()
print(max(faults[2:]))
"""


@glibc_linux
def test_a_thread_reuses_its_memory_from_step_to_step():
    """A thread that allocates and frees more than one glibc heap (64 MiB) each step keeps
    the pages (one shared arena). With glibc's per-thread arenas about 1,000 faults a step
    were measured here (the extra heap is unmapped when free and mapped again)."""
    out = subprocess.run(
        [sys.executable, "-c", _THREAD_CHURN, "tuned"], capture_output=True, text=True, check=True
    )
    assert int(out.stdout) < 100
