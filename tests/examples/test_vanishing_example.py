"""examples/vanishing_gradients.py: the sigmoid net warns of vanishing gradients, the He/ReLU net does not."""

import importlib.util
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vanishing_gradients.py"


def test_vanishing_gradients_example(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("_example_vanishing", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    results = module.main(["--limit", "256", "--every", "2", "--runs-dir", str(tmp_path)])
    out = capsys.readouterr().out
    bad, good = out.split("--- relu-he")
    assert "vanishing gradients" in bad and "layer '0' (Linear)" in bad
    assert "diagnostics: warning" not in good
    assert results["relu-he"].warnings == [] and results["sigmoid-bad"].warnings
    assert (tmp_path / "vanishing-sigmoid-bad" / "diagnostics.csv").is_file()
