"""``fit`` keeps its Keras-style keyword arguments: every one of them still works."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, optim
from glassnet.data.transforms import RandomHorizontalFlip
from glassnet.nn.regularization import L1L2
from glassnet.optim import lr_scheduler
from glassnet.train import Callback, History, RunFolder, RunLogger, Trainer, fit

#: fit's keyword arguments and their defaults, as users call them (``...``: required).
FIT_KEYWORDS = {
    "loss": ..., "optimizer": ..., "epochs": ..., "batch_size": 32, "validation_data": None,
    "metrics": ("accuracy",), "callbacks": (), "verbose": 1, "shuffle": True, "seed": None,
    "regularizer": None, "clip_grad_norm": None, "clip_grad_value": None, "scheduler": None,
    "scheduler_per": "epoch", "initial_epoch": 0, "transform": None, "resume_from": None,
    "checkpoint_every": None, "distributed": False, "device": None, "threads": None,
}  # fmt: skip

RNG = np.random.default_rng(3)
X = RNG.standard_normal((96, 1, 4, 4)).astype(np.float32)
Y = RNG.integers(0, 3, 96)


def test_the_signature_is_the_documented_one():
    params = inspect.signature(fit).parameters
    assert list(params)[:2] == ["model", "train_data"]
    keywords = {n: p for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert list(keywords) == list(FIT_KEYWORDS)
    for name, default in FIT_KEYWORDS.items():
        expected = inspect.Parameter.empty if default is ... else default
        assert keywords[name].default == expected, name
    trainer_fit = inspect.signature(Trainer.fit).parameters
    assert set(trainer_fit) - {"self", "train_data"} <= set(FIT_KEYWORDS)


class Seen(Callback):
    """Records what the trainer was told."""

    def on_train_begin(self, logs=None):
        t = self.trainer
        self.setup = (t.epochs, t.initial_epoch, t.steps_per_epoch, t.threads)
        self.clips = (t.clip_grad_norm, t.clip_grad_value)
        self.regularizer, self.scheduler = t.regularizer, t.scheduler

    def on_train_batch_end(self, batch, logs=None):
        self.sizes = getattr(self, "sizes", []) + [logs["size"]]


def _model():
    gn.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))


def test_every_keyword_argument_takes_effect(tmp_path):
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    seen = Seen()
    run = RunFolder.create(tmp_path, "all")
    h = fit(
        model, (X, Y), loss="cross_entropy", optimizer=opt, epochs=3, batch_size=16,
        validation_data=(X[:20], Y[:20]), metrics=("accuracy", "error_rate"),
        callbacks=[seen, RunLogger(run)], verbose=0, shuffle=False, seed=7,
        regularizer=L1L2(l2=1e-3), clip_grad_norm=1.0, clip_grad_value=0.5,
        scheduler=lr_scheduler.StepLR(opt, step_size=1, gamma=0.5), scheduler_per="batch",
        initial_epoch=1, transform=RandomHorizontalFlip(0.5), checkpoint_every=2,
        distributed=False, device="cpu", threads=2,
    )  # fmt: skip
    assert isinstance(h, History) and h.epoch == [1, 2]  # initial_epoch
    assert seen.setup == (3, 1, 6, 2)  # epochs, initial_epoch, 96/16 steps, threads
    assert set(seen.sizes) == {16}  # batch_size
    assert {"val_loss", "val_accuracy", "val_error_rate", "reg_loss"} <= set(h.history)
    assert seen.clips == (1.0, 0.5) and isinstance(seen.regularizer, L1L2)
    assert seen.scheduler is not None
    assert h.history["lr"] == pytest.approx([0.1, 0.1 * 0.5**6])  # stepped every batch
    state = run.file(run.LAST)
    from glassnet.io import load_checkpoint

    saved = load_checkpoint(state, restore_rng=False)["extra"]["trainer"]
    assert saved["data_seed"] == 7 and saved["batch_size"] == 16


def test_resume_from_and_the_defaults(tmp_path):
    run = RunFolder.create(tmp_path, "r")
    model = _model()
    fit(model, (X, Y), loss="cross_entropy", optimizer="adam", epochs=1, verbose=0,
        callbacks=[RunLogger(run)])  # fmt: skip
    model2 = _model()
    h = fit(model2, (X, Y), loss="cross_entropy", optimizer="adam", epochs=2, verbose=0,
            callbacks=[RunLogger(run)], resume_from=run)  # fmt: skip
    assert h.epoch == [0, 1]  # the first epoch came from the checkpoint


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "fit: epochs must be an int >= 1, got 0"),
        ({"batch_size": True}, "fit: batch_size must be an int >= 1, got True"),
        ({"verbose": 3}, "fit: verbose must be 0, 1 or 2, got 3"),
        ({"checkpoint_every": 0}, "fit: checkpoint_every must be an int >= 1, got 0"),
        ({"initial_epoch": 1, "resume_from": "x.safetensors"}, "pass either resume_from or"),
        ({"threads": 0}, "fit: threads must be an int >= 1, got 0"),
        ({"clip_grad_norm": -1.0}, "fit: clip_grad_norm must be a positive number, got -1.0"),
    ],
)
def test_bad_keywords_name_themselves(kwargs, message):
    args = {"loss": "cross_entropy", "optimizer": "sgd", "epochs": 1, "verbose": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        fit(_model(), (X, Y), **args)
