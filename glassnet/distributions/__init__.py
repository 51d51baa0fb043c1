"""``torch.distributions``' common part: :class:`Normal`, :class:`Uniform`,
:class:`Categorical`, :class:`Bernoulli`, :class:`MultivariateNormal`, :class:`Independent`,
:class:`Exponential`, :class:`Laplace`, :class:`OneHotCategorical`, :class:`Gamma`,
:class:`Chi2`, :class:`Beta`, :class:`Dirichlet`, :class:`Poisson`, :class:`Geometric`,
:class:`Binomial`, :class:`LogNormal`, :class:`TransformedDistribution` with the elementwise
transforms of :mod:`.transforms`, and :func:`kl_divergence`.

Densities, entropies and divergences are torch's formulas, made of glassnet's
differentiable ops (so ``log_prob`` of a policy's action back-propagates into the policy,
and ``rsample`` into the parameters). Draws come from glassnet's generator. Other
distributions are refused by name under ``glassnet run``.
"""

from __future__ import annotations

from . import constraints, transforms
from .bernoulli import Bernoulli
from .categorical import Categorical
from .dirichlet import Beta, Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Chi2, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Binomial, Geometric, Poisson
from .transformed_distribution import TransformedDistribution
from .transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
    Transform,
)
from .uniform import Uniform

__all__ = [
    "Distribution", "Normal", "Uniform", "Categorical", "Bernoulli", "kl_divergence",
    "register_kl", "MultivariateNormal", "Independent", "Exponential", "Laplace",
    "OneHotCategorical", "Gamma", "Chi2", "Beta", "Dirichlet", "Poisson", "Geometric",
    "Binomial", "LogNormal", "constraints", "TransformedDistribution", "Transform",
    "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform", "PowerTransform",
    "SoftplusTransform", "AbsTransform", "ComposeTransform", "transforms",
]  # fmt: skip
