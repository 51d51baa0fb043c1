"""Models by name, with the input layout each expects: what ``glassnet train --model NAME`` builds.

A layout says how a batch of 28x28 greyscale images ``(N, 1, 28, 28)`` is
shown to the model:

=========  ======================  =====================================
layout     shape                   models
=========  ======================  =====================================
``flat``   ``(N, 784)``            MLPs
``image``  ``(N, 1, 28, 28)``      CNNs
``rows``   ``(N, 28, 28)``         sequence models (one row per time step)
=========  ======================  =====================================

::

    from glassnet.models.registry import build_model, get_model_spec, to_layout
    spec = get_model_spec("seed-cnn")
    model = build_model("seed-cnn", num_classes=10)
    logits = model(gn.Tensor(to_layout(x, spec.layout)))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import is_int
from ..nn.layers.mlp import MLP
from ..vision.models.resnet import resnet18, resnet34
from .rnn import row_lstm_attention
from .seed_cnn import seed_cnn

__all__ = [
    "LAYOUTS",
    "ModelSpec",
    "register_model",
    "get_model_spec",
    "build_model",
    "list_models",
    "to_layout",
]

#: Input layouts -> the shape they give a batch of 28x28 images.
LAYOUTS = {"flat": "(N, 784)", "image": "(N, 1, 28, 28)", "rows": "(N, 28, 28)"}


@dataclass(frozen=True)
class ModelSpec:
    """A registered model.

    Attributes
    ----------
    name : str
    builder : callable
        ``builder(num_classes=..., **options) -> Module``.
    layout : {"flat", "image", "rows"}
    description : str
    defaults : dict
        Option defaults (``hidden``, ``dropout``) used when the caller gives none.
    options : tuple of str
        The options ``builder`` accepts besides ``num_classes``.
    """

    name: str
    builder: Callable[..., Any]
    layout: str
    description: str = ""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    options: tuple[str, ...] = ()

    def build(self, num_classes: int = 10, **options: Any) -> Any:
        """The model with ``options`` (missing ones from ``defaults``; unknown ones refused)."""
        unknown = sorted(k for k in options if k not in self.options)
        if unknown:
            raise ValueError(
                f"model {self.name!r} does not take option(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(self.options) or '(none)'}"
            )
        merged = {**self.defaults, **{k: v for k, v in options.items() if v is not None}}
        return self.builder(num_classes=num_classes, **merged)


_REGISTRY: dict[str, ModelSpec] = {}


def register_model(
    name: str,
    builder: Callable[..., Any],
    *,
    layout: str,
    description: str = "",
    defaults: Mapping[str, Any] | None = None,
    options: tuple[str, ...] = (),
    overwrite: bool = False,
) -> ModelSpec:
    """Make ``builder`` available as ``name`` (to ``build_model`` and ``glassnet train --model``).

    Parameters
    ----------
    name : str
    builder : callable
        ``builder(num_classes=..., **options) -> Module``.
    layout : {"flat", "image", "rows"}
    description : str
    defaults : mapping, optional
    options : tuple of str
        Option names the builder accepts (besides ``num_classes``).
    overwrite : bool, default False
        Replace an existing entry instead of raising.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"register_model: name must be a non-empty str, got {name!r}")
    if layout not in LAYOUTS:
        raise ValueError(
            f"register_model: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}"
        )
    if not callable(builder):
        raise TypeError(f"register_model: builder must be callable, got {builder!r}")
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"register_model: {name!r} is registered already (pass overwrite=True)")
    spec = ModelSpec(name, builder, layout, description, dict(defaults or {}), tuple(options))
    _REGISTRY[name] = spec
    return spec


def list_models() -> list[str]:
    """The registered names, sorted."""
    return sorted(_REGISTRY)


def get_model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of ``name``; a ``ValueError`` listing the known names otherwise."""
    spec = _REGISTRY.get(name)
    if spec is None:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(list_models())}")
    return spec


def build_model(name: str, num_classes: int = 10, **options: Any) -> Any:
    """Build the registered model ``name`` (see :meth:`ModelSpec.build`)."""
    return get_model_spec(name).build(num_classes=num_classes, **options)


def to_layout(x: Any, layout: str) -> np.ndarray:
    """Images ``(N, 1, H, W)`` (or ``(N, H, W)``) in the shape ``layout`` asks for (a view when possible).

    Parameters
    ----------
    x : ndarray, shape (N, 1, H, W) or (N, H, W)
    layout : {"flat", "image", "rows"}

    Returns
    -------
    ndarray
        ``(N, H*W)``, ``(N, 1, H, W)`` or ``(N, H, W)``.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"to_layout: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    x = np.asarray(getattr(x, "data", x)) if not isinstance(x, np.ndarray) else x
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(
            f"to_layout: expected greyscale images of shape (N, 1, H, W) or (N, H, W), got {x.shape}"
        )
    n, _, h, w = x.shape
    if layout == "flat":
        return x.reshape(n, h * w)
    if layout == "rows":
        return x.reshape(n, h, w)
    return x


# ------------------------------------------------------------------ built-in models
def _mlp(num_classes: int, hidden: Any = (256, 128), dropout: float = 0.2) -> Any:
    return MLP([784, *hidden, num_classes], activation="relu", dropout=dropout)


def _seed_cnn(num_classes: int, dropout: float = 0.5, batch_norm: bool = False) -> Any:
    return seed_cnn(num_classes, dropout=dropout, batch_norm=batch_norm)


def _seed_cnn_bn(num_classes: int, dropout: float = 0.5) -> Any:
    return _seed_cnn(num_classes, dropout=dropout, batch_norm=True)


def _lstm_layers(name: str, hidden: Any) -> tuple[int, int]:
    """``hidden`` -> (hidden size, number of stacked layers): one entry per layer, all equal."""
    sizes = list(hidden) if isinstance(hidden, (list, tuple)) else [hidden]
    if not sizes or any(not is_int(h) or h <= 0 for h in sizes):
        raise ValueError(
            f"model {name!r}: hidden must be positive ints, one per stacked LSTM layer, got {hidden!r}"
        )
    if len(set(sizes)) != 1:
        raise ValueError(
            f"model {name!r}: stacked LSTM layers share one hidden size (one entry per layer, "
            f"e.g. [128, 128] for two layers), got hidden={sizes}"
        )
    return sizes[0], len(sizes)


def _lstm_attn(
    num_classes: int,
    hidden: Any = (128,),
    dropout: float = 0.0,
    bidirectional: bool = False,
    score: str = "additive",
    *,
    _name: str = "lstm-attn",
) -> Any:
    size, layers = _lstm_layers(_name, hidden)
    return row_lstm_attention(
        num_classes=num_classes, hidden=size, num_layers=layers, bidirectional=bidirectional,
        dropout=dropout, score=score,
    )  # fmt: skip


def _bilstm_attn(
    num_classes: int, hidden: Any = (128, 128), dropout: float = 0.2, score: str = "additive"
) -> Any:
    return _lstm_attn(
        num_classes, hidden, dropout, bidirectional=True, score=score, _name="bilstm-attn"
    )


register_model(
    "mlp", _mlp, layout="flat", options=("hidden", "dropout"),
    defaults={"hidden": [256, 128], "dropout": 0.2},
    description="multi-layer perceptron 784-hidden...-classes with ReLU and dropout",
)  # fmt: skip
register_model(
    "seed-cnn", _seed_cnn, layout="image", options=("dropout",), defaults={"dropout": 0.5},
    description="the seed article's CNN: conv3x3x32, pool, conv3x3x64, pool, FC1024, dropout, FC",
)  # fmt: skip
register_model(
    "seed-cnn-bn", _seed_cnn_bn, layout="image", options=("dropout",), defaults={"dropout": 0.5},
    description="the seed CNN with batch normalisation after each convolution",
)  # fmt: skip
register_model(
    "lstm-attn", _lstm_attn, layout="rows",
    options=("hidden", "dropout", "bidirectional", "score"),
    defaults={"hidden": [128], "dropout": 0.0},
    description="LSTM over image rows + temporal attention + linear classifier; "
    "hidden=[H] * L stacks L layers",
)  # fmt: skip
register_model(
    "bilstm-attn", _bilstm_attn, layout="rows", options=("hidden", "dropout", "score"),
    defaults={"hidden": [128, 128], "dropout": 0.2},
    description="bidirectional LSTM over image rows (2 layers of 128 per direction by default) "
    "+ temporal attention + linear classifier: the row-by-row Fashion-MNIST recipe",
)  # fmt: skip


def _resnet(num_classes: int, depth: int = 18) -> Any:
    make = {18: resnet18, 34: resnet34}[depth]
    return make(num_classes=num_classes, in_channels=1)


def _resnet34(num_classes: int) -> Any:
    return _resnet(num_classes, 34)


register_model(
    "resnet18", _resnet, layout="image",
    description="torchvision's ResNet-18 (11.2M parameters) with a 1-channel stem: "
    "28x28 images reach 1x1 in the last stage",
)  # fmt: skip
register_model(
    "resnet34", _resnet34, layout="image",
    description="torchvision's ResNet-34 (21.3M parameters) with a 1-channel stem",
)  # fmt: skip
