"""Round 4b of PyTorch scripts (``round4b/``): the machinery around training, run unchanged
under ``glassnet run``.

The scripts follow what tutorials and blog posts copy around a training loop: OneCycleLR,
ReduceLROnPlateau on an accuracy, CosineAnnealingWarmRestarts with fractional epochs,
SequentialLR/ChainedScheduler/CyclicLR, warmup by hand; stochastic weight averaging
(``torch.optim.swa_utils``), an EMA and a target network by hand; parameter groups without
weight decay for biases and norms, optimizer state round trips; gradient accumulation and
clipping; activation checkpointing; freezing and unfreezing; state-dict surgery; DataLoader
variants (a padding collate_fn, batch samplers, weighted sampling, random_split, ConcatDataset,
IterableDataset); checkpoints with early stopping; gradient modes; gradient hooks; flat
parameter vectors. Where torch is installed each runs first under torch (which saves its
initial weights under ``INIT_WEIGHTS``) and then under glassnet from those weights; every
``LOSS`` line must agree: its numbers to a relative 1e-4, its other words exactly.

The tests after the runner pin the glassnet fixes the scripts led to, each against torch.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet as gn

from .script_runs import check_script

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "round4b")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_round4b_script_gives_torchs_results(script, tmp_path):
    check_script(os.path.join(HERE, script), tmp_path)


# ---------------------------------------------------------------- the fixes, against torch
def _net(lib, rng, bn=True):
    layers = [lib.nn.Linear(3, 4)] + ([lib.nn.BatchNorm1d(4)] if bn else []) + [lib.nn.Linear(4, 1)]
    model = lib.nn.Sequential(*layers)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.normal(size=tuple(p.shape)).astype(np.float32)))
    return model


def _swa_program(lib):
    """AveragedModel (SWA, EMA through multi_avg_fn with buffers, a custom avg_fn), SWALR and
    update_bn, as torch.optim.swa_utils."""
    swa = lib.optim.swa_utils
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.normal(size=(8, 3)).astype(np.float32))
    model = _net(lib, rng)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    averaged = swa.AveragedModel(model)
    ema = swa.AveragedModel(model, multi_avg_fn=swa.get_ema_multi_avg_fn(0.8), use_buffers=True)
    custom = swa.AveragedModel(model, avg_fn=lambda a, c, n: 0.25 * a + 0.75 * c)
    sched = swa.SWALR(opt, swa_lr=0.01, anneal_epochs=2, anneal_strategy="linear")
    seen = []
    for _ in range(4):
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        for m in (averaged, ema, custom):
            m.update_parameters(model)
        seen.append([round(opt.param_groups[0]["lr"], 7), int(averaged.n_averaged.item())])
        seen += [np.round(m.module[2].weight.detach().numpy(), 5).tolist() for m in (averaged, ema, custom)]
        seen.append(np.round(ema.module[1].running_mean.numpy(), 5).tolist())
    swa.update_bn([(x[:4], 0), (x[4:], 1)], averaged)
    bn = averaged.module[1]
    seen += [np.round(bn.running_var.numpy(), 5).tolist(), bn.momentum, averaged.training,
             list(averaged.state_dict())[:2]]
    with pytest.raises(ValueError):
        swa.SWALR(opt, swa_lr=0.01, anneal_strategy="step")
    return seen


def test_swa_utils_as_torchs():
    torch = pytest.importorskip("torch")
    assert _swa_program(gn) == _swa_program(torch)


def _foreach_program(lib):
    a = [lib.ones(2), lib.full((3,), 2.0)]
    b = [lib.tensor([1.0, 3.0]), lib.tensor([0.0, 1.0, 4.0])]
    lib._foreach_mul_(a, 0.5)
    lib._foreach_add_(a, b, alpha=0.25)
    lib._foreach_lerp_(a, b, 0.3)
    lib._foreach_sub_(a, [1.0, 2.0])
    lib._foreach_div_(a, 2.0)
    out = lib._foreach_mul(a, b)
    norms = lib._foreach_norm(b)
    lib._foreach_copy_(b, a)
    lib._foreach_zero_(a)
    return [np.round(t.numpy(), 6).tolist() for t in [*out, *norms, *a, *b]] + [type(out).__name__]


def test_foreach_functions_as_torchs():
    torch = pytest.importorskip("torch")
    assert _foreach_program(gn) == _foreach_program(torch)


def _plateau_program(lib):
    """ReduceLROnPlateau's state_dict with min_lr given per group loads into a fresh one."""
    a, b = lib.nn.Parameter(lib.ones(1)), lib.nn.Parameter(lib.ones(1))
    opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    first = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0,
                                                     threshold_mode="abs", min_lr=[0.05, 0.2])
    for metric in (1.0, 0.9, 0.8):
        first.step(metric)
    again = lib.optim.lr_scheduler.ReduceLROnPlateau(opt)
    again.load_state_dict(first.state_dict())
    again.step(0.5)
    return [again.mode, again.best, again.min_lrs, [g["lr"] for g in opt.param_groups]]


def test_plateau_state_dict_with_a_min_lr_per_group_as_torchs():
    torch = pytest.importorskip("torch")
    assert _plateau_program(gn) == _plateau_program(torch)


def _state_dict_program(lib):
    model = lib.nn.Linear(2, 1)
    model.register_buffer("step", lib.tensor(3))
    live = model.state_dict(keep_vars=True)
    into = {}
    got = model.state_dict(destination=into, prefix="net.")
    return [live["weight"] is model.weight, live["weight"].requires_grad,
            model.state_dict()["weight"].requires_grad, got is into, sorted(into)]


def test_state_dict_keep_vars_and_destination_as_torchs():
    torch = pytest.importorskip("torch")
    assert _state_dict_program(gn) == _state_dict_program(torch)


class _Rows:
    def __init__(self, lib):
        self.x = np.arange(12.0).reshape(6, 2)
        self.lib = lib

    def __len__(self):
        return 6

    def __getitem__(self, idx):
        return self.x[idx], idx


def _unbatched_program(lib):
    """DataLoader(batch_size=None): the sampler's items looked up and default_convert-ed."""
    data = lib.utils.data
    seen = []
    plain = data.DataLoader(_Rows(lib), batch_size=None)
    for x, i in plain:
        seen.append((type(x).__name__, x.tolist(), type(i).__name__))
    batched = data.DataLoader(_Rows(lib), batch_size=None,
                              sampler=data.BatchSampler(data.SequentialSampler(range(6)), 4, False))
    for x, i in batched:
        seen.append((tuple(x.shape), i))
    seen += [len(plain), len(batched)]
    seen.append(data.default_convert({"a": np.ones(2, np.float32), "b": [np.int64(3), "s", 2.5]})["b"][1:])
    with pytest.raises(ValueError):
        data.DataLoader(_Rows(lib), batch_size=None, drop_last=True)
    seen.append(data.ConcatDataset([_Rows(lib), _Rows(lib)]).cumulative_sizes)
    return seen


def test_dataloader_without_automatic_batching_as_torchs():
    torch = pytest.importorskip("torch")
    assert _unbatched_program(gn) == _unbatched_program(torch)


def _post_accumulate_program(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    log = []
    handle = w.register_post_accumulate_grad_hook(lambda p: log.append(p.grad.tolist()))
    (w * 3).sum().backward()
    ((w * w).sum() + w.sum()).backward()
    lib.autograd.grad((w * 2).sum(), w)  # no .grad accumulated: no call
    handle.remove()
    (w * 5).sum().backward()
    with pytest.raises(RuntimeError):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    return log + [w.grad.tolist()]


def test_post_accumulate_grad_hook_as_torchs():
    torch = pytest.importorskip("torch")
    assert _post_accumulate_program(gn) == _post_accumulate_program(torch)


def _vector_program(lib):
    model = lib.nn.Linear(2, 1)
    vec = lib.arange(3.0)
    lib.nn.utils.vector_to_parameters(vec, model.parameters())
    opt = lib.optim.SGD(model.parameters(), lr=0.5)
    model(lib.ones(1, 2)).sum().backward()
    opt.step()
    after_step = vec.tolist()
    vec.mul_(2)
    return [after_step, model.weight.tolist(), model.bias.tolist()]


def test_vector_to_parameters_makes_views_as_torchs():
    torch = pytest.importorskip("torch")
    assert _vector_program(gn) == _vector_program(torch)


def _generator_modes_program(lib):
    seen = []
    w = lib.ones(2, requires_grad=True)

    @lib.no_grad()
    def frozen(n):
        for _ in range(n):
            got = yield (w * 2).requires_grad, lib.is_grad_enabled()
            seen.append(got)

    @lib.inference_mode()
    def inferred():
        yield lib.is_grad_enabled()

    gen = frozen(3)
    seen.append(next(gen))
    seen.append(((w * 2).requires_grad, lib.is_grad_enabled()))  # the caller's mode between
    seen.append(gen.send("x"))
    with lib.no_grad():
        @lib.enable_grad()
        def enabled():
            yield (w * 2).requires_grad

        seen += list(enabled())
    seen += list(inferred()) + [lib.is_grad_enabled()]
    gen.close()

    @lib.no_grad()
    def returns():
        yield 1
        return "done"

    seen.append(list(_returned(returns())))
    return seen


def _returned(gen):
    value = yield from gen
    yield value


def test_grad_mode_decorators_on_generators_as_torchs():
    torch = pytest.importorskip("torch")
    assert _generator_modes_program(gn) == _generator_modes_program(torch)
