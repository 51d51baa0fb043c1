"""PyTorch-style scripts (this folder) run unchanged through ``glassnet run``; where PyTorch is
installed, the same script under torch and under glassnet, from the same initial weights and
batches, gives the same 20 losses (relative 1e-4)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.data.idx import write_idx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _python(*args: str, cwd, glassnet: bool) -> str:
    """Run a script in a fresh interpreter, under ``glassnet run`` or plain Python (torch)."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "glassnet", "run", *args] if glassnet else [sys.executable, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def _script(name: str) -> str:
    return os.path.join(HERE, name)


@pytest.fixture
def mnist_root(tmp_path):
    """Tiny MNIST-format files in torchvision's layout ROOT/MNIST/raw (digits are class stripes)."""
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 96), ("test", 32)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for k, c in enumerate(labels):  # a bright band whose row says the class
            images[k, 2 + 2 * c : 4 + 2 * c, 4:24] = 250
        write_idx(raw / NAMES[split][0], images)
        write_idx(raw / NAMES[split][1], labels)
    return tmp_path / "data"


def _losses(out: str) -> np.ndarray:
    return np.array([float(v) for v in re.findall(r"^loss (\S+)$", out, re.M)])


# ------------------------------------------------------------------- glassnet run
def test_mnist_cnn_with_adadelta_steplr_and_dataloader(mnist_root, tmp_path):
    out = _python(
        _script("mnist_cnn.py"), "--data", str(mnist_root), "--epochs", "2",
        "--log-interval", "2", "--save-model", "cnn.pt", cwd=tmp_path, glassnet=True,
    )  # fmt: skip
    assert len(re.findall(r"Test set: Average loss: [\d.]+, Accuracy: \d+/32", out)) == 2, out
    assert "Train Epoch: 2 [64/96 (67%)]" in out
    state = gn.load(tmp_path / "cnn.pt")
    assert state["conv1.weight"].shape == (8, 1, 3, 3) and state["fc2.bias"].shape == (10,)


def test_mnist_cnn_dry_run(mnist_root, tmp_path):
    out = _python(
        _script("mnist_cnn.py"), "--data", str(mnist_root), "--dry-run", cwd=tmp_path,
        glassnet=True,
    )  # fmt: skip
    assert out.count("Train Epoch") == 1 and "Test set" in out


def test_lstm_classifier_learns(tmp_path):
    out = _python(_script("lstm_classifier.py"), "--epochs", "4", cwd=tmp_path, glassnet=True)
    losses = [float(v) for v in re.findall(r"Loss: ([\d.]+)", out)]
    accuracy = float(re.search(r"Accuracy: ([\d.]+)%", out).group(1))
    assert len(losses) == 4 and losses[-1] < losses[0] and accuracy > 70, out


def test_custom_module_and_autograd_function(tmp_path):
    out = _python(_script("custom_function.py"), cwd=tmp_path, glassnet=True)
    first, last = map(float, re.search(r"loss ([\d.]+) -> ([\d.]+)", out).groups())
    assert last < first / 10, out
    assert "calls 200 in state_dict True" in out and "gradcheck True" in out
    assert "MyLinear(input_features=4, output_features=16)" in out


def test_regression_with_a_hand_written_sgd_step(tmp_path):
    out = _python(_script("regression_sgd.py"), cwd=tmp_path, glassnet=True)
    loss, batches = re.search(r"Loss: ([\d.]+) after (\d+) batches", out).groups()
    assert float(loss) < 1e-3 and int(batches) < 3000, out
    learned = re.search(r"learned \[(.*)\] (\S+)", out).groups()
    actual = re.search(r"actual  \[(.*)\] (\S+)", out).groups()
    np.testing.assert_allclose(
        [float(v) for v in learned[0].split(",")] + [float(learned[1])],
        [float(v) for v in actual[0].split(",")] + [float(actual[1])],
        atol=0.25,
    )


# ------------------------------------------------------------- the same as torch
def _compare(script: str, setup: list[str], run: list[str], tmp_path) -> None:
    init = str(tmp_path / "init.safetensors")
    _python(_script(script), *setup, "--save-init", init, cwd=tmp_path, glassnet=True)
    args = [_script(script), *run, "--init", init, "--no-shuffle", "--print-losses"]
    ours = _losses(_python(*args, cwd=tmp_path, glassnet=True))
    theirs = _losses(_python(*args, cwd=tmp_path, glassnet=False))
    assert len(ours) == len(theirs) == 20
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_mnist_cnn_losses_match_torch_from_the_same_weights(torch, mnist_root, tmp_path):
    common = ["--data", str(mnist_root), "--dropout", "0", "--batch-size", "4"]
    _compare("mnist_cnn.py", common, [*common, "--steps", "20"], tmp_path)


def test_lstm_losses_match_torch_from_the_same_weights(torch, tmp_path):
    _compare("lstm_classifier.py", [], ["--steps", "20", "--epochs", "3"], tmp_path)
