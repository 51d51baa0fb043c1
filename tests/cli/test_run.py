"""``glassnet run``: the torch import hook, the script's argv / __name__ / exit status, usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import glassnet
from glassnet.cli.main import main
from glassnet.cli.torch_alias import TorchAPIMissing, TorchModuleMissing, torch_aliases

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _script(tmp_path, body: str, name: str = "script.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, "-m", "glassnet", "run", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120,
    )  # fmt: skip


def test_torch_names_are_glassnets_modules_not_copies():
    with torch_aliases():
        import torch
        import torch.nn as nn
        import torch.optim.lr_scheduler as sched
        import torch.utils.data
        import torchvision
        from torch.nn import functional as F
        from torchvision import datasets, transforms

        assert torch is glassnet and sys.modules["torch"] is glassnet
        assert nn is glassnet.nn and sched is glassnet.optim.lr_scheduler
        assert torch.utils.data is glassnet.utils.data and torchvision is glassnet.vision
        assert F.__name__.startswith("glassnet.") and datasets is glassnet.vision.datasets
        assert transforms is glassnet.vision.transforms
        assert glassnet.__spec__.name == "glassnet"  # the alias did not rename glassnet
        from torch.nn.parameter import Parameter
        from torch.optim.optimizer import Optimizer
        from torch.utils.data.dataset import Dataset
        from torch.utils.data.sampler import SubsetRandomSampler

        assert Parameter is glassnet.nn.Parameter and Optimizer is glassnet.optim.Optimizer
        assert Dataset is glassnet.utils.data.Dataset
        assert SubsetRandomSampler is glassnet.utils.data.SubsetRandomSampler
    assert "torchvision" not in sys.modules


def test_shapes_print_as_torchs_under_the_hook_and_as_tuples_outside():
    x = glassnet.zeros(2, 3)
    assert (repr(x.shape), str(x.size()), f"{x.shape[1:]}") == ("(2, 3)", "(2, 3)", "(3,)")
    with torch_aliases():
        import torch

        assert f"{x.shape} {torch.zeros(()).shape}" == "torch.Size([2, 3]) torch.Size([])"
        assert str(x.shape + (4,)) == "torch.Size([2, 3, 4])" and isinstance(x.shape, torch.Size)
        assert str(x.shape[1:]) == "(3,)"  # a plain tuple: documented in docs/pytorch.md
    assert str(x.shape) == "(2, 3)"  # back when the hook is removed


def test_the_hook_wins_over_an_installed_torch(torch):
    real = sys.modules["torch"]
    with torch_aliases():
        import torch as aliased

        assert aliased is glassnet
    assert sys.modules["torch"] is real  # the real one is back afterwards


def test_missing_torch_attribute_is_not_implemented_naming_it_and_the_nearest():
    with torch_aliases():
        import torch

        with pytest.raises(NotImplementedError, match=r"torch\.fft is not available") as exc:
            torch.fft  # noqa: B018
        assert "nearest glassnet API: numpy.fft" in str(exc.value)
        with pytest.raises(
            TorchAPIMissing, match=r"torch\.nn\.Conv3D .*nearest glassnet API: glassnet\.nn\.Conv"
        ):
            torch.nn.Conv3D  # noqa: B018
        assert not hasattr(torch, "fft")  # still an AttributeError for feature probes
        assert getattr(torch.backends, "xla", None) is None
        with pytest.raises(
            NotImplementedError, match=r"torch\.utils\.data\.DistributedSampler is not available"
        ):
            from torch.utils.data import DistributedSampler  # noqa: F401
        with pytest.raises(TorchModuleMissing, match=r"torch\.fx is not available"):
            import torch.fx  # noqa: F401
        with pytest.raises(ImportError):  # TorchModuleMissing is an ImportError for try/except
            import torchvision.io  # noqa: F401
    own = glassnet.nn.__dict__.get("__getattr__")  # the module's own, naming absent layers
    assert not hasattr(own, "torch_alias")  # the hook's additions are gone


def test_run_sets_argv_name_path_and_returns_the_exit_status(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 7\n")
    script = _script(
        tmp_path,
        """
        import sys, torch, helper
        print(sys.argv, __name__, torch.__name__, helper.VALUE)
        sys.exit(int(sys.argv[2]))
        """,
    )
    done = _run(script, "--flag", "3")
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == f"[{script!r}, '--flag', '3'] __main__ glassnet 7"


def test_an_unmodified_torch_training_loop_runs(tmp_path):
    script = _script(
        tmp_path,
        """
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, TensorDataset
        torch.manual_seed(0)
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        x = torch.randn(32, 4)
        y = (x[:, :1] > 0).long().view(-1)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).to(device)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        loss_fn = nn.CrossEntropyLoss()
        for epoch in range(30):
            for xb, yb in DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True):
                opt.zero_grad()
                loss = loss_fn(model(xb.to(device)), yb.to(device))
                loss.backward()
                opt.step()
        torch.save(model.state_dict(), "model.pt")
        model.load_state_dict(torch.load("model.pt", weights_only=True))
        print(type(torch.load("model.pt")).__name__, round(loss.item(), 3) < 0.5)
        """,
    )
    done = _run(script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["dict", "True"] or done.stdout.split() == ["OrderedDict", "True"]


def test_a_script_error_shows_its_traceback_and_exits_1(tmp_path):
    script = _script(tmp_path, "import torch\ntorch.fft.rfft(None)\n")
    done = _run(script)
    assert done.returncode == 1
    assert "torch.fft is not available in glassnet" in done.stderr
    assert f'File "{script}", line 2' in done.stderr and "runpy" not in done.stderr


def test_sys_exit_with_a_message_and_keyboard_interrupt(tmp_path):
    done = _run(_script(tmp_path, "import sys\nsys.exit('bye')\n"))
    assert done.returncode == 1 and done.stderr.strip() == "bye"
    done = _run(_script(tmp_path, "raise KeyboardInterrupt\n", "ki.py"))
    assert done.returncode == 130


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["run"]) == 2
    assert "SCRIPT.py" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "missing.py")]) == 2
    assert "is not a file" in capsys.readouterr().err
