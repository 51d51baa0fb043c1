"""torch's submodules that scripts import from: ``torch.nn.modules.*``, ``torch.testing``,
``torch.random``, ``torch.version``, ``torch.autograd.grad_mode``, ``torch.cuda.amp`` and the
optimizer modules, each compared with torch."""

from __future__ import annotations

import textwrap
from collections import OrderedDict

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn import modules as gm
from glassnet.testing import assert_close, torch_available

from ..torch_scripts.script_runs import assert_agree, loss_lines

BASES = ("_BatchNorm", "_NormBase", "_InstanceNorm", "_ConvNd", "_ConvTransposeNd", "_DropoutNd",
         "_MaxPoolNd", "_AvgPoolNd", "_AdaptiveAvgPoolNd", "_AdaptiveMaxPoolNd", "_Loss",
         "_WeightedLoss", "RNNBase", "RNNCellBase")  # fmt: skip


def _layers(lib):
    n = lib.nn
    return [n.BatchNorm1d(3), n.BatchNorm2d(3), n.InstanceNorm2d(3), n.GroupNorm(1, 3),
            n.LayerNorm(3), n.Conv1d(2, 2, 3), n.Conv2d(2, 2, 3), n.ConvTranspose2d(2, 2, 3),
            n.Dropout(), n.Dropout2d(), n.AlphaDropout(), n.MaxPool1d(2), n.MaxPool2d(2),
            n.AvgPool2d(2), n.AdaptiveAvgPool2d(1), n.AdaptiveMaxPool1d(1), n.CrossEntropyLoss(),
            n.MSELoss(), n.NLLLoss(), n.LSTM(2, 2), n.GRU(2, 2), n.LSTMCell(2, 2), n.Linear(2, 2),
            n.ReLU()]  # fmt: skip


def test_the_base_classes_answer_isinstance_as_torchs():
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_layers(gn), _layers(torch)):
        for base in BASES:
            want = isinstance(theirs, getattr(torch.nn.modules, base, None) or
                              _torch_base(torch, base))  # fmt: skip
            got = isinstance(ours, getattr(gm, base))
            assert got == want, (type(ours).__name__, base, got, want)


def _torch_base(torch, name):
    for sub in ("batchnorm", "conv", "dropout", "pooling", "loss", "rnn", "instancenorm"):
        found = getattr(getattr(torch.nn.modules, sub), name, None)
        if found is not None:
            return found
    raise AssertionError(name)


def test_attribute_chains_resolve_without_an_import():
    assert nn.modules.batchnorm._BatchNorm is gm._BatchNorm
    assert nn.modules.loss._Loss is nn.modules._Loss
    assert nn.modules.conv.Conv2d is nn.Conv2d
    assert nn.modules.utils._pair(3) == (3, 3)


def _custom_classes(lib, loss_module, bn_module):
    """A focal loss on ``_Loss``, a weighted loss on ``_WeightedLoss``, a norm on ``_BatchNorm``."""

    class Focal(loss_module._Loss):
        def __init__(self, gamma=2.0, reduction="mean"):
            super().__init__(reduction=reduction)
            self.gamma = gamma

        def forward(self, logits, target):
            logp = lib.nn.functional.log_softmax(logits, dim=1).gather(1, target[:, None])[:, 0]
            loss = -((1 - logp.exp()) ** self.gamma) * logp
            return loss.mean() if self.reduction == "mean" else loss.sum()

    class Weighted(loss_module._WeightedLoss):
        def forward(self, logits, target):
            return lib.nn.functional.cross_entropy(logits, target, weight=self.weight,
                                                   reduction=self.reduction)  # fmt: skip

    class MyBN(bn_module._BatchNorm):
        def _check_input_dim(self, x):
            if x.dim() != 4:
                raise ValueError("4-d input expected")

    return Focal, Weighted, MyBN


def test_subclassing_the_bases_works_as_in_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 4)).astype(np.float32)
    target = rng.integers(0, 4, 6)
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    w = np.array([1.0, 2.0, 0.5, 1.0], np.float32)
    results = []
    for lib, losses, norms in ((gn, gm, gm),
                               (torch, torch.nn.modules.loss, torch.nn.modules.batchnorm)):  # fmt: skip
        focal, weighted, my_bn = _custom_classes(lib, losses, norms)
        lt, tt = lib.tensor(logits), lib.tensor(target)
        bn = my_bn(3)
        results.append([focal(reduction="sum")(lt, tt).item(),
                        weighted(weight=lib.tensor(w))(lt, tt).item(),
                        bn(lib.tensor(x)).detach().numpy(), bn.running_var.numpy()])  # fmt: skip
        with pytest.raises(ValueError, match="4-d input expected"):
            bn(lib.tensor(x[0]))
    ours, theirs = results
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_modules_utils_helpers_match_torchs():
    torch = pytest.importorskip("torch")
    tu = torch.nn.modules.utils
    for value in (3, (1, 2), [4, 5, 6]):
        for name in ("_single", "_pair", "_triple", "_quadruple"):
            assert getattr(gm, name)(value) == getattr(tu, name)(value)
    assert gm._reverse_repeat_tuple((1, 2), 2) == tu._reverse_repeat_tuple((1, 2), 2)
    for with_metadata in (False, True):
        ours = OrderedDict({"module.a": 1, "module.b.c": 2, "other": 3})
        if with_metadata:
            ours._metadata = OrderedDict({"module": {}, "module.b": {}, "other": {}})
        theirs = OrderedDict(ours)
        if with_metadata:
            theirs._metadata = OrderedDict(ours._metadata)
        gm.consume_prefix_in_state_dict_if_present(ours, "module.")
        tu.consume_prefix_in_state_dict_if_present(theirs, "module.")
        assert list(ours.items()) == list(theirs.items())
        if with_metadata:
            assert list(ours._metadata) == list(theirs._metadata)


# ------------------------------------------------------------------ assert_close
def _cases(lib):
    t = lib.tensor
    nan, inf = float("nan"), float("inf")
    return [
        (t([1.0, 2.0, 3.0]), t([1.0, 2.5, 3.0]), {}),
        (t([1.0, 2.0]), t([1.0, 2.0], dtype=lib.float64), {}),
        (t([1.0, 2.0]), t([1.0, 2.0, 3.0]), {}),
        (t([1.0, 2.0]), 1.0, {}),
        (1.0, 1.0 + 1e-8, {}),
        (1, 1.0, {}),
        (1, 2, {}),
        (True, False, {}),
        ([t([1.0, 1.0]), 3], [t([1.0, 1.0]), 3], {}),
        ([t([1.0])], [t([1.0]), 1], {}),
        ({"a": t([1.0])}, {"b": t([1.0])}, {}),
        ({"a": [1.0, t([1.0, 1.0])]}, {"a": [1.0, t([0.0, 0.0])]}, {}),
        (t([nan]), t([nan]), {}),
        (t([nan]), t([nan]), {"equal_nan": True}),
        (t([1, 2]), t([1, 3]), {}),
        (t([1.0, 2.0]), t([1.0, 2.1]), {"rtol": 0.1}),
        (t([1.0, 2.0]), t([1.0, 2.1]), {"rtol": 0.1, "atol": 0.0}),
        (t([1.0, 2.0]), t([1.0, 2.1]), {"msg": "custom"}),
        (t([[1.0, 2.0], [3.0, 4.0]]), t([[1.0, 2.1], [3.0, 4.0]]), {}),
        (t(1.0), t(1.5), {}),
        (t([True]), t([False]), {}),
        (t([1.0, 2.0]), t([1, 3]), {"check_dtype": False}),
        (t([inf, -inf]), t([inf, -inf]), {}),
        (t([inf]), t([-inf]), {}),
        (t([1.0, 0.0]), t([1.0, 1e-6]), {}),
        (t([1.0, nan]), t([1.5, 2.0]), {}),
        (t([0.0]), t([1e-3]), {}),
        (np.ones(2), np.ones(2), {}),
        (t([1.0]), np.ones(1), {}),
        ("a", "a", {}),
        (None, None, {}),
        (1.0, nan, {}),
        ((1, 2), [1, 2], {}),
        (lib.ones(0), lib.ones(0), {}),
    ]


def _outcome(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
        return type(exc).__name__, str(exc).replace("torch.", "")
    return "passed", ""


def test_assert_close_passes_fails_and_explains_as_torchs():
    torch = pytest.importorskip("torch")
    for (a, b, kw), (ta, tb, tkw) in zip(_cases(gn), _cases(torch)):
        got = _outcome(assert_close, a, b, **kw)
        want = _outcome(torch.testing.assert_close, ta, tb, **tkw)
        if want[0] == "TypeError":  # the message names the classes: torch.Tensor vs glassnet's
            assert got[0] == "TypeError", (got, want)
        else:
            assert got == want, (kw, got, want)


def test_assert_close_msg_callable_and_assert_allclose():
    torch = pytest.importorskip("torch")
    got = _outcome(assert_close, gn.ones(2), gn.zeros(2), msg=lambda m: "X " + m[:10])
    want = _outcome(torch.testing.assert_close, torch.ones(2), torch.zeros(2),
                    msg=lambda m: "X " + m[:10])  # fmt: skip
    assert got == want
    for expected in ([1.0, 2.0], [1.0, 2.5], [1.0, 2.00001]):
        with pytest.warns(FutureWarning):
            got = _outcome(gn.testing.assert_allclose, gn.tensor([1.0, 2.0]), expected)
        with pytest.warns(FutureWarning):
            want = _outcome(torch.testing.assert_allclose, torch.tensor([1.0, 2.0]), expected)
        assert got == want


def test_make_tensor_respects_shape_dtype_and_range():
    t = gn.testing.make_tensor(3, 4, dtype=gn.float64, device="cpu", low=-1, high=1)
    assert tuple(t.shape) == (3, 4) and t.dtype == np.float64
    assert float(t.min()) >= -1 and float(t.max()) < 1
    i = gn.testing.make_tensor((50,), dtype=gn.int64, device="cpu", exclude_zero=True)
    assert i.dtype == np.int64 and not (i.numpy() == 0).any()
    assert gn.testing.make_tensor(2, dtype=gn.float32, device="cpu", requires_grad=True).requires_grad


# ------------------------------------------------------------ the other modules
def _rng_program(lib, fork_rng):
    lib.manual_seed(3)
    before = lib.rand(2).tolist()
    with fork_rng():
        lib.rand(5)
    after = lib.rand(2).tolist()
    lib.manual_seed(3)
    lib.rand(2)
    plain = lib.rand(2).tolist()
    with fork_rng(enabled=False):
        lib.rand(1)
    return before != after, after == plain, lib.initial_seed()


def test_fork_rng_restores_the_generator_as_torchs():
    torch = pytest.importorskip("torch")
    from glassnet import _torch_random

    assert _rng_program(gn, _torch_random.fork_rng) == _rng_program(torch, torch.random.fork_rng)


def _inference_program(lib):
    x = lib.ones(2, requires_grad=True)
    seen = []
    with lib.inference_mode(False):
        seen.append((x * 2).requires_grad)
    with lib.inference_mode():
        seen += [(x * 2).requires_grad, lib.is_inference_mode_enabled()]

    @lib.inference_mode
    def bare(v):
        return (v * 2).requires_grad

    @lib.no_grad
    def bare_no_grad(v):
        return (v * 2).requires_grad

    @lib.inference_mode(mode=False)
    def off(v):
        return (v * 2).requires_grad

    return seen + [bare(x), bare_no_grad(x), off(x), lib.is_inference_mode_enabled()]


def test_inference_mode_and_bare_decorators_as_torchs():
    torch = pytest.importorskip("torch")
    assert _inference_program(gn) == _inference_program(torch)


SCRIPT = """
import torch
from torch.cuda.amp import GradScaler, autocast
from torch.nn.modules.loss import _Loss
from torch.nn.modules.utils import _pair
from torch.nn.common_types import _size_2_t
from torch.nn.utils.clip_grad import clip_grad_norm_
from torch.autograd.grad_mode import no_grad
from torch.optim.adam import Adam
from torch.random import fork_rng
from torch.testing import assert_close
from torch.utils.hooks import RemovableHandle
from torch.hub import load_state_dict_from_url
from torch.func import functional_call, vmap
from torch.nn.utils.stateless import functional_call as stateless_call
import torch.utils.model_zoo
import torch.version

class Half(_Loss):
    def forward(self, a, b):
        return 0.5 * ((a - b) ** 2).mean()

torch.manual_seed(0)
net = torch.nn.Linear(3, 2)
with torch.no_grad():
    net.weight.copy_(torch.linspace(-1, 1, 6).reshape(2, 3))
    net.bias.zero_()
opt = Adam(net.parameters(), lr=0.05)
x = torch.linspace(-1, 1, 12).reshape(4, 3)
y = torch.ones(4, 2)
handle = net.register_forward_hook(lambda m, i, o: None)
assert isinstance(handle, RemovableHandle)
for step in range(5):
    opt.zero_grad()
    loss = Half()(net(x), y)
    loss.backward()
    clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    print("LOSS", step, f"{loss.item():.6f}")
with no_grad():
    assert_close(net(x), net(x))
print("LOSS pair", _pair(3), torch.version.cuda is None)
doubled = vmap(lambda r: functional_call(net, dict(net.named_parameters()), (r,)))(x)
again = stateless_call(net, dict(net.named_parameters()), (x,))
print("LOSS vmap", f"{doubled.sum().item():.5f}", f"{again.sum().item():.5f}")
"""


@pytest.mark.skipif(not torch_available(), reason="needs torch for the reference run")
def test_a_script_importing_torchs_submodules_gives_torchs_output(tmp_path):
    path = tmp_path / "submodules.py"
    path.write_text(textwrap.dedent(SCRIPT))
    theirs = loss_lines(str(path), "", False, tmp_path)
    ours = loss_lines(str(path), "", True, tmp_path)
    assert_agree(ours, theirs, minimum=7)


def test_torch_version_says_there_is_no_cuda_build():
    from glassnet import _torch_version

    assert _torch_version.cuda is None and _torch_version.__version__ == gn.__version__
