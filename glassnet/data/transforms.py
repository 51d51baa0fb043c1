"""Batched, vectorised data augmentation on ``(N, C, H, W)`` arrays.

Every transform works on a whole batch at once (one fancy-indexing gather,
no Python loop over samples or pixels) and is reproducible: it draws from the
generator passed as ``rng=`` -- the :class:`~glassnet.data.DataLoader` passes
one keyed by ``(seed, epoch)`` -- or else from its own, seeded at
construction.

Examples
--------
>>> import numpy as np
>>> aug = Compose([RandomCrop(28, padding=4), RandomHorizontalFlip(0.5), Normalize(0.286, 0.353)])
>>> aug(np.zeros((8, 1, 28, 28), np.float32), rng=np.random.default_rng(0)).shape
(8, 1, 28, 28)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import is_int, is_number
from ..backend import default_dtype, get_array_module
from ..tensor import Tensor
from .sampler import draw_seed

__all__ = [
    "Transform",
    "Compose",
    "RandomCrop",
    "RandomShift",
    "RandomHorizontalFlip",
    "Normalize",
    "ToFloat",
]


def _pair(who: str, name: str, value: Any, *, allow_zero: bool) -> tuple[int, int]:
    vals = value if isinstance(value, (tuple, list)) else (value, value)
    lo = 0 if allow_zero else 1
    if len(vals) != 2 or any(not is_int(v) or v < lo for v in vals):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{who}: {name} must be a {kind} int or pair of ints, got {value!r}")
    return int(vals[0]), int(vals[1])


class Transform:
    """Base class: ``t(x, rng=None)`` transforms a batch ``x`` (first axis = samples).

    Subclasses implement ``apply(x, rng)``. Inputs may be arrays or tensors;
    the result has the same kind.

    Parameters
    ----------
    seed : int or numpy.random.Generator, optional
        Seeds the transform's own generator, used when no ``rng`` is passed.
        Default: drawn from glassnet's global generator.
    """

    def __init__(self, *, seed: int | np.random.Generator | None = None) -> None:
        self.rng = np.random.default_rng(draw_seed(seed, type(self).__name__))

    def apply(self, x: Any, rng: np.random.Generator) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement apply")

    def __call__(self, x: Any, *, rng: np.random.Generator | None = None) -> Any:
        if isinstance(x, Tensor):
            return Tensor(self.apply(x.array, self.rng if rng is None else rng))
        return self.apply(x, self.rng if rng is None else rng)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _check_images(self, x: Any) -> tuple[int, int, int, int]:
        if x.ndim != 4:
            raise ValueError(
                f"{self!r}: expected a batch of shape (N, C, H, W), got {tuple(x.shape)}"
            )
        return x.shape


class Compose(Transform):
    """Apply several transforms in order, handing each the same ``rng``.

    Parameters
    ----------
    transforms : sequence of callable
        :class:`Transform` objects, or plain functions ``f(x) -> x``.
    """

    def __init__(self, transforms: Sequence[Any]) -> None:
        super().__init__(seed=0)
        self.transforms = list(transforms)
        for k, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {k} is not callable, got {t!r}")

    def apply(self, x: Any, rng: np.random.Generator) -> Any:
        for t in self.transforms:
            x = t(x, rng=rng) if isinstance(t, Transform) else t(x)
        return x

    def __repr__(self) -> str:
        inner = ",\n".join(f"    {t!r}" for t in self.transforms)
        return f"Compose([\n{inner}\n])"


class RandomCrop(Transform):
    """Crop each image at a random position, after zero-padding its borders.

    Parameters
    ----------
    size : int or (int, int), optional
        Output height and width. Default: the input's (a pure random shift).
    padding : int or (int, int), default 0
        Zeros added on each side (top/bottom, left/right) before cropping.
    seed : int or numpy.random.Generator, optional

    Shape
    -----
    - Input: ``(N, C, H, W)``
    - Output: ``(N, C, size_h, size_w)``, same dtype
    """

    def __init__(
        self,
        size: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.size = None if size is None else _pair("RandomCrop", "size", size, allow_zero=False)
        self.padding = _pair("RandomCrop", "padding", padding, allow_zero=True)

    def extra_repr(self) -> str:
        return f"size={self.size}, padding={self.padding}"

    def apply(self, x: Any, rng: np.random.Generator) -> Any:
        n, c, h, w = self._check_images(x)
        xp = get_array_module(x)
        ph, pw = self.padding
        sh, sw = self.size if self.size is not None else (h, w)
        hp, wp = h + 2 * ph, w + 2 * pw
        if sh > hp or sw > wp:
            raise ValueError(
                f"{self!r}: crop {sh}x{sw} is larger than the padded image {hp}x{wp} "
                f"(input {tuple(x.shape)})"
            )
        if ph or pw:
            padded = xp.zeros((n, c, hp, wp), dtype=x.dtype)
            padded[:, :, ph : ph + h, pw : pw + w] = x
        else:
            padded = x
        oy = xp.asarray(rng.integers(0, hp - sh + 1, size=n))
        ox = xp.asarray(rng.integers(0, wp - sw + 1, size=n))
        # every crop position is a zero-copy window; one gather picks one per image
        win = xp.lib.stride_tricks.sliding_window_view(padded, (sh, sw), axis=(2, 3))
        return win[xp.arange(n), :, oy, ox]


class RandomShift(RandomCrop):
    """Shift each image by up to ``max_shift`` pixels in each direction, filling with zeros.

    Same as ``RandomCrop(size=None, padding=max_shift)``.

    Parameters
    ----------
    max_shift : int or (int, int)
    seed : int or numpy.random.Generator, optional

    Shape
    -----
    - Input: ``(N, C, H, W)``
    - Output: ``(N, C, H, W)``
    """

    def __init__(
        self, max_shift: int | tuple[int, int], *, seed: int | np.random.Generator | None = None
    ) -> None:
        _pair("RandomShift", "max_shift", max_shift, allow_zero=True)
        super().__init__(None, max_shift, seed=seed)

    def extra_repr(self) -> str:
        return f"max_shift={self.padding}"


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p``.

    Parameters
    ----------
    p : float, default 0.5
        Probability in ``[0, 1]``.
    seed : int or numpy.random.Generator, optional

    Shape
    -----
    - Input: ``(N, ..., W)`` (any rank >= 2; the last axis is flipped)
    - Output: same as input
    """

    def __init__(self, p: float = 0.5, *, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(seed=seed)
        if not is_number(p) or not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def apply(self, x: Any, rng: np.random.Generator) -> Any:
        if x.ndim < 2:
            raise ValueError(
                f"{self!r}: expected a batch of shape (N, ..., W), got {tuple(x.shape)}"
            )
        xp = get_array_module(x)
        flip = xp.asarray(rng.random(x.shape[0]) < self.p)
        return xp.where(flip.reshape((-1,) + (1,) * (x.ndim - 1)), x[..., ::-1], x)


class Normalize(Transform):
    """``(x - mean) / std`` per channel (axis 1).

    Parameters
    ----------
    mean, std : float or sequence of float
        One value, or one per channel. ``std`` must be positive.

    Shape
    -----
    - Input: ``(N, C, ...)``; integer inputs are converted to the default float dtype
    - Output: same shape
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        super().__init__(seed=0)
        for name, v in (("mean", mean), ("std", std)):
            try:
                arr = np.atleast_1d(np.asarray(v, dtype=np.float64))
            except (TypeError, ValueError):
                arr = np.full((1, 1), np.nan)
            if arr.ndim != 1 or not len(arr) or not np.all(np.isfinite(arr)):
                raise ValueError(
                    f"Normalize: {name} must be a finite float or a sequence of floats, got {v!r}"
                )
            setattr(self, name, arr)
        if not np.all(self.std > 0):
            raise ValueError(f"Normalize: std must be positive, got {std!r}")

    def extra_repr(self) -> str:
        return f"mean={self.mean.tolist()}, std={self.std.tolist()}"

    def apply(self, x: Any, rng: np.random.Generator) -> Any:
        xp = get_array_module(x)
        if x.ndim < 2:
            raise ValueError(
                f"{self!r}: expected a batch of shape (N, C, ...), got {tuple(x.shape)}"
            )
        c = x.shape[1]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if len(v) not in (1, c):
                raise ValueError(
                    f"{self!r}: {name} has {len(v)} values but the input has {c} channels"
                )
        dt = x.dtype if x.dtype.kind == "f" else default_dtype()
        shape = (1, -1) + (1,) * (x.ndim - 2)
        m = xp.asarray(self.mean, dtype=dt).reshape(shape)
        s = xp.asarray(self.std, dtype=dt).reshape(shape)
        return (x.astype(dt, copy=False) - m) / s


class ToFloat(Transform):
    """Integer pixels to floats: ``x * scale`` as ``dtype`` (uint8 0..255 -> [0, 1]).

    Lets a loader keep images as uint8 (4x less memory) and convert per batch.

    Parameters
    ----------
    scale : float, default 1/255
    dtype : dtype, optional
        Default: glassnet's default float dtype (float32).
    """

    def __init__(self, scale: float = 1.0 / 255.0, *, dtype: Any = None) -> None:
        super().__init__(seed=0)
        if not is_number(scale) or not scale > 0:
            raise ValueError(f"ToFloat: scale must be a positive number, got {scale!r}")
        self.scale = float(scale)
        self.dtype = np.dtype(dtype) if dtype is not None else None
        if self.dtype is not None and self.dtype.kind != "f":
            raise ValueError(f"ToFloat: dtype must be a floating dtype, got {self.dtype}")

    def extra_repr(self) -> str:
        return f"scale={self.scale}"

    def apply(self, x: Any, rng: np.random.Generator) -> Any:
        dt = self.dtype or default_dtype()
        return x.astype(dt) * dt.type(self.scale)
