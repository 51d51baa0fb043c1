"""Checkpoints: exact resume, the JSON/tensor split, the convenience save/load, refusals."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
import glassnet.random as gr
from glassnet import nn
from glassnet.io import (
    FORMAT_VERSION,
    CheckpointError,
    load,
    load_checkpoint,
    load_file,
    load_metadata,
    save,
    save_checkpoint,
    save_file,
)


class MomentumSGD:
    """A minimal optimizer with PyTorch's state-dict layout (stands in for glassnet.optim)."""

    def __init__(self, params, lr=0.1, momentum=0.9):
        self.params = list(params)
        self.param_groups = [
            {
                "lr": lr,
                "momentum": momentum,
                "betas": (0.5, 0.25),
                "params": list(range(len(self.params))),
            }
        ]
        self.state = {}

    def step(self):
        g = self.param_groups[0]
        for i, p in enumerate(self.params):
            s = self.state.setdefault(i, {"step": 0, "buf": np.zeros_like(p.array)})
            s["buf"] = g["momentum"] * s["buf"] + p.grad.array
            s["step"] += 1
            p.array -= g["lr"] * s["buf"]

    def state_dict(self):
        return {
            "state": {
                i: {"step": s["step"], "buf": s["buf"].copy()} for i, s in self.state.items()
            },
            "param_groups": [dict(g) for g in self.param_groups],
        }

    def load_state_dict(self, sd):
        self.state = {
            i: {"step": s["step"], "buf": s["buf"].copy()} for i, s in sd["state"].items()
        }
        self.param_groups = [dict(g) for g in sd["param_groups"]]


class HalvingLR:
    """A scheduler-like object: halves the lr every `every` steps."""

    def __init__(self, opt, every=3):
        self.opt, self.every, self.last_epoch = opt, every, 0

    def step(self):
        self.last_epoch += 1
        if self.last_epoch % self.every == 0:
            self.opt.param_groups[0]["lr"] *= 0.5

    def state_dict(self):
        return {"every": self.every, "last_epoch": self.last_epoch}

    def load_state_dict(self, sd):
        self.every, self.last_epoch = sd["every"], sd["last_epoch"]


def _setup(seed):
    gn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    opt = MomentumSGD(model.parameters())
    return model, opt, HalvingLR(opt)


def _train(model, opt, sched, steps):
    for _ in range(steps):
        # data drawn from glassnet's global generator: resuming must restore it
        x = gn.Tensor(gr.get_rng().standard_normal((5, 3)).astype(np.float32))
        model.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()
        sched.step()


def test_resume_matches_an_uninterrupted_run_exactly(tmp_path):
    model, opt, sched = _setup(0)
    _train(model, opt, sched, 4)
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(
        path, model=model, optimizer=opt, scheduler=sched, epoch=1, step=4, extra={"best": 0.5}
    )
    _train(model, opt, sched, 5)
    want = model.state_dict()

    model2, opt2, sched2 = _setup(123)  # different weights and RNG
    info = load_checkpoint(path, model=model2, optimizer=opt2, scheduler=sched2)
    assert (info["epoch"], info["step"], info["extra"]) == (1, 4, {"best": 0.5})
    assert info["format_version"] == FORMAT_VERSION
    _train(model2, opt2, sched2, 5)
    for k, v in model2.state_dict().items():
        np.testing.assert_array_equal(v, want[k])
    assert opt2.param_groups == opt.param_groups  # lr halved at the same steps; betas still a tuple


def test_resume_without_rng_state_diverges(tmp_path):
    # the check above would not notice a lost RNG state unless the data depend on it
    model, opt, sched = _setup(0)
    _train(model, opt, sched, 2)
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, rng_state=False)
    _train(model, opt, sched, 2)
    model2, opt2, sched2 = _setup(5)
    info = load_checkpoint(path, model=model2, optimizer=opt2, scheduler=sched2)
    assert info["rng_state"] is None
    _train(model2, opt2, sched2, 2)
    assert not np.array_equal(model2.state_dict()["0.weight"], model.state_dict()["0.weight"])


def test_restore_rng_false_leaves_the_generator_alone(tmp_path):
    model, _, _ = _setup(0)
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model)
    gn.manual_seed(99)
    expected = np.random.default_rng(99).standard_normal()
    load_checkpoint(path, restore_rng=False)
    assert gr.get_rng().standard_normal() == expected
    gn.manual_seed(99)
    load_checkpoint(path)
    assert gr.get_rng().standard_normal() != expected


def test_file_layout(tmp_path):
    model, opt, sched = _setup(0)
    _train(model, opt, sched, 1)
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=2, step=7)
    tensors, meta = load_file(path), load_metadata(path)
    assert sorted(tensors) == sorted(
        ["model.0.weight", "model.0.bias", "model.1.weight", "model.1.bias"]
        + [f"optim.state.{i}.buf" for i in range(4)]
    )
    assert meta["format"] == "glassnet.checkpoint" and meta["format_version"] == "1"
    assert (json.loads(meta["epoch"]), json.loads(meta["step"])) == (2, 7)
    assert json.loads(meta["scheduler"]) == {"every": 3, "last_epoch": 1}
    optim = json.loads(meta["optimizer"])
    assert optim["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert optim["state"]["__items__"][0] == [
        0,
        {"step": 1, "buf": {"__array__": "optim.state.0.buf"}},
    ]
    rng = json.loads(meta["rng_state"])
    assert rng["bit_generator"] == "PCG64"


def test_awkward_values_round_trip(tmp_path):
    extra = {
        "tuple": (1, (2.5, "x")),
        "inf": math.inf,
        "ninf": -math.inf,
        "f32": np.float32(0.1),
        "i64": np.int64(2**40),
        "flag": np.bool_(True),
        "int_keys": {0: "a", 3: [1, 2]},
        "mixed_keys": {1: 1, "1": 2, (1, 2): 3, None: 4},
        "__array__": "a user key that looks like a tag",
        "arr": np.arange(6).reshape(2, 3),
        "nested": [{"t": gn.tensor([1.0, 2.0])}],
        "empty": {},
        "none": None,
    }
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model={}, extra=extra)
    got = load_checkpoint(path)["extra"]
    assert got["tuple"] == (1, (2.5, "x")) and isinstance(got["tuple"][1], tuple)
    assert got["inf"] == math.inf and got["ninf"] == -math.inf
    assert type(got["f32"]) is np.float32 and got["f32"] == np.float32(0.1)
    assert type(got["i64"]) is np.int64 and got["i64"] == 2**40
    assert type(got["flag"]) is np.bool_ and got["flag"]
    assert got["int_keys"] == {0: "a", 3: [1, 2]}
    assert got["mixed_keys"] == {1: 1, "1": 2, (1, 2): 3, None: 4}
    assert got["__array__"] == extra["__array__"]
    np.testing.assert_array_equal(got["arr"], extra["arr"])
    assert got["arr"].dtype == extra["arr"].dtype
    np.testing.assert_array_equal(got["nested"][0]["t"], [1.0, 2.0])
    assert got["empty"] == {} and got["none"] is None
    nan = tmp_path / "nan.safetensors"
    save_checkpoint(nan, model={}, extra=[math.nan])
    assert math.isnan(load_checkpoint(nan)["extra"][0])


def test_torch_adam_state_survives_the_round_trip(tmp_path, torch):
    # PyTorch's optimizer state dict is the layout glassnet's optimizers follow
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2, betas=(0.8, 0.99), amsgrad=True)

    def steps(n):
        for i in range(n):
            opt.zero_grad()
            net(torch.full((4, 3), float(i + 1))).pow(2).sum().backward()
            opt.step()

    steps(3)

    class AsNumpy:  # what a glassnet optimizer's state_dict looks like: arrays, not tensors
        def state_dict(self):
            sd = opt.state_dict()
            conv = {i: {k: v.numpy().copy() for k, v in s.items()} for i, s in sd["state"].items()}
            return {"state": conv, "param_groups": sd["param_groups"]}

    path = tmp_path / "c.safetensors"
    save_checkpoint(
        path,
        model={k: v.detach().numpy() for k, v in net.state_dict().items()},
        optimizer=AsNumpy(),
    )
    snapshot = {k: v.clone() for k, v in net.state_dict().items()}
    steps(2)
    want = {k: v.clone() for k, v in net.state_dict().items()}

    got = load_checkpoint(path)
    assert got["optimizer"]["param_groups"] == opt.state_dict()["param_groups"]
    assert isinstance(got["optimizer"]["param_groups"][0]["betas"], tuple)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in got["model"].items()})
    for k in snapshot:
        assert torch.equal(net.state_dict()[k], snapshot[k])
    state = {
        i: {k: torch.from_numpy(v) for k, v in s.items()}
        for i, s in got["optimizer"]["state"].items()
    }
    opt.load_state_dict({"state": state, "param_groups": got["optimizer"]["param_groups"]})
    steps(2)
    for k in want:
        assert torch.equal(net.state_dict()[k], want[k])


# ------------------------------------------------------------------ save / load convenience
def test_save_and_load_weights(tmp_path):
    model, _, _ = _setup(0)
    path = tmp_path / "w.safetensors"
    save(model, path, metadata={"arch": "mlp"})
    sd = load(path)
    assert list(sd) == sorted(model.state_dict())  # sorted by the writer (same item size)
    other, _, _ = _setup(1)
    other.load_state_dict(sd)
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v, model.state_dict()[k])
    save(model.state_dict(), path)
    assert sorted(load(path)) == sorted(model.state_dict())


def test_load_reads_the_weights_of_a_checkpoint(tmp_path):
    model, opt, sched = _setup(0)
    _train(model, opt, sched, 1)
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=opt)
    sd = load(path)
    assert sorted(sd) == sorted(model.state_dict())
    np.testing.assert_array_equal(sd["1.bias"], model.state_dict()["1.bias"])


# ------------------------------------------------------------------ refusals
def test_save_checkpoint_refuses_bad_arguments(tmp_path):
    model, _, _ = _setup(0)
    path = tmp_path / "c.safetensors"
    with pytest.raises(TypeError, match=r"extra\['fn'\] is a function.*no pickle"):
        save_checkpoint(path, model=model, extra={"fn": lambda: 1})
    with pytest.raises(TypeError, match=r"extra\['a'\]\['0'\] is a complex"):
        save_checkpoint(path, model=model, extra={"a": [1j]})
    with pytest.raises(TypeError, match=r"extra has a key of type frozenset"):
        save_checkpoint(path, model=model, extra={frozenset(): 1})
    with pytest.raises(TypeError, match="gives the tensor name 'extra.0' twice"):
        save_checkpoint(path, model=model, extra={0: np.ones(1), "0": np.ones(1)})
    with pytest.raises(ValueError, match="epoch must be a non-negative int or None, got -1"):
        save_checkpoint(path, model=model, epoch=-1)
    with pytest.raises(ValueError, match="step must be a non-negative int or None, got 1.5"):
        save_checkpoint(path, model=model, step=1.5)
    with pytest.raises(TypeError, match="rng_state must be True or False, got 'yes'"):
        save_checkpoint(path, model=model, rng_state="yes")
    with pytest.raises(TypeError, match="optimizer has no state_dict"):
        save_checkpoint(path, model=model, optimizer=object())
    with pytest.raises(TypeError, match="model: expected a Module or a state dict, got int"):
        save_checkpoint(path, model=3)
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested too deeply"):
        save_checkpoint(path, model=model, extra=loop)
    with pytest.raises(TypeError, match="save: expected a Module or a state dict, got str"):
        save("model", path)
    assert not path.exists()


def _ckpt(tmp_path, tensors=None, **meta):
    base = {"format": "glassnet.checkpoint", "format_version": "1", "epoch": "null", "step": "null"}
    base.update(meta)
    path = tmp_path / "bad.safetensors"
    save_file(tensors or {}, path, metadata={k: v for k, v in base.items() if v is not None})
    return path


@pytest.mark.parametrize(
    "tensors,meta,match",
    [
        (None, {"format": None}, "not a glassnet checkpoint .*glassnet.io.load"),
        (None, {"format": "other"}, "not a glassnet checkpoint \\(metadata 'format' is 'other'\\)"),
        (
            None,
            {"format_version": "2"},
            "format version 2 is newer than this glassnet reads \\(1\\)",
        ),
        (None, {"format_version": "x"}, "bad checkpoint format_version 'x'"),
        (None, {"format_version": "\u00b21"}, "bad checkpoint format_version '\u00b21'"),
        (None, {"format_version": "0"}, "bad checkpoint format_version '0'"),
        (None, {"epoch": "{"}, "field 'epoch' is not valid JSON"),
        (None, {"epoch": '"3"'}, "field 'epoch' must be an int, got '3'"),
        (None, {"step": "true"}, "field 'step' must be an int"),
        (None, {"extra": "NaN"}, "field 'extra' is not valid JSON.*NaN"),
        (None, {"extra": "[" * 50_000 + "]" * 50_000}, "field 'extra' is nested too deeply"),
        (
            None,
            {"extra": '{"__array__": "nope"}'},
            "refers to a tensor 'nope' that the file does not hold",
        ),
        (None, {"extra": '{"__tuple__": 3}'}, "__tuple__ must hold a list"),
        (None, {"extra": '{"__tuple__": [], "x": 1}'}, "malformed __tuple__ object"),
        (None, {"extra": '{"__float__": "1e999"}'}, "__float__ must be 'inf', '-inf' or 'nan'"),
        (None, {"extra": '{"__numpy__": "object", "value": 1}'}, "bad __numpy__ scalar 'object'"),
        (None, {"extra": '{"__numpy__": "uint8", "value": 999}'}, "bad __numpy__ scalar uint8"),
        (None, {"extra": '{"__items__": [[[1], 2]]}'}, "unhashable dict key \\[1\\]"),
        (
            None,
            {"extra": '{"__items__": [1]}'},
            "__items__ must be a list of \\[key, value\\] pairs",
        ),
        (None, {"rng_state": '{"bit_generator": "MT19937"}'}, "'rng_state' is not a valid state"),
        (
            None,
            {
                "rng_state": '{"bit_generator": "PCG64", "state": {"state": -1, "inc": 1}, "has_uint32": 0, "uinteger": 0}'
            },
            "'rng_state' is not a valid state",
        ),
        (None, {"rng_state": "[]"}, "'rng_state' is not a valid state"),
        ({"junk": np.ones(2)}, {}, "tensors \\['junk'\\] are not referenced"),
    ],
)
def test_load_checkpoint_refuses_damaged_metadata(tensors, meta, match, tmp_path):
    path = _ckpt(tmp_path, tensors, **meta)
    with pytest.raises(CheckpointError, match=match) as err:
        load_checkpoint(path)
    assert str(path) in str(err.value)


def test_load_checkpoint_refuses_missing_parts(tmp_path):
    model, opt, sched = _setup(0)
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model)
    with pytest.raises(
        CheckpointError, match="holds no optimizer state, but a optimizer was given"
    ):
        load_checkpoint(path, optimizer=opt)
    with pytest.raises(CheckpointError, match="holds no scheduler state"):
        load_checkpoint(path, scheduler=sched)
    bigger = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2), nn.Linear(2, 1))
    with pytest.raises(KeyError, match="missing keys \\['2.weight', '2.bias'\\]"):
        load_checkpoint(path, model=bigger)
    assert load_checkpoint(path, model=bigger, strict=False)["epoch"] is None


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.data())
def test_mutated_metadata_is_refused_cleanly_or_loads(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("mut")
    model, opt, sched = _setup(0)
    _train(model, opt, sched, 1)
    path = folder / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, extra={"t": (1, 2)})
    tensors, meta = load_file(path), load_metadata(path)
    field = data.draw(st.sampled_from(sorted(meta)))
    text = meta[field]
    i = data.draw(st.integers(0, max(len(text) - 1, 0)))
    meta[field] = (
        text[:i] + data.draw(st.text(max_size=4)) + text[i + data.draw(st.integers(0, 3)) :]
    )
    save_file(tensors, path, metadata=meta)
    try:
        load_checkpoint(path, restore_rng=False)
    except CheckpointError as exc:
        assert str(path) in str(exc)


# ------------------------------------------------------------------ with glassnet.optim
def _optim():
    optim = pytest.importorskip("glassnet.optim")
    if not hasattr(optim, "Adam"):
        pytest.skip("glassnet.optim has no optimizers yet")
    return optim, pytest.importorskip("glassnet.optim.lr_scheduler")


OPTIMIZERS = {
    "sgd-nesterov": lambda o, p: o.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam-amsgrad": lambda o, p: o.Adam(p, lr=0.01, betas=(0.8, 0.95), amsgrad=True),
    "adamw": lambda o, p: o.AdamW(p, lr=0.01),
    "rmsprop-centered": lambda o, p: o.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda o, p: o.Adagrad(p, lr=0.1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resume_with_glassnet_optimizers_is_exact(name, tmp_path):
    optim, lrs = _optim()

    def setup(seed):
        gn.manual_seed(seed)
        model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
        opt = OPTIMIZERS[name](optim, model.parameters())
        return model, opt, lrs.MultiStepLR(opt, milestones=[2, 5, 5], gamma=0.5)

    model, opt, sched = setup(0)
    _train(model, opt, sched, 3)
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=3)
    _train(model, opt, sched, 4)
    model2, opt2, sched2 = setup(7)
    load_checkpoint(path, model=model2, optimizer=opt2, scheduler=sched2)
    _train(model2, opt2, sched2, 4)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(model2.state_dict()[k], v)
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_reduce_lr_on_plateau_state_with_infinity_round_trips(tmp_path):
    optim, _ = _optim()
    plateau_mod = pytest.importorskip("glassnet.optim.lr_plateau")
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    plateau = plateau_mod.ReduceLROnPlateau(opt, patience=0)
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=plateau)  # best is still inf
    assert load_checkpoint(path)["scheduler"] == plateau.state_dict()
    for metric in (1.0, 2.0, 3.0):
        plateau.step(metric)
    save_checkpoint(path, model=model, optimizer=opt, scheduler=plateau)
    opt2 = optim.SGD(model.parameters(), lr=0.1)
    plateau2 = plateau_mod.ReduceLROnPlateau(opt2, patience=0)
    load_checkpoint(path, optimizer=opt2, scheduler=plateau2)
    assert plateau2.state_dict() == plateau.state_dict()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] < 0.1
