"""The epoch schedulers and the LRScheduler base, against torch.optim.lr_scheduler."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from glassnet.optim import lr_scheduler as S

from .lr_helpers import gn_optimizer, lr_sequences, torch_optimizer

# name -> (glassnet factory, torch factory(lr_scheduler module))
CASES = {
    "step": (lambda o: S.StepLR(o, 7, gamma=0.5), lambda T, o: T.StepLR(o, 7, gamma=0.5)),
    "multistep": (
        lambda o: S.MultiStepLR(o, [25, 3, 10, 10], gamma=0.3),
        lambda T, o: T.MultiStepLR(o, [25, 3, 10, 10], gamma=0.3),
    ),
    "exponential": (lambda o: S.ExponentialLR(o, 0.9), lambda T, o: T.ExponentialLR(o, 0.9)),
    "cosine": (
        lambda o: S.CosineAnnealingLR(o, 10, eta_min=0.01),
        lambda T, o: T.CosineAnnealingLR(o, 10, eta_min=0.01),
    ),
    "cosine_zero_min": (
        lambda o: S.CosineAnnealingLR(o, 17),
        lambda T, o: T.CosineAnnealingLR(o, 17),
    ),
    "linear": (
        lambda o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=8),
        lambda T, o: T.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=8),
    ),
    "linear_default": (lambda o: S.LinearLR(o), lambda T, o: T.LinearLR(o)),
    "lambda": (
        lambda o: S.LambdaLR(o, lambda e: 0.95**e),
        lambda T, o: T.LambdaLR(o, lambda e: 0.95**e),
    ),
    "lambda_per_group": (
        lambda o: S.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: e % 3]),
        lambda T, o: T.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: e % 3]),
    ),
}


@pytest.fixture
def torch_sched(torch):
    return torch.optim.lr_scheduler


@pytest.mark.parametrize("name", sorted(CASES))
def test_lr_sequence_matches_torch(name, torch, torch_sched):
    make_gn, make_t = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, t = lr_sequences(torch, make_gn, lambda o: make_t(torch_sched, o), steps=45)
    np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-15)
    assert len(np.unique(g[:, 0])) > 2  # the schedule does change the lr


def test_chained_schedulers_compose_like_torch(torch, torch_sched):
    def gn_make(o):
        return [S.ExponentialLR(o, 0.9), S.StepLR(o, 5, gamma=0.5)]

    def t_make(o):
        return [torch_sched.ExponentialLR(o, 0.9), torch_sched.StepLR(o, 5, gamma=0.5)]

    class Both:
        def __init__(self, scheds):
            self.scheds = scheds

        def get_last_lr(self):
            return self.scheds[-1].get_last_lr()

        def step(self):
            for s in self.scheds:
                s.step()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, t = lr_sequences(torch, lambda o: Both(gn_make(o)), lambda o: Both(t_make(o)), 30)
    np.testing.assert_allclose(g, t, rtol=1e-12)


def test_construction_sets_initial_lr_and_epoch_zero():
    opt = gn_optimizer()
    sched = S.LinearLR(opt, start_factor=0.5, total_iters=4)
    assert sched.last_epoch == 0
    assert sched.base_lrs == [0.1, 0.03]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    assert sched.get_last_lr() == [0.05, 0.015]
    assert opt.param_groups[0]["lr"] == 0.05
    assert "LinearLR(last_epoch=0" in repr(sched)


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_dict_round_trip_resumes_the_sequence(name):
    make_gn, _ = CASES[name]
    opt = gn_optimizer()
    sched = make_gn(opt)
    full = []
    for _ in range(30):
        full.append(sched.get_last_lr())
        opt.step()
        sched.step()

    opt = gn_optimizer()
    sched = make_gn(opt)
    for _ in range(12):
        opt.step()
        sched.step()
    saved_opt = opt.state_dict()
    saved = json.loads(json.dumps(sched.state_dict()))  # JSON-serialisable
    opt2 = gn_optimizer()  # build both, then load both (PyTorch's resume order)
    sched2 = make_gn(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    resumed = []
    for _ in range(12, 30):
        resumed.append(sched2.get_last_lr())
        opt2.step()
        sched2.step()
    np.testing.assert_allclose(resumed, full[12:], rtol=1e-12)


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match=r"StepLR: param_groups\[0\] has no 'initial_lr'"):
        S.StepLR(gn_optimizer(), 3, last_epoch=5)
    opt = gn_optimizer()
    S.StepLR(opt, 3)
    assert S.StepLR(opt, 3, last_epoch=5).last_epoch == 6


def test_multisteplr_loads_torch_counter_milestones(torch, torch_sched):
    topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    tsd = torch_sched.MultiStepLR(topt, [4, 2, 4]).state_dict()
    sched = S.MultiStepLR(gn_optimizer(lrs=(1.0,)), [1])
    sched.load_state_dict(tsd)
    assert sched.milestones == [2, 4, 4]


def test_lambda_state_dict_keeps_callable_objects():
    class Halve:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate**epoch

    fn = Halve()
    sched = S.LambdaLR(gn_optimizer(lrs=(1.0,)), fn)
    fn.rate = 0.25
    saved = sched.state_dict()
    assert saved["lr_lambdas"] == [{"rate": 0.25}]
    fresh = Halve()
    sched2 = S.LambdaLR(gn_optimizer(lrs=(1.0,)), fresh)
    sched2.load_state_dict(saved)
    assert fresh.rate == 0.25
    assert S.LambdaLR(gn_optimizer(lrs=(1.0,)), lambda e: 1.0).state_dict()["lr_lambdas"] == [None]


def test_adding_a_group_after_a_base_lr_scheduler_is_an_error():
    opt = gn_optimizer(lrs=(0.1,))
    sched = S.CosineAnnealingLR(opt, 5)
    opt.add_param_group({"params": [gn_optimizer().param_groups[0]["params"][0]]})
    with pytest.raises(RuntimeError, match="CosineAnnealingLR: the optimizer has 2 parameter groups"):
        sched.step()


EPOCH_FORM = {
    "StepLR": {"step_size": 2, "gamma": 0.5},
    "MultiStepLR": {"milestones": [2, 5], "gamma": 0.3},
    "ExponentialLR": {"gamma": 0.8},
    "CosineAnnealingLR": {"T_max": 4, "eta_min": 0.01},
    "LinearLR": {"start_factor": 0.2, "total_iters": 5},
    "ConstantLR": {"factor": 0.5, "total_iters": 4},
    "PolynomialLR": {"total_iters": 6, "power": 2.0},
    "LambdaLR": {"lr_lambda": lambda e: 1.0 / (1 + e)},
}


@pytest.mark.parametrize("name", sorted(EPOCH_FORM))
def test_step_with_an_epoch_follows_torch(torch, name):
    """``scheduler.step(epoch)`` (torch's deprecated form in old tutorials): the closed form
    at that epoch, with torch's warning; epochs given out of order too."""
    epochs = [1, 2, 3, 5, 4, 7, 8, 2]
    seen = []
    for lib_sched, opt in ((S, gn_optimizer()), (torch.optim.lr_scheduler, torch_optimizer(torch))):
        sched = getattr(lib_sched, name)(opt, **EPOCH_FORM[name])
        lrs = []
        for e in epochs:
            opt.step()
            with pytest.warns(UserWarning):
                sched.step(e)
            lrs.append([g["lr"] for g in opt.param_groups] + [sched.last_epoch])
        seen.append(lrs)
    np.testing.assert_allclose(seen[0], seen[1], rtol=1e-12, atol=1e-15)


FOLLOWING = {
    "StepLR": {"step_size": 2, "gamma": 0.5},
    "MultiStepLR": {"milestones": [1, 4], "gamma": 0.3},
    "ExponentialLR": {"gamma": 0.8},
    "LinearLR": {"start_factor": 0.2, "total_iters": 5},
    "ConstantLR": {"factor": 0.5, "total_iters": 4},
    "PolynomialLR": {"total_iters": 6, "power": 2.0},
}


@pytest.mark.parametrize("name", sorted(FOLLOWING))
def test_a_group_added_later_is_scheduled_as_torch_does(torch, name):
    """The chainable schedulers scale every group's current lr, the added one too (the
    unfreezing recipe: add_param_group while a PolynomialLR runs)."""
    seen = []
    for lib_sched, opt, extra in (
        (S, gn_optimizer(lrs=(0.1,)), gn_optimizer(lrs=(0.02,)).param_groups[0]["params"]),
        (torch.optim.lr_scheduler, torch_optimizer(torch, lrs=(0.1,)),
         [torch.nn.Parameter(torch.zeros(2))]),
    ):  # fmt: skip
        sched = getattr(lib_sched, name)(opt, **FOLLOWING[name])
        lrs = []
        for i in range(9):
            if i == 3:
                opt.add_param_group({"params": extra, "lr": 0.02})
            opt.step()
            sched.step()
            lrs.append([g["lr"] for g in opt.param_groups] + sched.get_last_lr())
        seen.append(lrs)
    assert len(seen[0]) == len(seen[1])
    for ours, theirs in zip(*seen):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "make, exc, words",
    [
        (lambda o: S.StepLR("opt", 3), TypeError, "StepLR: expected a glassnet Optimizer, got str"),
        (lambda o: S.StepLR(o, 0), ValueError, "StepLR: step_size must be a positive int, got 0"),
        (lambda o: S.StepLR(o, 2.5), ValueError, "step_size must be a positive int, got 2.5"),
        (lambda o: S.StepLR(o, 3, gamma=-1), ValueError, "StepLR: gamma must be a finite number > 0"),
        (lambda o: S.StepLR(o, 3, last_epoch=-2), ValueError, "last_epoch must be an int >= -1"),
        (lambda o: S.MultiStepLR(o, [3, -1]), ValueError, "milestones must be ints >= 0, got -1"),
        (lambda o: S.ExponentialLR(o, 0), ValueError, "ExponentialLR: gamma must be"),
        (lambda o: S.CosineAnnealingLR(o, 0), ValueError, "CosineAnnealingLR: T_max must be a positive int"),
        (lambda o: S.CosineAnnealingLR(o, 5, eta_min=-1), ValueError, "eta_min must be a number >= 0, got -1"),
        (lambda o: S.LinearLR(o, start_factor=0), ValueError, "LinearLR: start_factor must be in (0, 1], got 0"),
        (lambda o: S.LinearLR(o, end_factor=1.5), ValueError, "LinearLR: end_factor must be in [0, 1], got 1.5"),
        (lambda o: S.LinearLR(o, total_iters=0), ValueError, "LinearLR: total_iters must be a positive int"),
        (lambda o: S.LambdaLR(o, [lambda e: 1.0]), ValueError, "LambdaLR: got 1 lr_lambdas for 2 parameter groups"),
        (lambda o: S.LambdaLR(o, 0.5), TypeError, "LambdaLR: lr_lambda must be callable, got 0.5"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(make, exc, words):
    with pytest.raises(exc) as info:
        make(gn_optimizer())
    assert words in str(info.value)
