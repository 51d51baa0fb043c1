"""Models by name, with the input layout each expects: what ``glassnet train --model NAME`` builds.

A layout says how a batch of images ``(N, C, H, W)`` (28x28 greyscale for
MNIST and Fashion-MNIST) or a table ``(N, F)`` is shown to the model:

=========  ==================================  =====================================
layout     shape                               models
=========  ==================================  =====================================
``flat``   ``(N, C*H*W)``, tables ``(N, F)``   MLPs
``image``  ``(N, C, H, W)``                    CNNs
``rows``   ``(N, H, W)`` (greyscale only)      sequence models (one row per time step)
=========  ==================================  =====================================

Builders that take ``input_shape`` (one sample's shape, ``(C, H, W)`` or
``(F,)``) are built for the data at hand; the built-in ones all do.

::

    from glassnet.models.registry import build_model, get_model_spec, to_layout
    spec = get_model_spec("seed-cnn")
    model = build_model("seed-cnn", num_classes=10)
    logits = model(gn.Tensor(to_layout(x, spec.layout)))
    cnn = build_model("small-cnn", num_classes=5, input_shape=(3, 64, 64))
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import is_int
from ..nn.layers.mlp import MLP
from ..vision.models.resnet import resnet18, resnet34
from .rnn import row_lstm_attention
from .seed_cnn import seed_cnn
from .small_cnn import small_cnn

__all__ = [
    "LAYOUTS",
    "ModelSpec",
    "register_model",
    "get_model_spec",
    "build_model",
    "list_models",
    "to_layout",
]

#: Input layouts -> the shape they give a batch of images (or a table, for ``flat``).
LAYOUTS = {"flat": "(N, C*H*W) or (N, F)", "image": "(N, C, H, W)", "rows": "(N, H, W)"}
#: One sample's shape when none is given: a 28x28 greyscale image.
MNIST_SHAPE = (1, 28, 28)


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

    @property
    def takes_input_shape(self) -> bool:
        """True when ``builder`` accepts ``input_shape`` (builds for any sample shape)."""
        try:
            return "input_shape" in inspect.signature(self.builder).parameters
        except (TypeError, ValueError):  # builtins without a signature
            return False

    def build(self, num_classes: int = 10, *, input_shape: Any = None, **options: Any) -> Any:
        """The model with ``options`` (missing ones from ``defaults``; unknown ones refused).

        ``input_shape`` -- one sample's shape, ``(C, H, W)`` or ``(F,)`` -- goes
        to builders that take it; for the others it must be the default
        ``(1, 28, 28)``.
        """
        unknown = sorted(k for k in options if k not in self.options)
        if unknown:
            raise ValueError(
                f"model {self.name!r} does not take option(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(self.options) or '(none)'}"
            )
        merged = {**self.defaults, **{k: v for k, v in options.items() if v is not None}}
        if self.takes_input_shape and input_shape is not None:
            merged["input_shape"] = tuple(int(s) for s in input_shape)
        elif input_shape is not None and tuple(input_shape) != MNIST_SHAPE:
            raise ValueError(
                f"model {self.name!r} is built for 28x28 greyscale images only, got samples of "
                f"shape {tuple(input_shape)}"
            )
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


def build_model(
    name: str, num_classes: int = 10, *, input_shape: Any = None, **options: Any
) -> Any:
    """Build the registered model ``name`` for samples of ``input_shape`` (see :meth:`ModelSpec.build`)."""
    return get_model_spec(name).build(num_classes=num_classes, input_shape=input_shape, **options)


def to_layout(x: Any, layout: str) -> np.ndarray:
    """Images ``(N, C, H, W)`` (or ``(N, H, W)``), or a table ``(N, F)``, in the shape ``layout`` asks for.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), (N, H, W) or (N, F)
        ``(N, F)`` (a table) only for the ``flat`` layout.
    layout : {"flat", "image", "rows"}

    Returns
    -------
    ndarray
        ``(N, C*H*W)`` (a table as it is), ``(N, C, H, W)`` or ``(N, H, W)``
        (a view when possible).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"to_layout: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    x = np.asarray(getattr(x, "array", x)) if not isinstance(x, np.ndarray) else x
    if x.ndim == 2 and layout == "flat":
        return x
    if x.ndim == 2:
        raise ValueError(
            f"to_layout: a {layout!r}-layout model reads images, got a table of shape {x.shape} "
            f"(tables need an MLP: --model mlp)"
        )
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise ValueError(
            f"to_layout: expected images (N, C, H, W) or (N, H, W) or a table (N, F), got {x.shape}"
        )
    n, c, h, w = x.shape
    if layout == "flat":
        return x.reshape(n, c * h * w)
    if layout == "rows":
        if c != 1:
            raise ValueError(
                f"to_layout: a row-by-row model reads greyscale images, got {c} channels "
                f"(shape {x.shape})"
            )
        return x.reshape(n, h, w)
    return x


def _image_shape(name: str, input_shape: Any) -> tuple[int, int, int]:
    """``input_shape`` as ``(C, H, W)``; a ``ValueError`` naming the model for a table."""
    shape = tuple(input_shape)
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3:
        raise ValueError(
            f"model {name!r} reads images (C, H, W), got samples of shape {shape} "
            f"(a table: use --model mlp)"
        )
    return shape  # type: ignore[return-value]


# ------------------------------------------------------------------ built-in models
def _mlp(
    num_classes: int,
    hidden: Any = (256, 128),
    dropout: float = 0.2,
    input_shape: Any = MNIST_SHAPE,
) -> Any:
    features = int(np.prod(input_shape))
    return MLP([features, *hidden, num_classes], activation="relu", dropout=dropout)


def _seed_cnn(
    num_classes: int,
    dropout: float = 0.5,
    batch_norm: bool = False,
    input_shape: Any = MNIST_SHAPE,
    *,
    _name: str = "seed-cnn",
) -> Any:
    c, h, w = _image_shape(_name, input_shape)
    if h != w or h % 4:
        raise ValueError(
            f"model {_name!r} needs square images with a side divisible by 4, got {h}x{w} "
            f"(use --image-size, or --model small-cnn which reads any size)"
        )
    return seed_cnn(
        num_classes, in_channels=c, dropout=dropout, batch_norm=batch_norm, image_size=h
    )


def _seed_cnn_bn(num_classes: int, dropout: float = 0.5, input_shape: Any = MNIST_SHAPE) -> Any:
    return _seed_cnn(num_classes, dropout, True, input_shape, _name="seed-cnn-bn")


def _small_cnn(
    num_classes: int, dropout: float = 0.2, width: int = 1, input_shape: Any = MNIST_SHAPE
) -> Any:

    c, h, w = _image_shape("small-cnn", input_shape)
    return small_cnn(num_classes, in_channels=c, image_size=(h, w), width=width, dropout=dropout)


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
    input_shape: Any = MNIST_SHAPE,
    *,
    _name: str = "lstm-attn",
) -> Any:
    size, layers = _lstm_layers(_name, hidden)
    c, _, w = _image_shape(_name, input_shape)
    if c != 1:
        raise ValueError(
            f"model {_name!r} reads greyscale images row by row, got {c} channels "
            f"(use --model small-cnn)"
        )
    return row_lstm_attention(
        num_classes=num_classes, hidden=size, num_layers=layers, bidirectional=bidirectional,
        dropout=dropout, score=score, input_size=w,
    )  # fmt: skip


def _bilstm_attn(
    num_classes: int,
    hidden: Any = (128, 128),
    dropout: float = 0.2,
    score: str = "additive",
    input_shape: Any = MNIST_SHAPE,
) -> Any:
    return _lstm_attn(
        num_classes, hidden, dropout, bidirectional=True, score=score, input_shape=input_shape,
        _name="bilstm-attn",
    )  # fmt: skip


register_model(
    "mlp", _mlp, layout="flat", options=("hidden", "dropout"),
    defaults={"hidden": [256, 128], "dropout": 0.2},
    description="multi-layer perceptron inputs-hidden...-classes with ReLU and dropout "
    "(the default for tables and the built-in data sets)",
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
    "small-cnn", _small_cnn, layout="image", options=("dropout",), defaults={"dropout": 0.2},
    description="three conv3x3-BN-ReLU blocks (32, 64, 128), max-pools, global average pooling, "
    "linear: any image size and channel count (the default for image folders)",
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
