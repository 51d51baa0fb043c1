"""PyTorch's implementation switches, accepted where they cannot change a result.

``torch.optim`` constructors take ``foreach``, ``fused``, ``capturable`` and
``differentiable``. The first three choose *how* PyTorch runs the same update
(one kernel per tensor or per list, CUDA-graph capture); glassnet has one
implementation, so they are accepted and ignored. ``differentiable=True``
changes *what* happens (the update itself is recorded for autograd), which
glassnet's in-place updates do not support: it is refused, never ignored.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_torch_flags"]


def _optional_bool(owner: str, name: str, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be None, True or False, got {value!r}")


def check_torch_flags(
    owner: str,
    *,
    foreach: Any = None,
    fused: Any = None,
    capturable: Any = False,
    differentiable: Any = False,
) -> None:
    """Check PyTorch-only switches; raise for the one glassnet cannot honour.

    Parameters
    ----------
    owner : str
        The optimizer's name, for messages.
    foreach, fused, capturable : bool or None
        Accepted (they do not change the update's values).
    differentiable : bool
        Must be False.

    Raises
    ------
    TypeError
        When a switch is not None/True/False.
    NotImplementedError
        When ``differentiable=True``.
    """
    for name, value in (("foreach", foreach), ("fused", fused), ("capturable", capturable)):
        _optional_bool(owner, name, value)
    _optional_bool(owner, "differentiable", differentiable)
    if differentiable:
        raise NotImplementedError(
            f"{owner}: differentiable=True (recording the update itself for autograd) is not "
            "supported: glassnet updates parameters in place outside the graph; leave it False"
        )
