"""Usage errors: refused with exit status 2, before any data loads (issue 17, items 4 and 5)."""

from __future__ import annotations

import pytest

from glassnet.cli.options import UsageError, load_config_file, resolve_config

from .test_cli import glassnet, one_error_line

STRINGS_FOR_NUMBERS = [
    ('epochs = "3"', "epochs", "an integer", '"3"'),
    ('lr = "1e-3"', "lr", "a number", '"1e-3"'),
    ('hidden = "16"', "hidden", "a list of positive integers", '"16"'),
    ('dropout = "0.2"', "dropout", "a number", '"0.2"'),
    ('batch_size = "64"', "batch_size", "an integer", '"64"'),
    ('weight_decay = "0"', "weight_decay", "a number", '"0"'),
    ('val_split = "0.1"', "val_split", "a number", '"0.1"'),
    ('seed = "7"', "seed", "an integer", '"7"'),
    ('hidden = ["16"]', "hidden", "positive integers", '["16"]'),
]


@pytest.mark.parametrize("line, key, expected, shown", STRINGS_FOR_NUMBERS)
def test_a_toml_string_is_not_a_number(line, key, expected, shown, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(line + "\n")
    with pytest.raises(UsageError) as info:
        load_config_file(str(path))
    msg = str(info.value)
    assert msg.startswith(f"{path}: key {key!r}: ")
    assert expected in msg and f"got {shown}" in msg, msg


def test_the_same_strings_as_flags_are_still_parsed():
    config = resolve_config({"epochs": "3", "lr": "1e-3", "hidden": "16", "dropout": "0.2"})
    assert (config["epochs"], config["lr"], config["hidden"], config["dropout"]) == (
        3, 1e-3, [16], 0.2,
    )  # fmt: skip


@pytest.mark.parametrize(
    "line, shown",
    [
        ("epochs = true", "got true"),
        ("lr = false", "got false"),
        ("hidden = [true, 2]", "got [true, 2]"),
        ('augment = "yes"', 'got "yes"'),
        ("model = 3", "got 3"),
        ("dropout = 1.5", "got 1.5"),
    ],
)
def test_config_values_are_shown_in_toml_spelling(line, shown, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(line + "\n")
    with pytest.raises(UsageError) as info:
        load_config_file(str(path))
    msg = str(info.value)
    assert msg.endswith(shown), msg
    assert "True" not in msg and "False" not in msg


def test_string_epochs_in_a_config_exits_2(tmp_path):
    (tmp_path / "c.toml").write_text('data = "fashion-mnist-sample"\nepochs = "3"\n')
    proc = glassnet("train", "--config", "c.toml", "--runs-dir", "out", cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc)
    assert "key 'epochs'" in line and 'got "3"' in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../../etc/x", "a/b", ".hidden", "", "x" * 101, "-x"])
def test_bad_run_name_exits_2_before_the_data_loads(name, tmp_path):
    # the full data set is absent and may not be downloaded: if the data loaded first,
    # the error would be about the missing files (exit 1)
    env = {"GLASSNET_DATA": str(tmp_path / "nodata"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = glassnet(
        "train", "--data", "fashion-mnist", "--no-download", f"--name={name}",
        "--runs-dir", "out", cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc)
    assert line.startswith("glassnet: error: --name: ") and repr(name) in line, line
    assert not (tmp_path / "out").exists()


def test_bad_run_name_in_a_config_file_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('name = "../up"\n')
    with pytest.raises(UsageError, match=r"key 'name': .*got \"\.\./up\""):
        load_config_file(str(path))


def test_missing_cuda_is_reported_before_the_data_loads(tmp_path, monkeypatch):
    # the device is an argument too: a machine without CuPy hears so before any loading
    import glassnet.backend as backend

    if backend.cuda_available():
        pytest.skip("this machine has CuPy")
    from glassnet.cli import pipeline

    def no_loading(*args, **kwargs):
        raise AssertionError("the data loaded before the device was checked")

    monkeypatch.setattr(pipeline, "load_split", no_loading)
    config = resolve_config({"data": "fashion-mnist-sample", "device": "cuda", "epochs": "1",
                             "runs_dir": str(tmp_path / "out")})  # fmt: skip
    with pytest.raises(Exception) as info:
        pipeline.train_run(config, verbose=0)
    assert not isinstance(info.value, AssertionError), info.value
    assert not (tmp_path / "out").exists()
