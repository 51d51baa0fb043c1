"""``glassnet train --print-config`` and ``--dry-run``: what a run would do, without training.

``--print-config`` prints the resolved options (defaults < ``--config`` file <
flags, the model's defaults filled in) as the TOML a ``--config`` file takes.
``--dry-run`` also opens the data, builds the model (on ``--device``), splits
the training data as a run would, and runs one forward pass, loss and
backward pass on two training samples (both must be finite), then exits 0
having written nothing.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

import glassnet as gn

from ..functional import cross_entropy, mse_loss
from ..io.tomlconf import dump_config
from ..models.registry import to_layout
from ..train.loop import resolve_optimizer
from .pipeline import build_model, check_task_options, complete_config, validation_sizes
from .sources import as_options, is_regression, open_run_data, task_line

__all__ = ["print_config", "dry_run"]

#: Options whose default is drawn when the run starts; shown as comments.
_DRAWN = {"seed": "a random seed, recorded in config.toml", "name": "MODEL-DATE-TIME"}


def _resolved(config: Any) -> dict[str, Any]:
    """``config`` (a dict or a configuration object) completed like a run's, as a dict,
    without drawing a seed or a name."""

    options = as_options(config)
    drawn = {k: options.get(k) for k in _DRAWN}
    filled = {**options, "seed": 0, "name": "x"}
    same_kind = filled if isinstance(config, Mapping) else type(config)(**filled)
    config = as_options(complete_config(same_kind))
    for key, value in drawn.items():
        if value is None:
            del config[key]
        else:
            config[key] = value
    return config


def print_config(config: Any, *, out: IO[str] | None = None) -> dict[str, Any]:
    """Print the resolved options as TOML (``--config`` input); return them."""

    out = out if out is not None else sys.stdout
    config = _resolved(config)
    for key, what in _DRAWN.items():
        if key not in config:
            print(f"# {key}: not given; the run uses {what}", file=out)
    out.write(dump_config(config))
    out.flush()
    return config


def _check_finite(model: Any, loss: float) -> None:
    """A ValueError when the loss or a parameter's gradient of the check is NaN or infinite."""
    if not math.isfinite(loss):
        raise ValueError(
            f"dry run: the loss of two training samples is {loss} before any update, so "
            "training would stop at its first step; look for inputs of a huge scale "
            "(standardise them), or a model that overflows on them"
        )
    for name, p in model.named_parameters():
        if p.grad is not None and not bool(np.isfinite(p.grad.numpy()).all()):
            raise ValueError(
                f"dry run: the gradient of parameter {name!r} holds NaN or infinite values "
                "for two training samples; training would stop at its first step"
            )


def dry_run(config: Any, *, download: bool = True, out: IO[str] | None = None) -> dict[str, Any]:
    """Check the data, the model and the configuration of a ``glassnet train`` run; train nothing.

    Returns
    -------
    dict
        ``config`` (resolved), ``train_samples`` and ``val_samples`` (the
        training split as ``train`` divides it), ``test_samples``, ``classes``,
        ``parameters`` and ``logits_shape`` (of two samples).

    Raises
    ------
    UsageError
        Bad options or data (as ``train`` would raise them), too few samples
        for a validation split.
    ValueError
        The loss or a gradient of two training samples is NaN or infinite.
    """

    out = out if out is not None else sys.stdout
    config = _resolved(config)
    data = open_run_data(config, download=download)
    check_task_options(config, data.dataset)
    if data.dataset is not None:
        config["dataset"] = data.dataset
    line = task_line(config, data.dataset)
    if line is not None:
        print(line, file=out)
    model, layout = build_model(config, len(data.classes))
    if config.get("device", "cpu") != "cpu":
        model.to(config["device"])  # as train does: a missing GPU or CuPy shows here
    resolve_optimizer("train", config["optimizer"], model, lr=config["lr"])
    x, y = data.train
    n_train, n_val = validation_sizes(len(x), config["val_split"], config["data"])
    batch = gn.Tensor(np.ascontiguousarray(to_layout(x[:2], layout)))
    if config.get("device", "cpu") != "cpu":
        batch = batch.to(config["device"])
    logits = model(batch)
    regression = is_regression(data.dataset)
    lossfn = mse_loss if regression else cross_entropy
    loss = lossfn(logits, gn.Tensor(y[:2]).to(batch.device))
    loss.backward()
    _check_finite(model, float(loss.item()))
    n_test = len(data.test[0])
    shape = "x".join(str(s) for s in x.shape[1:])
    print(f"Data: {config['data']}: {n_train} train / {n_val} validation / {n_test} test "
          f"{data.unit} of {shape}, "
          + (f"regression target {', '.join(data.classes)}" if regression else
             f"{len(data.classes)} classes ({', '.join(data.classes[:10])}"
             f"{', ...' if len(data.classes) > 10 else ''})"),
          file=out)  # fmt: skip
    print(f"Model: {config['model']} ({model.num_parameters():,} parameters), reads "
          f"{tuple(batch.shape)[1:]} per sample; 2 samples -> logits {tuple(logits.shape)}, "
          f"loss {float(loss.item()):.4f}, gradients OK", file=out)  # fmt: skip
    print(f"Config: {config['epochs']} epochs, batch {config['batch_size']}, "
          f"{config['optimizer']} lr {config['lr']:g}: OK", file=out)  # fmt: skip
    print("Dry run: nothing trained or written.", file=out, flush=True)
    return {
        "config": config, "train_samples": n_train, "val_samples": n_val, "test_samples": n_test,
        "classes": data.classes, "parameters": model.num_parameters(),
        "logits_shape": tuple(logits.shape),
    }  # fmt: skip
