"""fit / evaluate / predict: learning, logs, divergence, regularisation and clipping, schedulers, progress."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.nn.regularization import L1L2
from glassnet.optim import lr_scheduler
from glassnet.train import (
    Callback,
    DivergenceError,
    LearningRateScheduler,
    ProgressBar,
    evaluate,
    fit,
    predict,
)


class TwoLayer(nn.Module):
    def __init__(self, d_in: int = 2, hidden: int = 16, d_out: int = 2) -> None:
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden)
        self.fc2 = nn.Linear(hidden, d_out)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def blobs(n: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two well separated Gaussian blobs in 2-D (a linearly separable problem)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 2)).astype(np.float32) * 0.5
    x[:, 0] += np.where(y == 1, 2.0, -2.0)
    return x, y.astype(np.int64)


def xor(n: int = 512, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
    return x, (x[:, 0] * x[:, 1] > 0).astype(np.int64)


class Recorder(Callback):
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_train_end(self, logs=None):
        self.events.append(("train_end", dict(logs or {})))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, dict(logs)))

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, dict(logs)))

    def kinds(self, kind: str) -> list[tuple]:
        return [e for e in self.events if e[0] == kind]


# ------------------------------------------------------------------- learning
def test_fit_learns_xor_to_high_accuracy():
    x, y = xor()
    model = TwoLayer(hidden=32)
    history = fit(
        model, (x, y), loss="cross_entropy", optimizer=optim.Adam(model.parameters(), lr=0.02),
        epochs=30, batch_size=32, seed=0, verbose=0,
    )  # fmt: skip
    assert history.history["accuracy"][-1] > 0.95
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert evaluate(model, (x, y))["accuracy"] > 0.95


def test_history_contents():
    x, y = blobs()
    model = TwoLayer()
    history = fit(
        model, (x, y), loss="cross_entropy", optimizer="adam", epochs=3, batch_size=64,
        validation_data=(x[:50], y[:50]), verbose=0, seed=0,
    )  # fmt: skip
    h = history.history
    assert history.epoch == [0, 1, 2]
    expected = {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "grad_norm", "grad_norm_max", "time"}  # fmt: skip
    assert set(h) == expected
    assert all(len(v) == 3 for v in h.values())
    assert h["lr"] == [1e-3] * 3
    assert all(t > 0 for t in h["time"])
    assert all(0 < g <= gm for g, gm in zip(h["grad_norm"], h["grad_norm_max"]))
    # the logged val metrics are what evaluate() gives for the final model
    final = evaluate(model, (x[:50], y[:50]), loss="cross_entropy")
    assert final["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-6)
    assert final["accuracy"] == pytest.approx(h["val_accuracy"][-1])


@pytest.mark.parametrize("form", ["arrays", "tensors", "dataset", "loader"])
def test_fit_accepts_every_data_form(form):
    x, y = blobs(128)
    data = {
        "arrays": (x, y),
        "tensors": (gn.tensor(x), gn.tensor(y)),
        "dataset": TensorDataset(x, y),
        "loader": DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, seed=0),
    }[form]
    model = TwoLayer()
    h = fit(model, data, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=32, verbose=0)
    assert len(h.history["loss"]) == 2


def test_same_seed_same_run():
    x, y = blobs()
    runs = []
    for _ in range(2):
        gn.manual_seed(3)
        model = TwoLayer()
        runs.append(
            fit(model, (x, y), loss="cross_entropy", optimizer="sgd", epochs=2, seed=5, verbose=0)
        )
    assert runs[0].history["loss"] == runs[1].history["loss"]


def test_threads_slice_batches_and_give_the_same_run():
    """fit(threads=2) slices every batch over two threads (nn.DataParallel) and splits
    the optimizer's update: the same weights and history as one thread, up to rounding,
    and glassnet's thread count is put back afterwards."""
    x, y = xor(96)
    x = x.astype(np.float64)
    results = []
    seen = []
    for threads in (None, 2):
        gn.manual_seed(3)
        model = TwoLayer(hidden=32).to(dtype=np.float64)
        model.fc1.register_forward_hook(lambda m, i, o, t=threads: seen.append((t, i[0].shape[0])))
        h = fit(model, (x, y), loss="cross_entropy", optimizer="adam", epochs=2,
                batch_size=32, validation_data=(x[:20], y[:20]), seed=1, verbose=0,
                threads=threads)  # fmt: skip
        results.append((h.history, [p.numpy().copy() for p in model.parameters()]))
    assert gn.get_num_threads() == 1
    assert {n for t, n in seen if t is None} == {32, 20}
    assert {n for t, n in seen if t == 2} == {16, 10}  # training and validation batches sliced
    (h1, p1), (h2, p2) = results
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-10)
    np.testing.assert_allclose(h1["val_loss"], h2["val_loss"], rtol=1e-10)
    for a, b in zip(p1, p2):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_loss_as_name_function_and_module_agree():
    x, y = blobs(64)
    results = []
    for loss in ("cross_entropy", F.cross_entropy, nn.CrossEntropyLoss()):
        gn.manual_seed(1)
        model = TwoLayer()
        h = fit(model, (x, y), loss=loss, optimizer="sgd", epochs=1, shuffle=False, verbose=0)
        results.append(h.history["loss"][0])
    assert results[0] == pytest.approx(results[1]) == pytest.approx(results[2])


def test_regression_with_mse_and_function_metric():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    model = nn.Linear(3, 1)

    def mae(out, target):
        return np.abs(out - target).mean()

    h = fit(
        model, (x, y), loss="mse", optimizer=optim.SGD(model.parameters(), lr=0.1),
        epochs=20, batch_size=20, metrics=[mae], verbose=0, seed=0,
    )  # fmt: skip
    assert h.history["mae"][-1] < 0.01
    np.testing.assert_allclose(model.weight.numpy(), [[1.0, -2.0, 0.5]], atol=0.02)


def test_callback_hooks_are_called_in_order():
    x, y = blobs(96)
    rec = Recorder()
    fit(TwoLayer(), (x, y), loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=32,
        callbacks=[rec], verbose=0)  # fmt: skip
    kinds = [e[0] for e in rec.events]
    assert kinds[0] == "train_begin" and kinds[-1] == "train_end"
    assert len(rec.kinds("batch_end")) == 6 and len(rec.kinds("batch_begin")) == 6
    assert [e[1] for e in rec.kinds("epoch_begin")] == [0, 1]
    batch_logs = rec.kinds("batch_end")[0][2]
    assert set(batch_logs) == {"batch", "size", "loss"} and batch_logs["size"] == 32
    assert kinds.index("epoch_end") > kinds.index("batch_end")


def test_stop_training_from_a_batch_callback_stops_mid_epoch():
    class StopAt(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.trainer.stop_training = True

    x, y = blobs(128)
    rec = Recorder()
    h = fit(TwoLayer(), (x, y), loss="cross_entropy", optimizer="sgd", epochs=5, batch_size=16,
            callbacks=[StopAt(), rec], verbose=0)  # fmt: skip
    assert len(h.epoch) == 1
    assert len(rec.kinds("batch_end")) == 2


def test_initial_epoch_resumes_numbering():
    x, y = blobs(64)
    rec = Recorder()
    h = fit(TwoLayer(), (x, y), loss="cross_entropy", optimizer="sgd", epochs=4, initial_epoch=2,
            callbacks=[rec], verbose=0)  # fmt: skip
    assert h.epoch == [2, 3]


def test_model_mode_is_restored():
    x, y = blobs(64)
    model = TwoLayer()
    model.eval()
    fit(model, (x, y), loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0)
    assert model.training is False
    model.train()
    predict(model, x)
    evaluate(model, (x, y))
    assert model.training is True


def test_predict_and_evaluate():
    x, y = blobs(100)
    model = TwoLayer()
    out = predict(model, x, batch_size=32)
    assert out.shape == (100, 2) and isinstance(out, np.ndarray)
    with gn.no_grad():
        np.testing.assert_allclose(out, model(gn.tensor(x)).numpy(), rtol=1e-6)
    np.testing.assert_allclose(predict(model, (x, y)), out)
    np.testing.assert_allclose(predict(model, TensorDataset(x)), out)
    res = evaluate(model, (x, y), loss="cross_entropy", metrics=["accuracy", "error_rate"])
    assert set(res) == {"loss", "accuracy", "error_rate"}
    assert res["accuracy"] + res["error_rate"] == pytest.approx(1.0)
    assert "loss" not in evaluate(model, (x, y))


# ----------------------------------------------------------------- divergence
def test_nan_loss_raises_divergence_error_naming_epoch_and_step():
    x, y = blobs(64)
    calls = {"n": 0}

    def bad_loss(out, target):
        calls["n"] += 1
        loss = F.cross_entropy(out, target)
        return loss * float("nan") if calls["n"] == 7 else loss  # epoch 2, step 3 at 4 steps/epoch

    model = TwoLayer()
    rec = Recorder()
    before = {}

    class Snapshot(Callback):
        def on_train_batch_end(self, batch, logs=None):
            before.update({k: np.array(v) for k, v in model.state_dict().items()})

    with pytest.raises(
        DivergenceError, match=r"loss became nan at epoch 2, step 3 \(lr 0\.5\)"
    ) as info:
        fit(model, (x, y), loss=bad_loss, optimizer=optim.SGD(model.parameters(), lr=0.5),
            epochs=3, batch_size=16, callbacks=[rec, Snapshot()], verbose=0)  # fmt: skip
    assert "gradient clipping" in str(info.value)
    assert (info.value.epoch, info.value.step) == (2, 3)
    assert rec.kinds("train_end"), "on_train_end must run after a divergence"
    for k, v in model.state_dict().items():  # the failing step changed nothing
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_infinite_gradient_raises_divergence_error():
    x, y = blobs(32)
    model = TwoLayer()

    def loss_with_inf_grad(out, target):  # finite value, but d sqrt(u)/du at u = 0 is infinite
        return F.cross_entropy(out, target) + F.sqrt(out * 0).sum()

    with pytest.raises(DivergenceError, match=r"gradient norm became (inf|nan) at epoch 1, step 1"):
        fit(model, (x, y), loss=loss_with_inf_grad, optimizer="sgd", epochs=1, verbose=0)


# ------------------------------------------------- one step against a hand-written one
def _hand_step(model, x, y, lr, *, l1=0.0, l2=0.0, max_norm=None, clip_value=None):
    """One full-batch SGD step written out: loss + penalty, backward, clip, update."""
    params = list(model.parameters())
    loss = F.cross_entropy(model(gn.tensor(x)), gn.tensor(y))
    for p in params:
        if p.ndim >= 2:
            loss = loss + l1 * p.abs().sum() + l2 / 2 * (p * p).sum()
    loss.backward()
    grads = [p.grad.numpy().astype(np.float64) for p in params]
    norm = np.sqrt(sum((g**2).sum() for g in grads))
    if max_norm is not None and norm > max_norm:
        grads = [g * (max_norm / (norm + 1e-6)) for g in grads]
    if clip_value is not None:
        grads = [np.clip(g, -clip_value, clip_value) for g in grads]
    return [p.numpy() - lr * g for p, g in zip(params, grads)], norm


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"l1": 0.01, "l2": 0.1},
        {"max_norm": 0.05},
        {"clip_value": 0.01},
        {"l2": 0.5, "max_norm": 0.1, "clip_value": 0.02},
    ],
)
def test_one_fit_step_equals_the_hand_written_step(kwargs):
    x, y = blobs(40)
    gn.manual_seed(2)
    ref = TwoLayer(hidden=8)
    gn.manual_seed(2)
    model = TwoLayer(hidden=8)
    expected, norm = _hand_step(ref, x, y, 0.3, **kwargs)
    reg = (
        L1L2(l1=kwargs.get("l1", 0.0), l2=kwargs.get("l2", 0.0))
        if "l1" in kwargs or "l2" in kwargs
        else None
    )
    h = fit(
        model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.3),
        epochs=1, batch_size=40, shuffle=False, metrics=(), verbose=0, regularizer=reg,
        clip_grad_norm=kwargs.get("max_norm"), clip_grad_value=kwargs.get("clip_value"),
    )  # fmt: skip
    for p, e in zip(model.parameters(), expected):
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-5, atol=1e-6)
    assert h.history["grad_norm"][0] == pytest.approx(norm, rel=1e-5)
    if reg is not None:
        assert h.history["reg_loss"][0] > 0


def test_grad_norm_mean_and_max_over_steps():
    x, y = blobs(64)
    norms = []

    class Spy(Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    gn.manual_seed(0)
    model = TwoLayer()
    opt = optim.SGD(model.parameters(), lr=0.1)
    orig_step = opt.step

    def step(*a, **k):
        g = [p.grad.numpy() for p in model.parameters()]
        norms.append(float(np.sqrt(sum((v.astype(np.float64) ** 2).sum() for v in g))))
        return orig_step(*a, **k)

    opt.step = step
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=1, batch_size=16,
            callbacks=[Spy()], verbose=0)  # fmt: skip
    assert len(norms) == 4
    assert h.history["grad_norm"][0] == pytest.approx(np.mean(norms), rel=1e-5)
    assert h.history["grad_norm_max"][0] == pytest.approx(max(norms), rel=1e-5)


# ---------------------------------------------------------------- schedulers
def test_epoch_scheduler_changes_lr_each_epoch():
    x, y = blobs(64)
    model = TwoLayer()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = fit(
        model, (x, y), loss="cross_entropy", optimizer=opt, epochs=3, scheduler=sched, verbose=0
    )
    assert h.history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0125)


def test_batch_scheduler_steps_every_step():
    x, y = blobs(64)
    model = TwoLayer()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=2, batch_size=16,
            scheduler=sched, scheduler_per="batch", verbose=0)  # fmt: skip
    assert h.history["lr"] == pytest.approx([0.1, 0.1 * 0.5**4])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**8)


def test_plateau_scheduler_gets_val_loss():
    seen = []

    class Spy(lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            return super().step(metrics)

    x = np.zeros((32, 2), np.float32)  # the model cannot learn: the loss stays flat
    y = np.arange(32) % 2
    model = nn.Linear(2, 2, bias=False)
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=4,
            validation_data=(x, y), scheduler=Spy(opt, factor=0.5, patience=0), verbose=0)  # fmt: skip
    assert seen == pytest.approx(h.history["val_loss"])
    assert h.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.025])


def test_schedule_function_per_epoch():
    x, y = blobs(32)
    model = TwoLayer()
    h = fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=1.0),
            epochs=3, callbacks=[LearningRateScheduler(lambda epoch, lr: 0.2 / (epoch + 1))],
            verbose=0)  # fmt: skip
    assert h.history["lr"] == pytest.approx([0.2, 0.1, 0.2 / 3])


# ------------------------------------------------------------------ progress
def test_progress_without_a_tty_prints_one_line_per_epoch(capsys):
    x, y = blobs(64)
    fit(TwoLayer(), (x, y), loss="cross_entropy", optimizer="sgd", epochs=3, batch_size=16,
        validation_data=(x, y), verbose=1)  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for i, line in enumerate(lines, 1):
        assert line.startswith(f"Epoch {i}/3 - 4/4 - ")
        for key in ("loss: ", "accuracy: ", "val_loss: ", "val_accuracy: ", "lr: ", "ms/step"):
            assert key in line or (key == "ms/step" and "us/step" in line)
        assert "\r" not in line


def test_verbose_zero_is_silent(capsys):
    x, y = blobs(32)
    fit(TwoLayer(), (x, y), loss="cross_entropy", optimizer="sgd", epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_tty_draws_a_bar():
    x, y = blobs(64)
    out = FakeTTY()
    fit(TwoLayer(), (x, y), loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=16,
        callbacks=[ProgressBar(stream=out, interval=0.0)])  # fmt: skip
    text = out.getvalue()
    assert text.startswith("Epoch 1/2\n")
    assert "Epoch 2/2\n" in text
    assert "\r1/4 [" in text and "ETA:" in text
    assert "4/4 [==============================]" in text
    assert text.count("\n") == 4  # title + final bar line per epoch


def test_a_bar_cut_short_ends_its_line():
    class Boom(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                raise RuntimeError("boom")

    x, y = blobs(64)
    out = FakeTTY()
    with pytest.raises(RuntimeError, match="boom"):
        fit(TwoLayer(), (x, y), loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=16,
            callbacks=[ProgressBar(stream=out, interval=0.0), Boom()])  # fmt: skip
    text = out.getvalue()
    assert "\r1/4 [" in text and text.endswith("\n")  # what follows starts a line of its own


def test_bar_of_a_run_resumed_mid_epoch_times_only_its_own_steps(monkeypatch):
    from glassnet.train import progress

    clock = iter(np.arange(0.0, 100.0, 0.5))  # every call to perf_counter: +0.5 s
    monkeypatch.setattr(progress.time, "perf_counter", lambda: float(next(clock)))
    bar = ProgressBar(stream=FakeTTY(), interval=0.0)
    bar.on_train_begin()
    bar.trainer = type("T", (), {"epochs": 3, "steps_per_epoch": 10})()
    bar.on_epoch_begin(1, {"resumed": True, "step": 8})  # steps 1-8 ran before the resume
    line = bar._bar.finish(10, {"loss": 0.5})  # 2 steps in 0.5 s
    assert line.startswith("10/10 [") and " 250ms/step - loss: 0.5000" in line


def test_verbose_two_gives_lines_even_on_a_tty():
    x, y = blobs(32)
    out = FakeTTY()
    fit(TwoLayer(), (x, y), loss="cross_entropy", optimizer="sgd", epochs=2,
        callbacks=[ProgressBar(2, stream=out)])  # fmt: skip
    lines = out.getvalue().splitlines()
    assert [ln.split(" - ")[0] for ln in lines] == ["Epoch 1/2", "Epoch 2/2"]


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "fit: epochs must be an int >= 1, got 0"),
        ({"batch_size": 0}, "fit: batch_size must be an int >= 1, got 0"),
        ({"verbose": 3}, "fit: verbose must be 0, 1 or 2, got 3"),
        ({"clip_grad_norm": -1.0}, "fit: clip_grad_norm must be a positive number, got -1.0"),
        ({"clip_grad_value": 0}, "fit: clip_grad_value must be a positive number, got 0"),
        ({"loss": "hinge"}, "fit: unknown loss 'hinge'; known: "),
        ({"loss": 3}, "fit: loss must be a name"),
        ({"optimizer": "adamax"}, "fit: unknown optimizer 'adamax'; known: adagrad, adam"),
        ({"optimizer": object()}, "fit: optimizer must be a name"),
        ({"metrics": ["f2"]}, "fit: unknown metric 'f2'"),
        ({"metrics": ["accuracy", "acc"], "validation_data": None}, None),
        ({"regularizer": 1.0}, "fit: regularizer must be callable"),
        ({"initial_epoch": -1}, "fit: initial_epoch must be an int >= 0, got -1"),
        ({"threads": 0}, "fit: threads must be an int >= 1, got 0"),
        ({"scheduler_per": "hour", "scheduler": lambda e, lr: lr}, "per must be 'epoch' or 'batch', got 'hour'"),
    ],
)  # fmt: skip
def test_argument_errors_name_the_argument(kwargs, message):
    x, y = blobs(16)
    model = TwoLayer()
    args = {"loss": "cross_entropy", "optimizer": "sgd", "epochs": 1, "verbose": 0, **kwargs}
    if message is None:
        fit(model, (x, y), **args)  # two different names are fine
        return
    with pytest.raises((ValueError, TypeError)) as info:
        fit(model, (x, y), **args)
    assert message in str(info.value)


def test_data_errors():
    x, y = blobs(16)
    model = TwoLayer()
    with pytest.raises(TypeError, match="fit: data must be .X, y. arrays or tensors"):
        fit(model, 3, loss="cross_entropy", optimizer="sgd", epochs=1)
    with pytest.raises(ValueError, match="a tuple must be .X, y. or .X,., got 3 items"):
        fit(model, (x, y, y), loss="cross_entropy", optimizer="sgd", epochs=1)
    with pytest.raises(ValueError, match="a DataLoader brings its own"):
        fit(model, DataLoader(TensorDataset(x, y)), loss="cross_entropy", optimizer="sgd",
            epochs=1, transform=lambda b: b)  # fmt: skip
    with pytest.raises(ValueError, match="fit: training batches must be .x, y. pairs"):
        fit(model, (x,), loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0)
    with pytest.raises(ValueError, match="TensorDataset: all arrays need the same first dimension"):
        fit(model, (x, y[:3]), loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0)
    with pytest.raises(ValueError, match="evaluate: batch_size must be an int >= 1, got 0"):
        evaluate(model, (x, y), batch_size=0)
    with pytest.raises(TypeError, match="callbacks must be glassnet.train.Callback instances"):
        fit(model, (x, y), loss="cross_entropy", optimizer="sgd", epochs=1, callbacks=[print])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_at_a_tiny_learning_rate_does_not_advise_lowering_it():
    # issue 17 item 1: the loss was NaN because of the data, not the step size
    x, y = blobs(32)
    x[5, 0] = np.inf
    model = TwoLayer()
    with pytest.raises(DivergenceError, match=r"lr 1e-39") as info:
        fit(model, (x, y), loss="cross_entropy", optimizer=optim.Adam(model.parameters(), lr=1e-39),
            epochs=1, batch_size=32, verbose=0)  # fmt: skip
    msg = str(info.value)
    assert "lower learning rate" not in msg
    assert "the batch's inputs hold 1 NaN or infinite value(s)" in msg  # where to look instead
