"""Round 7b of PyTorch scripts (``round7b/``): everyday training-loop, data and text/vision
code run unchanged under ``glassnet run``.

The scripts cover an IterableDataset sharded by get_worker_info() with a BatchSampler, Subset
of a ConcatDataset and random_split; the full nn.Transformer encoder-decoder on a reversal
task with causal and key-padding masks and greedy decoding; a pre-norm TransformerEncoder
character LM with tied embeddings; a packed bidirectional LSTM(proj_size)/GRU/RNN tagger;
ranking and margin losses; quantile (pinball) regression with uncertainty-weighted
multi-task losses; the less common optimizers (NAdam, RAdam, Rprop, ASGD, ...) with
non-default options; LambdaLR/CyclicLR/PolynomialLR/ReduceLROnPlateau(mode="max") on edited
parameter groups; a disabled GradScaler/autocast with gradient accumulation and
BatchNorm(momentum=None); Unfold/Fold patches with every padding mode; a checkpoint with
buffers and a frozen encoder resumed exactly; a CNN of the less common layers; namedtuple
samples, slogdet and histogram in a Gaussian classifier; and the Module API of fine-tuning
notebooks (load_state_dict messages, hooks with kwargs, Module.type). Where torch is
installed each runs first under torch (which saves its initial weights under
``INIT_WEIGHTS``) and then under glassnet from those weights; every ``LOSS`` line must agree:
its numbers to a relative 1e-4, its other words exactly.

``round7b/refused/`` holds scripts glassnet cannot run (sparse embedding gradients with
SparseAdam; ``nn.AdaptiveLogSoftmaxWithLoss``): they must stop with a ``NotImplementedError``
naming the torch feature before any step. The tests of the glassnet fixes these scripts led
to sit with the code they cover (``tests/utils/test_data.py``,
``tests/optim/test_lr_scheduler.py``, ``tests/ops/test_linalg.py``,
``tests/torch_dialect/test_torch_top_level.py``, ``tests/nn/test_module.py``,
``tests/optim/test_optimizer.py``, ``tests/optim/test_lr_plateau.py``, ``tests/nn/test_rnn_packed.py``).
"""

from __future__ import annotations

import os

import pytest

from .script_runs import check_refused, check_script

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "round7b")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))
REFUSED = {
    "sparse_embedding_adam.py": "sparse=True",
    "adaptive_softmax_lm.py": "torch.nn.AdaptiveLogSoftmaxWithLoss",
}


def test_round7b_has_its_scripts():
    assert len(SCRIPTS) >= 14
    assert sorted(f for f in os.listdir(os.path.join(HERE, "refused")) if f.endswith(".py")) == sorted(REFUSED)


@pytest.mark.parametrize("script", SCRIPTS)
def test_round7b_script_gives_torchs_results(script, tmp_path):
    check_script(os.path.join(HERE, script), tmp_path)


@pytest.mark.parametrize("script", sorted(REFUSED))
def test_round7b_refused_script_names_the_torch_feature(script, tmp_path):
    check_refused(os.path.join(HERE, "refused", script), tmp_path, REFUSED[script])
