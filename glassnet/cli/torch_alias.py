"""The import hook of ``glassnet run``: ``torch`` and ``torchvision`` resolve to glassnet.

:func:`install` puts a finder first on ``sys.meta_path``. For every name in
:data:`ALIASES` it hands back glassnet's own module object (an alias, never a
copy), so ``import torch.nn as nn`` binds ``glassnet.nn`` and
``sys.modules["torch"] is glassnet``. It takes precedence over an installed
PyTorch, and drops any torch modules already imported.

Nothing differs silently: a torch module glassnet lacks (``import torch.fft``)
raises :class:`TorchModuleMissing`, and a missing attribute of an aliased
module (``torch.compile``) raises :class:`TorchAPIMissing`. Both are
``NotImplementedError`` naming the torch API and, where one exists, the
nearest glassnet API (:data:`NEAREST`, else a close name in the same module).
``TorchAPIMissing`` is also an ``AttributeError``, so ``hasattr(torch, "compile")``
is False, and ``from torch import compile`` reports the same message.
"""

from __future__ import annotations

import difflib
import dis
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .. import _dtypes
from ..autograd.custom import CustomNode
from ..autograd.function import AccumulateGrad, Function
from ..tensor import Size, Tensor, torch_grad_fn_name, torch_grad_fn_repr

__all__ = [
    "ALIASES", "NEAREST", "TorchAPIMissing", "TorchModuleMissing", "install", "uninstall",
    "torch_aliases", "missing_message",
]  # fmt: skip

#: torch / torchvision module -> glassnet module(s) it is (the first that imports).
ALIASES: dict[str, tuple[str, ...]] = {
    "torch": ("glassnet",),
    "torch.nn": ("glassnet.nn",),
    "torch.nn.functional": ("glassnet.nn.functional", "glassnet.functional"),
    "torch.nn.init": ("glassnet.nn.init",),
    "torch.nn.utils": ("glassnet.nn.utils",),
    "torch.nn.utils.rnn": ("glassnet.nn.utils.rnn",),
    "torch.nn.utils.parametrize": ("glassnet.nn.utils.parametrize",),
    "torch.nn.utils.parametrizations": ("glassnet.nn.utils.parametrizations",),
    "torch.nn.utils.prune": ("glassnet.nn.utils.prune",),
    "torch.nn.utils.fusion": ("glassnet.nn.utils.fusion",),
    "torch.nn.utils.clip_grad": ("glassnet.nn.utils",),
    "torch.nn.utils.convert_parameters": ("glassnet.nn.utils",),
    # torch.nn.modules and each of its submodules: one glassnet module
    "torch.nn.modules": ("glassnet.nn.modules",),
    **{f"torch.nn.modules.{m}": ("glassnet.nn.modules",)
       for m in ("activation", "adaptive", "batchnorm", "channelshuffle", "container", "conv",
                 "distance", "dropout", "flatten", "fold", "instancenorm", "lazy", "linear",
                 "loss", "module", "normalization", "padding", "pixelshuffle", "pooling", "rnn",
                 "sparse", "transformer", "upsampling", "utils")},
    "torch.nn.common_types": ("glassnet.nn.modules",),
    "torch.optim": ("glassnet.optim",),
    "torch.optim.lr_scheduler": ("glassnet.optim.lr_scheduler",),
    "torch.optim.swa_utils": ("glassnet.optim.swa_utils",),
    "torch.optim.optimizer": ("glassnet.optim.optimizer",),
    **{f"torch.optim.{m}": ("glassnet.optim",)
       for m in ("adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
                 "radam", "lbfgs", "asgd", "rprop")},
    "torch.nn.parameter": ("glassnet.nn.module",),
    "torch.nn.parallel": ("glassnet.nn.parallel",),
    "torch.linalg": ("glassnet.linalg",),
    "torch.special": ("glassnet.special",),
    "torch.amp": ("glassnet.amp",),
    "torch.distributions": ("glassnet.distributions",),
    **{f"torch.distributions.{m}": (f"glassnet.distributions.{m}",)
       for m in ("distribution", "normal", "uniform", "categorical", "bernoulli", "kl",
                 "multivariate_normal", "independent", "exponential", "laplace",
                 "one_hot_categorical", "gamma", "dirichlet", "poisson", "log_normal",
                 "constraints", "transforms", "transformed_distribution")},
    # torch modules whose class lives beside a related one here
    **{f"torch.distributions.{m}": (f"glassnet.distributions.{home}",)
       for m, home in (("chi2", "gamma"), ("beta", "dirichlet"), ("geometric", "poisson"),
                       ("binomial", "poisson"))},
    "torch.cuda.amp": ("glassnet.cuda_amp",),
    "torch.autograd": ("glassnet.autograd",),
    "torch.autograd.function": ("glassnet.autograd.function",),
    "torch.autograd.functional": ("glassnet.autograd.functional",),
    "torch.autograd.anomaly_mode": ("glassnet.autograd.anomaly",),
    "torch.autograd.grad_mode": ("glassnet.autograd.grad_mode",),
    "torch.utils": ("glassnet.utils",),
    "torch.utils.data": ("glassnet.utils.data",),
    # torch's submodules of torch.utils.data, all served by the one glassnet module
    "torch.utils.data.dataset": ("glassnet.utils.data",),
    "torch.utils.data.sampler": ("glassnet.utils.data",),
    "torch.utils.data.dataloader": ("glassnet.utils.data",),
    "torch.utils.tensorboard": ("glassnet.utils.tensorboard",),
    "torch.utils.checkpoint": ("glassnet.utils.checkpoint",),
    "torch.cuda": ("glassnet.cuda",),
    "torch.accelerator": ("glassnet.accelerator",),
    "torch.backends": ("glassnet.backends",),
    "torch.onnx": ("glassnet.onnx",),
    "torch.testing": ("glassnet.testing",),
    "torch.func": ("glassnet.func",),
    "torch.hub": ("glassnet.hub",),
    "torch.profiler": ("glassnet.profiler",),
    "torch.autograd.profiler": ("glassnet.profiler",),
    "torch.utils.model_zoo": ("glassnet.hub",),
    "torch.nn.utils.stateless": ("glassnet.func",),
    "torch.random": ("glassnet._torch_random",),
    "torch.serialization": ("glassnet._torch_serialization",),
    "torch.types": ("glassnet._torch_types",),
    "torch.version": ("glassnet._torch_version",),
    "torch.utils.hooks": ("glassnet.nn.module",),
    "torch.jit": ("glassnet.jit",),
    "torch.backends.mps": ("glassnet.backends.mps",),
    "torch.backends.cudnn": ("glassnet.backends.cudnn",),
    "torchvision": ("glassnet.vision",),
    "torchvision.datasets": ("glassnet.vision.datasets",),
    "torchvision.datasets.folder": ("glassnet.vision.datasets.folder",),
    "torchvision.transforms": ("glassnet.vision.transforms",),
    "torchvision.transforms.functional": ("glassnet.vision.transforms.functional",),
    "torchvision.utils": ("glassnet.vision.utils",),
    "torchvision.models": ("glassnet.vision.models",),
}

#: torch APIs glassnet lacks -> the nearest glassnet API (what to use instead).
NEAREST: dict[str, str] = {
    "torch.distributed": "glassnet.distributed (MPI data parallel, run under mpirun)",
    "torch.fft": "numpy.fft on tensor.numpy()",
    "torch.linalg.eig": "glassnet.linalg.eigh for symmetric matrices (glassnet has no complex "
    "dtype for the eigenvalues of others)",
    "torch.linalg.eigvals": "glassnet.linalg.eigvalsh for symmetric matrices (glassnet has no "
    "complex dtype)",
    "torch.cat": "glassnet.functional.concat",
    **{f"torch.{n}": "none: glassnet has no complex dtypes; keep the real and imaginary parts "
       "as two real tensors (glassnet.stack([re, im], -1))"
       for n in ("complex", "polar", "view_as_real", "view_as_complex", "complex64",
                 "complex128", "cfloat", "cdouble")},
    "torch.GradScaler": "glassnet.amp.GradScaler (torch.amp.GradScaler)",
    "torch.lstsq": "glassnet.linalg.lstsq (torch.linalg.lstsq)",
    "torch.solve": "glassnet.linalg.solve (torch.linalg.solve)",
    **{f"torch.{w}_window": f"numpy.{n}(N + 1)[:-1] (periodic) through glassnet.tensor"
       for w, n in (("hann", "hanning"), ("hamming", "hamming"), ("blackman", "blackman"),
                    ("bartlett", "bartlett"))},
    "torch.utils.data.DistributedSampler": "glassnet.distributed.DistributedBatchSampler",
    **{f"torch.optim.{n}": "glassnet.optim.Adam" for n in ("SparseAdam", "Adafactor", "Muon")},
    "torch.nn.RNNBase": "glassnet.nn.RNN, glassnet.nn.LSTM or glassnet.nn.GRU",
    "torchvision.io": "Pillow (PIL.Image.open) then glassnet.vision.transforms.ToTensor",
    "torchvision.datasets.CIFAR10": "glassnet.data.open_data on an image folder",
}

_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


class TorchAPIMissing(NotImplementedError, AttributeError):
    """A torch attribute glassnet does not have."""


class TorchModuleMissing(NotImplementedError, ModuleNotFoundError):
    """A torch module glassnet does not have."""


def _nearest_glassnet(torch_name: str, module: types.ModuleType | None) -> str | None:
    if torch_name in NEAREST:
        return NEAREST[torch_name]
    parent, _, name = torch_name.rpartition(".")
    if parent in NEAREST:
        return NEAREST[parent]
    if module is None:
        return None
    public = {n.lower(): n for n in dir(module) if not n.startswith("_")}
    close = difflib.get_close_matches(name.lower(), list(public), n=1, cutoff=0.75)
    return f"{module.__name__}.{public[close[0]]}" if close else None


def missing_message(torch_name: str, module: types.ModuleType | None = None) -> str:
    """The message for a torch API glassnet lacks: its name and the nearest glassnet API."""
    near = _nearest_glassnet(torch_name, module)
    hint = f"; nearest glassnet API: {near}" if near else ""
    return (
        f"{torch_name} is not available in glassnet{hint} "
        "(glassnet run maps torch to glassnet; see docs/pytorch.md for what is covered)"
    )


def _called_by_import_from() -> bool:
    """True when the attribute lookup comes from ``from module import name``."""
    frame = sys._getframe(2)
    code = frame.f_code.co_code
    return 0 <= frame.f_lasti < len(code) and code[frame.f_lasti] == _IMPORT_FROM


def _make_getattr(
    torch_name: str,
    module: types.ModuleType,
    previous: Callable[[str], Any] | None,
    on_module: Callable[[], None],
) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if previous is not None:
            try:
                found = previous(name)
            except AttributeError:
                pass
            else:
                if isinstance(found, types.ModuleType):  # glassnet's lazy submodules (torch.utils)
                    on_module()
                return found
        if name.startswith("_"):
            raise AttributeError(f"module {torch_name!r} has no attribute {name!r}")
        if f"{torch_name}.{name}" in ALIASES:  # a submodule not imported yet (from torch import nn)
            return importlib.import_module(f"{torch_name}.{name}")
        message = missing_message(f"{torch_name}.{name}", module)
        if _called_by_import_from():  # an AttributeError would become "cannot import name"
            raise NotImplementedError(message)
        exc = TorchAPIMissing(message)
        exc.name, exc.obj = name, module  # AttributeError's fields, for tools that read them
        raise exc

    __getattr__.torch_alias = previous  # type: ignore[attr-defined]
    return __getattr__


class _AliasLoader(importlib.abc.Loader):
    """Hands back an already imported glassnet module under a torch name."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = self.spec  # importlib set the torch spec on glassnet's module; undo
        if self.spec is not None and self.spec.loader is not None:
            module.__loader__ = self.spec.loader


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """The ``sys.meta_path`` finder that resolves torch names to glassnet modules."""

    def __init__(self) -> None:
        self.patched: dict[str, tuple[types.ModuleType, Any]] = {}
        self.made_packages: list[types.ModuleType] = []  # plain modules given a __path__
        self.displaced: dict[str, types.ModuleType] = {}  # real torch modules set aside
        self.size_repr: str | None = None  # how Size printed before install()
        self.dtype_getter: Any = None  # Tensor.dtype before install()
        self.dtype_names: dict[str, Any] = {}  # glassnet.float32, ... before install()
        self.node_methods: list[tuple[type, str, Any]] = []  # grad_fn methods before install()
        self.torch_names = {g: t for t, gs in reversed(ALIASES.items()) for g in gs}

    def scan(self) -> None:
        """Patch every aliased glassnet module imported so far (``torch.nn`` reached as an
        attribute never passes through the finder)."""
        for gname, tname in self.torch_names.items():
            module = sys.modules.get(gname)
            if module is not None:
                self._patch(tname, module)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        root = fullname.partition(".")[0]
        if root not in ("torch", "torchvision"):
            return None
        module = self._glassnet_module(fullname)
        if module is None:
            if any(part.startswith("_") for part in fullname.split(".")):
                raise ModuleNotFoundError(
                    f"No module named {fullname!r} in glassnet", name=fullname
                )
            exc = TorchModuleMissing(missing_message(fullname))
            exc.name = fullname
            raise exc
        self._patch(fullname, module)
        self.scan()
        loader = _AliasLoader(module)
        return importlib.machinery.ModuleSpec(
            fullname, loader, is_package=hasattr(module, "__path__")
        )

    @staticmethod
    def _glassnet_module(fullname: str) -> types.ModuleType | None:
        for candidate in ALIASES.get(fullname, ()):
            try:
                return importlib.import_module(candidate)
            except ModuleNotFoundError as exc:
                if exc.name != candidate:  # a real failure inside glassnet: show it
                    raise
        return None

    def _patch(self, torch_name: str, module: types.ModuleType) -> None:
        """Give ``module`` a ``__getattr__`` that reports missing torch APIs (once)."""
        if module.__name__ in self.patched:
            return
        previous = module.__dict__.get("__getattr__")
        self.patched[module.__name__] = (module, previous)
        module.__getattr__ = _make_getattr(torch_name, module, previous, self.scan)  # type: ignore[attr-defined]
        if not hasattr(module, "__path__") and any(t.startswith(f"{torch_name}.") for t in ALIASES):
            # the import system looks up ``torch.cuda.amp`` only under a package: an empty
            # __path__ makes the plain module one, and this finder then serves the submodule
            module.__path__ = []  # type: ignore[attr-defined]
            self.made_packages.append(module)

    def restore(self) -> None:
        """Take every installed ``__getattr__`` off again."""
        for module, previous in self.patched.values():
            if previous is None:
                module.__dict__.pop("__getattr__", None)
            else:
                module.__getattr__ = previous  # type: ignore[attr-defined]
        self.patched.clear()
        for module in self.made_packages:
            module.__dict__.pop("__path__", None)
        self.made_packages.clear()


def _is_torch_name(name: str) -> bool:
    return name.partition(".")[0] in ("torch", "torchvision")


def install() -> TorchAliasFinder:
    """Make ``import torch`` / ``import torchvision`` give glassnet, in this process.

    Any torch or torchvision modules already imported are dropped from
    ``sys.modules`` first, so the aliases win whether or not PyTorch is installed.

    Returns
    -------
    TorchAliasFinder
        Pass it to :func:`uninstall` to undo.
    """
    finder = TorchAliasFinder()
    for name in [n for n in sys.modules if _is_torch_name(n)]:
        finder.displaced[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, finder)
    finder.scan()
    finder.size_repr, Size.repr_module = Size.repr_module, "torch"  # print(x.shape) as torch's
    _print_dtypes_as_torch(finder)
    _name_nodes_as_torch(finder)
    return finder


def _custom_node_repr(node: CustomNode) -> str:
    """A PyTorch-form Function's node as torch prints it (its class under torch's module)."""
    return f"<torch.autograd.function.{type(node).__name__} object at {id(node):#x}>"


def _accumulate_grad_repr(node: AccumulateGrad) -> str:
    return f"<AccumulateGrad object at {id(node):#x}>"


#: (class, method, torch's form) swapped in by :func:`install` so that ``print(loss.grad_fn)``
#: and ``grad_fn.name()`` read as torch's (``<MseLossBackward0 object at 0x...>``)
_TORCH_NODE_METHODS = (
    (Function, "__repr__", torch_grad_fn_repr), (Function, "name", torch_grad_fn_name),
    (CustomNode, "__repr__", _custom_node_repr), (AccumulateGrad, "__repr__", _accumulate_grad_repr),
)  # fmt: skip


def _name_nodes_as_torch(finder: TorchAliasFinder) -> None:
    """``grad_fn`` nodes print and name themselves as torch's (see ``glassnet/tensor.py``'s
    name table); :func:`uninstall` puts glassnet's methods back."""
    for cls, attr, torch_form in _TORCH_NODE_METHODS:
        finder.node_methods.append((cls, attr, cls.__dict__[attr]))
        setattr(cls, attr, torch_form)


def _restore_nodes(finder: TorchAliasFinder) -> None:
    for cls, attr, method in reversed(finder.node_methods):
        setattr(cls, attr, method)
    finder.node_methods.clear()


#: glassnet's functions that return a dtype: under the hook they return a TorchDType.
_DTYPE_FUNCTIONS = ("get_default_dtype", "result_type", "promote_types")


def _print_dtypes_as_torch(finder: TorchAliasFinder) -> None:
    """``x.dtype``, ``torch.float32``, ... become :class:`~glassnet._dtypes.TorchDType`
    objects, which print as torch's dtypes (``torch.float32``); :func:`uninstall` puts the
    NumPy dtypes back. glassnet's own code reads them as the NumPy dtypes they wrap."""
    package = sys.modules[__package__.rpartition(".")[0]]
    names = {n: v for n, v in vars(package).items() if isinstance(v, np.dtype) and not n.startswith("_")}
    names.update((n, vars(package)[n]) for n in (*_DTYPE_FUNCTIONS, "dtype"))
    finder.dtype_names = names
    finder.dtype_getter = Tensor.__dict__["dtype"]
    for name, value in names.items():
        if isinstance(value, np.dtype):
            setattr(package, name, _dtypes.TorchDType(value))
        elif name in _DTYPE_FUNCTIONS:
            setattr(package, name, _dtypes.torch_dtype_result(value))
    package.dtype = _dtypes.TorchDType  # type: ignore[attr-defined]
    Tensor.dtype = property(_dtypes.tensor_torch_dtype, doc=finder.dtype_getter.__doc__)  # type: ignore[method-assign,assignment]


def _restore_dtypes(finder: TorchAliasFinder) -> None:
    if finder.dtype_getter is None:
        return
    Tensor.dtype = finder.dtype_getter  # type: ignore[method-assign]
    package = sys.modules[__package__.rpartition(".")[0]]
    for name, value in finder.dtype_names.items():
        setattr(package, name, value)
    finder.dtype_getter, finder.dtype_names = None, {}


def uninstall(finder: TorchAliasFinder) -> None:
    """Remove the finder, the torch names it put in ``sys.modules`` and its ``__getattr__``s;
    put back any torch modules :func:`install` set aside."""
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if _is_torch_name(n)]:
        if getattr(sys.modules[name], "__name__", "").startswith("glassnet"):
            del sys.modules[name]
    sys.modules.update(finder.displaced)  # an already imported PyTorch comes back as it was
    finder.displaced.clear()
    finder.restore()
    Size.repr_module = finder.size_repr
    _restore_dtypes(finder)
    _restore_nodes(finder)


@contextmanager
def torch_aliases() -> Iterator[TorchAliasFinder]:
    """``with torch_aliases(): import torch`` -- the hook for the duration of a block."""
    finder = install()
    try:
        yield finder
    finally:
        uninstall(finder)
