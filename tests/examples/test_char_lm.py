"""The character language-model example on a tiny generated corpus: it trains both models and
writes its report."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load():
    spec = importlib.util.spec_from_file_location("_example_char_lm", EXAMPLES / "char_lm.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_char_lm_trains_both_models_and_beats_uniform(tmp_path):
    ex = _load()
    corpus = tmp_path / "fortunes"
    corpus.mkdir()
    rng = np.random.default_rng(0)
    words = ["the cat", "a dog", "sat on", "the mat", "ran far"]
    quotes = [" ".join(rng.choice(words, 6)) for _ in range(300)]
    (corpus / "quotes").write_text("\n%\n".join(quotes) + "\n%\n")
    (corpus / "quotes.dat").write_bytes(b"\x00\x01binary index")
    out = tmp_path / "lm.json"
    res = ex.main([
        "--corpus", str(corpus), "--steps", "30", "--batch", "8", "--context", "16",
        "--d-model", "32", "--heads", "2", "--layers", "1", "--hidden", "32",
        "--eval-batches", "2", "--out", str(out),
    ])  # fmt: skip
    report = json.loads(out.read_text())
    assert report["vocab"] == res["vocab"] < 20  # the .dat index was skipped
    for name in ("transformer", "lstm"):
        assert 1.0 < report[name]["val_perplexity"] < report["vocab"]  # better than uniform


def test_quotations_split_on_percent_lines(tmp_path):
    ex = _load()
    (tmp_path / "f").write_text("one\n%\ntwo\nlines\n%\n")
    assert ex.read_quotations(tmp_path) == ["one", "two\nlines"]
