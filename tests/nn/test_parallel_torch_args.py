"""``nn.DataParallel`` takes torch's ``device_ids``/``output_device`` (ignored without a GPU, as
torch ignores them) and ``torch.nn.parallel.data_parallel`` runs the module."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.torch_alias import torch_aliases


def test_torch_arguments_are_taken_and_change_no_result():
    gn.manual_seed(0)
    model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    x = gn.randn(8, 3)
    want = model(x).detach().numpy()
    for wrapped in (
        gn.nn.DataParallel(model, device_ids=[0, 1]),
        gn.nn.DataParallel(model, [0, 1]),
        gn.nn.DataParallel(model, device_ids=[1], output_device=1, threads=2),
    ):
        np.testing.assert_allclose(wrapped(x).detach().numpy(), want, rtol=1e-6)
        assert wrapped.module is model
    assert gn.nn.DataParallel(model, [3, 1]).output_device == 3
    assert gn.nn.DataParallel(model).device_ids == []


def test_functional_data_parallel_under_torch_names():
    with torch_aliases():
        import torch
        from torch.nn.parallel import data_parallel

        model = torch.nn.Linear(3, 2)
        x = torch.randn(4, 3)
        np.testing.assert_array_equal(data_parallel(model, x).detach().numpy(),
                                      model(x).detach().numpy())  # fmt: skip
        np.testing.assert_array_equal(
            data_parallel(model, (x,), device_ids=[0], module_kwargs={}).detach().numpy(),
            model(x).detach().numpy(),
        )
    with pytest.raises(TypeError, match="data_parallel: expected a Module, got int"):
        gn.nn.parallel.data_parallel(3, gn.ones(1))
