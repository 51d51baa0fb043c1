"""torch's automatic mixed precision API (``torch.amp``, ``torch.cuda.amp``), in full precision.

glassnet computes in float32 or float64; it has no half-precision kernels. Training scripts
written for mixed precision still run where their mixed precision would be off:

- :class:`autocast` with ``enabled=False``, or for ``device_type="cuda"`` where no GPU is
  available, does nothing (torch, too, turns it off there, with the same warning). Where it
  would really switch to lower precision it raises ``NotImplementedError``, because the
  results would differ from torch's.
- :class:`GradScaler` is torch's dynamic loss scaling, exactly: ``scale`` multiplies the
  loss by the scale (a power of two, so float32 gradients are unchanged but for overflow),
  ``unscale_`` divides the gradients back and looks for inf/NaN, ``step`` skips the
  optimizer's step when it found one, ``update`` halves the scale after a skipped step and
  doubles it after ``growth_interval`` good ones. For ``device="cuda"`` without a GPU it
  turns itself off with torch's warning, and every method passes through.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .backend import cuda_available
from .tensor import Tensor

__all__ = ["autocast", "GradScaler"]


def _device_type(device: Any) -> str:
    return str(getattr(device, "type", device)).split(":")[0]


class autocast:  # noqa: N801  (torch's name)
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``.

    A context manager (or decorator) that does nothing when ``enabled`` is False or
    ``device_type`` is ``"cuda"`` without a GPU; otherwise refused (see the module).
    """

    def __init__(self, device_type: str = "cuda", dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:  # fmt: skip
        self.device_type = _device_type(device_type)
        self.enabled = bool(enabled)
        if self.enabled and self.device_type == "cuda" and not cuda_available():
            warnings.warn(
                "User provided device_type of 'cuda', but CUDA is not available. Disabling",
                stacklevel=2,
            )
            self.enabled = False
        if self.enabled:
            raise NotImplementedError(
                f"torch.autocast(device_type={self.device_type!r}) is not available in glassnet: "
                "it computes in float32/float64 only (mixed precision would change the "
                "results); pass enabled=False"
            )

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapped


class GradScaler:
    """torch's ``GradScaler(device="cuda", init_scale=2.**16, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True)``: dynamic loss scaling.

    See the module for what each method does. ``state_dict``/``load_state_dict`` keep
    torch's keys (``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval``,
    ``_growth_tracker``).
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:  # fmt: skip
        self.device = _device_type(device)
        self._enabled = bool(enabled)
        if self._enabled and self.device == "cuda" and not cuda_available():
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                stacklevel=2,
            )
            self._enabled = False
        if growth_factor <= 1.0 or not 0.0 < backoff_factor < 1.0:
            raise ValueError(
                f"GradScaler: expected growth_factor > 1 and 0 < backoff_factor < 1, got "
                f"{growth_factor} and {backoff_factor}"
            )
        self._scale = float(init_scale)
        self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
        self._growth_interval, self._growth_tracker = int(growth_interval), 0
        self._found_inf: dict[int, bool] = {}  # per optimizer, since the last update()

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor or nested lists/tuples of them) times the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise TypeError(
            f"GradScaler.scale: expected a Tensor or a sequence of them, got {type(outputs).__name__}"
        )

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and note any inf/NaN."""
        if not self._enabled:
            return
        if id(optimizer) in self._found_inf:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        inv, found = 1.0 / self._scale, False
        for p in _params(optimizer):
            if p.grad is None:
                continue
            g = p.grad.array
            g *= g.dtype.type(inv)
            found = found or not bool(np.isfinite(g).all())
        self._found_inf[id(optimizer)] = found

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)`` on unscaled gradients, skipped after an inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._found_inf:
            self.unscale_(optimizer)
        if self._found_inf[id(optimizer)]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Back off after a skipped step, grow after ``growth_interval`` good ones (or set
        ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor) else new_scale)
        elif any(self._found_inf.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._found_inf.clear()

    def state_dict(self) -> dict[str, Any]:
        """torch's keys; empty when disabled (as torch's)."""
        if not self._enabled:
            return {}
        return {
            "scale": self._scale, "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if not state:
            raise RuntimeError(
                "GradScaler.load_state_dict: the state is empty (saved from a disabled scaler)"
            )
        self._scale = float(state["scale"])
        self._growth_factor = float(state["growth_factor"])
        self._backoff_factor = float(state["backoff_factor"])
        self._growth_interval = int(state["growth_interval"])
        self._growth_tracker = int(state["_growth_tracker"])


def _params(optimizer: Any) -> Iterable[Any]:
    for group in optimizer.param_groups:
        yield from group["params"]
