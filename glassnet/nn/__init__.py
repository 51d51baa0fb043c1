"""Neural-network modules: ``Module``, containers, layers, initialisation."""

from . import init
from .container import ModuleDict, ModuleList, Sequential
from .layers.linear import Identity, Linear
from .module import Buffer, Module, Parameter

__all__ = [
    "init", "Module", "Parameter", "Buffer", "Sequential", "ModuleList", "ModuleDict",
    "Linear", "Identity",
]  # fmt: skip
