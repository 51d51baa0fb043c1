"""Round 8 of PyTorch scripts (``round8/``): the whole standard output of a script, not only
its ``LOSS`` lines, must be torch's.

The scripts follow the official "Learn the Basics" tutorials (tensors, datasets and
DataLoaders, building a model, autograd, optimization, saving and loading) and the printing
habits of everyday notebooks: tensors of every dtype and shape printed with torch's
formatting and ``set_printoptions``, ``print(model)`` for a zoo of layers, the
``named_parameters`` loop with ``Size`` and first rows, ``print(optimizer)`` for every
optimizer and parameter groups, ``get_last_lr()`` of the schedulers, ``print(loss)`` with its
``grad_fn`` name, named results (``torch.return_types.max(...)``), state dict keys, DataLoader
batches, and the errors a notebook catches where glassnet raises what torch raises. Where
torch is installed each runs first under torch (which saves its initial weights and random
draws under ``INIT_WEIGHTS``) and then under ``glassnet run`` from them; every line must
agree token by token: words exactly, numbers (inside tensor text too) to a relative 1e-4
plus one unit in the last printed digit (``script_runs.assert_same_output``).
What still prints differently is listed in docs/pytorch.md ("What differs, and why") and kept
out of these scripts.
"""

from __future__ import annotations

import os

import pytest

from .script_runs import _TOKEN, _same_token, assert_same_output, check_script_output

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "round8")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.endswith(".py"))


def test_round8_has_its_scripts():
    assert len(SCRIPTS) >= 12


@pytest.mark.parametrize("script", SCRIPTS)
def test_round8_script_prints_what_torch_prints(script, tmp_path):
    check_script_output(os.path.join(HERE, script), tmp_path)


# ------------------------------------------------------------ the comparator itself
def test_tokens_split_tensor_text_into_numbers():
    assert _TOKEN.findall("tensor([[0.1234, -5.6e-01]], grad_fn=<SliceBackward0>)") == [
        "tensor", "(", "[", "[", "0.1234", ",", "-5.6e-01", "]", "]", ",", "grad_fn", "=",
        "<SliceBackward0>", ")",
    ]  # fmt: skip
    assert _TOKEN.findall("Layer: fc.weight | Size: torch.Size([2, 3])") == [
        "Layer", ":", "fc.weight", "|", "Size", ":", "torch.Size", "(", "[", "2", ",", "3", "]", ")",
    ]  # fmt: skip


def test_same_token_allows_rounding_but_not_other_values():
    assert _same_token("0.1234", "0.1235")  # one unit in the last printed digit
    assert _same_token("1.00005", "1.0")
    assert not _same_token("0.1234", "0.1240")
    assert not _same_token("2", "3")  # integers exactly
    assert _same_token("nan", "nan") and _same_token("inf", "inf")
    assert not _same_token("inf", "1e308") and not _same_token("nan", "0.")
    assert not _same_token("SliceBackward0", "GetItemBackward")


def test_assert_same_output_catches_each_kind_of_difference():
    ref = ["tensor([[ 0.1234, -0.5000]])", "Linear(in_features=2, out_features=3, bias=True)"]
    assert_same_output(["tensor([[0.1235, -0.5000]])", ref[1]], ref, minimum=2)  # widths ignored
    for bad in (
        ["tensor([[ 0.1334, -0.5000]])", ref[1]],  # a value
        ["tensor([ 0.1234, -0.5000])", ref[1]],  # a bracket
        [ref[0], "Linear(in_features=2, out_features=3, bias=False)"],  # a word
        ref + ["extra"],  # a line too many
        ref[:1],  # a line too few
    ):
        with pytest.raises(AssertionError):
            assert_same_output(bad, ref, minimum=2)


# ------------------------------------------------ the printed texts round 8 fixed, exactly
PROBE = '''
import torch
from torch import nn
F = nn.functional
w = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
t = torch.tensor([0.2, 0.4, 0.9])
for index in ("[:1]", "[1]", "[:, 1]", "[1, :]", "[:1, 2]", "[1, :2]", "[:]", "[..., 0]", "[0][:2]"):
    print(index, eval("w" + index))
print(torch.relu(w), torch.sigmoid(w[0]), torch.tanh(w[1]), torch.softmax(w, 1), torch.log_softmax(w, 0))
for loss in (F.cross_entropy(w, torch.tensor([0, 2])), F.cross_entropy(w[0], torch.tensor(1)),
             F.cross_entropy(w.reshape(1, 3, 2), torch.tensor([[0, 1]])),
             F.nll_loss(w, torch.tensor([2, 1])), F.mse_loss(w[0], t, reduction="sum"),
             F.mse_loss(w[1], t, reduction="none"), F.smooth_l1_loss(w[0], t), F.huber_loss(w[1], t),
             F.binary_cross_entropy_with_logits(w[0], t), F.binary_cross_entropy(w[1].sigmoid(), t)):
    print(loss)
    if loss.dim() == 0:  # the name stays after backward() frees the node
        loss.backward()
        print(loss)
p = [nn.Parameter(torch.zeros(2))]
for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
             "Rprop", "ASGD", "LBFGS"):
    print(getattr(torch.optim, name)(p, lr=0.5), getattr(torch.optim, name)(p))
print(torch.optim.SGD([{"params": p}, {"params": [nn.Parameter(torch.ones(1))], "lr": 0.5}],
                      lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True))
print(nn.RNN(3, 4, nonlinearity="relu", num_layers=2), nn.RNNCell(3, 4, nonlinearity="relu"))
print(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True))
print(nn.MultiheadAttention(8, 2, kdim=4, vdim=4, dropout=0.1))
print(nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()}).keys(), nn.Linear(2, 2)._modules)


class TwoLines(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1)

    def extra_repr(self):
        return "first=1\\nsecond=2"


class OneLine(nn.Module):
    def extra_repr(self):
        return "only=1"


print(TwoLines(), OneLine(), nn.Sequential(OneLine(), TwoLines()), nn.Module())
print(nn.ParameterList([nn.Parameter(torch.zeros(2, 3)), nn.Parameter(torch.zeros(4, dtype=torch.float64))]))
print(nn.ParameterList([nn.Parameter(torch.zeros(2))]), nn.ParameterList(), nn.ParameterDict())
print(nn.ParameterDict({"a": nn.Parameter(torch.ones(1, dtype=torch.float64)), "b": torch.ones(2, 2)}))
x = torch.tensor([[3.0, 1.0], [2.0, 4.0]])
print(torch.aminmax(x), x.max(0), torch.sort(x[0]))
'''


@pytest.mark.parametrize("part", ["probe"])
def test_round8_fixed_texts_match_torch_exactly(part, tmp_path):
    from glassnet.testing import torch_available

    from .script_runs import stdout_lines

    path = tmp_path / "probe.py"
    path.write_text(PROBE)
    ours = stdout_lines(str(path), "", True, tmp_path)
    if not torch_available():
        assert len(ours) > 100
        return
    theirs = stdout_lines(str(path), "", False, tmp_path)
    assert ours == theirs
