"""``torch.distributions.constraints``: the sets a distribution's parameters and values live
in, read from ``Distribution.arg_constraints`` and ``Distribution.support``.

Each constraint's ``check(value)`` gives a boolean tensor, True where ``value`` is in the
set (over the trailing ``event_dim`` dims, which are reduced). Only checking is here:
torch's transforms onto a constraint (``biject_to``) are not in glassnet.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = [
    "Constraint", "dependent", "real", "real_vector", "positive", "nonnegative", "greater_than",
    "greater_than_eq", "interval", "half_open_interval", "unit_interval", "simplex", "boolean",
    "nonnegative_integer", "positive_integer", "integer_interval", "one_hot",
    "lower_cholesky", "positive_definite",
]  # fmt: skip


def _array(value: Any) -> np.ndarray:
    return np.asarray(value.array if isinstance(value, Tensor) else value)


class Constraint:
    """A set of values: ``check(value)`` is True where ``value`` lies in it.

    Attributes
    ----------
    is_discrete : bool
        Whether the set is of integers (or booleans).
    event_dim : int
        How many trailing dims make one point (1 for a simplex, 2 for a matrix).
    """

    is_discrete = False
    event_dim = 0

    def _test(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def check(self, value: Any) -> Tensor:
        """Boolean tensor: ``value.shape`` without the last ``event_dim`` dims."""
        x = _array(value)
        ok = np.asarray(self._test(x))
        while ok.ndim > max(x.ndim - self.event_dim, 0):
            ok = ok.all(axis=-1)
        return Tensor(ok)

    def __repr__(self) -> str:
        return type(self).__name__[1:] + "()"


class _Dependent(Constraint):
    """A parameter whose valid values depend on the others (``Uniform``'s ``low`` and
    ``high``): it cannot be checked alone."""

    def _test(self, x: np.ndarray) -> np.ndarray:
        raise ValueError("Cannot determine validity of dependent constraint")


class _Real(Constraint):
    def _test(self, x: np.ndarray) -> np.ndarray:
        return x == x  # not NaN


class _RealVector(_Real):
    event_dim = 1


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def _test(self, x: np.ndarray) -> np.ndarray:
        return x > _array(self.lower_bound)

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def _test(self, x: np.ndarray) -> np.ndarray:
        return x >= _array(self.lower_bound)

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _test(self, x: np.ndarray) -> np.ndarray:
        return (x >= _array(self.lower_bound)) & (x <= _array(self.upper_bound))

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    def _test(self, x: np.ndarray) -> np.ndarray:
        return (x >= _array(self.lower_bound)) & (x < _array(self.upper_bound))


class _Simplex(Constraint):
    event_dim = 1

    def _test(self, x: np.ndarray) -> np.ndarray:
        return np.all(x >= 0, axis=-1) & (np.abs(x.sum(-1) - 1) < 1e-6)


class _Boolean(Constraint):
    is_discrete = True

    def _test(self, x: np.ndarray) -> np.ndarray:
        return (x == 0) | (x == 1)


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: int) -> None:
        self.lower_bound = lower_bound

    def _test(self, x: np.ndarray) -> np.ndarray:
        return (x % 1 == 0) & (x >= self.lower_bound)


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _test(self, x: np.ndarray) -> np.ndarray:
        lo, hi = _array(self.lower_bound), _array(self.upper_bound)
        return (x % 1 == 0) & (x >= lo) & (x <= hi)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def _test(self, x: np.ndarray) -> np.ndarray:
        return np.all((x == 0) | (x == 1), axis=-1) & (x.sum(-1) == 1)


class _LowerCholesky(Constraint):
    event_dim = 2

    def _test(self, x: np.ndarray) -> np.ndarray:
        lower = np.all(np.triu(x, 1) == 0, axis=(-2, -1))
        return lower & np.all(np.diagonal(x, 0, -2, -1) > 0, axis=-1)


class _PositiveDefinite(Constraint):
    event_dim = 2

    def _test(self, x: np.ndarray) -> np.ndarray:
        sym = np.all(np.isclose(x, np.swapaxes(x, -1, -2)), axis=(-2, -1))
        return sym & np.all(np.linalg.eigvalsh(x) > 0, axis=-1)


dependent = _Dependent()
real = _Real()
real_vector = _RealVector()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
interval = _Interval
half_open_interval = _HalfOpenInterval
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
boolean = _Boolean()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
one_hot = _OneHot()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
