"""What ``fit``/``evaluate``/``predict`` make of their arguments: batches, the loss, the optimizer.

Each resolver accepts the forms the trainer documents (arrays, datasets or
loaders; a loss name, function or module; an optimizer name or instance)
and raises an error naming the function, what it expected and what came.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .. import optim
from .._validate import is_number
from ..data._util import is_torch_tensor
from ..data.dataloader import DataLoader
from ..data.dataset import TensorDataset
from ..ops import loss as losses
from ..tensor import Tensor

__all__ = [
    "LOSSES",
    "OPTIMIZERS",
    "as_dataset",
    "check_optimizer_covers",
    "make_loader",
    "resolve_loss",
    "resolve_optimizer",
    "split_batch",
]

#: Loss names accepted by ``fit(loss=...)`` -> function name in ``glassnet.ops.loss``.
LOSSES = {
    "cross_entropy": "cross_entropy",
    "categorical_crossentropy": "cross_entropy",
    "nll": "nll_loss",
    "nll_loss": "nll_loss",
    "mse": "mse_loss",
    "mse_loss": "mse_loss",
    "half_mse": "half_mse_loss",
    "half_mse_loss": "half_mse_loss",
    "bce_with_logits": "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits": "binary_cross_entropy_with_logits",
    "bce": "binary_cross_entropy",
    "binary_cross_entropy": "binary_cross_entropy",
    "l1": "l1_loss",
    "l1_loss": "l1_loss",
    "huber": "huber_loss",
    "huber_loss": "huber_loss",
    "smooth_l1": "smooth_l1_loss",
    "smooth_l1_loss": "smooth_l1_loss",
}

#: Optimizer names accepted by ``fit(optimizer=...)`` -> class name in ``glassnet.optim``.
OPTIMIZERS = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
}


def as_dataset(who: str, data: Any) -> Any:
    """A map-style dataset for ``data``: ``(X, y)`` or ``(X,)`` arrays/tensors, an array, or a dataset.

    Raises
    ------
    TypeError, ValueError
        Naming ``who``, for other types, tuples of the wrong length and empty data.
    """
    if isinstance(data, (tuple, list)):
        if len(data) not in (1, 2):
            raise ValueError(
                f"{who}: data given as a tuple must be (X, y) or (X,), got {len(data)} items"
            )
        dataset = TensorDataset(*data)
    elif isinstance(data, (np.ndarray, Tensor)) or is_torch_tensor(data):
        dataset = TensorDataset(data)
    elif isinstance(data, Mapping):
        raise TypeError(
            f"{who}: data must be (X, y) arrays or tensors, a Dataset or a DataLoader, got a "
            f"dict with keys {sorted(map(str, data))[:5]}; pass (data['x'], data['y'])"
        )
    elif hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        dataset = data
    else:
        raise TypeError(
            f"{who}: data must be (X, y) arrays or tensors, a Dataset or a DataLoader, "
            f"got {type(data).__name__}"
        )
    if len(dataset) == 0:
        raise ValueError(f"{who}: the data holds no samples")
    return dataset


def make_loader(
    who: str,
    data: Any,
    *,
    batch_size: int,
    shuffle: bool = False,
    seed: int | None = None,
    transform: Callable[[Any], Any] | None = None,
) -> Any:
    """A :class:`~glassnet.data.DataLoader` over ``data``.

    Parameters
    ----------
    who : str
        The caller's name for error messages (``"fit"``).
    data : tuple (X, y), Dataset or DataLoader
        ``(X, y)`` of arrays or tensors with the same first dimension; a
        map-style dataset; or a loader, returned unchanged.
    batch_size, shuffle, seed, transform
        Passed to the new loader (not allowed with a loader: it has its own).
    """
    if isinstance(data, DataLoader):
        check_no_transform(who, transform)
        return data
    dataset = as_dataset(who, data)
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, seed=seed, transform=transform
    )


def check_no_transform(who: str, transform: Any) -> None:
    """A DataLoader brings its own transform: refuse ``transform=`` next to one."""
    if transform is not None:
        raise ValueError(
            f"{who}: transform= applies to arrays and datasets; a DataLoader brings its own "
            "(pass transform= to the DataLoader)"
        )


def batch_device(model: Any) -> Any:
    """The device batches must be moved to for ``model``: ``None`` on the CPU (no moves)."""
    dev = getattr(model, "device", None)
    return None if dev is None or dev.type == "cpu" else dev


def on_device(t: Any, dev: Any) -> Any:
    """``t`` as a tensor on ``dev`` (unchanged when ``dev`` is None or it is there already)."""
    if dev is None or t is None:
        return t
    if not isinstance(t, Tensor):
        t = Tensor(t)
    return t if t.device == dev else t.to(dev)


def split_batch(who: str, batch: Any) -> tuple[Any, Any]:
    """``(x, y)`` from a loader's batch; ``y`` is None for an input-only batch."""
    if isinstance(batch, (tuple, list)):
        if len(batch) == 2:
            return batch[0], batch[1]
        if len(batch) == 1:
            return batch[0], None
        raise ValueError(f"{who}: expected batches of (x, y), got {len(batch)} fields")
    return batch, None


def resolve_loss(who: str, loss: Any) -> Callable[[Tensor, Any], Tensor]:
    """The loss function ``loss(outputs, targets) -> Tensor`` for a name, function or module."""
    if isinstance(loss, str):
        key = loss.lower()
        if key not in LOSSES:
            raise ValueError(
                f"{who}: unknown loss {loss!r}; known: {', '.join(sorted(LOSSES))} "
                "(or pass a function or a loss module)"
            )
        return getattr(losses, LOSSES[key])
    if callable(loss):
        return loss
    raise TypeError(
        f"{who}: loss must be a name, a function (outputs, targets) -> Tensor or a loss module, "
        f"got {loss!r}"
    )


def resolve_optimizer(who: str, optimizer: Any, model: Any, **hyper: Any) -> Any:
    """An optimizer instance; a name builds that optimizer over the model's parameters.

    ``hyper`` (``lr=``, ``weight_decay=``, ...) go to the optimizer built from a name.
    """
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key not in OPTIMIZERS:
            raise ValueError(
                f"{who}: unknown optimizer {optimizer!r}; known: {', '.join(sorted(OPTIMIZERS))} "
                "(or pass an optimizer instance)"
            )
        return getattr(optim, OPTIMIZERS[key])(model_parameters(model), **hyper)
    if hyper:
        raise TypeError(f"{who}: hyper-parameters {sorted(hyper)} apply only to an optimizer name")
    if callable(getattr(optimizer, "step", None)) and hasattr(optimizer, "param_groups"):
        return optimizer
    raise TypeError(
        f"{who}: optimizer must be a name ({', '.join(sorted(OPTIMIZERS))}) or an optimizer "
        f"instance with step() and param_groups, got {optimizer!r}"
    )


def check_optimizer_covers(who: str, optimizer: Any, model: Any, loss: Any = None) -> None:
    """Refuse an optimizer that holds parameters, none of them the model's (or the loss's).

    Such an optimizer (built over another model, or over a copy) would leave
    the model untouched while training appears to run.

    Raises
    ------
    ValueError
        Naming the counts on both sides.
    """
    held = [p for group in optimizer.param_groups for p in group.get("params", ())]
    if not held:
        return
    own = {id(p) for p in model.parameters()}
    if callable(getattr(loss, "parameters", None)):
        own.update(id(p) for p in loss.parameters())
    if not any(id(p) in own for p in held):
        raise ValueError(
            f"{who}: the optimizer's {len(held)} parameter(s) are none of the model's "
            f"{len(own)}; build it over this model's parameters "
            "(optimizer=optim.Adam(model.parameters()), ...)"
        )


def check_positive(who: str, name: str, value: Any, *, allow_none: bool = False) -> Any:
    """``value`` as a positive number (or None when allowed); an error echoing it otherwise."""
    if value is None and allow_none:
        return None
    if (
        not is_number(value) or not 0 < value < np.inf  # also refuses nan
    ):
        raise ValueError(f"{who}: {name} must be a positive number, got {value!r}")
    return value


def model_parameters(model: Any) -> list[Any]:
    """The parameters of ``model`` that require gradients (once each)."""
    return [p for p in model.parameters() if p.requires_grad]
