"""Round 7c of PyTorch scripts (``round7c/``): higher-order gradients (``create_graph=True``)
run unchanged under ``glassnet run``.

The scripts cover a physics-informed network for the 1-D Poisson problem (u' and u'' from
``torch.autograd.grad(create_graph=True)`` twice, the residual trained with Adam), Newton's
method with ``torch.autograd.functional.hessian`` and ``hvp`` on a logistic likelihood, a
WGAN-GP with a convolutional critic (the gradient penalty differentiated through conv2d,
leaky_relu and linear) and a ConvTranspose2d generator, the same with a LayerNorm and
InstanceNorm2d critic, and second-order MAML through
``torch.func.functional_call`` with ``backward(create_graph=True)`` and a gradient-norm
penalty. Where torch is installed each runs first under torch (which saves its initial weights
under ``INIT_WEIGHTS``) and then under glassnet from those weights; every ``LOSS`` line must
agree: its numbers to a relative 1e-4, its other words exactly. The op-by-op tests of the
differentiable backwards sit in ``tests/autograd/test_higher_order.py`` and
``tests/autograd/test_higher_order_more.py``.
"""

from __future__ import annotations

import os

import pytest

from .script_runs import check_script

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "round7c")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))


def test_round7c_has_its_scripts():
    assert len(SCRIPTS) >= 4


@pytest.mark.parametrize("script", SCRIPTS)
def test_round7c_script_gives_torchs_results(script, tmp_path):
    check_script(os.path.join(HERE, script), tmp_path, minimum=3)
