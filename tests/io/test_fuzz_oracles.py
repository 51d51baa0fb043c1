"""Fuzzers with real oracles (issue 17, item 12): a load that succeeds must also be right.

- checkpoint metadata: a second decoder, written here from the format's description
  in docs/io.md, must accept exactly the files ``load_checkpoint`` accepts and decode
  them to the same values;
- config files: a table of what each ``glassnet train`` key takes, written here from
  docs/cli.md, must accept exactly the values ``load_config_file`` accepts, with the
  same result;
- TOML text: ``loads_config`` must load exactly what ``tomllib`` loads, to the same dict.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import nn
from glassnet.cli.options import DATASETS, MONITORS, SCHEDULES, UsageError, load_config_file
from glassnet.io import (
    CheckpointError,
    ConfigError,
    dump_config,
    load_checkpoint,
    load_file,
    load_metadata,
    loads_config,
    save_checkpoint,
    save_file,
)
from glassnet.models import list_models
from glassnet.optim import SGD
from glassnet.optim.lr_scheduler import StepLR
from glassnet.train.loop import OPTIMIZERS

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- checkpoint metadata
class Refused(Exception):
    pass


_SCALAR_TYPES = {
    "bool": np.bool_, "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "float16": np.float16, "float32": np.float32, "float64": np.float64,
}  # fmt: skip
_TAG_NAMES = ("__array__", "__tuple__", "__items__", "__float__", "__numpy__")


def _ref_value(v, tensors, used):
    """The documented decoding of one JSON value (docs/io.md, 'Values JSON cannot say')."""
    if isinstance(v, list):
        return [_ref_value(x, tensors, used) for x in v]
    if not isinstance(v, dict):
        return v
    tags = [t for t in _TAG_NAMES if t in v]
    if not tags:
        return {k: _ref_value(x, tensors, used) for k, x in v.items()}
    tag = tags[0]
    if set(v) != ({tag, "value"} if tag == "__numpy__" else {tag}):
        raise Refused("tag object with other keys")
    body = v[tag]
    if tag == "__array__":
        if not isinstance(body, str) or body not in tensors:
            raise Refused("unknown tensor")
        used.add(body)
        return tensors[body]
    if tag == "__tuple__":
        if not isinstance(body, list):
            raise Refused("tuple body")
        return tuple(_ref_value(x, tensors, used) for x in body)
    if tag == "__float__":
        if body not in ("inf", "-inf", "nan"):
            raise Refused("float body")
        return float(body)
    if tag == "__numpy__":
        inner = _ref_value(v["value"], tensors, used)
        if (
            body not in _SCALAR_TYPES
            or inner is None
            or isinstance(inner, (str, list, tuple, dict))
        ):
            raise Refused("numpy scalar")
        try:
            return _SCALAR_TYPES[body](inner)
        except (OverflowError, ValueError, TypeError):
            raise Refused("numpy scalar value") from None
    if not isinstance(body, list) or any(not isinstance(p, list) or len(p) != 2 for p in body):
        raise Refused("items body")
    out = {}
    for k, x in body:
        key = _ref_value(k, tensors, used)
        try:
            hash(key)
        except TypeError:
            raise Refused("unhashable key") from None
        out[key] = _ref_value(x, tensors, used)
    return out


def _no_constants(name):
    raise ValueError(name)


def _ref_checkpoint(meta, tensors):
    """What a correct reader makes of a checkpoint's metadata, or ``Refused``."""
    used = set()
    out = {}
    for field in ("epoch", "step", "optimizer", "scheduler", "rng_state", "extra"):
        if field not in meta:
            out[field] = None
            continue
        try:
            doc = json.loads(meta[field], parse_constant=_no_constants)
        except (ValueError, RecursionError):
            raise Refused("json") from None
        out[field] = _ref_value(doc, tensors, used)
    for field in ("epoch", "step"):
        v = out[field]
        if v is not None and (type(v) is not int or v < 0):
            raise Refused("counter")
    if any(not k.startswith("model.") and k not in used for k in tensors):
        raise Refused("stray tensor")
    return out


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return type(a) is type(b) and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if type(a) is not type(b):
        return False
    if isinstance(a, float) or isinstance(a, np.floating):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


@pytest.fixture(scope="module")
def checkpoint_parts(tmp_path_factory):
    gn.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = StepLR(opt, 2)
    model(gn.tensor(np.ones((2, 3), np.float32))).sum().backward()
    opt.step()
    path = tmp_path_factory.mktemp("ck") / "c.safetensors"
    extra = {"t": (1, 2.5), "inf": math.inf, "np": np.float32(0.5), 3: "int key"}
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=1, step=2,
                    extra=extra)  # fmt: skip
    return load_file(path), load_metadata(path)


JSON_BITS = st.sampled_from([
    "", "{", "}", "[", "]", ",", ":", '"', "0", "-1", "1.5", "null", "true", "NaN",
    '{"__tuple__": 1}', '{"__float__": "inf"}', '{"__float__": "x"}', '{"__array__": "nope"}',
    '{"__numpy__": "int8", "value": 300}', '{"__numpy__": "float32", "value": 1}',
    '{"__items__": [[1, 2]]}', '{"__items__": [[[1], 2]]}', '{"__array__": "model.weight"}',
    '{"__tuple__": [1], "x": 2}', '"x"', "[[[", "1e999",
])  # fmt: skip


@SETTINGS
@given(data=st.data())
def test_mutated_checkpoint_metadata_loads_exactly_what_a_correct_reader_reads(
    checkpoint_parts, tmp_path_factory, data
):
    tensors, meta = checkpoint_parts
    meta = dict(meta)
    for _ in range(data.draw(st.integers(1, 3))):
        field = data.draw(st.sampled_from(["epoch", "step", "optimizer", "scheduler", "extra"]))
        text = meta.get(field, "")
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 12)))
        meta[field] = text[:i] + data.draw(JSON_BITS) + text[j:]
    path = tmp_path_factory.mktemp("mut") / "c.safetensors"
    save_file(tensors, path, metadata=meta)
    try:
        want = _ref_checkpoint(meta, load_file(path))
    except Refused:
        want = None
    try:
        got = load_checkpoint(path, restore_rng=False)
    except CheckpointError as exc:
        assert str(path) in str(exc)
        assert want is None, f"refused a checkpoint a correct reader reads: {exc}"
        return
    assert want is not None, "loaded a checkpoint a correct reader refuses"
    for field, value in want.items():
        assert _same(got[field], value), field


# -------------------------------------------------------------------- config files
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _integer(v):
    return type(v) is int


def _number(v):
    return type(v) in (int, float)


#: What each key of a ``glassnet train`` config takes (docs/cli.md), as (accepts, result).
SPEC = {
    "epochs": lambda v: _integer(v) and v > 0,
    "batch_size": lambda v: _integer(v) and v > 0,
    "threads": lambda v: _integer(v) and v > 0,
    "early_stopping": lambda v: _integer(v) and v >= 0,
    "checkpoint_every": lambda v: _integer(v) and v >= 0,
    "seed": lambda v: _integer(v) and v >= 0,
    "lr": lambda v: _number(v) and 0 < v < math.inf,
    "clip_grad_norm": lambda v: _number(v) and 0 < v < math.inf,
    "weight_decay": lambda v: _number(v) and 0 <= v < math.inf,
    "l1": lambda v: _number(v) and 0 <= v < math.inf,
    "l2": lambda v: _number(v) and 0 <= v < math.inf,
    "dropout": lambda v: _number(v) and 0 <= v < 1,
    "val_split": lambda v: _number(v) and 0 < v <= 0.5,
    "hidden": lambda v: (
        (_integer(v) and v > 0)
        or (type(v) is list and len(v) > 0 and all(_integer(x) and x > 0 for x in v))
    ),
    "augment": lambda v: type(v) is bool,
    "model": lambda v: type(v) is str and v in list_models(),
    "data": lambda v: type(v) is str and v in DATASETS,
    "optimizer": lambda v: type(v) is str and v in OPTIMIZERS,
    "schedule": lambda v: type(v) is str and v in SCHEDULES,
    "monitor": lambda v: type(v) is str and v in MONITORS,
    "name": lambda v: type(v) is str and _NAME.fullmatch(v) is not None,
    "runs_dir": lambda v: type(v) is str and v != "",
}
FLOAT_KEYS = ("lr", "clip_grad_norm", "weight_decay", "l1", "l2", "dropout", "val_split")
VALUES = (
    st.integers(-3, 300)
    | st.floats(-2, 2)
    | st.sampled_from([math.inf, -math.inf, 0.0, 0.5, 1.0, 1e-3, 1e300])
    | st.booleans()
    | st.sampled_from(["3", "1e-3", "0.2", "16", "three", "", "mlp", "adam", "cosine",
                       "val_loss", "fashion-mnist-sample", "../x", "run-1", "true"])
    | st.lists(st.integers(-1, 300) | st.booleans() | st.just("8"), max_size=3)
)  # fmt: skip


@SETTINGS
@given(config=st.dictionaries(st.sampled_from(sorted(SPEC)), VALUES, min_size=1, max_size=4))
def test_config_files_are_accepted_exactly_as_documented(config, tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "c.toml"
    path.write_text(dump_config(config))
    expected_ok = all(SPEC[k](v) for k, v in config.items())
    try:
        got = load_config_file(str(path))
    except UsageError as exc:
        assert not expected_ok, f"refused a valid config {config}: {exc}"
        assert str(exc).startswith(f"{path}: key ")
        assert "True" not in str(exc) and "False" not in str(exc)  # TOML spells true/false
        return
    assert expected_ok, f"accepted {config} as {got}"
    for k, v in config.items():
        if k == "hidden":
            assert got[k] == ([v] if type(v) is int else v)
        elif k in FLOAT_KEYS:
            assert type(got[k]) is float and got[k] == float(v), k
        else:
            assert type(got[k]) is type(v) and got[k] == v, k


# --------------------------------------------------------------------------- TOML
TOML_BITS = st.sampled_from(
    list("=[]{}\"'#.,\n ") + ["a", "1", "true", "inf", "x = 1", "[t]", '"""']
)


@SETTINGS
@given(parts=st.lists(TOML_BITS | st.text(max_size=3), max_size=20))
def test_toml_text_loads_exactly_what_tomllib_loads(parts):
    text = "".join(parts)
    try:
        want = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        want = None
    try:
        got = loads_config(text, source="fuzz.toml")
    except ConfigError as exc:
        assert want is None, f"refused TOML that tomllib loads: {exc}"
        assert re.match(r"fuzz\.toml(, line \d+(, column \d+)?)?: invalid TOML: ", str(exc))
        return
    assert want is not None and got == want
