"""TOML run configurations: round trips, hostile text, clear errors naming the file and line."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.io import ConfigError, dump_config, load_config, loads_config, save_config

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

CONFIG = {
    "name": "mnist-cnn",
    "seed": 0,
    "resume": False,
    "tags": ["baseline", "cpu"],
    "model": {"channels": [32, 64], "dropout": 0.25, "activation": "relu"},
    "optim": {"name": "adam", "lr": 1e-3, "betas": [0.9, 0.999], "weight_decay": 0.0},
    "train": {"epochs": 10, "batch_size": 128, "grad_clip": math.inf},
}


def test_round_trip_of_a_run_config(tmp_path):
    path = tmp_path / "run.toml"
    save_config(CONFIG, path)
    assert load_config(path) == CONFIG
    text = path.read_text()
    assert text.startswith('name = "mnist-cnn"\nseed = 0\nresume = false\n')
    assert "\n[model]\nchannels = [32, 64]\n" in text
    assert "grad_clip = inf" in text


def test_dump_writes_what_it_should():
    text = dump_config(
        {
            "a b": 'quote" back\\ tab\t nl\n bell\x07 del\x7f é',
            "t": (1, 2.5, [True, "x"]),
            "np": np.float32(0.5),
            "npi": np.int64(3),
            "npb": np.bool_(False),
            "outer": {"inner": {"x": -math.inf}, "empty": {}},
            "nan": math.nan,
            "": 1,
        }
    )
    back = tomllib.loads(text)
    assert back["a b"] == 'quote" back\\ tab\t nl\n bell\x07 del\x7f é'
    assert back["t"] == [1, 2.5, [True, "x"]]
    assert (back["np"], back["npi"], back["npb"]) == (0.5, 3, False)
    assert back["outer"] == {"inner": {"x": -math.inf}, "empty": {}}
    assert math.isnan(back["nan"]) and back[""] == 1
    assert "[outer.inner]" in text and '"a b" = ' in text
    assert dump_config({}) == ""


@pytest.mark.parametrize(
    "config,match",
    [
        ({"a": None}, "'a' is None; TOML has no null"),
        ({"m": {"x": object()}}, "'m.x' is a object"),
        ({"l": [{"a": 1}]}, "'l' is a dict"),
        ({"l": [1, None]}, "'l' is None"),
        ({"big": 2**64}, "'big' is 18446744073709551616, outside TOML's 64-bit integer range"),
        ({"s": "\ud800"}, "'s' contains a lone surrogate"),
        ({1: 2}, "keys must be strings, got 1"),
        ({"t": {2: {}}}, "t: keys must be strings, got 2"),
        ([1], "expected a dict, got list"),
    ],
)
def test_dump_refuses_what_toml_cannot_hold(config, match):
    with pytest.raises(ConfigError, match=match):
        dump_config(config)


@pytest.mark.parametrize(
    "text,line,fault",
    [
        ("a = 1\nb = \n", 2, "invalid TOML"),
        ("a = 1\na = 2\n", 2, "invalid TOML"),
        ('x = "unterminated\n', 1, "invalid TOML"),
        ("[t]\n[t]\n", 2, "invalid TOML"),
        ("a = 1\n\n\nb = [1, 2\n", 5, "invalid TOML"),
    ],
)
def test_invalid_toml_names_the_file_and_line(text, line, fault, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"line {line}, column \\d+: {fault}: ") as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}, line {line}, column ")
    assert "(at " not in str(err.value)  # the position is said once, up front


def test_non_utf8_and_oversized_files(tmp_path, monkeypatch):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'a = 1\nname = "caf\xe9"\n')
    with pytest.raises(
        ConfigError, match=r"latin1.toml, line 2: invalid TOML: the file is not UTF-8"
    ):
        load_config(path)
    from glassnet.io import tomlconf

    monkeypatch.setattr(tomlconf, "MAX_CONFIG_BYTES", 10)
    path.write_text("a = 1234567890\n")
    with pytest.raises(ConfigError, match="over 10 bytes is refused"):
        load_config(path)


def test_deep_nesting_is_refused():
    with pytest.raises(ConfigError, match="<string>.*(nested too deeply|invalid TOML)"):
        loads_config("a = " + "[" * 100_000 + "]" * 100_000)


def test_missing_file_is_an_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "none.toml")


def test_python_310_without_tomli_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tomllib", None)
    monkeypatch.setitem(sys.modules, "tomli", None)
    with pytest.raises(ImportError, match="Python >= 3.11 .*pip install tomli"):
        loads_config("a = 1")


# ----------------------------------------------------------------------- property-based
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = st.text(max_size=8).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))
SCALARS = (
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=10).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))
)
VALUES = st.recursive(SCALARS, lambda c: st.lists(c, max_size=4), max_leaves=8)
CONFIGS = st.dictionaries(
    KEYS,
    VALUES | st.dictionaries(KEYS, VALUES | st.dictionaries(KEYS, VALUES, max_size=3), max_size=4),
    max_size=6,
)


@SETTINGS
@given(config=CONFIGS)
def test_dump_then_load_is_the_identity(config):
    assert tomllib.loads(dump_config(config)) == config
    assert loads_config(dump_config(config)) == config


@SETTINGS
@given(text=st.text(max_size=80))
def test_arbitrary_text_loads_or_is_refused_cleanly(text):
    try:
        out = loads_config(text, source="fuzz.toml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.toml")
        assert "invalid TOML" in str(exc)
    else:
        assert isinstance(out, dict)


@SETTINGS
@given(data=st.data())
def test_mutated_config_files_load_or_are_refused_cleanly(data, tmp_path_factory):
    raw = bytearray(dump_config(CONFIG).encode())
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i : i + data.draw(st.integers(0, 2))] = data.draw(st.binary(max_size=3))
    path = tmp_path_factory.mktemp("cfg") / "m.toml"
    path.write_bytes(bytes(raw))
    try:
        load_config(path)
    except ConfigError as exc:
        assert str(exc).startswith(f"{path}, line ")
