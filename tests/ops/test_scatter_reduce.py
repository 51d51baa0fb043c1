"""``scatter_reduce`` (glassnet.ops.scatter_reduce): central differences in float64, values and
gradients against torch for each reduction with and without the input's own values (zeros
and ties included), the ONNX export against onnxruntime, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet.testing import check_against_torch, check_gradients, torch_available

from ..nn.onnx_check import Fn

R = np.random.default_rng(3)
A = R.standard_normal((3, 5))
SRC = R.standard_normal((3, 4))
IDX = R.integers(0, 5, (3, 4))
A[0, 1], SRC[1, 2], SRC[2, 0], SRC[2, 1] = 0.0, 0.0, 0.0, 0.0  # zeros for the product
IDX[2, 0] = IDX[2, 1]  # two zeros meet
SRC[0, 3], IDX[0, 3] = SRC[0, 2], IDX[0, 2]  # a tie for the maximum/minimum
MODES = [(r, inc) for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)]


@pytest.mark.parametrize("reduce,include_self", MODES)
def test_gradients_by_central_differences(reduce, include_self):
    a, src = R.standard_normal((3, 5)), R.standard_normal((3, 4))  # no ties: differentiable
    assert check_gradients(
        lambda a, s: a.scatter_reduce(1, gn.tensor(IDX), s, reduce, include_self=include_self),
        a, src,
    )  # fmt: skip


@pytest.mark.skipif(not torch_available(), reason="needs torch")
@pytest.mark.parametrize("reduce,include_self", MODES)
def test_agrees_with_torch_with_zeros_and_ties(reduce, include_self):
    import torch

    check_against_torch(
        lambda a, s: gn.scatter_reduce(a, 1, gn.tensor(IDX), s, reduce, include_self=include_self),
        lambda a, s: torch.scatter_reduce(a, 1, torch.tensor(IDX), s, reduce, include_self=include_self),
        A, SRC,
    )  # fmt: skip
    big = R.standard_normal((4, 6))  # src larger than the index: its leading block is used
    want = torch.tensor(A).scatter_reduce(0, torch.tensor(IDX[:2, :3] % 3), torch.tensor(big), reduce)
    got = gn.tensor(A).scatter_reduce(0, gn.tensor(IDX[:2, :3] % 3), gn.tensor(big), reduce)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)


@pytest.mark.skipif(not torch_available(), reason="needs torch")
def test_integer_mean_and_in_place_twin_agree_with_torch():
    import torch

    ints = np.arange(15).reshape(3, 5) - 7
    got = gn.tensor(ints).scatter_reduce(1, gn.tensor(IDX), gn.tensor(IDX * 3 - 5), "mean")
    want = torch.tensor(ints).scatter_reduce(1, torch.tensor(IDX), torch.tensor(IDX * 3 - 5), "mean")
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    x = gn.tensor(A.copy())
    x.scatter_reduce_(1, gn.tensor(IDX), gn.tensor(SRC), "amax", include_self=False)
    t = torch.tensor(A.copy())
    t.scatter_reduce_(1, torch.tensor(IDX), torch.tensor(SRC), "amax", include_self=False)
    np.testing.assert_allclose(x.numpy(), t.numpy())


@pytest.mark.parametrize("reduce,include_self", MODES)
def test_onnx_export_matches_onnxruntime(reduce, include_self, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    idx = gn.tensor(IDX)
    model = Fn(lambda m, a, s: a.scatter_reduce(1, idx, s, reduce, include_self=include_self))
    a, s = A.astype(np.float32), SRC.astype(np.float32)
    path = gio.export_onnx(model, (a, s), tmp_path / "m.onnx", input_names=("a", "s"), opset=18)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"a": a, "s": s})
    want = model(gn.tensor(a), gn.tensor(s)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_max_and_min_need_opset_18(tmp_path):
    pytest.importorskip("onnx")
    model = Fn(lambda m, a, s: a.scatter_reduce(1, gn.tensor(IDX), s, "amax"))
    with pytest.raises(ValueError, match="needs ScatterElements' max/min reductions, from opset 18"):
        gio.export_onnx(
            model, (A.astype(np.float32), SRC.astype(np.float32)), tmp_path / "m.onnx",
            input_names=("a", "s"),
        )  # fmt: skip


def test_errors_name_the_function():
    a = gn.tensor(A)
    with pytest.raises(RuntimeError, match="reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin'"):
        a.scatter_reduce(1, gn.tensor(IDX), gn.tensor(SRC), "max")
    with pytest.raises(RuntimeError, match="must have the same number of dims"):
        a.scatter_reduce(1, gn.tensor(IDX[0]), gn.tensor(SRC), "sum")
    with pytest.raises(IndexError, match="index out of range for dim 1 of size 5"):
        a.scatter_reduce(1, gn.tensor(IDX + 5), gn.tensor(SRC), "sum")
    with pytest.raises(RuntimeError, match="does not fit src"):
        a.scatter_reduce(1, gn.tensor(IDX), gn.tensor(SRC[:, :2]), "sum")
