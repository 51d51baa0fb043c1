"""Setups ``fit`` used to accept silently: each now fails naming what was expected and what came."""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, optim
from glassnet.train import EarlyStopping, RunFolder, RunLogger, fit

RNG = np.random.default_rng(0)
X = RNG.standard_normal((24, 4)).astype(np.float32)
Y = RNG.integers(0, 3, 24)


def small() -> nn.Module:
    gn.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def run_fit(model=None, data=(X, Y), **kwargs):
    model = model if model is not None else small()
    args = dict(loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=2,
                batch_size=8, verbose=0)  # fmt: skip
    args.update(kwargs)
    return fit(model, data, **args)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(initial_epoch=3), ValueError, "fit: initial_epoch=3 is beyond epochs=2"),
        (dict(shuffle="yes"), TypeError, "fit: shuffle must be True or False, got 'yes'"),
        (dict(scheduler_per="step"), ValueError,
         "fit: scheduler_per must be 'epoch' or 'batch', got 'step'"),
        (dict(callbacks=EarlyStopping()), TypeError,
         "fit: callbacks must be a list of Callback instances, got one EarlyStopping"),
        (dict(data={"x": X, "y": Y}), TypeError, "got a dict with keys ['x', 'y']"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error) as info:
        run_fit(**kwargs)
    assert message in str(info.value)


def test_initial_epoch_equal_to_epochs_trains_nothing():
    assert run_fit(initial_epoch=2).epoch == []


def test_an_optimizer_over_another_models_parameters_is_refused():
    model, other = small(), small()
    with pytest.raises(
        ValueError, match=r"the optimizer's 4 parameter\(s\) are none of the model's 4"
    ):
        run_fit(model, optimizer=optim.SGD(other.parameters(), lr=0.1))


def test_an_optimizer_over_part_of_the_model_or_the_loss_is_fine():
    model = small()
    run_fit(model, optimizer=optim.SGD(model[2].parameters(), lr=0.1))  # fine-tuning the head

    class ScaledLoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(np.ones(1, dtype=np.float32))

        def forward(self, out, y):
            return nn.functional.cross_entropy(out * self.scale, y)

    loss = ScaledLoss()
    run_fit(small(), loss=loss, optimizer=optim.SGD(loss.parameters(), lr=0.1))


def test_resuming_with_fewer_epochs_than_done_is_refused(tmp_path):
    run = RunFolder(str(tmp_path))
    run_fit(callbacks=[RunLogger(run)], epochs=2)
    before = os.path.getmtime(run.file(run.LAST))
    with pytest.raises(
        ValueError, match=r"fit: epochs=1 is below what .* has trained: 2 epoch\(s\); pass 2"
    ):
        run_fit(callbacks=[RunLogger(run)], epochs=1, resume_from=run)
    assert os.path.getmtime(run.file(run.LAST)) == before
    assert run_fit(callbacks=[RunLogger(run)], epochs=2, resume_from=run).epoch == [0, 1]


def test_a_loader_that_gives_no_batches_is_refused():
    from glassnet.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(X[:3], Y[:3]), batch_size=8, drop_last=True)
    with pytest.raises(
        ValueError, match="no batches an epoch .3 sample.s., batch_size=8 with drop_last=True"
    ):
        run_fit(data=loader)  # it used to "train" epochs of NaN loss and no steps


@pytest.mark.parametrize("per", ["batch", "epoch"])
def test_a_one_cycle_too_short_for_the_run_is_refused_before_training(per):
    model = small()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    steps = 3 * 3 if per == "batch" else 3  # 24 samples in batches of 8: 3 steps an epoch
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps - 1)
    before = model[0].weight.numpy().copy()
    with pytest.raises(ValueError, match=f"total_steps=.*this fit takes {steps} more"):
        run_fit(model, optimizer=opt, epochs=3, scheduler=sched, scheduler_per=per)
    np.testing.assert_array_equal(model[0].weight.numpy(), before)  # not after 2 epochs
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    run_fit(model, optimizer=opt, epochs=3, scheduler=sched, scheduler_per=per)


def test_a_scheduler_over_another_optimizer_is_refused():
    model = small()
    other = optim.SGD(small().parameters(), lr=0.1)
    sched = optim.lr_scheduler.ReduceLROnPlateau(other)  # it used to be stepped to no effect
    with pytest.raises(ValueError, match="ReduceLROnPlateau was built over another SGD"):
        run_fit(model, scheduler=sched)
