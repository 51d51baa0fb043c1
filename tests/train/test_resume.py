"""Exact resumes: fit(resume_from=...) after a crash or Ctrl-C gives the uninterrupted run's weights."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.data.transforms import RandomHorizontalFlip
from glassnet.io import load_checkpoint, save_checkpoint
from glassnet.optim import lr_scheduler
from glassnet.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    ModelCheckpoint,
    RunFolder,
    RunLogger,
    TrainingInterrupted,
    fit,
)
from glassnet.train.interrupt import InterruptGuard
from glassnet.train.logs import EpochStats, MetricSet, accumulators
from glassnet.train.metrics import Accuracy, ConfusionMatrix, Mean, TopKAccuracy

RNG = np.random.default_rng(0)
X = RNG.standard_normal((300, 1, 4, 4)).astype(np.float32)
Y = RNG.integers(0, 3, 300)
XV = RNG.standard_normal((60, 1, 4, 4)).astype(np.float32)
YV = RNG.integers(0, 3, 60)


class Crash(Exception):
    pass


class CrashAt(Callback):
    """Raises after global step ``step``: the process 'dies' there."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if self.trainer.global_step == self.step:
            raise Crash


class SigintAt(Callback):
    def __init__(self, step: int, times: int = 1) -> None:
        self.step, self.times = step, times

    def on_train_batch_end(self, batch, logs=None):
        if self.trainer.global_step == self.step:
            for _ in range(self.times):
                os.kill(os.getpid(), signal.SIGINT)


def train(folder, *, extra=(), resume=False, epochs=5, patience=10, every=4, threads=None):
    """Dropout, Adam, a step scheduler, augmentation and early stopping: every kind of state."""
    gn.manual_seed(1)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 3)
    )
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    run = RunFolder(folder)
    os.makedirs(folder, exist_ok=True)
    callbacks = [RunLogger(run), EarlyStopping(patience=patience), *extra]
    history = fit(
        model, (X, Y), loss="cross_entropy", optimizer=opt, epochs=epochs, batch_size=32,
        validation_data=(XV, YV), scheduler=sched, callbacks=callbacks, verbose=0,
        checkpoint_every=every, transform=RandomHorizontalFlip(0.5),
        resume_from=run if resume else None, threads=threads,
    )  # fmt: skip
    return model, history


def assert_same_weights(a, b):
    for (k, u), v in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(u, v, err_msg=k)


@pytest.fixture(autouse=True)
def python_sigint_handler():
    """Python's own SIGINT handler for each test, as in a terminal.

    A shell without job control starts background jobs with SIGINT ignored, and
    Python then keeps it ignored; the Ctrl-C tests below need the usual handler.
    """
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("ref") / "run")
    return train(folder), folder


# 10 steps an epoch, a save every 4 steps (at the end of an epoch the epoch's own save,
# after the last step's callbacks): crash step -> the step of the last checkpoint
CRASHES = {15: 12, 20: 16, 27: 24, 49: 48}


@pytest.mark.parametrize("crash_step", sorted(CRASHES))
def test_resume_after_a_crash_gives_the_same_weights(tmp_path, reference, crash_step):
    (ref, ref_history), ref_folder = reference
    folder = str(tmp_path / "run")
    with pytest.raises(Crash):
        train(folder, extra=[CrashAt(crash_step)])
    saved = load_checkpoint(os.path.join(folder, "last.safetensors"), restore_rng=False)
    state = saved["extra"]["trainer"]
    assert state["global_step"] == CRASHES[crash_step]
    model, history = train(folder, resume=True)
    assert_same_weights(model, ref)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "grad_norm"):
        assert history.history[key] == ref_history.history[key], key
    with open(os.path.join(folder, "metrics.csv")) as f, open(ref_folder + "/metrics.csv") as g:
        cut = [line.rsplit(",", 1)[0] for line in f]  # all columns but time
        whole = [line.rsplit(",", 1)[0] for line in g]
    assert cut == whole and len(cut) == 6  # header + 5 epochs, appended not overwritten


def test_resume_with_threads_gives_the_same_weights(tmp_path):
    """Batches sliced over two threads (per-slice dropout streams drawn from the checkpointed
    generator): a crashed and resumed run ends with the uninterrupted run's weights."""
    ref, ref_history = train(str(tmp_path / "ref"), threads=2, epochs=3)
    folder = str(tmp_path / "run")
    with pytest.raises(Crash):
        train(folder, extra=[CrashAt(15)], threads=2, epochs=3)
    model, history = train(folder, resume=True, threads=2, epochs=3)
    assert_same_weights(model, ref)
    assert history.history["loss"] == ref_history.history["loss"]


def test_resume_keeps_early_stopping_state(tmp_path):
    ref, ref_h = train(str(tmp_path / "ref"), patience=1, epochs=12)
    stopped = len(ref_h.epoch)
    assert stopped < 12  # early stopping did stop it
    with pytest.raises(Crash):
        train(str(tmp_path / "cut"), patience=1, epochs=12, extra=[CrashAt(10 * stopped - 6)])
    model, h = train(str(tmp_path / "cut"), patience=1, epochs=12, resume=True)
    assert len(h.epoch) == stopped
    assert_same_weights(model, ref)
    # resuming a run that stopped early runs nothing and returns its history
    again, h2 = train(str(tmp_path / "cut"), patience=1, epochs=12, resume=True)
    assert h2.history["loss"] == ref_h.history["loss"]
    assert_same_weights(again, ref)


def test_ctrl_c_saves_at_the_end_of_the_step_and_resumes_exactly(tmp_path, reference):
    (ref, _), _ = reference
    folder = str(tmp_path / "run")
    with pytest.raises(TrainingInterrupted) as info:
        train(folder, extra=[SigintAt(13)], every=None)
    exc = info.value
    assert isinstance(exc, KeyboardInterrupt) and exc.signal == signal.SIGINT
    assert exc.exit_status == 130
    # the signal arrived after step 13's bookkeeping; the trainer stops after step 14
    assert (exc.epoch, exc.step, exc.global_step) == (1, 4, 14)
    assert exc.checkpoints == [os.path.join(folder, "last.safetensors")]
    assert "interrupted by SIGINT in epoch 2 after step 4 (global step 14)" in str(exc)
    state = load_checkpoint(exc.checkpoints[0], restore_rng=False)["extra"]["trainer"]
    assert (state["epoch"], state["step_in_epoch"], state["samples_in_epoch"]) == (1, 4, 128)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    model, _ = train(folder, resume=True)
    assert_same_weights(model, ref)


def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    class TermAt(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.trainer.global_step == 3:
                os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(TrainingInterrupted) as info:
        train(str(tmp_path / "run"), extra=[TermAt()], every=None)
    assert info.value.signal == signal.SIGTERM and info.value.exit_status == 143
    assert "interrupted by SIGTERM in epoch 1 after step 4" in str(info.value)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_second_ctrl_c_stops_at_once(tmp_path):
    with pytest.raises(KeyboardInterrupt) as info:
        train(str(tmp_path / "run"), extra=[SigintAt(5, times=2)], every=None)
    assert not isinstance(info.value, TrainingInterrupted)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_interrupt_guard_outside_the_main_thread_installs_nothing():
    import threading

    seen = []

    def body():
        with InterruptGuard() as g:
            seen.append(signal.getsignal(signal.SIGINT))
            g.request(signal.SIGTERM)
            seen.append(g.requested)

    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert seen == [signal.default_int_handler, signal.SIGTERM]


def test_model_checkpoint_and_csv_logger_resume(tmp_path):
    gn.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ck, log = str(tmp_path / "e{epoch}.safetensors"), str(tmp_path / "log.csv")
    kw = {"loss": "cross_entropy", "batch_size": 50, "verbose": 0, "seed": 4}
    fit(
        model,
        (X, Y),
        optimizer=opt,
        epochs=2,
        callbacks=[ModelCheckpoint(ck), CSVLogger(log)],
        **kw,
    )
    ref = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    ref.load_state_dict(model.state_dict())
    ref_opt = optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    ref_opt.load_state_dict(opt.state_dict())
    fit(ref, (X, Y), optimizer=ref_opt, epochs=4, initial_epoch=2, **kw)

    resumed = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    r_opt = optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)
    h = fit(resumed, (X, Y), optimizer=r_opt, epochs=4, resume_from=str(tmp_path / "e2.safetensors"),
            callbacks=[CSVLogger(log)], **kw)  # fmt: skip
    assert_same_weights(resumed, ref)
    assert h.epoch == [0, 1, 2, 3]
    with open(log) as f:
        assert [line.split(",")[0] for line in f] == ["epoch", "1", "2", "3", "4"]


def test_seed_is_taken_from_the_checkpoint(tmp_path):
    folder = str(tmp_path / "run")
    with pytest.raises(Crash):
        train(folder, extra=[CrashAt(6)])
    state = load_checkpoint(folder + "/last.safetensors", restore_rng=False)["extra"]["trainer"]
    gn.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    with pytest.raises(ValueError, match=f"seed=5 differs from the seed {state['data_seed']}"):
        fit(model, (X, Y), loss="cross_entropy", optimizer="sgd", epochs=2, seed=5,
            resume_from=folder + "/last.safetensors", verbose=0)  # fmt: skip


def test_distributed_true_in_one_process_equals_plain_fit():
    results = []
    for distributed in (False, True):
        gn.manual_seed(2)
        model = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
        h = fit(model, (X, Y), loss="cross_entropy", optimizer="adam", epochs=2, batch_size=32,
                validation_data=(XV, YV), seed=3, verbose=0, distributed=distributed)  # fmt: skip
        results.append((model, h.history))
    assert_same_weights(results[0][0], results[1][0])
    assert results[0][1]["val_loss"] == results[1][1]["val_loss"]


def test_loader_order_matches_a_shuffled_dataloader():
    """fit shards with DistributedBatchSampler; with one rank it is DataLoader(shuffle=True)'s order."""
    seen = []

    class Grab(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(logs["size"])

    loader = DataLoader(TensorDataset(X, Y), batch_size=64, shuffle=True, seed=9)
    runs = []
    for data in ((X, Y), loader):
        gn.manual_seed(2)
        model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
        fit(model, data, loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=64, seed=9,
            verbose=0, callbacks=[Grab()])  # fmt: skip
        runs.append(model)
    assert_same_weights(*runs)
    assert seen[:5] == [64, 64, 64, 64, 44]


# --------------------------------------------------------------- errors
def test_resume_errors(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    kw = {"loss": "cross_entropy", "optimizer": "sgd", "epochs": 2, "verbose": 0}
    with pytest.raises(
        FileNotFoundError, match="resume_from checkpoint 'nope.safetensors' does not exist"
    ):
        fit(model, (X, Y), resume_from="nope.safetensors", **kw)
    plain = str(tmp_path / "plain.safetensors")
    save_checkpoint(plain, model=model, epoch=1)
    with pytest.raises(ValueError, match="holds no trainer state .* initial_epoch"):
        fit(model, (X, Y), resume_from=plain, **kw)
    with pytest.raises(ValueError, match="either resume_from or initial_epoch"):
        fit(model, (X, Y), resume_from=plain, initial_epoch=1, **kw)
    with pytest.raises(
        TypeError, match="resume_from must be a checkpoint path or a RunFolder, got int"
    ):
        fit(model, (X, Y), resume_from=3, **kw)
    with pytest.raises(ValueError, match="checkpoint_every must be an int >= 1, got 0"):
        fit(model, (X, Y), checkpoint_every=0, **kw)
    with pytest.raises(
        TypeError, match="distributed must be True, False or a glassnet.distributed.World"
    ):
        fit(model, (X, Y), distributed="yes", **kw)

    folder = str(tmp_path / "run")
    with pytest.raises(Crash):
        train(folder, extra=[CrashAt(6)])
    last = folder + "/last.safetensors"
    with pytest.raises(
        ValueError, match="was written training on 300 samples; this training data has 100"
    ):
        fit(model, (X[:100], Y[:100]), resume_from=last, **kw)
    model2 = nn.Sequential(
        nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 3)
    )
    opt = optim.Adam(model2.parameters(), lr=1e-2)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True, seed=3)
    with pytest.raises(
        ValueError, match="written with data seed .* the DataLoader given has seed 3"
    ):
        fit(model2, loader, loss="cross_entropy", optimizer=opt, epochs=5, verbose=0,
            scheduler=sched, resume_from=last)  # fmt: skip
    state = load_checkpoint(last, restore_rng=False)["extra"]["trainer"]
    loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True, seed=state["data_seed"])
    with pytest.raises(ValueError, match="in the middle of an epoch with batch size 32 on 1 rank"):
        fit(model2, loader, loss="cross_entropy", optimizer=opt, epochs=5, verbose=0,
            scheduler=sched, resume_from=last)  # fmt: skip

    other = RunFolder.create(tmp_path, "nosched")
    fit(model, (X, Y), callbacks=[RunLogger(other)], **kw)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="holds no scheduler state, but a scheduler was given"):
        fit(model, (X, Y), loss="cross_entropy", optimizer=opt, epochs=3, verbose=0,
            scheduler=lr_scheduler.StepLR(opt, step_size=1), resume_from=other)  # fmt: skip


def test_state_dict_in_a_distributed_run_needs_a_save_point():
    from glassnet.train import Trainer

    class Two:  # a world whose collectives are never reached here
        size, rank, is_main = 2, 0, True

    t = Trainer(nn.Linear(2, 2), loss="mse", optimizer="sgd")
    t.world = Two()
    with pytest.raises(RuntimeError, match="call it from a main_rank_only callback"):
        t.state_dict()


# ---------------------------------------------- sums over ranks, saved sums
class Doubling:
    """A fake world of two identical ranks: a sum over ranks doubles every value."""

    size, rank = 2, 0

    def allreduce_(self, a):
        a *= 2
        return a

    def sum_scalars(self, values):
        return [2 * v for v in values]


def test_accumulators_are_the_running_sums():
    assert accumulators(Accuracy()) == ["count", "hits"]
    assert accumulators(Accuracy(threshold=0.0)) == [
        "count",
        "hits",
        "threshold",
    ]  # zero everywhere
    assert accumulators(TopKAccuracy(3)) == ["count", "hits"]
    assert accumulators(Mean()) == ["total", "weight"]
    assert accumulators(ConfusionMatrix(3)) == ["matrix"]


def test_metric_set_reduce_and_state_round_trip():
    out = np.array([[2.0, 0, 0], [0, 2.0, 0], [0, 0, 2.0], [2.0, 0, 0]])
    y = np.array([0, 1, 0, 0])

    def make():
        return MetricSet("t", ["accuracy", TopKAccuracy(2), lambda o, t: 1.0])

    ms = make()
    ms.update(out, y)
    before = ms.results()
    state = ms.state_dict()
    ms.reduce(Doubling())
    assert ms.results() == before  # ratios unchanged
    assert ms.items[0][1].hits == 6 and ms.items[0][1].count == 8
    fresh = make()
    fresh.load_state_dict(state)
    assert fresh.results() == before and fresh.items[0][1].count == 4
    cm = MetricSet("t", [ConfusionMatrix(3)])
    cm.update(out, y)
    cm.reduce(Doubling())
    assert cm.items[0][1].matrix.dtype == np.int64 and cm.items[0][1].matrix.sum() == 8


def test_epoch_stats_reduce_sums_only_the_per_rank_sums():
    s = EpochStats()
    s.add(0.5, 10, 2.0, 0.1)
    s.add(1.5, 6, 4.0, 0.1)
    s.reduce(Doubling())
    assert (s.samples, s.steps, s.norm_max) == (32, 2, 4.0)
    assert s.mean_loss() == pytest.approx((0.5 * 10 + 1.5 * 6) / 16)
    other = EpochStats()
    other.load_state_dict(s.state_dict(), sums=False)
    assert (other.samples, other.loss, other.steps, other.norm_sum) == (0, 0.0, 2, 6.0)


def test_history_state_round_trip():
    h = History()
    h.on_epoch_end(0, {"loss": 1.0})
    h.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.7})
    g = History()
    g.load_state_dict(h.state_dict())
    assert g.history == h.history and g.epoch == h.epoch
