"""torch.backends.cudnn's switches, kept as plain flags.

glassnet does not call cuDNN: its GPU path is CuPy's array operations, whose
results do not depend on an autotuner. Scripts set ``benchmark``/``deterministic``
for torch's sake; glassnet stores the values and is deterministic either way
(the same seed gives the same run), so neither setting changes a result.
"""

from __future__ import annotations

__all__ = ["is_available", "enabled", "benchmark", "deterministic"]

enabled: bool = True
benchmark: bool = False
deterministic: bool = False


def is_available() -> bool:
    """False: glassnet's GPU path is CuPy's array operations, not cuDNN."""
    return False
