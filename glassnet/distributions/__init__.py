"""``torch.distributions``' common part: :class:`Normal`, :class:`Uniform`,
:class:`Categorical`, :class:`Bernoulli`, :class:`MultivariateNormal`, :class:`Independent`,
:class:`Exponential`, :class:`Laplace`, :class:`OneHotCategorical` and
:func:`kl_divergence`.

Densities, entropies and divergences are torch's formulas, made of glassnet's
differentiable ops (so ``log_prob`` of a policy's action back-propagates into the policy,
and ``rsample`` into the parameters). Draws come from glassnet's generator. Other
distributions are refused by name under ``glassnet run``.
"""

from __future__ import annotations

from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform

__all__ = [
    "Distribution", "Normal", "Uniform", "Categorical", "Bernoulli", "kl_divergence",
    "register_kl", "MultivariateNormal", "Independent", "Exponential", "Laplace",
    "OneHotCategorical",
]  # fmt: skip
