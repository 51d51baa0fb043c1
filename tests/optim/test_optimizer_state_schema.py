"""The newer optimizers describe their state (``STATE_ENTRIES``): checkpoints resume exactly
and a state that breaks the schema is refused with the entry named, changing nothing."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, optim
from glassnet.io import CheckpointError, load_checkpoint
from glassnet.io.checkpoint import save_checkpoint

MAKERS = {
    "Adadelta": lambda ps: optim.Adadelta(ps, lr=0.5),
    "Adamax": lambda ps: optim.Adamax(ps, lr=0.01),
    "NAdam": lambda ps: optim.NAdam(ps, lr=0.01),
    "RAdam": lambda ps: optim.RAdam(ps, lr=0.01),
    "ASGD": lambda ps: optim.ASGD(ps, lr=0.01, t0=1),
    "LBFGS": lambda ps: optim.LBFGS(ps, lr=0.5, history_size=3, max_iter=3),
}


def _setup(name, seed=0):
    gn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    return model, MAKERS[name](model.parameters())


def _train(model, opt, steps, start=0):
    for i in range(start, start + steps):
        rng = np.random.default_rng(i)
        x = gn.tensor(rng.standard_normal((5, 3)).astype(np.float32))

        def closure(x=x):
            opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            return loss

        opt.step(closure)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_checkpoint_resumes_exactly(name, tmp_path):
    ref, ref_opt = _setup(name)
    _train(ref, ref_opt, 6)
    model, opt = _setup(name)
    _train(model, opt, 3)
    save_checkpoint(tmp_path / "c.safetensors", model=model, optimizer=opt)
    fresh, fresh_opt = _setup(name, seed=9)
    load_checkpoint(tmp_path / "c.safetensors", model=fresh, optimizer=fresh_opt)
    _train(fresh, fresh_opt, 3, start=3)
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(np.asarray(fresh.state_dict()[k]), np.asarray(v), err_msg=k)


def _first_entry(sd):
    return sd["state"][min(sd["state"])]


CASES = [
    ("Adadelta", lambda e: e.update(acc_deltas=e.pop("acc_delta")), "unknown entry 'acc_deltas'"),
    ("Adadelta", lambda e: e.pop("square_avg"), "no 'square_avg' entry"),
    ("Adamax", lambda e: e.update(exp_inf=1.0), "'exp_inf' of parameter 0 must be an array"),
    ("Adamax", lambda e: e.update(step=-2), "must be a count"),
    ("NAdam", lambda e: e.update(mu_product="x"), "'mu_product' of parameter 0 must be a finite number"),
    ("NAdam", lambda e: e.update(mu_product=float("nan")), "must be a finite number"),
    ("RAdam", lambda e: e.update(exp_avg_sq=np.zeros(7, np.float32)), "has shape (7,)"),
    ("ASGD", lambda e: e.pop("eta"), "no 'eta' entry"),
    ("ASGD", lambda e: e.update(ax=None), "'ax' of parameter 0 must be an array"),
    ("LBFGS", lambda e: e.update(d=np.zeros(3, np.float32)), "'d' has shape (3,)"),
    ("LBFGS", lambda e: e.update(ro=0.5), "'ro' of parameter 0 must be a list"),
    ("LBFGS", lambda e: e.update(H_diag=[1.0]), "'H_diag' of parameter 0 must be a finite number"),
    ("LBFGS", lambda e: e.update(old_dirs=[np.zeros(2)]), "'old_dirs' has shape (2,)"),
    ("LBFGS", lambda e: e.update(n_iters=e.pop("n_iter")), "unknown entry 'n_iters'"),
]  # fmt: skip


@pytest.mark.parametrize("name, change, words", CASES)
def test_state_that_breaks_the_schema_is_refused(name, change, words, tmp_path):
    model, opt = _setup(name)
    _train(model, opt, 2)
    sd = copy.deepcopy(opt.state_dict())
    change(_first_entry(sd))
    fresh, fresh_opt = _setup(name, seed=3)
    _train(fresh, fresh_opt, 1)
    before = copy.deepcopy(fresh_opt.state_dict())
    with pytest.raises((ValueError, TypeError)) as info:
        fresh_opt.load_state_dict(sd)
    assert words in str(info.value), str(info.value)
    after = fresh_opt.state_dict()
    assert after.keys() == before.keys()
    for pid, entry in before["state"].items():
        for k, v in entry.items():
            np.testing.assert_array_equal(
                np.asarray(after["state"][pid][k], dtype=object), np.asarray(v, dtype=object)
            )


def test_checkpoint_with_a_broken_state_names_the_file(tmp_path):
    model, opt = _setup("NAdam")
    _train(model, opt, 2)
    sd = opt.state_dict()
    _first_entry(sd)["mu_product"] = -float("inf")

    class Holder:
        def state_dict(self):
            return sd

    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=Holder())
    fresh, fresh_opt = _setup("NAdam", seed=1)
    with pytest.raises(CheckpointError, match="checkpoint field 'optimizer'.*mu_product"):
        load_checkpoint(path, model=fresh, optimizer=fresh_opt)


def test_lbfgs_loads_torchs_state_dict(torch, rng):
    x = rng.standard_normal((5, 3)).astype(np.float32)
    tm = torch.nn.Linear(3, 2)
    topt = torch.optim.LBFGS(tm.parameters(), history_size=3)
    tx = torch.tensor(x)

    def closure():
        topt.zero_grad()
        loss = (tm(tx) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(2):
        topt.step(closure)

    def plain(v):
        if torch.is_tensor(v):
            return v.numpy()
        return [plain(t) for t in v] if isinstance(v, list) else v

    tsd = topt.state_dict()
    sd = {
        "state": {k: {n: plain(v) for n, v in e.items()} for k, e in tsd["state"].items()},
        "param_groups": tsd["param_groups"],
    }
    opt = optim.LBFGS(nn.Linear(3, 2).parameters(), history_size=3)
    opt.load_state_dict(sd)
    state = opt.state_dict()["state"][0]
    assert state["n_iter"] == tsd["state"][0]["n_iter"] and state["al"] is None
    np.testing.assert_array_equal(state["d"], tsd["state"][0]["d"].numpy())
