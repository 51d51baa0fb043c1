"""The multivariate normal distribution ``N(loc, Sigma)`` over vectors of length ``k``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import linalg as _linalg
from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["MultivariateNormal", "mahalanobis_sq", "half_log_det"]

_LOG_2PI = math.log(2 * math.pi)


def mahalanobis_sq(scale_tril: Tensor, diff: Tensor) -> Tensor:
    """``|L^-1 diff|^2`` for lower-triangular ``L`` (..., k, k) and ``diff`` (..., k),
    broadcast over their batch axes: shape of the broadcast batch. Only ``L``'s lower
    triangle is read (a triangular solve, as torch's)."""
    batch = np.broadcast_shapes(tuple(scale_tril.shape[:-2]), tuple(diff.shape[:-1]))
    k = diff.shape[-1]
    low = scale_tril.tril().expand(*batch, k, k)
    d = diff.expand(*batch, k).unsqueeze(-1)
    return (_linalg.solve(low, d) ** 2).sum((-2, -1))


def half_log_det(scale_tril: Tensor) -> Tensor:
    """``log det(L)`` = half the log-determinant of ``L L^T``: shape (...)."""
    return scale_tril.diagonal(0, -2, -1).log().sum(-1)


class MultivariateNormal(Distribution):
    """``torch.distributions.MultivariateNormal(loc, covariance_matrix=None,
    precision_matrix=None, scale_tril=None, validate_args=None)``.

    Parameters
    ----------
    loc : Tensor, shape (..., k)
    covariance_matrix, precision_matrix : Tensor, shape (..., k, k)
        Symmetric positive definite; exactly one of these and ``scale_tril`` is given.
    scale_tril : Tensor, shape (..., k, k)
        Lower-triangular with a positive diagonal, ``Sigma = L L^T``.

    Everything is computed from ``scale_tril`` (the Cholesky factor of the covariance),
    so gradients reach whichever matrix was given; ``batch_shape`` is the broadcast of
    ``loc``'s and the matrix's leading axes, ``event_shape`` is ``(k,)``.
    """

    arg_constraints = {  # noqa: RUF012
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector

    _param_event_dims = {"loc": 1, "scale_tril": 2}  # noqa: RUF012

    has_rsample = True

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        super().__init__(validate_args)
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError(
                "MultivariateNormal: expected exactly one of covariance_matrix, "
                "precision_matrix and scale_tril"
            )
        self.loc = as_param(loc, "loc", "MultivariateNormal")
        if self.loc.ndim < 1:
            raise ValueError("MultivariateNormal: loc must be at least one-dimensional")
        name, mat = next(
            (n, m) for n, m in zip(("covariance_matrix", "precision_matrix", "scale_tril"),
                                   (covariance_matrix, precision_matrix, scale_tril)) if m is not None
        )  # fmt: skip
        m = as_param(mat, name, "MultivariateNormal")
        k = self.loc.shape[-1]
        if m.ndim < 2 or tuple(m.shape[-2:]) != (k, k):
            raise ValueError(
                f"MultivariateNormal: {name} must be of shape (..., {k}, {k}) for loc of shape "
                f"{tuple(self.loc.shape)}, got {tuple(m.shape)}"
            )
        if name == "scale_tril":
            self._check(bool(np.all(np.diagonal(m.array, 0, -2, -1) > 0)),
                        "expected scale_tril with a positive diagonal")  # fmt: skip
            self.scale_tril = m
        else:
            cov = m if name == "covariance_matrix" else _linalg.inv(m)
            self._check(bool(np.allclose(m.array, np.swapaxes(m.array, -1, -2))),
                        f"expected a symmetric {name}")  # fmt: skip
            self.scale_tril = _linalg.cholesky(cov)
        self.batch_shape = np.broadcast_shapes(tuple(self.loc.shape[:-1]),
                                               tuple(self.scale_tril.shape[:-2]))  # fmt: skip
        self.event_shape = (k,)

    @property
    def covariance_matrix(self) -> Tensor:
        return self.scale_tril @ self.scale_tril.mT

    @property
    def precision_matrix(self) -> Tensor:
        return _linalg.inv(self.covariance_matrix)

    @property
    def mean(self) -> Tensor:
        return self.loc.expand(*self.batch_shape, *self.event_shape)

    @property
    def mode(self) -> Tensor:
        return self.mean

    @property
    def variance(self) -> Tensor:
        var = (self.scale_tril**2).sum(-1)
        return var.expand(*self.batch_shape, *self.event_shape)

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """``loc + L eps`` with ``eps ~ N(0, I)``: gradients reach loc and the matrix."""
        shape = self._extended_shape(sample_shape)
        eps = _random.get_rng().standard_normal(shape).astype(self.loc.array.dtype)
        return self.loc + (self.scale_tril @ Tensor(eps).unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Any) -> Tensor:
        """``-(k log(2 pi) + |L^-1 (x - loc)|^2) / 2 - log det L``."""
        x = as_param(value, "value", "MultivariateNormal.log_prob")
        k = self.event_shape[0]
        m = mahalanobis_sq(self.scale_tril, x - self.loc)
        return -0.5 * (k * _LOG_2PI + m) - half_log_det(self.scale_tril)

    def entropy(self) -> Tensor:
        k = self.event_shape[0]
        h = 0.5 * k * (1.0 + _LOG_2PI) + half_log_det(self.scale_tril)
        return h.expand(*self.batch_shape) if self.batch_shape else h
