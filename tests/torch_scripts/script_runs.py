"""Running a PyTorch script under torch and under ``glassnet run``, and comparing its LOSS lines.

A script prints ``LOSS <words and numbers>`` lines. Where torch is installed it runs first under
torch, which saves its initial weights to the file named by ``INIT_WEIGHTS``; then under
glassnet, which loads them. The two runs must print the same LOSS lines: numbers to a relative
1e-4 (plus one unit in the last digit printed: a value printed with ``:.5f`` that rounds one way
in torch and the other in glassnet is the same value), other words exactly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np

from glassnet.cli.torch_alias import TorchAPIMissing
from glassnet.testing import torch_available

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _number(word: str) -> float | None:
    try:
        return float(word)
    except ValueError:
        return None


def loss_lines(path: str, init: str, glassnet: bool, cwd: os.PathLike) -> list[list[str]]:
    """The words after ``LOSS`` on each LOSS line of ``path`` run under glassnet or torch."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", INIT_WEIGHTS=init)
    head = [sys.executable, "-m", "glassnet", "run"] if glassnet else [sys.executable]
    done = subprocess.run([*head, path], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)  # fmt: skip
    who = "glassnet" if glassnet else "torch"
    assert done.returncode == 0, f"{os.path.basename(path)} ({who}):\n{done.stderr[-4000:]}"
    return [line.split()[1:] for line in re.findall(r"^LOSS .*$", done.stdout, re.M)]


def last_digit(word: str) -> float:
    """One unit in the last digit of the printed number ``word`` (``'0.19091'``: 1e-5,
    ``'7.08e-01'``: 1e-3); 0 for a number printed without a decimal point."""
    mantissa, _, exponent = word.lower().partition("e")
    if "." not in mantissa:
        return 0.0
    return 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def assert_agree(ours: list[list[str]], theirs: list[list[str]], minimum: int = 5) -> None:
    """The same LOSS lines: numbers to a relative 1e-4 plus one unit in the last digit
    printed, other words exactly."""
    assert len(ours) == len(theirs) >= minimum
    for mine, ref in zip(ours, theirs):
        assert len(mine) == len(ref), (mine, ref)
        for a, b in zip(mine, ref):
            x, y = _number(a), _number(b)
            if x is None or y is None:
                assert a == b, (mine, ref)
                continue
            slack = 2e-6 + 1e-4 * abs(y) + max(last_digit(a), last_digit(b))
            close = bool(np.isfinite(y)) and abs(x - y) <= slack
            assert x == y or close or (np.isnan(x) and np.isnan(y)), (
                f"{a} vs {b} (allowed {slack:.3g}): {mine} vs {ref}"
            )


def check_script(path: str, tmp_path: os.PathLike, minimum: int = 5) -> None:
    """Run ``path`` under torch (saving its initial weights) and under glassnet (loading them)
    and compare their LOSS lines; without torch, check that glassnet runs it."""
    init = os.path.join(os.fspath(tmp_path), "init.npz")
    if not torch_available():
        assert len(loss_lines(path, "", True, tmp_path)) >= minimum
        return
    theirs = loss_lines(path, init, False, tmp_path)  # saves the initial weights
    ours = loss_lines(path, init, True, tmp_path)  # loads them
    assert_agree(ours, theirs, minimum)


# ------------------------------------------------------------ whole standard output (round 8)
#: a tensor's text split into comparable tokens: brackets, parentheses, commas, ``=`` and ``:``
#: stand alone (so ``tensor([[0.1234,`` gives ``tensor ( [ [ 0.1234 ,``), whitespace separates
_TOKEN = re.compile(r"[\[\](){},=:]|[^\s\[\](){},=:]+")


def stdout_lines(path: str, init: str, glassnet: bool, cwd: os.PathLike) -> list[str]:
    """Every line ``path`` prints to standard output, run under glassnet or torch."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", INIT_WEIGHTS=init)
    head = [sys.executable, "-m", "glassnet", "run"] if glassnet else [sys.executable]
    done = subprocess.run([*head, path], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)  # fmt: skip
    who = "glassnet" if glassnet else "torch"
    assert done.returncode == 0, f"{os.path.basename(path)} ({who}):\n{done.stderr[-4000:]}"
    return done.stdout.splitlines()


def _same_token(a: str, b: str) -> bool:
    """Equal words, or numbers within a relative 1e-4 plus one unit in the last digit printed."""
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return a == b
    if np.isnan(x) or np.isnan(y) or not np.isfinite(y):
        return a == b or (np.isnan(x) and np.isnan(y)) or x == y
    return abs(x - y) <= 2e-6 + 1e-4 * abs(y) + max(last_digit(a), last_digit(b))


def assert_same_output(ours: list[str], theirs: list[str], minimum: int = 10) -> None:
    """The same standard output line by line: each line's tokens (words, numbers, brackets,
    commas; the whitespace between them is not compared, so a number one digit wider after a
    rounding flip does not shift the rest) agree as :func:`_same_token` says."""
    assert len(theirs) >= minimum, f"only {len(theirs)} lines printed"
    for i, (mine, ref) in enumerate(zip(ours, theirs)):
        a, b = _TOKEN.findall(mine), _TOKEN.findall(ref)
        same = len(a) == len(b) and all(_same_token(x, y) for x, y in zip(a, b))
        assert same, f"line {i + 1} differs:\n glassnet: {mine}\n torch:    {ref}"
    assert len(ours) == len(theirs), (
        f"{len(ours)} lines vs torch's {len(theirs)}; first extra: "
        f"{(ours if len(ours) > len(theirs) else theirs)[min(len(ours), len(theirs))]!r}"
    )


def check_script_output(path: str, tmp_path: os.PathLike, minimum: int = 10) -> None:
    """Run ``path`` under torch (saving its initial weights) and under glassnet (loading them)
    and compare their whole standard output; without torch, check that glassnet runs it."""
    init = os.path.join(os.fspath(tmp_path), "init.npz")
    if not torch_available():
        assert len(stdout_lines(path, "", True, tmp_path)) >= minimum
        return
    theirs = stdout_lines(path, init, False, tmp_path)  # saves the initial weights
    ours = stdout_lines(path, init, True, tmp_path)  # loads them
    assert_same_output(ours, theirs, minimum)


def _run_bare(path: str, glassnet: bool, cwd: os.PathLike) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", INIT_WEIGHTS="")
    head = [sys.executable, "-m", "glassnet", "run"] if glassnet else [sys.executable]
    return subprocess.run([*head, path], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)  # fmt: skip


def check_refused(path: str, tmp_path: os.PathLike, says: str) -> None:
    """A script glassnet refuses: valid torch code (three LOSS lines under torch, where
    installed) that stops under ``glassnet run`` with a ``NotImplementedError`` whose last
    line contains ``says``, before printing any LOSS line (never a different answer)."""
    if torch_available():
        done = _run_bare(path, False, tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.count("LOSS ") == 3
    done = _run_bare(path, True, tmp_path)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert says in last, last
    kinds = {"NotImplementedError": NotImplementedError,
             "glassnet.cli.torch_alias.TorchAPIMissing": TorchAPIMissing}  # fmt: skip
    assert issubclass(kinds[last.split(":")[0]], NotImplementedError), last
    assert "LOSS " not in done.stdout
