"""``torch.jit`` in glassnet (glassnet/jit.py): scripting and tracing run eagerly, with torch's values."""

from __future__ import annotations

import textwrap
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import jit, nn
from glassnet.testing import torch_available

from ..torch_scripts.script_runs import assert_agree, loss_lines


def _net(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.BatchNorm1d(8), lib.nn.ReLU(),
                             lib.nn.Linear(8, 3))  # fmt: skip


def _copy_weights(src, dst) -> None:
    dst.load_state_dict({k: gn.tensor(v.detach().numpy()) for k, v in src.state_dict().items()})


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_trace_in_training_mode_updates_the_statistics_as_often_as_torchs():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    for check in (True, False):
        theirs, ours = _net(torch), _net(gn)
        _copy_weights(theirs, ours)
        torch.jit.trace(theirs, torch.from_numpy(x), check_trace=check)
        assert jit.trace(ours, gn.tensor(x), check_trace=check) is ours
        np.testing.assert_allclose(ours[1].running_mean.numpy(),
                                   theirs[1].running_mean.numpy(), rtol=1e-5, atol=1e-6)  # fmt: skip
        assert int(ours[1].num_batches_tracked.item()) == int(theirs[1].num_batches_tracked)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_scripted_and_traced_models_give_torchs_values():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    theirs, ours = _net(torch).eval(), _net(gn).eval()
    _copy_weights(theirs, ours)
    traced_t = torch.jit.trace(theirs, torch.from_numpy(x))
    scripted_t = torch.jit.script(theirs)
    assert jit.trace(ours, gn.tensor(x)) is ours and jit.script(ours) is ours
    with torch.no_grad():
        want = [traced_t(torch.from_numpy(x)).numpy(), scripted_t(torch.from_numpy(x)).numpy()]
    got = ours(gn.tensor(x)).detach().numpy()
    for w in want:
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)


def test_script_and_trace_warn_once_that_they_run_eagerly(monkeypatch):
    monkeypatch.setattr(jit, "_warned", set())
    f = nn.Linear(2, 2)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        jit.script(f)
        jit.script(f)
        jit.trace(f, gn.zeros(1, 2), check_trace=False)
    messages = [str(w.message) for w in seen]
    assert len(messages) == 2
    assert "torch.jit.script: glassnet runs the code eagerly" in messages[0]
    assert "torch.jit.trace" in messages[1]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_decorators_helpers_and_fork_behave_as_torchs():
    torch = pytest.importorskip("torch")

    def body(lib, mod):
        @mod.ignore
        def helper(x):
            return x + 1

        @mod.ignore(drop=True)
        def dropped(x):
            return x * 3

        @mod.unused
        def unused(x):
            return x - 1

        def double(x):
            return x * 2

        scripted = mod.script(double)
        fut = mod.fork(scripted, lib.tensor([1.0, 2.0]))
        return [helper(lib.ones(2)).tolist(), dropped(lib.ones(2)).tolist(),
                unused(lib.ones(2)).tolist(), scripted(lib.tensor([3.0])).tolist(),
                mod.wait(fut).tolist(), mod.annotate(list, [1]), mod.is_scripting(),
                mod.is_tracing()]  # fmt: skip

    assert body(gn, jit) == body(torch, torch.jit)
    assert jit.Attribute(5, int) == torch.jit.Attribute(5, int).value
    assert not isinstance(nn.Linear(1, 1), jit.ScriptModule)


def test_torchscript_files_are_refused_naming_the_alternatives(tmp_path):
    model = nn.Linear(2, 2)
    with pytest.raises(NotImplementedError, match=r"torch\.jit\.save: .*state_dict.*onnx"):
        jit.save(model, str(tmp_path / "m.pt"))
    with pytest.raises(NotImplementedError, match=r"torch\.jit\.load: .*TorchScript"):
        jit.load(str(tmp_path / "m.pt"))
    with pytest.raises(AttributeError, match=r"'Linear' .* 'save': it is a TorchScript module's"):
        jit.script(model).save(str(tmp_path / "m.pt"))
    with pytest.raises(RuntimeError, match=r"torch\.jit\.freeze: expected a module in eval mode"):
        jit.freeze(model)
    assert jit.freeze(model.eval()) is model
    with pytest.raises(ValueError, match=r"torch\.jit\.trace: expected example_inputs"):
        jit.trace(model)
    with pytest.raises(TypeError, match=r"torch\.jit\.wait: expected the Future"):
        jit.wait(3)


def test_trace_module_runs_each_named_method():
    calls = []

    class Two(nn.Module):
        def forward(self, x):
            calls.append("forward")
            return x

        def encode(self, x, scale=1.0):
            calls.append(("encode", scale))
            return x * scale

    m = Two()
    assert jit.trace_module(m, {"forward": gn.zeros(1), "encode": (gn.zeros(1), 2.0)},
                            check_trace=False) is m  # fmt: skip
    assert calls == ["forward", ("encode", 2.0)]


SCRIPT = """
import torch

torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
with torch.no_grad():
    for i, p in enumerate(net.parameters()):
        p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
fast = torch.jit.script(net)
x = torch.linspace(-1, 1, 12).reshape(4, 3)
opt = torch.optim.SGD(fast.parameters(), lr=0.1)
for step in range(5):
    opt.zero_grad()
    loss = (fast(x) ** 2).mean()
    loss.backward()
    opt.step()
    print("LOSS", step, f"{loss.item():.6f}")
traced = torch.jit.trace(net.eval(), x)
print("LOSS traced", f"{traced(x).sum().item():.6f}")
"""


@pytest.mark.skipif(not torch_available(), reason="needs torch for the reference run")
def test_an_unmodified_script_using_torch_jit_gives_torchs_output(tmp_path):
    path = tmp_path / "jit_script.py"
    path.write_text(textwrap.dedent(SCRIPT))
    theirs = loss_lines(str(path), "", False, tmp_path)
    ours = loss_lines(str(path), "", True, tmp_path)
    assert_agree(ours, theirs, minimum=6)
