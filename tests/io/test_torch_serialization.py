"""``torch.serialization`` (glassnet/_torch_serialization.py): the safe-globals registry is
recorded and named in refusals; glassnet never rebuilds a registered class from a file."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap

import pytest

from glassnet import _torch_serialization as ser
from glassnet.io import TorchFileError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def _clean_registry():
    ser.clear_safe_globals()
    yield
    ser.clear_safe_globals()


def test_the_registry_and_its_block():
    ser.add_safe_globals([argparse.Namespace])
    with ser.safe_globals([int, (dict, "builtins.dict")]):
        assert ser.get_safe_globals() == [argparse.Namespace, int, (dict, "builtins.dict")]
    assert ser.get_safe_globals() == [argparse.Namespace]


def test_a_registered_class_in_a_torch_file_is_refused_and_named(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "ckpt.pth"
    torch.save({"w": torch.ones(2), "args": argparse.Namespace(lr=0.1)}, path)
    with pytest.raises(TorchFileError, match="refused global 'argparse.Namespace'") as plain:
        ser.load(str(path))
    assert "add_safe_globals" not in str(plain.value)
    ser.add_safe_globals([argparse.Namespace])
    with pytest.raises(TorchFileError, match="passed to torch.serialization.add_safe_globals"):
        ser.load(str(path))
    state = {"w": torch.arange(3.0)}
    torch.save(state, tmp_path / "plain.pth")
    assert ser.load(str(tmp_path / "plain.pth"))["w"].tolist() == [0.0, 1.0, 2.0]


def test_a_torch_26_style_script_runs_under_glassnet(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"weight": torch.full((2, 3), 0.5), "bias": torch.zeros(2)}, tmp_path / "m.pth")
    script = tmp_path / "load.py"
    script.write_text(textwrap.dedent("""
        import argparse
        import torch
        from torch.types import Number
        torch.serialization.add_safe_globals([argparse.Namespace])
        net = torch.nn.Linear(3, 2)
        net.load_state_dict(torch.load("m.pth", weights_only=True))
        print(net(torch.ones(1, 3)).tolist())
    """))
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run([sys.executable, "-m", "glassnet", "run", str(script)], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[[1.5, 1.5]]"
