"""The README's Python snippets run as printed (the quick start and the interop example)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def block_with(text: str) -> str:
    found = [b for b in python_blocks() if text in b]
    assert len(found) == 1, f"expected one README python block with {text!r}, found {len(found)}"
    return found[0]


@pytest.mark.slow
def test_quick_start_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(block_with("history = fit("), "README quick start", "exec"), ns)  # noqa: S102
    np.testing.assert_array_equal(ns["x"].grad.numpy(), [2.0, 4.0, 6.0])
    assert ns["attr"].shape == (4, 1, 28, 28) and np.all(np.isfinite(ns["attr"]))
    assert len(ns["history"].history["loss"]) == 3


def test_interop_snippet_runs(tmp_path, monkeypatch):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("torch")
    from glassnet.io import save_checkpoint
    from glassnet.models import seed_cnn

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "seed-cnn").mkdir(parents=True)
    save_checkpoint("runs/seed-cnn/best.safetensors", model=seed_cnn())  # stands in for a run
    ns: dict = {}
    exec(compile(block_with("export_onnx("), "README interop", "exec"), ns)  # noqa: S102
    assert ns["logits"].shape == (256, 10)
    saved = seed_cnn()
    ns["load_checkpoint"]("runs/seed-cnn/best.safetensors", model=saved)
    expect = saved.eval()(ns["x"][:256]).numpy()
    np.testing.assert_allclose(ns["logits"], expect, rtol=1e-4, atol=1e-5)  # onnxruntime's
    got = ns["model"](ns["x"][:4]).numpy()
    want = ns["net"].eval()(ns["torch"].from_numpy(ns["x"][:4])).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)  # torch's weights were loaded
