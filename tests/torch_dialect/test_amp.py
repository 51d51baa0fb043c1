"""``torch.amp`` / ``torch.cuda.amp`` in full precision: autocast off where torch's is off,
refused where it would change the numbers, and GradScaler's loss scaling step by step as
torch's."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import amp, nn
from glassnet.testing import run_torch_script


def test_autocast_is_a_no_op_where_torch_turns_it_off_and_refused_elsewhere():
    with gn.autocast("cpu", enabled=False):
        pass
    if not gn.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available. Disabling"):
            ctx = gn.autocast(device_type="cuda", dtype=gn.float16)
        with ctx:
            y = gn.ones(2) * 2
        assert y.dtype == np.float32
        with pytest.warns(UserWarning):
            run = gn.cuda.amp.autocast()(lambda v: v + 1)
        assert run(1) == 2
    with pytest.raises(NotImplementedError, match=r"autocast\(device_type='cpu'\).*enabled=False"):
        gn.autocast("cpu")


def _train(lib, scaler_cls, steps: int, overflow_at: int | None):
    """A few SGD steps with a GradScaler; a huge loss at step ``overflow_at`` makes inf
    gradients. Returns the weights, scales and skip pattern."""
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        model.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10))
        model.bias.zero_()
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    scaler = scaler_cls("cpu", init_scale=2.0**10, growth_interval=2)
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3))
    scales = []
    for step in range(steps):
        opt.zero_grad()
        loss = (model(x) ** 2).mean() * (1e300 if step == overflow_at else 1.0)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    return model.weight.detach().numpy().copy(), scales, scaler.state_dict()


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("overflow_at", [None, 2])
def test_grad_scaler_follows_torch(overflow_at):
    torch = pytest.importorskip("torch")
    ours = _train(gn, amp.GradScaler, 6, overflow_at)
    theirs = _train(torch, torch.amp.GradScaler, 6, overflow_at)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == theirs[1]
    assert {k: float(v) for k, v in ours[2].items()} == pytest.approx(
        {k: float(v) for k, v in theirs[2].items()}
    )


def test_grad_scaler_without_torch():
    model = nn.Linear(2, 1)
    opt = gn.optim.SGD(model.parameters(), lr=0.5)
    scaler = amp.GradScaler("cpu", init_scale=8.0)
    loss = model(gn.ones(1, 2)).sum()
    scaler.scale(loss).backward()
    np.testing.assert_allclose(model.bias.grad.numpy(), [8.0])
    scaler.unscale_(opt)
    np.testing.assert_allclose(model.bias.grad.numpy(), [1.0])
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    off = amp.GradScaler("cpu", enabled=False)
    assert off.scale(loss) is loss and off.get_scale() == 1.0 and off.state_dict() == {}


def test_an_amp_script_runs_under_glassnet_run(tmp_path):
    script = tmp_path / "amp_train.py"
    script.write_text(
        "import torch\nfrom torch import nn\n"
        "device = 'cuda' if torch.cuda.is_available() else 'cpu'\n"
        "use_amp = device == 'cuda'\n"
        "model = nn.Linear(4, 2).to(device)\n"
        "opt = torch.optim.Adam(model.parameters())\n"
        "scaler = torch.cuda.amp.GradScaler(enabled=use_amp)\n"
        "for _ in range(3):\n"
        "    with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):\n"
        "        loss = model(torch.randn(8, 4, device=device)).pow(2).mean()\n"
        "    opt.zero_grad()\n"
        "    scaler.scale(loss).backward()\n"
        "    scaler.step(opt)\n"
        "    scaler.update()\n"
        "print('done', scaler.is_enabled())\n"
    )
    out = run_torch_script(script)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"done {gn.cuda.is_available()}"
