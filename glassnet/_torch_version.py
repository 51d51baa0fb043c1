"""``torch.version``: glassnet's version, and no CUDA or ROCm build (``torch.version.cuda`` is None).

Under ``glassnet run`` ``torch.__version__`` is glassnet's version too; GPUs are reached
through CuPy (``glassnet.cuda``), not through a CUDA build of the framework.
"""

from __future__ import annotations

__all__ = ["__version__", "cuda", "hip", "rocm", "xpu", "debug", "git_version"]

#: glassnet's version (``glassnet.__version__``; pyproject.toml holds the same).
__version__ = "0.1.0"

#: The CUDA, HIP, ROCm and XPU versions glassnet was built against: none.
cuda: str | None = None
hip: str | None = None
rocm: str | None = None
xpu: str | None = None
debug = False
git_version = "unknown"
