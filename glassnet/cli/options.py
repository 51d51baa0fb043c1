"""The options of the commands: validation, defaults, and merging flags over a config file.

Each option of ``glassnet train`` has one validator used both for its
command-line flag and for its key in a ``--config`` TOML file, so both give
the same one-line errors. Precedence: built-in defaults < the model's defaults
(``hidden``, ``dropout``) < the config file < flags. ``--resume RUN`` reads
``RUN/config.toml`` instead and accepts only the flags in :data:`RESUME_OVERRIDES`.
:class:`TrainConfig` is the resolved configuration as one typed object: a
frozen dataclass whose fields, types and defaults come from
:data:`TRAIN_OPTIONS` (defaults are stated there only).
``glassnet evaluate``, ``glassnet explain`` and ``glassnet predict`` share
:func:`add_trained_model_arguments`.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._validate import is_int, is_number
from ..backend import Device
from ..data.images import FITS, MAX_IMAGE_SIDE, image_size_arg
from ..data.sources import is_data_path
from ..data.tables import MISSING_POLICIES
from ..io.tomlconf import ConfigError, format_value, load_config
from ..models.registry import list_models
from ..train.loop import OPTIMIZERS
from ..train.runs import RunFolder, check_run_name

__all__ = [
    "UsageError", "Option", "TRAIN_OPTIONS", "TrainConfig", "DATASETS", "SCHEDULES",
    "RESUME_OVERRIDES", "resolve_config", "resume_config", "add_trained_model_arguments",
]  # fmt: skip

#: ``--data`` names -> (loader function in glassnet.data.datasets, its keyword arguments).
DATASETS: dict[str, tuple[str, dict[str, Any]]] = {
    "fashion-mnist": ("fashion_mnist", {}),
    "fashion-mnist-sample": ("fashion_mnist", {"sample": True}),
    "mnist": ("mnist", {}),
}
SCHEDULES = ("none", "cosine", "step", "plateau")


class UsageError(ValueError):
    """A bad option value or combination (printed as one line, exit status 2)."""


def _flag(key: str) -> str:
    """The command-line flag of an option key: ``batch_size`` -> ``--batch-size``."""
    return "--" + key.replace("_", "-")


# Validators: ``check(key, value)`` -> the value parsed (from a flag's string or a TOML
# value), or a UsageError naming the flag and echoing the value.
def _number(name: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    elif is_number(value):
        return float(value)
    raise UsageError(f"{_flag(name)}: expected a number, got {value!r}")


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (a KeyError's without its quotes)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        text = exc.args[0]
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


#: The largest integer a ``config.toml`` can hold (TOML integers are 64-bit).
_INT_MAX = 2**63 - 1


def _integer(name: str, value: Any) -> int:
    v: Any = None
    if isinstance(value, str):
        try:
            v = int(value)
        except ValueError:
            pass
    elif is_int(value):
        v = value
    if v is None:
        raise UsageError(f"{_flag(name)}: expected an integer, got {value!r}")
    if abs(v) > _INT_MAX:
        raise UsageError(
            f"{_flag(name)}: expected an integer of at most 2**63 - 1 (64 bits), got {value!r}"
        )
    return int(v)


def positive_int(name: str, value: Any) -> int:
    """An integer > 0."""
    v = _integer(name, value)
    if v <= 0:
        raise UsageError(f"{_flag(name)}: must be a positive integer, got {value!r}")
    return v


def nonneg_int(name: str, value: Any) -> int:
    """An integer >= 0."""
    v = _integer(name, value)
    if v < 0:
        raise UsageError(f"{_flag(name)}: must be an integer >= 0, got {value!r}")
    return v


def positive_float(name: str, value: Any) -> float:
    """A finite number > 0."""
    v = _number(name, value)
    if not 0 < v < float("inf"):
        raise UsageError(f"{_flag(name)}: must be a positive number, got {value!r}")
    return v


def nonneg_float(name: str, value: Any) -> float:
    """A finite number >= 0."""
    v = _number(name, value)
    if not 0 <= v < float("inf"):
        raise UsageError(f"{_flag(name)}: must be a number >= 0, got {value!r}")
    return v


def probability(name: str, value: Any) -> float:
    """A number in ``[0, 1)``."""
    v = _number(name, value)
    if not 0 <= v < 1:
        raise UsageError(f"{_flag(name)}: must be in [0, 1), got {value!r}")
    return v


def fraction(name: str, value: Any) -> float:
    """A number in ``(0, 0.5]`` (the share of a split held out)."""
    v = _number(name, value)
    if not 0 < v <= 0.5:
        raise UsageError(f"{_flag(name)}: must be in (0, 0.5], got {value!r}")
    return v


def boolean(name: str, value: Any) -> bool:
    """``true`` or ``false`` (a TOML boolean; the flag is ``--NAME`` / ``--no-NAME``)."""
    if isinstance(value, bool):
        return value
    raise UsageError(f"{_flag(name)}: expected true or false, got {value!r}")


def int_list(name: str, value: Any) -> list[int]:
    """``"256,128"`` or ``[256, 128]`` -> ``[256, 128]`` (positive ints)."""
    items = value.split(",") if isinstance(value, str) else value
    if is_number(items):
        items = [items]
    bad = f"{_flag(name)}: expected comma-separated positive integers like 256,128, got {value!r}"
    if not isinstance(items, (list, tuple)) or not items:
        raise UsageError(bad)
    out = []
    for item in items:
        try:
            v = int(item.strip()) if isinstance(item, str) else item
        except ValueError:
            v = None
        if not is_int(v) or not 0 < v <= _INT_MAX:
            raise UsageError(bad)
        out.append(v)
    return out


def choice(options: Callable[[], Any]) -> Callable[[str, Any], str]:
    """A validator accepting the names ``options()`` lists (read when it runs)."""

    def check(name: str, value: Any) -> str:
        known = list(options())
        if value not in known:
            raise UsageError(f"{_flag(name)}: expected one of {', '.join(known)}, got {value!r}")
        return value

    return check


def device_name(name: str, value: Any) -> str:
    """``cpu``, ``cuda`` or ``cuda:N``, normalised by :class:`glassnet.backend.Device`."""
    try:
        return str(Device(value))
    except (TypeError, ValueError):
        raise UsageError(f"{_flag(name)}: expected cpu, cuda or cuda:N, got {value!r}") from None


def text(name: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"{_flag(name)}: expected a non-empty string, got {value!r}")
    return value


def column_list(name: str, value: Any) -> list[str]:
    """``"Id,Name"`` or ``["Id", "Name"]`` -> ``["Id", "Name"]``: CSV column names (spaces
    around each stripped; a name holding a comma is given in a TOML list)."""
    items = value.split(",") if isinstance(value, str) else value
    bad = f"{_flag(name)}: expected comma-separated column names like Id,Name, got {value!r}"
    if not isinstance(items, (list, tuple)) or not items:
        raise UsageError(bad)
    out = [item.strip() if isinstance(item, str) else None for item in items]
    if any(not item for item in out):
        raise UsageError(bad)
    repeated = sorted({c for c in out if out.count(c) > 1})  # type: ignore[arg-type]
    if repeated:
        raise UsageError(f"{_flag(name)}: expected each column once, got {', '.join(repeated)} twice")
    return out  # type: ignore[return-value]


def auto_or_columns(name: str, value: Any) -> str | list[str]:
    """``"auto"``, or column names as :func:`column_list` reads them."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        return column_list(name, value)
    except UsageError:
        raise UsageError(
            f"{_flag(name)}: expected auto or comma-separated column names like Sex,Embarked, "
            f"got {value!r}"
        ) from None


def folder_path(name: str, value: Any) -> str:
    """A folder to write in: absent (it is made) or a folder, with no file on the way."""
    value = text(name, value)
    where = os.path.abspath(value)
    while True:
        if os.path.exists(where) and not os.path.isdir(where):
            if where == os.path.abspath(value):
                raise UsageError(f"{_flag(name)}: expected a folder, got the file {value!r}")
            raise UsageError(
                f"{_flag(name)}: expected a folder, got {value!r}, inside the file {where!r}"
            )
        parent = os.path.dirname(where)
        if parent == where or os.path.isdir(where):
            return value
        where = parent


def run_name(name: str, value: Any) -> str:
    """A run folder's name: letters, digits, ``.``, ``_``, ``-`` (no path)."""
    try:
        return check_run_name(value)
    except ValueError as exc:
        raise UsageError(f"{_flag(name)}: {exc}") from None


def _other_file_hint(path: str) -> str:
    """How to turn a file of another kind into one ``--data`` reads."""
    low = path.lower()
    if low.endswith((".gz", ".zip", ".bz2", ".xz")):
        return "; a compressed file: decompress it first"
    if low.endswith((".tsv", ".tab", ".txt")):
        return "; a delimited text table: rename it to .csv (, ; tab and | are detected)"
    if low.endswith((".xlsx", ".xls", ".ods")):
        return "; a spreadsheet: save it as CSV UTF-8"
    if low.endswith(".npy"):
        return "; a single array: save x and y together with np.savez(path, x=x, y=y)"
    return ""


def data_source(name: str, value: Any) -> str:
    """A name of :data:`DATASETS`, or the path of an image folder, ``.npz`` or ``.csv`` file."""

    if isinstance(value, str) and (value in DATASETS or is_data_path(value)):
        return value
    why = ""
    if isinstance(value, str) and os.path.isfile(value):
        why = " (a file that is neither .npz nor .csv" + _other_file_hint(value) + ")"
    elif isinstance(value, str) and os.path.islink(value):
        why = " (a symbolic link to nothing: its target is missing or the links loop)"
    elif isinstance(value, str) and ("/" in value or "." in value):
        why = " (no such file or folder)"
    raise UsageError(
        f"{_flag(name)}: expected one of {', '.join(DATASETS)}, or an image folder, .npz or "
        f".csv file, got {value!r}{why}"
    )


def image_size(name: str, value: Any) -> list[int]:
    """``32``, ``"32x24"`` (height x width) or ``[32, 24]`` -> ``[H, W]``."""

    try:
        size = list(image_size_arg(value))  # type: ignore[arg-type]
    except ValueError:
        raise UsageError(
            f"{_flag(name)}: expected a size like 64 or 48x64 (height x width), got {value!r}"
        ) from None
    if max(size) > MAX_IMAGE_SIDE:  # every image would be made this big, in memory at once
        raise UsageError(
            f"{_flag(name)}: expected at most {MAX_IMAGE_SIDE} pixels a side, got {value!r}"
        )
    return size


def _fits() -> tuple[str, ...]:

    return FITS


def _missing_policies() -> tuple[str, ...]:

    return MISSING_POLICIES


#: What ``--monitor`` may watch: logged every epoch when there is validation data
#: (``val_accuracy`` for classification; ``val_mse``, ``val_rmse``, ``val_mae``, ``val_r2``
#: for regression, in the target's units).
MONITORS = ("val_loss", "val_accuracy", "val_mse", "val_rmse", "val_mae", "val_r2")
#: Monitors of one task only (``val_loss`` serves both).
CLASSIFICATION_MONITORS = ("val_accuracy",)
REGRESSION_MONITORS = ("val_mse", "val_rmse", "val_mae", "val_r2")
#: ``--task``: pick from the target's values (``auto``), or force one.
TASKS = ("auto", "classification", "regression")


def _models() -> list[str]:
    return list_models()


def _optimizers() -> list[str]:
    return list(OPTIMIZERS)


@dataclass(frozen=True)
class Option:
    """One option of ``glassnet train``: its config key, validator, default and help."""

    key: str
    check: Callable[[str, Any], Any]
    default: Any
    help: str
    metavar: str | None = None

    @property
    def flag(self) -> str:
        return _flag(self.key)


TRAIN_OPTIONS: tuple[Option, ...] = (
    Option("model", choice(_models), None, "model to train (default: small-cnn for your own images, mlp otherwise)", "NAME"),
    Option("data", data_source, "fashion-mnist", "data set: " + ", ".join(DATASETS) + ", or your own: an image folder (a subfolder per class), a .npz (x, y) or a .csv (with --target)", "NAME|PATH"),
    Option("target", text, None, "the target column of a --data .csv file (class labels, or numbers to predict)", "COLUMN"),
    Option("task", choice(lambda: TASKS), None, "auto (the default: a target of numbers not all whole, or a float .npz y, is regression; whole numbers and text are classes), classification or regression", "TASK"),
    Option("categorical", auto_or_columns, None, "one-hot encode text columns of a --data .csv: auto (every column holding text) or COL,COL (values from the training split; one unseen later gives all zeros)", "auto|COLS"),
    Option("missing", choice(_missing_policies), None, "missing values of a --data .csv (empty, NA, N/A, ?, nan, null): error (the default), mean (fill with the training split's mean) or drop (leave the row out)", "HOW"),
    Option("ignore", column_list, None, "columns of a --data .csv that are not features, e.g. an ID or a name", "COLS"),
    Option("image_size", image_size, None, "bring the images of a --data folder to this size, e.g. 64 or 48x64 (default: their own, if they share it)", "SIZE"),
    Option("image_fit", choice(_fits), None, "how --image-size is reached: resize (stretch; the default) or pad (keep the aspect ratio, pad with black)", "HOW"),
    Option("epochs", positive_int, 10, "number of epochs", "N"),
    Option("batch_size", positive_int, None, "mini-batch size (default: 128 for the built-in data sets, 32 for your own)", "N"),
    Option("lr", positive_float, 1e-3, "learning rate", "LR"),
    Option("optimizer", choice(_optimizers), "adam", "sgd, adam, adamw, rmsprop or adagrad", "NAME"),
    Option("hidden", int_list, None, "hidden sizes, e.g. 256,128 (MLP) or 128 or 128,128 (LSTM, one per stacked layer)", "SIZES"),
    Option("dropout", probability, None, "dropout probability (model default if omitted)", "P"),
    Option("weight_decay", nonneg_float, 0.0, "optimizer weight decay", "WD"),
    Option("l1", nonneg_float, 0.0, "L1 penalty coefficient on weights", "C"),
    Option("l2", nonneg_float, 0.0, "L2 penalty coefficient on weights (coeff/2 * sum w^2)", "C"),
    Option("augment", boolean, False, "random shifts and horizontal flips of training images"),
    Option("schedule", choice(lambda: SCHEDULES), None, "LR schedule: " + ", ".join(SCHEDULES) + " (default: cosine for your own data, none for the built-in data sets)", "NAME"),
    Option("monitor", choice(lambda: MONITORS), "val_loss", "validation figure that picks best.safetensors and drives early stopping: " + ", ".join(MONITORS), "NAME"),
    Option("early_stopping", nonneg_int, 0, "stop after this many epochs without an improvement of --monitor (0: off)", "PATIENCE"),
    Option("clip_grad_norm", positive_float, None, "rescale gradients to at most this global 2-norm (off if omitted)", "NORM"),
    Option("checkpoint_every", nonneg_int, 0, "also write last.safetensors every N steps (0: at epoch ends only)", "N"),
    Option("diagnostics", nonneg_int, 50, "per-layer diagnostics (activations, gradients, updates; warnings) every N steps (0: off)", "N"),
    Option("threads", positive_int, 1, "slice each batch over N threads (nn.DataParallel; for CNNs on N cores)", "N"),
    Option("device", device_name, "cpu", "cpu, or cuda / cuda:N (a GPU through CuPy: the 'gpu' extra)", "DEV"),
    Option("seed", nonneg_int, None, "random seed (default: a random one, recorded in config.toml)", "N"),
    Option("val_split", fraction, 0.1, "fraction of the training set held out for validation", "F"),
    Option("name", run_name, None, "run name (default: MODEL-DATE-TIME)", "NAME"),
    Option("runs_dir", folder_path, "runs", "folder for run folders", "DIR"),
)  # fmt: skip

OPTIONS_BY_KEY = {o.key: o for o in TRAIN_OPTIONS}


class _ConfigMethods(Mapping[str, Any]):
    """What :class:`TrainConfig` does besides holding the options (its fields come from the table).

    It reads as a mapping of option keys too (``config["lr"]``, ``config.get("seed")``,
    ``dict(config)``), as the dict a configuration used to be.
    """

    def __post_init__(self) -> None:
        for opt in TRAIN_OPTIONS:  # the validators take their own output back unchanged
            value = getattr(self, opt.key)
            if value is not None:
                object.__setattr__(self, opt.key, opt.check(opt.key, value))

    def __getitem__(self, key: str) -> Any:
        """The option ``key`` (None when it is left unset)."""
        if key not in OPTIONS_BY_KEY:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(OPTIONS_BY_KEY)

    def __len__(self) -> int:
        return len(OPTIONS_BY_KEY)

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> TrainConfig:
        """The options among ``options`` (a dict of them, or a run's ``config.toml`` record,
        whose ``[run]`` table and other records are left out)."""
        return cls(**{k: v for k, v in options.items() if k in OPTIONS_BY_KEY})  # type: ignore[return-value]

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes`` (validated like the rest)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def to_dict(self) -> dict[str, Any]:
        """The options that are set, in table order: what ``config.toml`` holds (TOML has no null)."""
        return {
            o.key: getattr(self, o.key) for o in TRAIN_OPTIONS if getattr(self, o.key) is not None
        }

    def fit_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`glassnet.train.fit` this configuration fixes.

        The objects built from it (optimizer, scheduler, regularizer,
        augmentation, callbacks) come from :mod:`glassnet.cli.pipeline`'s steps.
        """
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "clip_grad_norm": self.clip_grad_norm,
            "checkpoint_every": self.checkpoint_every or None,  # 0: at epoch ends only
            "threads": self.threads,
        }


def _field(opt: Option) -> tuple[str, Any, Any]:
    """A dataclass field for ``opt``: typed by what its validator returns, defaulting to its default."""
    kind = getattr(opt.check, "__annotations__", {}).get("return", "Any")
    if opt.default is None:
        kind = f"{kind} | None"
    return opt.key, kind, dataclasses.field(default=opt.default)


TrainConfig = dataclasses.make_dataclass(
    "TrainConfig", [_field(o) for o in TRAIN_OPTIONS], bases=(_ConfigMethods,), frozen=True
)
TrainConfig.__module__ = __name__
TrainConfig.__doc__ = """The options of a training run, validated: one field per :data:`TRAIN_OPTIONS` entry.

Fields, types and defaults come from the table, so an option is added in one
place. Building one runs every given value through its option's validator
(a :class:`UsageError` names the flag); ``config.lr``, ``config["lr"]``,
:meth:`replace`, :meth:`to_dict` (the ``config.toml`` form) and
:meth:`fit_options` (what it fixes of :func:`glassnet.train.fit`).
``hidden``, ``dropout``, ``seed`` and ``name`` may be None until
:func:`glassnet.cli.pipeline.complete_config` fills them.

Examples
--------
>>> TrainConfig(epochs=3).to_dict()["epochs"]
3
"""

#: Options ``--resume`` accepts: they extend a run or change how often it saves, not what it computes.
RESUME_OVERRIDES = ("epochs", "checkpoint_every", "device", "threads")

#: Tables of a config file that are records, not options (written by glassnet in config.toml):
#: how the run was made, and how its own data was read (``dataset``).
_IGNORED_TABLES = ("run", "dataset")


#: Names other tools give glassnet's options, for the "did you mean" of an unknown key.
_KEY_ALIASES = {
    "learning_rate": "lr", "num_epochs": "epochs", "n_epochs": "epochs", "max_epochs": "epochs",
    "batchsize": "batch_size", "bs": "batch_size", "dataset": "data", "data_path": "data",
    "label": "target", "labels": "target", "label_column": "target", "hidden_size": "hidden",
    "hidden_sizes": "hidden", "hidden_layers": "hidden", "wd": "weight_decay",
    "optim": "optimizer", "scheduler": "schedule", "lr_schedule": "schedule",
    "patience": "early_stopping", "num_threads": "threads", "random_seed": "seed",
    "output_dir": "runs_dir", "out_dir": "runs_dir", "validation_split": "val_split",
}  # fmt: skip


def _key_hint(key: str, value: Any) -> str:
    """`` (did you mean 'lr'?)`` for an unknown config key, or what to do with a table."""
    if isinstance(value, Mapping):
        inner = [k for k in value if k.replace("-", "_") in OPTIONS_BY_KEY]
        if inner:
            return (
                f" (a table [{key}]: the options sit at the top level of the file, with no "
                f"table; move {', '.join(inner[:3])} above every [table] line)"
            )
    plain = key.strip().lower().replace("-", "_").replace(" ", "_")
    close = [_KEY_ALIASES[plain]] if plain in _KEY_ALIASES else []
    close = close or difflib.get_close_matches(plain, list(OPTIONS_BY_KEY), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_config_file(path: str) -> dict[str, Any]:
    """The options in a TOML file, validated; unknown keys are refused, naming the file."""
    if os.path.isdir(path):
        raise UsageError(f"--config: expected a TOML file, got the folder {path!r}")
    if not os.path.isfile(path):
        raise UsageError(f"--config: file {path!r} does not exist")
    try:
        raw = load_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _IGNORED_TABLES and isinstance(value, Mapping):
            continue
        opt = OPTIONS_BY_KEY.get(key.replace("-", "_"))
        if opt is None:
            raise UsageError(
                f"{path}: unknown key {key!r}{_key_hint(key, value)}; known keys: "
                f"{', '.join(OPTIONS_BY_KEY)}"
            )
        try:
            out[opt.key] = opt.check(opt.key, _toml_typed(opt, value))
        except UsageError as exc:
            raise UsageError(f"{path}: key {opt.key!r}: {_toml_spelling(exc, value)}") from None
    return out


#: Validators of options whose TOML value is a number (or a list of numbers): a flag's
#: text is parsed, but a TOML string is not a number (``epochs = "3"`` is refused).
_NUMERIC = {
    positive_int: "an integer", nonneg_int: "an integer", positive_float: "a number",
    nonneg_float: "a number", probability: "a number", fraction: "a number",
    int_list: "a list of positive integers like [256, 128]",
}  # fmt: skip


def _toml_typed(opt: Option, value: Any) -> Any:
    """``value`` if its TOML type suits ``opt``; a UsageError for a string where a number belongs."""
    kind = _NUMERIC.get(opt.check)
    strings = isinstance(value, str) or (
        isinstance(value, list) and any(isinstance(v, str) for v in value)
    )
    if kind is not None and strings:
        raise UsageError(f"{opt.flag}: expected {kind} (TOML, without quotes), got {value!r}")
    return value


def _toml_spelling(exc: UsageError, value: Any) -> str:
    """The message of ``exc`` without its flag, ending with ``value`` as TOML writes it."""
    msg = str(exc).split(": ", 1)[-1]
    shown = f"got {value!r}"
    if msg.endswith(shown):
        msg = msg[: -len(shown)] + f"got {format_value(value)}"
    return msg


def resolve_config(flags: Mapping[str, Any], config_file: str | None = None) -> TrainConfig:
    """Defaults, then the config file, then the flags that were given (not None).

    Returns
    -------
    TrainConfig
        ``hidden``/``dropout``/``seed``/``name`` may still be None (filled
        from the model and the run by the caller).
    """
    config: dict[str, Any] = {}
    if config_file is not None:
        config.update(load_config_file(config_file))
    for key, value in flags.items():
        if value is not None and key in OPTIONS_BY_KEY:
            config[key] = OPTIONS_BY_KEY[key].check(key, value)
    return TrainConfig(**config)


def resume_config(
    run_dir: str, flags: Mapping[str, Any], config_file: str | None = None
) -> TrainConfig:
    """The configuration to continue the run in ``run_dir`` with: its ``config.toml`` plus
    the flags of :data:`RESUME_OVERRIDES` (``--epochs`` to extend it, ``--checkpoint-every``).

    Raises
    ------
    UsageError
        ``--config`` or a flag that would change what the run computes was given.
    FileNotFoundError
        ``run_dir`` is not a run folder.
    """
    if config_file is not None:
        raise UsageError(
            f"--resume continues {run_dir!r} with its own config.toml; do not pass --config"
        )
    run = RunFolder.open(run_dir)
    recorded = load_config_file(run.file(RunFolder.CONFIG))
    changed = [
        k for k, v in flags.items()
        if v is not None and k not in RESUME_OVERRIDES and not _same(k, v, recorded.get(k))
    ]  # fmt: skip
    if changed:
        names = ", ".join(_flag(k) for k in changed)
        raise UsageError(
            f"--resume continues {run_dir!r} with its own configuration, so {names} cannot "
            f"change (only {', '.join(_flag(k) for k in RESUME_OVERRIDES)} can); to train a "
            f"variant start a new run: glassnet train --config "
            f"{os.path.join(run_dir, RunFolder.CONFIG)} {_flag(changed[0])} ..."
        )
    overrides = {k: flags.get(k) for k in RESUME_OVERRIDES}
    return resolve_config(overrides, run.file(RunFolder.CONFIG))


def _same(key: str, value: Any, recorded: Any) -> bool:
    """Whether a flag repeats the run's recorded value (``--resume RUN --data NAME`` is fine)."""
    try:
        parsed = OPTIONS_BY_KEY[key].check(key, value) if key in OPTIONS_BY_KEY else value
    except UsageError:
        return False
    if parsed == recorded:
        return True
    paths = isinstance(parsed, str) and isinstance(recorded, str) and key == "data"
    return paths and os.path.abspath(parsed) == os.path.abspath(recorded)


def add_threads_argument(p: argparse.ArgumentParser) -> None:
    """``--threads N``: run the model on slices of each batch in N threads (``nn.DataParallel``)."""
    p.add_argument(
        "--threads",
        default="1",
        metavar="N",
        help="slice each batch over N threads (nn.DataParallel; for CNNs on N cores; default 1)",
    )


def add_trained_model_arguments(
    p: argparse.ArgumentParser, run_example: str, *, data: bool = True
) -> None:
    """Add the options that say which trained model and data set a command reads.

    ``--run RUN_FOLDER`` or ``--checkpoint FILE`` (exactly one), ``--which``,
    and (with ``data``) ``--data`` and ``--no-download``; ``run_example`` is the
    run folder shown in ``--run``'s help.
    """
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", metavar="RUN_FOLDER", help=f"a run folder, e.g. {run_example}")
    src.add_argument(
        "--checkpoint", metavar="FILE", help="a checkpoint (.safetensors) from glassnet train"
    )
    p.add_argument(
        "--which",
        choices=("best", "last"),
        default="best",
        help="checkpoint of a run folder (default: best)",
    )
    if not data:
        return
    p.add_argument(
        "--data",
        default=None,
        metavar="NAME|PATH",
        help=f"data set: {', '.join(DATASETS)}, or labelled files read like the run's own data "
        "(default: the run's test split)",
    )
    p.add_argument(
        "--no-download", action="store_true", help="fail instead of downloading missing data"
    )
