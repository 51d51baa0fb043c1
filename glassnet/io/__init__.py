"""Saving and loading without pickle: safetensors files, checkpoints, torch interop, TOML configs.

::

    import glassnet.io as gio
    gio.save(model, "model.safetensors")            # weights only
    model.load_state_dict(gio.load("model.safetensors"))
    gio.save_checkpoint("ckpt.safetensors", model=model, optimizer=opt, epoch=3)
    state = gio.load_checkpoint("ckpt.safetensors", model=model, optimizer=opt)
"""

from .checkpoint import (
    FORMAT_VERSION,
    check_restorable,
    load,
    load_checkpoint,
    save,
    save_checkpoint,
)
from .onnx_export import (
    OnnxBuilder,
    OnnxValue,
    build_onnx_model,
    export_onnx,
    not_exportable_functions,
    onnx_function_converters,
    register_onnx_converter,
    register_onnx_function,
    supported_onnx_modules,
)
from .safetensors import (
    CheckpointError,
    SafetensorsFile,
    TensorInfo,
    load_file,
    load_metadata,
    safe_open,
    save_file,
)
from .tomlconf import ConfigError, dump_config, load_config, loads_config, save_config
from .torch_file import TorchFileError, load_torch_file
from .torch_interop import from_torch_state_dict, load_torch_state_dict, to_torch_state_dict

__all__ = [
    "CheckpointError", "ConfigError",
    "save_file", "load_file", "load_metadata", "safe_open", "SafetensorsFile", "TensorInfo",
    "save", "load", "save_checkpoint", "load_checkpoint", "check_restorable", "FORMAT_VERSION",
    "load_torch_state_dict", "to_torch_state_dict", "from_torch_state_dict",
    "load_torch_file", "TorchFileError",
    "load_config", "loads_config", "dump_config", "save_config",
    "export_onnx", "build_onnx_model", "register_onnx_converter", "supported_onnx_modules",
    "register_onnx_function", "onnx_function_converters", "not_exportable_functions",
    "OnnxBuilder", "OnnxValue",
]  # fmt: skip
