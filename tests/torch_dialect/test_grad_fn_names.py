"""Under ``glassnet run`` ``grad_fn`` nodes print and name themselves as torch's, compared
with real torch.

Each case builds one computation twice from the same data: in PyTorch, and in glassnet under
the torch import hook. ``grad_fn.name()`` must agree, and so must ``repr(grad_fn)`` once the
object's address (different between any two runs of torch too) is replaced by a placeholder.
Nodes that stand for several torch nodes keep glassnet's name (``docs/pytorch.md``); outside
the hook every node keeps glassnet's text (``<LinearBackward>``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd.custom import CustomNode
from glassnet.autograd.function import AccumulateGrad, Function
from glassnet.cli.torch_alias import install, torch_aliases, uninstall

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADDRESS = re.compile(r" at 0x[0-9a-f]+>")

_R = np.random.default_rng(0)
DATA = {
    "x": _R.standard_normal((3, 4)), "y": _R.standard_normal((3, 4)) + 3.0,
    "x3": _R.standard_normal((2, 3, 4)), "x4": _R.standard_normal((2, 2, 3, 4)),
    "v": _R.standard_normal(4), "w": _R.standard_normal((5, 4)), "b": _R.standard_normal(5),
    "m": _R.standard_normal((4, 5)), "bm": _R.standard_normal((2, 4, 5)),
    "img": _R.standard_normal((2, 2, 8, 8)), "k2": _R.standard_normal((3, 2, 3, 3)),
    "k1": _R.standard_normal((2, 3, 2)), "k3": _R.standard_normal((3, 2, 1, 3, 3)),
    "vol": _R.standard_normal((1, 2, 3, 6, 6)), "p": _R.uniform(0.1, 0.9, (3, 4)),
    "t": _R.uniform(0.0, 1.0, (3, 4)),
}  # fmt: skip


def _leaves(torch) -> dict:
    return {k: torch.tensor(v, dtype=torch.float32, requires_grad=True) for k, v in DATA.items()}


#: name -> computation on (torch module, its functional, leaves); the result's grad_fn is compared
CASES = {
    "linear_2d_bias": lambda T, F, d: F.linear(d["x"], d["w"], d["b"]),
    "linear_2d": lambda T, F, d: F.linear(d["x"], d["w"]),
    "linear_3d_bias": lambda T, F, d: F.linear(d["x3"], d["w"], d["b"]),
    "linear_3d": lambda T, F, d: F.linear(d["x3"], d["w"]),
    "linear_4d_bias": lambda T, F, d: F.linear(d["x4"], d["w"], d["b"]),
    "linear_1d_bias": lambda T, F, d: F.linear(d["v"], d["w"], d["b"]),
    "nn_linear": lambda T, F, d: T.nn.Linear(4, 5)(d["x"]),
    "mm": lambda T, F, d: d["x"] @ d["m"], "torch_mm": lambda T, F, d: T.mm(d["x"], d["m"]),
    "mv": lambda T, F, d: d["x"] @ d["v"], "dot": lambda T, F, d: d["v"] @ d["v"],
    "vec_mat": lambda T, F, d: d["v"] @ d["m"], "bmm": lambda T, F, d: d["x3"] @ d["bm"],
    "batch_mat": lambda T, F, d: d["x3"] @ d["m"], "batch_vec": lambda T, F, d: d["x3"] @ d["v"],
    "bmm_const": lambda T, F, d: T.tensor(DATA["x3"], dtype=T.float32) @ d["bm"],
    "batch_mat_const": lambda T, F, d: d["x3"] @ T.tensor(DATA["m"], dtype=T.float32),
    "conv1d": lambda T, F, d: F.conv1d(d["x3"], d["k1"]),
    "conv2d": lambda T, F, d: F.conv2d(d["img"], d["k2"], padding=1),
    "conv3d": lambda T, F, d: F.conv3d(d["vol"], d["k3"]),
    "nn_conv2d": lambda T, F, d: T.nn.Conv2d(2, 3, 3)(d["img"]),
    "max_pool2d": lambda T, F, d: F.max_pool2d(d["img"], 2),
    "avg_pool2d": lambda T, F, d: F.avg_pool2d(d["img"], 2),
    "adaptive_avg_pool2d": lambda T, F, d: F.adaptive_avg_pool2d(d["img"], (3, 3)),
    "add": lambda T, F, d: d["x"] + d["y"], "add_scalar": lambda T, F, d: d["x"] + 2,
    "radd_scalar": lambda T, F, d: 2 + d["x"],
    "add_const_tensor": lambda T, F, d: d["x"] + T.tensor(2.0),
    "sub": lambda T, F, d: d["x"] - d["y"], "sub_scalar": lambda T, F, d: d["x"] - 2,
    "rsub_scalar": lambda T, F, d: 2 - d["x"],
    "rsub_const_tensor": lambda T, F, d: T.tensor(2.0) - d["x"],
    "mul": lambda T, F, d: d["x"] * d["y"], "mul_scalar": lambda T, F, d: d["x"] * 2,
    "rmul_scalar": lambda T, F, d: 2 * d["x"],
    "div": lambda T, F, d: d["x"] / d["y"], "div_scalar": lambda T, F, d: d["x"] / 2,
    "rdiv_const_tensor": lambda T, F, d: T.tensor(2.0) / d["y"],
    "neg": lambda T, F, d: -d["x"],
    "pow_scalar": lambda T, F, d: d["x"] ** 2, "pow_tensor": lambda T, F, d: d["y"] ** d["x"],
    "rpow_scalar": lambda T, F, d: 2 ** d["x"],
    "pow_const_tensor": lambda T, F, d: T.tensor(2.0) ** d["x"],
    "exp": lambda T, F, d: d["x"].exp(), "log": lambda T, F, d: d["y"].log(),
    "sqrt": lambda T, F, d: d["y"].sqrt(), "abs": lambda T, F, d: d["x"].abs(),
    "torch_exp": lambda T, F, d: T.exp(d["x"]),
    "sum": lambda T, F, d: d["x"].sum(), "sum_dim": lambda T, F, d: d["x"].sum(1),
    "sum_keepdim": lambda T, F, d: d["x"].sum(0, keepdim=True),
    "mean": lambda T, F, d: d["x"].mean(), "mean_dim": lambda T, F, d: d["x"].mean(-1),
    "torch_sum": lambda T, F, d: T.sum(d["x"]),
    "cat": lambda T, F, d: T.cat([d["x"], d["y"]]), "stack": lambda T, F, d: T.stack([d["x"], d["y"]], 1),
    "embedding": lambda T, F, d: F.embedding(T.tensor([0, 2, 4]), d["w"]),
    "nn_embedding": lambda T, F, d: T.nn.Embedding(5, 3)(T.tensor([[0, 1], [4, 2]])),
    "dropout_train": lambda T, F, d: F.dropout(d["x"], 0.5, training=True),
    "nn_dropout_train": lambda T, F, d: T.nn.Dropout(0.3).train()(d["x"]),
    "batch_norm_train": lambda T, F, d: F.batch_norm(d["img"], None, None, training=True),
    "nn_batch_norm_train": lambda T, F, d: T.nn.BatchNorm2d(2)(d["img"]),
    "nn_batch_norm_eval": lambda T, F, d: T.nn.BatchNorm2d(2).eval()(d["img"]),
    "gelu": lambda T, F, d: F.gelu(d["x"]), "gelu_tanh": lambda T, F, d: F.gelu(d["x"], approximate="tanh"),
    "leaky_relu": lambda T, F, d: F.leaky_relu(d["x"], 0.1), "elu": lambda T, F, d: F.elu(d["x"]),
    "softplus": lambda T, F, d: F.softplus(d["x"]), "relu": lambda T, F, d: F.relu(d["x"]),
    "sigmoid": lambda T, F, d: d["x"].sigmoid(), "tanh": lambda T, F, d: T.tanh(d["x"]),
    "softmax": lambda T, F, d: F.softmax(d["x"], 1), "log_softmax": lambda T, F, d: F.log_softmax(d["x"], 1),
    "cross_entropy": lambda T, F, d: F.cross_entropy(d["x"], T.tensor([0, 1, 3])),
    "cross_entropy_none": lambda T, F, d: F.cross_entropy(d["x"], T.tensor([0, 1, 3]), reduction="none"),
    "cross_entropy_2d": lambda T, F, d: F.cross_entropy(d["img"], T.zeros(2, 8, 8, dtype=T.long)),
    "nll_loss": lambda T, F, d: F.nll_loss(F.log_softmax(d["x"], 1), T.tensor([0, 1, 3])),
    "mse_loss": lambda T, F, d: F.mse_loss(d["x"], d["y"]),
    "nn_mse_loss": lambda T, F, d: T.nn.MSELoss()(d["x"], d["y"]),
    "smooth_l1_loss": lambda T, F, d: F.smooth_l1_loss(d["x"], d["y"]),
    "huber_loss": lambda T, F, d: F.huber_loss(d["x"], d["y"]),
    "bce": lambda T, F, d: F.binary_cross_entropy(d["p"], d["t"].detach()),
    "bce_with_logits": lambda T, F, d: F.binary_cross_entropy_with_logits(d["x"], d["t"].detach()),
    "slice": lambda T, F, d: d["x"][:2], "select": lambda T, F, d: d["x"][:, 1],
}  # fmt: skip

#: computations whose glassnet node stands for several torch nodes (or none): glassnet's name
KEEPS_GLASSNET_NAME = {
    "view": lambda T, F, d: d["x"].view(12), "reshape": lambda T, F, d: d["x"].reshape(2, 6),
    "flatten": lambda T, F, d: T.flatten(d["x3"], 1), "unsqueeze": lambda T, F, d: d["x"].unsqueeze(0),
    "squeeze": lambda T, F, d: d["x"][None].squeeze(0), "t": lambda T, F, d: d["x"].t(),
    "transpose": lambda T, F, d: d["x3"].transpose(0, 2), "permute": lambda T, F, d: d["x3"].permute(2, 0, 1),
    "clamp": lambda T, F, d: d["x"].clamp(-0.5, 0.5), "hardtanh": lambda T, F, d: F.hardtanh(d["x"]),
    "rdiv_scalar": lambda T, F, d: 2 / d["y"], "l1_loss": lambda T, F, d: F.l1_loss(d["x"], d["y"]),
    "label_smoothing": lambda T, F, d: F.cross_entropy(d["x"], T.tensor([0, 1, 3]), label_smoothing=0.1),
    "linear_1d": lambda T, F, d: F.linear(d["v"], d["w"]),
    "mat_batch": lambda T, F, d: d["x"] @ d["bm"],
}  # fmt: skip


def _node_text(node) -> tuple[str, str]:
    return node.name(), ADDRESS.sub(" at ADDR>", repr(node))


def _glassnet_nodes(cases: dict) -> dict:
    """Each case's (name, repr) in glassnet under the hook, from the same data as torch's."""
    gn.manual_seed(0)
    with torch_aliases():
        import torch as gtorch
        import torch.nn.functional as gF

        return {k: _node_text(f(gtorch, gF, _leaves(gtorch)).grad_fn) for k, f in cases.items()}


@pytest.fixture(scope="module")
def ours() -> dict:
    return _glassnet_nodes(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_grad_fn_name_and_repr_match_torchs(torch, ours, case):
    import torch.nn.functional as tF

    torch.manual_seed(0)
    want = _node_text(CASES[case](torch, tF, _leaves(torch)).grad_fn)
    assert ours[case] == want
    assert want[1] == f"<{want[0]} object at ADDR>"


@pytest.mark.parametrize("case", sorted(KEEPS_GLASSNET_NAME))
def test_nodes_standing_for_several_torch_nodes_keep_glassnets_name(torch, case):
    import torch.nn.functional as tF

    theirs = KEEPS_GLASSNET_NAME[case](torch, tF, _leaves(torch)).grad_fn.name()
    with torch_aliases():
        import torch as gtorch
        import torch.nn.functional as gF

        node = KEEPS_GLASSNET_NAME[case](gtorch, gF, _leaves(gtorch)).grad_fn
        name, text = _node_text(node)
    assert name == f"{type(node).__name__}Backward" != theirs  # never another torch node's name
    assert text == f"<{name} object at ADDR>"


def test_accumulate_grad_and_custom_function_nodes_print_as_torchs(torch):
    def build(T):
        class Square(T.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return 2 * a * g

        x = T.tensor(DATA["x"], requires_grad=True)
        y, leaf = Square.apply(x), (x * 2).grad_fn.next_functions[0][0]
        return [_node_text(n) for n in (y.grad_fn, leaf)], repr(y).rpartition("grad_fn=")[2]

    want = build(torch)
    with torch_aliases():
        import torch as gtorch

        got = build(gtorch)
    assert got == want


def test_state_dependent_names_survive_backward_at_the_root(torch):
    def build(T, F):
        d = _leaves(T)
        loss = F.mse_loss(F.linear(d["x"], d["w"], d["b"]), T.zeros(3, 5))
        before = _node_text(loss.grad_fn)
        loss.backward()
        return before, _node_text(loss.grad_fn), repr(loss).rpartition("grad_fn=")[2]

    import torch.nn.functional as tF

    want = build(torch, tF)
    with torch_aliases():
        import torch as gtorch
        import torch.nn.functional as gF

        got = build(gtorch, gF)
    assert got == want


def test_uninstall_restores_glassnets_names():
    before = {(c, a): c.__dict__[a] for c in (Function, CustomNode, AccumulateGrad)
              for a in ("__repr__", "name") if a in c.__dict__}  # fmt: skip
    finder = install()
    try:
        assert Function.__dict__["__repr__"] is not before[(Function, "__repr__")]
    finally:
        uninstall(finder)
    assert {k: k[0].__dict__[k[1]] for k in before} == before
    x = gn.tensor(DATA["x"], requires_grad=True)
    node = gn.nn.functional.linear(x, gn.tensor(DATA["w"]), gn.tensor(DATA["b"])).grad_fn
    assert (repr(node), node.name()) == ("<LinearBackward>", "LinearBackward")
    leaf = node.next_functions[0][0]
    assert (repr(leaf), leaf.name()) == ("<AccumulateGrad>", "torch::autograd::AccumulateGrad")


BLITZ = textwrap.dedent(
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)


    net = Net()
    output = net(torch.randn(1, 1, 32, 32))
    target = torch.randn(10).view(1, -1)
    loss = nn.MSELoss()(output, target)
    print(loss.grad_fn)  # MSELoss
    print(loss.grad_fn.next_functions[0][0])  # Linear
    print(loss.grad_fn.name(), loss.grad_fn.next_functions[0][0].name())
    net.zero_grad()
    loss.backward()
    print(loss.grad_fn)
    """
)


def test_sixty_minute_blitz_grad_fn_lines_match_torch(torch, tmp_path):
    script = tmp_path / "blitz.py"
    script.write_text(BLITZ)
    env = dict(os.environ, PYTHONPATH=ROOT)
    ours = subprocess.run([sys.executable, "-m", "glassnet", "run", os.fspath(script)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    theirs = subprocess.run([sys.executable, os.fspath(script)], capture_output=True, text=True,
                            env=env, timeout=300)  # fmt: skip
    assert ours.returncode == 0, ours.stderr
    assert theirs.returncode == 0, theirs.stderr
    lines = ADDRESS.sub(" at ADDR>", ours.stdout), ADDRESS.sub(" at ADDR>", theirs.stdout)
    assert lines[0] == lines[1]
    assert "<AddmmBackward0 object at ADDR>" in lines[1]
