"""Fused GPU update kernels: one kernel launch per parameter instead of a dozen.

On a GPU each NumPy-style pass of an update (``m += ...``, ``v *= ...``) is a
kernel launch of a few microseconds of host time, which dominates the step of
small models. Where the array module offers ``ElementwiseKernel`` (CuPy), the
optimizers below run their whole update as one kernel; elsewhere (NumPy, or an
array module without it) they keep their pass-by-pass code. The kernels do the
same float operations in the same order as that code, so results agree to
rounding (the compiler may fuse a multiply and an add).
"""

from __future__ import annotations

from typing import Any

__all__ = ["adam_kernel"]

_ADAM_SOURCE = """
T q = p * shrink;
T d = sign * g;
if (l2 != (T)0) d = l2 * q + d;
m = m + (d - m) * one_minus_beta1;
v = v * beta2 + (d * d) * one_minus_beta2;
if (apply != (T)0) q = q - m / (sqrt(v) * denom_scale + denom_eps);
p = q;
"""

_cache: dict[int, Any] = {}


def adam_kernel(xp: Any) -> Any:
    """The fused Adam kernel of array module ``xp``, or None when it has no ``ElementwiseKernel``.

    Call as ``kernel(g, shrink, sign, l2, one_minus_beta1, beta2, one_minus_beta2,
    denom_scale, denom_eps, apply, p, m, v)`` with the scalars as the parameter's
    dtype; ``p``, ``m`` and ``v`` are updated in place.
    """
    make = getattr(xp, "ElementwiseKernel", None)
    if make is None:
        return None
    kernel = _cache.get(id(xp))
    if kernel is None:
        kernel = make(
            "T g, T shrink, T sign, T l2, T one_minus_beta1, T beta2, T one_minus_beta2, "
            "T denom_scale, T denom_eps, T apply",
            "T p, T m, T v",
            _ADAM_SOURCE,
            "glassnet_adam",
        )
        _cache[id(xp)] = kernel
    return kernel
