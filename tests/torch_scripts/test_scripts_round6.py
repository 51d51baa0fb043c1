"""Round 6 of PyTorch scripts (``round6/``): intermediate users' idioms run unchanged under
``glassnet run``.

The scripts cover a Lightning-style LitModel with training_step/validation_step and a fit()
switching train/eval and no_grad, a metrics module (confusion matrices by bincount,
scatter_add_ and one_hot; precision/recall/F1; top-k), a tabular model with an nn.ModuleList of
categorical embeddings, GRU forecasting on unfold windows with a teacher-forced decoder, a
ResNet built from Sequential(OrderedDict) edited through named_modules()/setattr and apply()
initialisers, weight decay kept off biases and norms with clip_grad_norm_(error_if_nonfinite),
a SimCLR NT-Xent loss, hand-written label smoothing, einsum patterns, a cdist/topk k-NN,
roll/flip/rot90 augmentation, a dict Dataset padded with pad_sequence, a checkpoint dict
loaded with map_location, dtype conversions, hooks and custom parametrizations (stacked, with
right_inverse, parametrizations.orthogonal), GNN message passing with index_add_ and
scatter_reduce, and feature preprocessing (unique, bucketize, quantile, histc). Where torch is
installed each runs first under torch (which saves its initial weights under
``INIT_WEIGHTS``) and then under glassnet from those weights; every ``LOSS`` line must agree:
its numbers to a relative 1e-4, its other words exactly. The tests of the glassnet fixes these
scripts led to sit with the code they cover (``tests/nn/test_parametrize.py``,
``tests/nn/test_utils.py``).
"""

from __future__ import annotations

import os

import pytest

from .script_runs import check_script

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "round6")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))


def test_round6_has_its_scripts():
    assert len(SCRIPTS) >= 14


@pytest.mark.parametrize("script", SCRIPTS)
def test_round6_script_gives_torchs_results(script, tmp_path):
    check_script(os.path.join(HERE, script), tmp_path)
