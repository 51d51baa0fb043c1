"""Reverse-mode automatic differentiation: ``Function``, the engine, grad modes, gradcheck,
anomaly detection, ``functional.jacobian``/``vjp``/``jvp`` and the legacy ``Variable``."""

from . import function, functional, higher_order
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad, unbroadcast
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .variable import Variable

__all__ = [
    "Function",
    "FunctionCtx",
    "function",
    "once_differentiable",
    "backward",
    "grad",
    "unbroadcast",
    "gradcheck",
    "numerical_grad",
    "GradcheckError",
    "no_grad",
    "inference_mode",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "functional",
    "higher_order",
    "Variable",
]
