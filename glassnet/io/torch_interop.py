"""Moving weights between glassnet and PyTorch; torch is never needed to read or write files.

glassnet uses PyTorch's parameter names and shapes, so a state dict converts
key for key:

- :func:`load_torch_state_dict` reads a ``.safetensors`` file written by torch
  (``safetensors.torch.save_file``) or a ``.pt``/``.pth`` state dict file
  (``torch.save(model.state_dict(), path)``) into NumPy arrays -- no torch required;
- :func:`to_torch_state_dict` / :func:`from_torch_state_dict` convert in memory
  (torch imported lazily; install the ``torch`` extra).

PyTorch's own ``.pt``/``.pth`` files are pickles: glassnet reads their tensors and
plain containers with its own restricted unpickler (:mod:`glassnet.io.torch_file`)
and never runs code from them.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..nn.module import IncompatibleKeys, Module
from .safetensors import load_file
from .torch_file import is_torch_file, load_torch_file_state_dict

__all__ = ["load_torch_state_dict", "to_torch_state_dict", "from_torch_state_dict"]

# torch dtypes NumPy has no equivalent for: widened to float32 (exactly)
_WIDEN = ("torch.bfloat16", "torch.float8_e4m3fn", "torch.float8_e5m2", "torch.float8_e8m0fnu")


def load_torch_state_dict(path: str | os.PathLike) -> OrderedDict[str, np.ndarray]:
    """Read a state dict file written by PyTorch into NumPy arrays.

    Works without torch installed. bfloat16 and float8 tensors come back as
    float32; every other dtype is kept.

    Parameters
    ----------
    path : str or os.PathLike
        A file from ``safetensors.torch.save_file(model.state_dict(), path)``, or
        from ``torch.save(model.state_dict(), path)`` (read without running code;
        a checkpoint dict is refused here: read it with ``glassnet.load``).

    Returns
    -------
    OrderedDict of str to ndarray
        Ready for ``glassnet_model.load_state_dict``.
    """
    if is_torch_file(path):
        return load_torch_file_state_dict(path)
    return load_file(path)


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "to_torch_state_dict needs PyTorch: pip install 'glassnet[torch]' "
            "(reading torch's .safetensors files with load_torch_state_dict does not)"
        ) from None
    return torch


def to_torch_state_dict(module: Module | Mapping[str, Any]) -> OrderedDict[str, Any]:
    """A glassnet model's weights as torch tensors (copies), for ``torch_model.load_state_dict``.

    Parameters
    ----------
    module : Module or mapping of str to array

    Returns
    -------
    OrderedDict of str to torch.Tensor
    """
    torch = _torch()
    if isinstance(module, Module):
        state = module.state_dict()
    elif isinstance(module, Mapping):
        state = module
    else:
        raise TypeError(
            f"to_torch_state_dict: expected a glassnet Module or a state dict, got {type(module).__name__}"
        )
    out: OrderedDict[str, Any] = OrderedDict()
    for k, v in state.items():
        arr = v.numpy() if hasattr(v, "numpy") and not isinstance(v, np.ndarray) else np.asarray(v)
        out[k] = torch.from_numpy(np.array(arr, copy=True))
    return out


def is_torch_tensor(value: Any) -> bool:
    """Whether ``value`` is a ``torch.Tensor`` (told without importing torch).

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    return any(c.__module__ == "torch" and c.__name__ == "Tensor" for c in type(value).__mro__)


def _torch_to_numpy(key: str, value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        layout = str(getattr(value, "layout", "torch.strided"))
        if layout != "torch.strided":
            raise TypeError(
                f"{key!r} is a torch tensor of layout {layout}; expected a dense (strided) "
                "tensor: convert it with .to_dense() first"
            )
        if getattr(value, "is_meta", False):
            raise TypeError(
                f"{key!r} is a torch tensor on the meta device, which holds no values; "
                "expected a tensor with data (materialise the model's weights first)"
            )
        t = value.detach().cpu()
        if str(t.dtype) in _WIDEN:
            t = t.float()
        try:
            return t.numpy()
        except (TypeError, RuntimeError) as exc:
            raise TypeError(
                f"{key!r}: a torch tensor of dtype {t.dtype} has no NumPy equivalent ({exc})"
            ) from None
    raise TypeError(
        f"from_torch_state_dict: {key!r} is a {type(value).__name__}, expected a torch tensor "
        "or a NumPy array"
    )


def from_torch_state_dict(
    module: Module, torch_state_dict: Mapping[str, Any], *, strict: bool = True
) -> IncompatibleKeys:
    """Copy a PyTorch state dict into a glassnet model, in place.

    torch itself is not imported: tensors are converted through ``.numpy()``
    (bfloat16 / float8 widened to float32, then cast to the parameter's dtype).

    Parameters
    ----------
    module : Module
        A glassnet model with the same structure (PyTorch's names and shapes).
    torch_state_dict : mapping of str to torch.Tensor or ndarray
        ``torch_model.state_dict()``.
    strict : bool, default True
        Raise on missing or unexpected keys.

    Returns
    -------
    IncompatibleKeys
        ``(missing_keys, unexpected_keys)``.
    """
    if not isinstance(module, Module):
        raise TypeError(
            f"from_torch_state_dict: expected a glassnet Module, got {type(module).__name__}"
        )
    if not isinstance(torch_state_dict, Mapping):
        raise TypeError(
            f"from_torch_state_dict: expected a state dict (mapping), got {type(torch_state_dict).__name__}"
        )
    arrays = OrderedDict((k, _torch_to_numpy(k, v)) for k, v in torch_state_dict.items())
    return module.load_state_dict(arrays, strict=strict)
