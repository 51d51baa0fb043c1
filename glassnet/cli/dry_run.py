"""``glassnet train --print-config`` and ``--dry-run``: what a run would do, without training.

``--print-config`` prints the resolved options (defaults < ``--config`` file <
flags, the model's defaults filled in) as the TOML a ``--config`` file takes.
``--dry-run`` also opens the data, builds the model and runs one forward
pass and loss on two training samples, then exits 0 having written nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

import glassnet as gn

from ..functional import cross_entropy
from ..io.tomlconf import dump_config
from ..models.registry import to_layout
from ..train.loop import resolve_optimizer
from .pipeline import build_model, complete_config
from .sources import as_options, open_run_data

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


def dry_run(config: Any, *, download: bool = True, out: IO[str] | None = None) -> dict[str, Any]:
    """Check the data, the model and the configuration of a ``glassnet train`` run; train nothing.

    Returns
    -------
    dict
        ``config`` (resolved), ``train_samples``, ``test_samples``,
        ``classes``, ``parameters`` and ``logits_shape`` (of two samples).
    """

    out = out if out is not None else sys.stdout
    config = _resolved(config)
    data = open_run_data(config, download=download)
    if data.dataset is not None:
        config["dataset"] = data.dataset
    model, layout = build_model(config, len(data.classes))
    resolve_optimizer("train", config["optimizer"], model, lr=config["lr"])
    x, y = data.train
    batch = gn.Tensor(np.ascontiguousarray(to_layout(x[:2], layout)))
    logits = model(batch)
    loss = cross_entropy(logits, gn.Tensor(y[:2]))
    loss.backward()  # the gradients flow
    n_train, n_test = len(x), len(data.test[0])
    shape = "x".join(str(s) for s in x.shape[1:])
    print(f"Data: {config['data']}: {n_train} train (of which {config['val_split']:.0%} "
          f"validation) / {n_test} test {data.unit} of {shape}, {len(data.classes)} classes "
          f"({', '.join(data.classes[:10])}{', ...' if len(data.classes) > 10 else ''})",
          file=out)  # fmt: skip
    print(f"Model: {config['model']} ({model.num_parameters():,} parameters), reads "
          f"{tuple(batch.shape)[1:]} per sample; 2 samples -> logits {tuple(logits.shape)}, "
          f"loss {float(loss.item()):.4f}, gradients OK", file=out)  # fmt: skip
    print(f"Config: {config['epochs']} epochs, batch {config['batch_size']}, "
          f"{config['optimizer']} lr {config['lr']:g}: OK", file=out)  # fmt: skip
    print("Dry run: nothing trained or written.", file=out, flush=True)
    return {
        "config": config, "train_samples": n_train, "test_samples": n_test,
        "classes": data.classes, "parameters": model.num_parameters(),
        "logits_shape": tuple(logits.shape),
    }  # fmt: skip
