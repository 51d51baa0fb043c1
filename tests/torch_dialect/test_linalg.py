"""``torch.linalg``'s norms (``glassnet.linalg``): values and gradients as PyTorch's, and the
decompositions refused by name under ``glassnet run``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import linalg
from glassnet.testing import run_torch_script

A = np.random.default_rng(0).standard_normal((3, 4, 5))

CASES = [
    ("vector_norm", (), {}),
    ("vector_norm", (1,), {"dim": -1}),
    ("vector_norm", (3.0,), {"dim": (0, 2), "keepdim": True}),
    ("vector_norm", (math.inf,), {"dim": 1}),
    ("vector_norm", (-math.inf,), {}),
    ("vector_norm", (0.5,), {"dim": 0}),
    ("matrix_norm", (), {}),
    ("matrix_norm", (1,), {}),
    ("matrix_norm", (-1,), {"keepdim": True}),
    ("matrix_norm", (math.inf,), {"dim": (0, 2)}),
    ("matrix_norm", (-math.inf,), {"dim": (2, 0)}),
    ("norm", (), {}),
    ("norm", (), {"dim": 1}),
    ("norm", (3,), {"dim": (1,)}),
    ("norm", ("fro",), {"dim": (1, 2), "keepdim": True}),
    ("norm", (math.inf,), {"dim": (-1, -2)}),
]


@pytest.mark.parametrize("name, args, kwargs", CASES)
def test_norms_and_gradients_match_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    x = gn.tensor(A, requires_grad=True)
    t = torch.tensor(A, requires_grad=True)
    ours = getattr(linalg, name)(x, *args, **kwargs)
    theirs = getattr(torch.linalg, name)(t, *args, **kwargs)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    w = np.random.default_rng(1).standard_normal(tuple(theirs.shape))
    (ours * gn.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_norm_of_a_matrix_with_ord_and_no_dim_and_float64_gradcheck():
    torch = pytest.importorskip("torch")
    m = A[0]
    for ord_ in (1, -1, math.inf, "fro"):
        want = torch.linalg.norm(torch.tensor(m), ord_).item()
        assert linalg.norm(gn.tensor(m), ord_).item() == pytest.approx(want, rel=1e-12)
    x = gn.tensor(A[1], requires_grad=True)
    assert gn.autograd.gradcheck(lambda v: linalg.vector_norm(v, 3, dim=1), (x,))
    assert gn.autograd.gradcheck(lambda v: linalg.matrix_norm(v, "fro"), (x,))


def test_what_is_not_there_is_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="two distinct dims"):
        linalg.matrix_norm(gn.tensor(A), dim=(1, 1))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        linalg.norm(gn.tensor(A), 1)
    script = tmp_path / "norms.py"
    script.write_text(
        "import torch\nprint(torch.linalg.vector_norm(torch.ones(4)).item())\n"
        "torch.linalg.eigvals(torch.eye(2))\n"
    )
    out = run_torch_script(script)
    assert out.stdout.strip() == "2.0", out.stderr
    assert "torch.linalg.eigvals is not available in glassnet" in out.stderr
