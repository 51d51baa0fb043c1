"""``torch.utils.checkpoint``: the calls run, without the memory saving.

torch's activation checkpointing frees a segment's activations after its forward and
runs the segment again during backward. glassnet keeps every activation, so
``checkpoint(fn, *args)`` is ``fn(*args)``: the same values and gradients (dropout
draws included, since nothing is recomputed), and the memory of an ordinary forward.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Any = None,
    determinism_check: str = "default",
    debug: bool = False,
    preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)`` (torch's checkpointing options accepted, no effect).

    Parameters
    ----------
    function : callable
    *args, **kwargs
        Passed to ``function``.
    use_reentrant, context_fn, determinism_check, debug, preserve_rng_state
        torch's options; they change how torch recomputes, and glassnet does not recompute.

    Returns
    -------
    Any
        What ``function`` returns.
    """
    return function(*args, **kwargs)


def checkpoint_sequential(
    functions: Any,
    segments: int,
    input: Any,
    use_reentrant: bool | None = None,
    **kwargs: Any,  # noqa: A002
) -> Any:
    """Run ``functions`` (an ``nn.Sequential`` or a list of modules) one after another on
    ``input``; ``segments`` (how torch would split them) must be a positive int."""
    if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
        raise ValueError(
            f"checkpoint_sequential: segments must be a positive int, got {segments!r}"
        )
    mods: Sequence[Any] = (
        list(functions.children()) if hasattr(functions, "children") else list(functions)
    )
    out = input
    for fn in mods:
        out = fn(out)
    return out
