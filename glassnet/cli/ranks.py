"""How the commands behave under ``mpiexec``: rank 0 decides, prints and writes; errors stop all ranks.

In a plain process the world has one rank and every helper here simply runs
its function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..distributed import world
from ..distributed.comm import World

__all__ = ["command_world", "on_main", "main_first", "Discard"]

T = TypeVar("T")


class Discard:
    """A text stream that drops everything (the output of ranks other than 0)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def command_world(distributed: bool) -> Any:
    """The MPI world for ``--distributed`` (one rank without it or outside ``mpiexec``)."""
    if not distributed:
        return World(None)
    return world()


def on_main(world: Any, fn: Callable[[], T]) -> T:
    """Run ``fn`` on rank 0 only and give its (JSON-able) result to every rank.

    If it fails on rank 0, rank 0 raises the error and the other ranks raise
    a ``RuntimeError`` quoting it, instead of waiting for a result.
    """
    if world.size == 1:
        return fn()
    if world.is_main:
        try:
            result = fn()
        except Exception as exc:
            world.broadcast_object({"error": f"{exc}"})
            raise
        world.broadcast_object({"result": result})
        return result
    message = world.broadcast_object(None)
    if "error" in message:
        raise RuntimeError(f"rank 0 failed: {message['error']}")
    return message["result"]


def main_first(world: Any, fn: Callable[[], T]) -> T:
    """Run ``fn`` on rank 0 (which may download files), then on the other ranks."""
    if world.size == 1:
        return fn()
    holder: list[Any] = []

    def first() -> None:
        holder.append(fn())

    on_main(world, first)
    return holder[0] if holder else fn()
