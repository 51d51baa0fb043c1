"""The batch-splitting thread helper of the conv/pool ops."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from glassnet.ops import _parallel


@pytest.fixture
def three_threads(monkeypatch):
    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    _parallel.set_num_threads(3)
    yield
    _parallel.set_num_threads(_parallel._default_threads())


def test_slices_cover_the_batch_once_at_the_same_time(three_threads):
    seen = np.zeros(10, int)
    names = set()
    barrier = threading.Barrier(3, timeout=10)  # all three slices must be running together

    def fn(lo, hi):
        seen[lo:hi] += 1
        names.add(threading.current_thread().name)
        barrier.wait()

    _parallel.run_split(fn, 10, 10**9)
    assert (seen == 1).all()
    assert len(names) == 3 and "MainThread" in names


def test_small_work_and_nested_calls_stay_in_one_thread(three_threads, monkeypatch):
    calls = []
    _parallel.run_split(lambda lo, hi: calls.append((lo, hi)), 4, 0)
    assert calls == [(0, 4)]  # smaller than MIN_BYTES per thread: not split
    inner = []

    def outer(lo, hi):
        _parallel.run_split(lambda a, b: inner.append((a, b)), 6, 10**9)

    _parallel.run_split(outer, 3, 10**9)
    assert sorted(inner) == [(0, 6)] * 3  # nested calls run serially


def test_errors_in_workers_propagate(three_threads):
    def fn(lo, hi):
        if lo > 0:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _parallel.run_split(fn, 9, 10**9)


def test_set_num_threads_validates():
    with pytest.raises(ValueError, match=r"set_num_threads: expected a positive int, got 0"):
        _parallel.set_num_threads(0)


def test_default_thread_count_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GLASSNET_NUM_THREADS", "5")
    assert _parallel._default_threads() == 5
    monkeypatch.delenv("GLASSNET_NUM_THREADS")
    assert _parallel._default_threads() == 1  # off unless asked for
