"""The Optimizer base: parameter groups, zero_grad, closures, state dicts, allocation-free steps."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

import glassnet as gn
from glassnet import optim
from glassnet.nn import Linear, Parameter
from glassnet.optim.optimizer import Optimizer, required

from .problem import NAMES, assert_params_match, gn_params, gn_step, torch_params, torch_step

ALL = [
    (optim.SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
    (optim.Adam, dict(lr=0.01, amsgrad=True)),
    (optim.AdamW, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adagrad, dict(lr=0.05, lr_decay=0.01)),
]
IDS = [c.__name__ for c, _ in ALL]


# ------------------------------------------------------------------ construction
def test_params_from_module_and_groups():
    model = Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    assert len(opt.param_groups) == 1
    assert opt.param_groups[0]["params"] == [model.weight, model.bias]
    opt = optim.SGD([{"params": [model.weight]}, {"params": model.bias, "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [model.bias]
    assert opt.param_groups[1]["momentum"] == 0.0  # default filled in


def test_add_param_group_uses_defaults():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = optim.Adam([a], lr=0.01, betas=(0.8, 0.9))
    opt.add_param_group({"params": [b], "lr": 0.1})
    assert opt.param_groups[1]["lr"] == 0.1
    assert opt.param_groups[1]["betas"] == (0.8, 0.9)


@pytest.mark.parametrize(
    "params, exc, words",
    [
        (Parameter(np.ones(2)), TypeError, ["single Tensor", "(2,)"]),
        ([], ValueError, ["empty parameter list"]),
        (3, TypeError, ["iterable", "int"]),
        ([Parameter(np.ones(2)), 5], TypeError, ["params[1]", "int"]),
        ({Parameter(np.ones(2))}, TypeError, ["set"]),
        ([gn.Tensor(np.arange(3))], TypeError, ["floating", "int64"]),
        ([{"lr": 0.1}], ValueError, ["'params'"]),
        ([{"params": []}], ValueError, ["empty parameter list"]),
    ],
)
def test_bad_params_are_named(params, exc, words):
    with pytest.raises(exc) as info:
        optim.SGD(params, lr=0.1)
    for w in words:
        assert w in str(info.value)
    assert str(info.value).startswith("SGD")


def test_non_leaf_and_duplicates_rejected():
    a = Parameter(np.ones(2))
    with pytest.raises(ValueError, match=r"Adam: params\[0\] \(shape \(2,\)\) is not a leaf"):
        optim.Adam([a * 2])
    with pytest.raises(ValueError, match=r"params\[1\] .* appears twice"):
        optim.Adam([a, a])
    with pytest.raises(ValueError, match=r"param group 1: params\[0\] .* another parameter group"):
        optim.Adam([{"params": [a]}, {"params": [a]}])
    opt = optim.Adam([a])
    with pytest.raises(ValueError, match="another parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="must be a dict, got list"):
        opt.add_param_group([a])


def test_group_hyperparameters_are_validated():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    with pytest.raises(ValueError, match=r"SGD: param group 1: lr must be .* got -0.5"):
        optim.SGD([{"params": [a]}, {"params": [b], "lr": -0.5}], lr=0.1)


def test_required_hyperparameter():
    class Plain(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

        def _step_group(self, group):
            for p in group["params"]:
                p.array -= group["lr"] * p.grad.array

    a = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="Plain: the group does not set the required 'lr'"):
        Plain([a])
    opt = Plain([{"params": [a], "lr": 0.5}])
    a.grad = gn.Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(a.numpy(), [0.5, 0.5])
    assert "required" in repr(required)


# ---------------------------------------------------------------- zero_grad, step
def test_zero_grad():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = gn.Tensor(np.full(2, 3.0))
    grad_array = a.grad.array
    opt.zero_grad(set_to_none=False)
    assert a.grad.array is grad_array and not grad_array.any()
    assert b.grad is None
    opt.zero_grad()
    assert a.grad is None


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_step_skips_parameters_without_grad_and_keeps_grads(cls, kwargs):
    params = gn_params()
    opt = cls(params, **kwargs)
    before = [p.numpy().copy() for p in params]
    gn_step(opt, params)
    grads = [None if p.grad is None else p.grad.numpy().copy() for p in params]
    for _ in range(2):
        opt.step()
    for name, p, b, g in zip(NAMES, params, before, grads):
        if name == "unused":
            np.testing.assert_array_equal(p.numpy(), b)
            assert p.grad is None
            assert not opt.state.get(p) or cls is optim.Adagrad
        else:
            assert not np.array_equal(p.numpy(), b), name
            np.testing.assert_array_equal(p.grad.numpy(), g, err_msg=f"{name}: grad modified")


def test_step_with_closure():
    a = Parameter(np.array([3.0]))
    opt = optim.SGD([a], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with gn.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 9.0
    np.testing.assert_allclose(a.numpy(), [1.5])  # 3 - 0.25 * 6
    assert opt.step() is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_state_keeps_dtype_and_layout(cls, kwargs, dtype):
    params = gn_params(dtype)
    opt = cls(params, **kwargs)
    gn_step(opt, params)
    for p in params:
        assert p.dtype == dtype
        for name, v in opt.state.get(p, {}).items():
            if isinstance(v, np.ndarray):
                assert v.dtype == dtype and v.shape == p.shape, name
                assert v.flags.c_contiguous, name
            else:
                assert isinstance(v, int), name


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_steps_after_the_first_allocate_no_parameter_sized_memory(cls, kwargs):
    big = Parameter(np.random.default_rng(0).standard_normal(400_000).astype(np.float32))
    big.grad = gn.Tensor(np.random.default_rng(1).standard_normal(400_000).astype(np.float32))
    opt = cls([big], **kwargs)
    opt.step()
    state_ids = {k: id(v) for k, v in opt.state[big].items() if isinstance(v, np.ndarray)}
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < big.array.nbytes // 8, f"a step allocated {peak} bytes"
    assert {k: id(v) for k, v in opt.state[big].items() if isinstance(v, np.ndarray)} == state_ids


def test_repr_lists_groups():
    opt = optim.SGD([Parameter(np.ones(1))], lr=0.1, momentum=0.9)
    text = repr(opt)
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


# ------------------------------------------------------------------- state dicts
@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_state_dict_round_trip_continues_exactly(cls, kwargs):
    ref = gn_params()
    ref_opt = cls(ref, **kwargs)
    for _ in range(6):
        gn_step(ref_opt, ref)

    first = gn_params()
    opt = cls(first, **kwargs)
    for _ in range(3):
        gn_step(opt, first)
    saved = opt.state_dict()
    json.dumps(saved["param_groups"])  # hyper-parameters serialise
    resumed = [Parameter(p.numpy().copy()) for p in first]
    for _ in range(2):  # the original keeps training: the saved state must not change
        gn_step(opt, first)
    opt2 = cls(resumed, lr=123.0)  # lr comes back from the state dict
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    for _ in range(3):
        gn_step(opt2, resumed)
    for name, a, b in zip(NAMES, ref, resumed):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_state_dict_structure_and_json_keys():
    params = gn_params()
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}])
    gn_step(opt, params)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3, 4]]
    assert sorted(sd["state"]) == [0, 1, 2, 3]  # 4 ('unused') never had a gradient
    assert sd["state"][0]["step"] == 1
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["param_groups"][1]["betas"] == (0.9, 0.999)
    # a JSON round trip turns int keys into strings and tuples into lists
    text = json.dumps({"param_groups": sd["param_groups"]})
    reloaded = {
        "param_groups": json.loads(text)["param_groups"],
        "state": {str(k): v for k, v in sd["state"].items()},
    }
    opt2 = optim.Adam([{"params": params[:2]}, {"params": params[2:]}])
    reloaded["state"]["0"]["step"] = 1.0  # as PyTorch stores it
    opt2.load_state_dict(reloaded)
    assert opt2.param_groups[1]["betas"] == (0.9, 0.999)
    assert opt2.param_groups[1]["lr"] == 0.1
    assert opt2.state[params[0]]["step"] == 1 and isinstance(opt2.state[params[0]]["step"], int)


def test_load_casts_arrays_to_parameter_dtype():
    p32 = Parameter(np.ones(3, dtype=np.float32))
    opt = optim.SGD([p32], lr=0.1, momentum=0.9)
    opt.load_state_dict(
        {
            "state": {0: {"momentum_buffer": np.arange(3.0)}},
            "param_groups": [{"lr": 0.2, "momentum": 0.9, "params": [0]}],
        }
    )
    buf = opt.state[p32]["momentum_buffer"]
    assert buf.dtype == np.float32 and buf.flags.c_contiguous
    np.testing.assert_array_equal(buf, [0, 1, 2])
    assert opt.param_groups[0]["nesterov"] is False  # missing keys keep their value


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda sd: sd.pop("state"), ["no 'state' entry"]),
        (lambda sd: sd["param_groups"].append({"params": []}), ["2 parameter groups", "has 1"]),
        (lambda sd: sd["param_groups"][0]["params"].pop(), ["group 0 has 4 parameters", "5"]),
        (lambda sd: sd["state"].update({9: {}}), ["parameter 9", "none of"]),
        (lambda sd: sd["state"].update({"x": {}}), ["'x' is not a parameter index"]),
        (
            lambda sd: sd["state"][0].update(exp_avg=np.zeros((2, 2))),
            ["'exp_avg' of parameter 0 has shape (2, 2)", "(5, 6)"],
        ),
        (lambda sd: sd["param_groups"][0].update(lr=-1.0), ["lr must be", "-1.0"]),
    ],
)
def test_bad_state_dicts_are_named_and_change_nothing(mutate, words):
    params = gn_params()
    opt = optim.Adam(params, lr=0.01)
    gn_step(opt, params)
    sd = opt.state_dict()
    before = opt.state_dict()
    mutate(sd)
    with pytest.raises(ValueError) as info:
        opt.load_state_dict(sd)
    msg = str(info.value)
    assert msg.startswith("Adam.load_state_dict")
    for w in words:
        assert w in msg
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for k in before["state"]:
        np.testing.assert_array_equal(after["state"][k]["exp_avg"], before["state"][k]["exp_avg"])
    with pytest.raises(TypeError, match="expected a dict, got list"):
        opt.load_state_dict([])


def _torch_state_to_numpy(sd):
    return {
        "state": {
            k: {n: (v.numpy() if hasattr(v, "numpy") else v) for n, v in s.items()}
            for k, s in sd["state"].items()
        },
        "param_groups": [dict(g) for g in sd["param_groups"]],
    }


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_loads_a_torch_state_dict_and_continues_in_step(cls, kwargs, torch):
    tcls = getattr(torch.optim, cls.__name__)
    tp = torch_params(torch)
    topt = tcls(tp, **kwargs)
    for _ in range(3):
        torch_step(torch, topt, tp)
    gp = [Parameter(t.detach().numpy().copy()) for t in tp]
    gopt = cls(gp, lr=1.0)
    gopt.load_state_dict(_torch_state_to_numpy(topt.state_dict()))
    for _ in range(3):
        torch_step(torch, topt, tp)
        gn_step(gopt, gp)
    assert_params_match(gp, tp)


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_torch_loads_a_glassnet_state_dict_and_continues_in_step(cls, kwargs, torch):
    gp = gn_params()
    gopt = cls(gp, **kwargs)
    for _ in range(3):
        gn_step(gopt, gp)
    sd = gopt.state_dict()
    tsd = {
        "state": {
            k: {n: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for n, v in s.items()}
            for k, s in sd["state"].items()
        },
        "param_groups": sd["param_groups"],
    }
    tp = [torch.nn.Parameter(torch.tensor(p.numpy().copy())) for p in gp]
    topt = getattr(torch.optim, cls.__name__)(tp, lr=1.0)
    topt.load_state_dict(tsd)
    for _ in range(3):
        torch_step(torch, topt, tp)
        gn_step(gopt, gp)
    assert_params_match(gp, tp)


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS)
def test_blocked_updates_equal_whole_array_updates(cls, kwargs, monkeypatch):
    from glassnet.optim import optimizer as module

    monkeypatch.setenv("GLASSNET_KERNELS", "numpy")  # the blocks are the NumPy path's
    results = []
    for block_bytes in (8 * 1000 + 8, 1 << 40):  # 1001 float64 elements per block; no blocks
        monkeypatch.setattr(module, "_BLOCK_BYTES", block_bytes)
        params = gn_params()
        opt = cls(params, **kwargs)
        calls = []
        blocks = opt._blocks

        def counting(arrays, n, part=(0, 1), blocks=blocks, calls=calls):
            for piece in blocks(arrays, n, part):
                calls.append(piece[0].size)
                yield piece

        opt._blocks = counting
        for _ in range(3):
            gn_step(opt, params)
        results.append([p.numpy().copy() for p in params])
        if block_bytes < 1 << 40:
            assert 1001 in calls and 75_000 % 1001 in calls  # full and partial blocks ran
    for name, a, b in zip(NAMES, *results):
        np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize(
    "cls, kwargs",
    [c for c in ALL if c[0].__name__ in ("Adam", "AdamW")],
    ids=[i for c, i in zip(ALL, IDS) if c[0].__name__ in ("Adam", "AdamW")],
)
def test_updates_split_between_threads_equal_one_thread(cls, kwargs, monkeypatch):
    """With glassnet's thread count above one the blocks are shared out between threads;
    the parameters come out bit-identical (each element's update is the same arithmetic)."""
    from glassnet.ops import _parallel
    from glassnet.optim import optimizer as module

    monkeypatch.setattr(module, "_BLOCK_BYTES", 8 * 1000 + 8)
    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    results = []
    for threads in (1, 3):
        _parallel.set_num_threads(threads)
        try:
            params = gn_params()
            opt = cls(params, **kwargs)
            seen = []
            blocks = opt._blocks

            def counting(arrays, n, part=(0, 1), blocks=blocks, seen=seen):
                seen.append(part)
                yield from blocks(arrays, n, part)

            opt._blocks = counting
            for _ in range(3):
                gn_step(opt, params)
            results.append([p.numpy().copy() for p in params])
            assert {t for _, t in seen} == {threads}
        finally:
            _parallel.set_num_threads(_parallel._default_threads())
    for name, a, b in zip(NAMES, *results):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_named_parameters_are_taken_as_torch_takes_them(torch):
    """``AdamW(model.named_parameters())`` (torch 2.5+): the same steps as with the bare
    parameters, and each group's ``param_names`` in the state dict, as torch's."""
    rng = np.random.default_rng(4)
    w0, b0, x = rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=(5, 3))
    seen = []
    for lib in (gn, torch):
        layer = lib.nn.Linear(3, 2, dtype=lib.float64)
        layer.load_state_dict({"weight": lib.tensor(w0), "bias": lib.tensor(b0)})
        opt = lib.optim.AdamW([{"params": [("weight", layer.weight)], "lr": 0.05},
                               {"params": [("bias", layer.bias)]}], lr=0.1)  # fmt: skip
        for _ in range(3):
            opt.zero_grad()
            layer(lib.tensor(x)).square().sum().backward()
            opt.step()
        groups = opt.state_dict()["param_groups"]
        seen.append(([g["param_names"] for g in groups], [g["params"] for g in groups],
                     layer.weight.detach().numpy().copy()))
    assert seen[0][:2] == seen[1][:2]
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-12)
    with pytest.raises(ValueError, match="all \\(name, parameter\\) pairs or all parameters"):
        gn.optim.SGD([("w", gn.nn.Parameter(np.ones(2))), gn.nn.Parameter(np.ones(2))], lr=0.1)
