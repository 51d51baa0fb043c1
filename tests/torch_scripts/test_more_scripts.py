"""Tutorial-style PyTorch scripts (``more/``: char-RNN sampling, seq2seq GRU, a small ResNet
with parameter groups, dict datasets with early stopping, functional-heavy losses, Huber
regression with warm restarts, a Transformer classifier, a toy diffusion model) run unchanged
under ``glassnet run``; where torch is installed, each runs first under torch (which saves its
initial weights to ``INIT_WEIGHTS``) and then under glassnet from those weights, and every
printed ``LOSS`` line agrees."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from glassnet.testing import torch_available

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MORE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "more")
SCRIPTS = sorted(f for f in os.listdir(MORE) if f.endswith(".py"))


def _run(script: str, init: str, glassnet: bool, cwd) -> list[float]:
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", INIT_WEIGHTS=init)
    head = [sys.executable, "-m", "glassnet", "run"] if glassnet else [sys.executable]
    done = subprocess.run([*head, os.path.join(MORE, script)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)  # fmt: skip
    assert done.returncode == 0, f"{script} ({'glassnet' if glassnet else 'torch'}):\n{done.stderr[-4000:]}"
    return [float(v) for v in re.findall(r"^LOSS \S+ (\S+)", done.stdout, re.M)]


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_gives_torchs_losses(script, tmp_path):
    init = str(tmp_path / "init.npz")
    if not torch_available():
        assert len(_run(script, "", True, tmp_path)) >= 5
        return
    theirs = _run(script, init, False, tmp_path)  # saves the initial weights
    ours = _run(script, init, True, tmp_path)  # loads them
    assert len(ours) == len(theirs) >= 5
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=2e-6)
