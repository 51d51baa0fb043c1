"""Round 7 of hostile files for the CLI: checkpoints and run folders as user input, Excel's
CSV quirks, odd .npz names, loose images, config keys with a near miss, output paths that
cannot be written, and Ctrl-C in the middle of an epoch on the user's own table.

A checkpoint or run folder named with ``--checkpoint``, ``--run`` or ``--resume`` is the
user's input like ``--data``: when it is missing, not a checkpoint, truncated, or holds
weights of other shapes, every command exits 2 with one line naming the flag and the file.
Internal errors still exit 1. Before the fixes of this round: all of those exited 1 (a
folder given to --checkpoint "does not exist"); a failed --resume had already rewritten
config.toml; ``predict`` on a bad --input of a built-in model exited 1; Excel's ``sep=;``
line became the header; tab-separated decimal commas were refused; ``1_000`` read as 1000;
an unclosed quote blamed the row's width; ``0.37`` class labels made one class per row;
images beside the class folders were skipped without a word; ``--image-size 100000`` tried
to allocate 298 GiB; an unwritable --out failed after the work, naming a temporary file.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import zipfile

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.cli.options import image_size
from glassnet.data import load_table
from glassnet.io import load_checkpoint, save, save_checkpoint
from glassnet.models.registry import build_model
from tests.cli.test_own_files_round6 import _dry, _one_error_line, _train, _write
from tests.data.test_sources import image_folder, write_image

Image = pytest.importorskip("PIL.Image")


def _table_text(n=30, sep=",", eol="\n", cell=None, label=None, head=("a", "b", "kind")):
    rng = np.random.default_rng(0)
    lines = [sep.join(head)]
    for i in range(n):
        a, b = rng.normal() + i % 2, rng.normal()
        cells = [cell(a) if cell else f"{a:.3f}", cell(b) if cell else f"{b:.3f}"]
        lines.append(sep.join([*cells, label(i) if label else "xy"[i % 2]]))
    return eol.join(lines) + eol


def _tree(folder):
    """Every file under ``folder`` with its bytes: what a refused command must leave alone."""
    out = {}
    for here, _, names in os.walk(folder):
        for n in names:
            with open(os.path.join(here, n), "rb") as f:
                out[os.path.relpath(os.path.join(here, n), folder)] = f.read()
    return out


PLAIN = _table_text()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two table runs on one CSV that differ in their hidden sizes (so in weight shapes)."""
    tmp = tmp_path_factory.mktemp("r7")
    data = _write(tmp / "t.csv", PLAIN)
    a = _train(tmp, "a", "--data", data, "--target", "kind", "--hidden", "16")
    b = _train(tmp, "b", "--data", data, "--target", "kind", "--hidden", "8")
    return a, b, tmp


# ------------------------------------------------------ checkpoints are the user's input
def _command(name, tmp_path, source):
    """``name``'s argument list reading ``source`` (``["--run", X]`` or ``["--checkpoint", X]``)."""
    args = {
        "evaluate": [],
        "predict": ["--input", _write(tmp_path / "in.csv", "a,b\n0.5,1\n"),
                    "--out", str(tmp_path / "out" / "p.csv")],  # fmt: skip
        "explain": ["--out", str(tmp_path / "out" / "e.png")],
    }[name]
    (tmp_path / "out").mkdir(exist_ok=True)
    return [name, *source, *args]


def _checkpoint_of_other_shapes(tmp_path, run_a, run_b):
    """A checkpoint whose recorded config is run a's, with run b's (smaller) weights."""
    a = load_checkpoint(os.path.join(run_a, "best.safetensors"), restore_rng=False)
    b = load_checkpoint(os.path.join(run_b, "best.safetensors"), restore_rng=False)
    path = str(tmp_path / "mixed.safetensors")
    save_checkpoint(path, model=b["model"], epoch=1, extra=a["extra"], rng_state=False)
    return path


def _bad_checkpoint(kind, tmp_path, runs):
    run_a, run_b, _ = runs
    best = os.path.join(run_a, "best.safetensors")
    data = open(best, "rb").read()
    p = tmp_path / f"{kind}.safetensors"
    if kind == "missing":
        return str(p)
    if kind == "empty":
        return _write(p, b"")
    if kind == "text":
        return _write(p, "weights go here\n")
    if kind == "truncated-header":
        return _write(p, data[:100])
    if kind == "truncated-data":
        return _write(p, data[:-64])
    if kind == "folder":
        p.mkdir()
        return str(p)
    if kind == "run-folder":
        return run_a
    if kind == "plain-weights":
        save({"w": np.zeros(3, np.float32)}, p)
        return str(p)
    if kind == "dangling-link":
        os.symlink(tmp_path / "gone.safetensors", p)
        return str(p)
    if kind == "no-config":
        save_checkpoint(p, model=build_model("mlp", num_classes=2, hidden=[4]), rng_state=False)
        return str(p)
    if kind == "other-shapes":
        return _checkpoint_of_other_shapes(tmp_path, run_a, run_b)
    evil = pickle.dumps(_Opens(str(tmp_path / "out" / "unpickled")), protocol=2)
    if kind == "torch-pickle":  # torch.save's legacy format: a pickle stream
        return _write(tmp_path / "model.pth", evil)
    if kind == "torch-zip":  # torch.save's zip format, its data.pkl unpickling would run code
        with zipfile.ZipFile(tmp_path / "model.pt", "w") as z:
            z.writestr("archive/data.pkl", evil)
        return str(tmp_path / "model.pt")
    raise AssertionError(kind)


class _Opens:
    """Unpickling it creates the file ``path``: a test that nothing is unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


BAD_CHECKPOINTS = {
    "missing": r"--checkpoint: '.*missing.safetensors' does not exist",
    "empty": r"empty.safetensors: not a valid safetensors file: the file has 0 bytes",
    "text": r"text.safetensors: not a valid safetensors file",
    "truncated-header": r"truncated-header.safetensors: not a valid safetensors file: header length \d+ is larger than the file \(100 bytes\)",
    "truncated-data": r"truncated-data.safetensors: not a valid safetensors file: tensor '.*': data_offsets .* run past the end of the data section",
    "folder": r"--checkpoint: '.*folder.safetensors' is a folder, expected a checkpoint file",
    "run-folder": r"--checkpoint: '.*a' is a run folder, expected a checkpoint file; pass --run ",
    "plain-weights": r"plain-weights.safetensors: not a glassnet checkpoint \(metadata 'format' is None\)",
    "dangling-link": r"--checkpoint: '.*dangling-link.safetensors' is a broken symbolic link",
    "no-config": r"no-config.safetensors' does not say which model it holds",
    "torch-pickle": r"--checkpoint: .*model.pth: it is a PyTorch .pt/.pth file .*glassnet never loads arbitrary pickles",
    "torch-zip": r"--checkpoint: .*model.pt: it is a PyTorch .pt/.pth file",
    "other-shapes": r"--checkpoint: .*mixed.safetensors: MLP.load_state_dict: 'fc1.weight' has shape \(8, 2\) in the checkpoint, expected \(16, 2\)",
}  # fmt: skip


@pytest.mark.parametrize("command", ["evaluate", "predict", "explain"])
@pytest.mark.parametrize("kind", sorted(BAD_CHECKPOINTS))
def test_a_bad_checkpoint_exits_2_naming_it(runs, tmp_path, capsys, command, kind):
    path = _bad_checkpoint(kind, tmp_path, runs)
    before = _tree(runs[0])
    assert main(_command(command, tmp_path, ["--checkpoint", path])) == 2
    err = _one_error_line(capsys)
    assert re.search(BAD_CHECKPOINTS[kind], err), err
    assert os.listdir(tmp_path / "out") == []  # no predictions.csv, no picture, no temporary
    assert _tree(runs[0]) == before


def _bad_run(kind, tmp_path, runs):
    run_a, run_b, _ = runs
    if kind == "missing":
        return str(tmp_path / "nope")
    if kind == "a-file":
        return os.path.join(run_a, "best.safetensors")
    if kind == "no-config":
        (tmp_path / "empty-run").mkdir()
        return str(tmp_path / "empty-run")
    copy = str(tmp_path / kind)
    shutil.copytree(run_a, copy)
    if kind == "broken-config":
        _write(tmp_path / kind / "config.toml", "model = = 'mlp'\n")
    elif kind == "no-best":
        os.remove(os.path.join(copy, "best.safetensors"))
    elif kind == "swapped-weights":
        shutil.copy(os.path.join(run_b, "best.safetensors"), os.path.join(copy, "best.safetensors"))
    elif kind == "unknown-model":
        text = open(os.path.join(copy, "config.toml")).read()
        _write(tmp_path / kind / "config.toml", text.replace('model = "mlp"', 'model = "mlp9"'))
    return copy


BAD_RUNS = {
    "missing": r"--run: run folder '.*nope' does not exist",
    "a-file": r"--run: '.*best.safetensors' is a file, expected a run folder; pass --checkpoint ",
    "no-config": r"--run: '.*empty-run' is not a run folder: it has no config.toml",
    "broken-config": r"--run: .*broken-config.config.toml, line 1, column \d+: invalid TOML",
    "no-best": r"--run: run folder '.*no-best' has no best.safetensors",
    "swapped-weights": r"--run: .*swapped-weights.best.safetensors: MLP.load_state_dict: 'fc1.weight' has shape \(8, 2\)",
    "unknown-model": r"--run: .*unknown-model.config.toml: expected one of the models .*mlp.*, got model 'mlp9'",
}  # fmt: skip


@pytest.mark.parametrize("command", ["evaluate", "predict", "explain"])
@pytest.mark.parametrize("kind", sorted(BAD_RUNS))
def test_a_bad_run_folder_exits_2_naming_it(runs, tmp_path, capsys, command, kind):
    path = _bad_run(kind, tmp_path, runs)
    before = _tree(path) if os.path.isdir(path) else None
    assert main(_command(command, tmp_path, ["--run", path])) == 2
    err = _one_error_line(capsys)
    assert re.search(BAD_RUNS[kind], err), err
    assert os.listdir(tmp_path / "out") == []
    if before is not None:
        assert _tree(path) == before


@pytest.mark.parametrize("kind", ["missing", "a-file", "no-config", "broken-config"])
def test_summary_of_a_bad_run_folder_exits_2(runs, tmp_path, capsys, kind):
    path = _bad_run(kind, tmp_path, runs)
    assert main(["summary", "--run", path]) == 2
    err = _one_error_line(capsys)
    assert re.search(BAD_RUNS[kind].replace("--run: ", "(--run: )?"), err), err


RESUME = {
    "missing": (lambda tmp, a, b: str(tmp / "nope"), r"--resume: run folder '.*nope' does not exist"),
    "a-file": (lambda tmp, a, b: os.path.join(a, "last.safetensors"),
               r"--resume: '.*last.safetensors' is a file, expected a run folder"),
    "truncated-last": (lambda tmp, a, b: _write(tmp / "r" / "last.safetensors", b"\0" * 12),
                       r"--resume: .*last.safetensors: not a valid safetensors file"),
    "weights-only-last": (lambda tmp, a, b: save({"w": np.zeros(2, np.float32)}, tmp / "r" / "last.safetensors"),
                          r"--resume: .*last.safetensors: not a glassnet checkpoint"),
    "other-shapes-last": (lambda tmp, a, b: shutil.copy(os.path.join(b, "last.safetensors"), tmp / "r" / "last.safetensors"),
                          r"--resume: .*last.safetensors: MLP.load_state_dict: 'fc1.weight' has shape \(8, 2\) in the checkpoint, expected \(16, 2\)"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(RESUME))
def test_resume_of_a_bad_run_exits_2_and_leaves_the_folder_as_it_was(runs, tmp_path, capsys, kind):
    run_a, run_b, _ = runs
    shutil.copytree(run_a, tmp_path / "r")
    make, message = RESUME[kind]
    path = make(tmp_path, run_a, run_b)
    path = path if kind in ("missing", "a-file") else str(tmp_path / "r")
    before = _tree(tmp_path / "r")
    assert main(["train", "--resume", path, "--epochs", "2", "--quiet"]) == 2
    err = _one_error_line(capsys)
    assert re.search(message, err), err
    assert _tree(tmp_path / "r") == before  # config.toml was not rewritten with epochs = 2


def test_internal_errors_while_loading_still_exit_1(runs, capsys, monkeypatch):
    run_a = runs[0]

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug, not the file")

    monkeypatch.setattr("glassnet.cli.pipeline.load_checkpoint", broken)
    assert main(["evaluate", "--run", run_a]) == 1
    err = _one_error_line(capsys)
    assert "a bug, not the file (run with --debug for the traceback)" in err
    monkeypatch.undo()

    def wrong(*args, **kwargs):
        raise ValueError("an internal ValueError")

    monkeypatch.setattr("glassnet.cli.pipeline.build_model", wrong)
    assert main(["evaluate", "--run", run_a]) == 1
    assert "glassnet: error: an internal ValueError" in _one_error_line(capsys)


def test_debug_shows_the_checkpoint_error_behind_the_usage_error(runs, tmp_path, capsys):
    path = _write(tmp_path / "bad.safetensors", b"\x08" + b"\0" * 7 + b"{}")
    with pytest.raises(ValueError, match="--checkpoint: .*bad.safetensors") as info:
        main(["--debug", "evaluate", "--checkpoint", path])
    assert type(info.value.__cause__).__name__ == "CheckpointError"


def test_evaluate_after_the_training_file_moved_or_became_a_folder(tmp_path, capsys):
    data = _write(tmp_path / "t.csv", PLAIN)
    run = _train(tmp_path, "t", "--data", data, "--target", "kind")
    os.rename(data, tmp_path / "moved.csv")
    for command in (["evaluate", "--run", run], ["explain", "--run", run, "--out", str(tmp_path / "e.png")]):
        assert main(command) == 2
        assert (
            "t.csv': the data the run trained on is gone (no such file or folder); put it back, "
            "or evaluate on another labelled file with --data PATH" in _one_error_line(capsys)
        )
    assert main(["evaluate", "--run", run, "--data", str(tmp_path / "moved.csv")]) == 0
    capsys.readouterr()
    os.mkdir(data)
    assert main(["evaluate", "--run", run]) == 2
    assert "t.csv': expected a CSV file, got a folder" in _one_error_line(capsys)
    assert not (tmp_path / "e.png").exists()


def test_a_good_checkpoint_still_evaluates_by_either_flag(runs, capsys):
    run_a = runs[0]
    assert main(["evaluate", "--run", run_a]) == 0
    by_run = capsys.readouterr().out
    assert main(["evaluate", "--checkpoint", os.path.join(run_a, "best.safetensors")]) == 0
    by_file = capsys.readouterr().out
    acc = re.search(r"accuracy: ([0-9.]+)", by_run).group(1)
    assert f"accuracy: {acc}" in by_file


# ------------------------------------------------------------------ CSV: Excel and friends
WORKING_CSV = {
    "excel-sep-hint": "sep=;\n" + _table_text(sep=";"),
    "excel-sep-hint-quoted-crlf": '"sep=,"\r\n' + _table_text(eol="\r\n"),
    "bom-sep-hint": "\ufeffsep=\t\n" + _table_text(sep="\t"),
    "decimal-comma-tab": _table_text(sep="\t", cell=lambda v: f"{v:.3f}".replace(".", ",")),
    "decimal-comma-semicolon-crlf-bom": "\ufeff" + _table_text(
        sep=";", eol="\r\n", cell=lambda v: f"{v:.3f}".replace(".", ",")),
    "excel-empty-rows-at-the-end": _table_text(sep=";") + ";;\n;;\n;;\n",
    "quoted-numbers": _table_text(cell=lambda v: f'"{v:.3f}"'),
    "padded-cells-and-labels": _table_text(cell=lambda v: f"  {v:.3f}\t", label=lambda i: f" {'xy'[i % 2]} "),
    "quoted-header-with-a-newline": _table_text().replace("a,b,kind", '"a",b,"kind"'),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WORKING_CSV))
def test_csv_variants_read_as_the_plain_file(tmp_path, name):
    plain = load_table(_write(tmp_path / "plain.csv", PLAIN), target="kind")
    path = _write(tmp_path / f"{name}.csv", WORKING_CSV[name])
    got = load_table(path, target="kind")
    assert got.feature_names == plain.feature_names == ["a", "b"]
    assert got.classes == plain.classes == ["x", "y"]
    np.testing.assert_allclose(got.x, plain.x, rtol=0, atol=0)
    np.testing.assert_array_equal(got.y, plain.y)
    assert _dry(path, "--target", "kind") == 0


REFUSED_CSV = [
    ("underscore", _table_text(cell=lambda v: "1_000" if v > 1.5 else f"{v:.3f}"), ["--target", "kind"],
     r"underscore.csv': line \d+, column 'a': expected a number, got '1_000'"),
    ("unclosed", PLAIN + '0.5,"1.5,x\n', ["--target", "kind"],
     r"unclosed.csv': line 32: a quoted field opens and is never closed"),
    ("fraction-labels", _table_text(label=lambda i: f"{i / 7:.3f}"), ["--target", "kind", "--task", "classification"],
     r"fraction-labels.csv': line 3, column 'kind': expected a class label, got the number '0.143', which is not whole"),
    ("target-case", PLAIN, ["--target", "Kind"],
     r"no column 'Kind' for the target \(--target\) \(did you mean 'kind'\?\); columns: a, b, kind"),
    ("target-typo", PLAIN, ["--target", "kidn"], r"no column 'kidn' for the target \(--target\) \(did you mean 'kind'\?\)"),
    ("target-position", PLAIN, ["--target", "3"], r"no column '3' for the target .*position, 0..2\)"),
    ("ignore-typo", PLAIN, ["--target", "kind", "--ignore", "A"], r"no column 'A' to ignore \(--ignore\) \(did you mean 'a'\?\)"),
    ("categorical-typo", PLAIN, ["--target", "kind", "--categorical", "bb"],
     r"no feature column 'bb' to one-hot encode \(--categorical\) \(did you mean 'b'\?\)"),
    ("bad-sep-hint", "sep=#\n" + PLAIN, ["--target", "kind"], r"bad-sep-hint.csv': line 1: expected a delimiter among .* after sep=, got '#'"),
    ("percent", _table_text(cell=lambda v: f"{v:.1f}%"), ["--target", "kind"], r"line 2, column 'a': expected a number, got '0.1%'"),
    ("hex", _table_text(cell=lambda v: "0x1f"), ["--target", "kind"], r"expected a number, got '0x1f'"),
    ("space-thousands", _table_text(cell=lambda v: "1 000"), ["--target", "kind"], r"expected a number, got '1 000'"),
]  # fmt: skip


@pytest.mark.parametrize("name, text, args, message", REFUSED_CSV, ids=[c[0] for c in REFUSED_CSV])
def test_bad_csv_exits_2_naming_the_file(tmp_path, capsys, name, text, args, message):
    path = _write(tmp_path / f"{name}.csv", text)
    assert _dry(path, *args) == 2
    err = _one_error_line(capsys)
    assert re.search(message, err), err


def test_whole_float_and_negative_labels_are_classes(tmp_path):
    text = _table_text(label=lambda i: ["-1", "1.0", "-1.0", "1"][i % 4])
    table = load_table(_write(tmp_path / "w.csv", text), target="kind")
    assert table.classes == ["-1", "1"]
    np.testing.assert_array_equal(table.y, [0, 1] * 15)


def test_a_class_held_out_whole_for_the_test_split_is_warned_of(tmp_path, capsys):
    # row 2 of 30 falls in the fixed test split (seed 0): its class is never trained on
    text = _table_text(label=lambda i: "z" if i == 2 else "xy"[i % 2])
    assert _dry(_write(tmp_path / "rare.csv", text), "--target", "kind") == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("glassnet: warning: "), err
    assert "rare.csv': class(es) z have no sample in the training split" in err
    text = _table_text(label=lambda i: "z" if i == 0 else "xy"[i % 2])  # row 0 trains
    assert _dry(_write(tmp_path / "kept.csv", text), "--target", "kind") == 0
    assert capsys.readouterr().err == ""


def test_predict_names_the_column_a_case_change_hid(runs, tmp_path, capsys):
    run_a = runs[0]
    out = tmp_path / "p.csv"
    path = _write(tmp_path / "upper.csv", "A,B\n1,2\n")
    assert main(["predict", "--run", run_a, "--input", path, "--out", str(out)]) == 2
    assert "expected the training columns a, b; missing a, b (did you mean 'A'?)" in _one_error_line(capsys)
    assert not out.exists()


# ------------------------------------------------------------------------------- .npz
X = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
Y = np.arange(30) % 2


def _npz(tmp_path, name, **arrays):
    np.savez(tmp_path / name, **arrays)
    return str(tmp_path / name)


def test_unused_npz_arrays_are_named_in_one_warning(tmp_path, capsys):
    path = _npz(tmp_path, "d.npz", x=X, y=Y, x_val=X[:5], y_val=Y[:5])
    assert _dry(path) == 0
    warnings = [ln for ln in capsys.readouterr().err.splitlines() if "warning" in ln]
    assert len(warnings) == 1, warnings
    assert "d.npz': left unused: x_val, y_val (array names of no known role); training reads x, y" in warnings[0]


@pytest.mark.parametrize(
    "names", [("features", "target"), ("data", "labels"), ("arr_0", "arr_1"), ("X_train", "Y_train")]
)
def test_npz_array_names_other_tools_use_read_as_x_and_y(tmp_path, capsys, names):
    path = _npz(tmp_path, "d.npz", **{names[0]: X, names[1]: Y})
    assert _dry(path) == 0
    assert "warning" not in capsys.readouterr().err


BAD_NPZ = {
    "beyond-float32": ({"x": X.astype(np.float64) * 1e39, "y": Y}, r"x holds values beyond float32's range"),
    "two-x": ({"x": X, "X": X, "y": Y}, r"expected one array for 'x', got several that could be it: x, X"),
    "test-width": ({"x": X, "y": Y, "x_test": X[:4, :3], "y_test": Y[:4]}, r"x_test samples are \(3,\), x's \(4,\)"),
    "test-class": ({"x": X, "y": Y, "x_test": X[:4], "y_test": np.array([0, 1, 2, 1])},
                   r"y_test holds class\(es\) 2 that the training labels do not \(0, 1\)"),
    "half-test": ({"x": X, "y": Y, "x_test": X[:4]}, r"expected x_test and y_test together"),
    "bytes-labels": ({"x": X, "y": np.array([b"\xff"] * 30)}, r"expected UTF-8 text in the byte labels y"),
    "blank-label": ({"x": X, "y": np.array(["a", " "] * 15)}, r"y\[1\]: missing class label"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(BAD_NPZ))
def test_bad_npz_exits_2(tmp_path, capsys, kind):
    arrays, message = BAD_NPZ[kind]
    assert _dry(_npz(tmp_path, "d.npz", **arrays)) == 2
    err = _one_error_line(capsys)
    assert "d.npz'" in err and re.search(message, err), err


# ----------------------------------------------------------------------------- images
def test_images_beside_the_class_folders_are_refused_not_skipped(tmp_path, capsys):
    root = image_folder(str(tmp_path / "pets"), classes=("a", "b"), per_class=4)
    write_image(os.path.join(root, "stray.png"), np.zeros((8, 8), np.uint8))
    assert _dry(root) == 2
    assert (
        "pets': expected every image inside a class folder, got 1 image file(s) beside the "
        "class folders (e.g. 'stray.png')" in _one_error_line(capsys)
    )
    os.remove(os.path.join(root, "stray.png"))
    open(os.path.join(root, "notes.txt"), "w").write("not an image")
    write_image(os.path.join(root, ".thumb.png"), np.zeros((8, 8), np.uint8))  # hidden
    assert _dry(root) == 0


def test_an_image_size_too_big_to_hold_is_a_usage_error(tmp_path, capsys):
    root = image_folder(str(tmp_path / "pets"), classes=("a", "b"), per_class=4)
    assert _dry(root, "--image-size", "100000") == 2
    assert "--image-size: expected at most 4096 pixels a side, got '100000'" in _one_error_line(capsys)
    assert image_size("image_size", "16x4096") == [16, 4096]  # the largest side allowed
    assert _dry(root, "--image-size", "12") == 0


def test_linked_gif_and_tiff_images_are_read(tmp_path):
    root = image_folder(str(tmp_path / "pets"), classes=("a", "b"), per_class=4)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (8, 8), dtype=np.uint8)).save(os.path.join(root, "a", "g.gif"))
    Image.fromarray(rng.normal(size=(8, 8)).astype(np.float32)).save(os.path.join(root, "b", "f.tif"))
    os.symlink(os.path.join(root, "a", "0.png"), os.path.join(root, "b", "link.png"))
    assert _dry(root) == 0


# ------------------------------------------------------------------------ TOML configs
@pytest.mark.parametrize(
    "toml, message",
    [
        ("epoch = 3\n", "unknown key 'epoch' (did you mean 'epochs'?)"),
        ("learning_rate = 0.1\n", "unknown key 'learning_rate' (did you mean 'lr'?)"),
        ("batchsize = 8\n", "unknown key 'batchsize' (did you mean 'batch_size'?)"),
        ("label = 'kind'\n", "unknown key 'label' (did you mean 'target'?)"),
        ("[train]\nlr = 0.1\nepochs = 2\n",
         "unknown key 'train' (a table [train]: the options sit at the top level of the file, with no table; move lr, epochs above"),
        ("lr = inf\n", "key 'lr': must be a positive number, got inf"),
        ("l2 = nan\n", "key 'l2': must be a number >= 0, got nan"),
        ("epochs = true\n", "key 'epochs': expected an integer, got true"),
        ("batch_size = 0\n", "key 'batch_size': must be a positive integer, got 0"),
        ("image_size = 5000\n", "key 'image_size': expected at most 4096 pixels a side, got 5000"),
    ],
)  # fmt: skip
def test_config_mistakes_exit_2_with_the_nearest_key(tmp_path, capsys, toml, message):
    data = _write(tmp_path / "t.csv", PLAIN)
    _write(tmp_path / "c.toml", toml)
    assert main(["train", "--config", str(tmp_path / "c.toml"), "--data", data, "--target", "kind",
                 "--dry-run"]) == 2  # fmt: skip
    err = _one_error_line(capsys)
    assert f"c.toml: {message}" in err, err


# ------------------------------------------------------------------------ output paths
def test_outputs_that_cannot_be_written_are_refused_before_the_work(runs, tmp_path, capsys):
    run_a, _, tmp = runs
    data = str(tmp / "t.csv")
    (tmp_path / "folder.png").mkdir()
    cases = [
        (["predict", "--run", run_a, "--input", data, "--out", "/proc/p.csv"],
         "--out: '/proc/p.csv': cannot write in folder '/proc'"),
        (["predict", "--run", run_a, "--input", data, "--out", str(tmp_path / "folder.png")],
         "folder.png' is a folder; expected a CSV file name"),
        (["explain", "--run", run_a, "--out", str(tmp_path / "folder.png")],
         "--out: '" + str(tmp_path / "folder.png") + "' is a folder; expected a PNG file name"),
        (["explain", "--run", run_a, "--out", os.path.join(data, "e.png")],
         f"--out: '{os.path.join(data, 'e.png')}': '{data}' is a file, expected a folder"),
        (["lr-find", "--data", data, "--target", "kind", "--steps", "5", "--out", data],
         f"--out: '{data}' is a file; expected a folder (or a new folder's name)"),
    ]  # fmt: skip
    before = sorted(os.listdir(tmp_path)), _tree(run_a), open(data, "rb").read()
    for args, message in cases:
        assert main(args) == 2, args
        assert message in _one_error_line(capsys)
    assert (sorted(os.listdir(tmp_path)), _tree(run_a), open(data, "rb").read()) == before


def test_predict_with_a_builtin_model_on_a_bad_input_exits_2(tmp_path, capsys):
    folder = tmp_path / "runs" / "tiny"
    folder.mkdir(parents=True)
    from glassnet.train import RunFolder

    run = RunFolder(str(folder))
    config = {"model": "mlp", "data": "fashion-mnist-sample", "hidden": [4]}
    run.write_config(config)
    run.save_checkpoint("best", model=build_model("mlp", num_classes=10, hidden=[4]), epoch=1, config=config)
    np.save(tmp_path / "wide.npy", np.zeros((2, 30, 30), np.uint8))
    for name, message in [
        ("nope.npy", "--input: '" + str(tmp_path / "nope.npy") + "' does not exist"),
        ("wide.npy", "expected images of shape (N, 28, 28), (N, 1, 28, 28) or (N, 784), got shape (2, 30, 30)"),
    ]:
        assert main(["predict", "--run", str(folder), "--input", str(tmp_path / name),
                     "--out", str(tmp_path / "p.csv")]) == 2  # fmt: skip
        assert message in _one_error_line(capsys)
    assert not (tmp_path / "p.csv").exists()


# ---------------------------------------------------------------- Ctrl-C in mid-epoch
def test_ctrl_c_in_mid_epoch_on_own_data_saves_a_consistent_checkpoint(tmp_path, capsys, monkeypatch):
    data = _write(tmp_path / "t.csv", _table_text(n=60))
    args = ["--data", data, "--target", "kind", "--batch-size", "8", "--epochs", "2"]
    whole = _train(tmp_path, "whole", *args)

    from glassnet.cli import pipeline
    from glassnet.train import Callback

    class CtrlC(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 2 and not getattr(self, "sent", False):
                self.sent = True
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of the third step

    made = pipeline.run_callbacks

    def with_ctrl_c(*a, **k):
        logger, callbacks = made(*a, **k)
        return logger, [*callbacks, CtrlC()]

    monkeypatch.setattr(pipeline, "run_callbacks", with_ctrl_c)
    code = main(["train", "--runs-dir", str(tmp_path / "runs"), "--seed", "0", "--quiet",
                 "--diagnostics", "0", "--name", "cut", *args])  # fmt: skip
    assert code == 130
    monkeypatch.undo()
    cut = str(tmp_path / "runs" / "cut")
    ckpt = load_checkpoint(os.path.join(cut, "last.safetensors"), restore_rng=False)
    state = ckpt["extra"]["trainer"]
    assert (state["epoch"], state["step_in_epoch"]) == (0, 3)  # the third step ran to its end
    assert not [n for n in os.listdir(cut) if n.endswith(".tmp")]
    capsys.readouterr()
    assert main(["train", "--resume", cut, "--quiet"]) == 0
    got = load_checkpoint(os.path.join(cut, "last.safetensors"), restore_rng=False)["model"]
    want = load_checkpoint(os.path.join(whole, "last.safetensors"), restore_rng=False)["model"]
    assert got.keys() == want.keys()
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)
