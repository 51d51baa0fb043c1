"""Module.summary: rows, parameter counts, the FLOP convention, frozen parameters, errors."""

import pytest

from glassnet import nn
from glassnet.models import seed_cnn


def test_seed_cnn_has_the_articles_parameter_count():
    s = seed_cnn().summary((1, 1, 28, 28))
    assert s.total_params == 3_241_354
    assert s.trainable == 3_241_354 and s.frozen == 0
    assert "Total params: 3,241,354" in str(s)
    assert sum(r.params for r in s.rows) == s.total_params


def test_rows_shapes_and_flops_follow_the_convention():
    s = seed_cnn().summary((2, 1, 28, 28))
    kinds = [r.kind for r in s.rows]
    assert kinds[:3] == ["Conv2d", "ReLU", "MaxPool2d"]  # hooks keep the declared order
    conv1, conv2 = s.rows[0], s.rows[3]
    assert conv1.output_shape == (2, 32, 28, 28)
    assert conv1.flops == 2 * 1 * 9 * (2 * 32 * 28 * 28)
    assert conv2.flops == 2 * 32 * 9 * (2 * 64 * 14 * 14)
    fc = [r for r in s.rows if r.kind == "Linear"][0]
    assert fc.flops == 2 * 3136 * 2 * 1024
    assert s.rows[1].flops == 0  # ReLU: elementwise, not counted
    assert conv1.activation_bytes == 2 * 32 * 28 * 28 * 4


def test_lstm_flops_and_frozen_parameters():
    model = nn.LSTM(8, 16, num_layers=2, batch_first=True)
    model.weight_hh_l1.requires_grad = False
    s = model.summary((3, 5, 8))
    layer0 = 4 * 16 * (8 + 16)
    layer1 = 4 * 16 * (16 + 16)
    assert s.total_flops == 2 * (layer0 + layer1) * 3 * 5
    assert s.frozen == 16 * 64 and s.trainable == s.total_params - 16 * 64
    assert "frozen" in str(s)


def test_projected_lstm_flops_count_the_projection():
    s = nn.LSTM(8, 16, num_layers=2, batch_first=True, proj_size=4).summary((3, 5, 8))
    layer0 = 4 * 16 * (8 + 4) + 16 * 4  # gates read x and the 4-wide state; then W_hr
    layer1 = 4 * 16 * (4 + 4) + 16 * 4
    assert s.total_flops == 2 * (layer0 + layer1) * 3 * 5
    assert s.total_params == sum(p.numel() for p in nn.LSTM(8, 16, 2, proj_size=4).parameters())


def test_shared_module_counted_once_and_mode_restored():
    lin = nn.Linear(4, 4)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    model.train()
    s = model.summary((1, 4))
    assert len(s.rows) == 3
    assert sum(r.params for r in s.rows) == 20 == s.total_params
    assert model.training
    assert all(not p.requires_grad or p.grad is None for p in model.parameters())


def test_multihead_attention_rows_add_up():
    mha = nn.MultiheadAttention(8, 2, batch_first=True)

    class Self(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = mha

        def forward(self, x):
            return self.attn(x, x, x)[0]

    s = Self().summary((2, 5, 8))
    assert sum(r.params for r in s.rows) == s.total_params
    top = [r for r in s.rows if r.kind == "MultiheadAttention"][0]
    assert top.flops == 2 * (2 * (5 * 64 * 3) + 2 * 2 * 5 * 5 * 8)
    d = s.to_dict()
    assert d["total_params"] == s.total_params and len(d["layers"]) == len(s.rows)


@pytest.mark.parametrize("bad", [(), (0, 3), "x", (1.5, 2), None])
def test_bad_input_shape_is_refused(bad):
    with pytest.raises(ValueError, match="input_shape"):
        nn.Linear(3, 2).summary(bad)


def test_wrong_shape_names_the_model():
    with pytest.raises(ValueError, match="Linear cannot run on an input of shape"):
        nn.Linear(3, 2).summary((1, 5))


def test_dtype_follows_the_model():
    model = nn.Linear(3, 2).double()
    s = model.summary((4, 3))
    assert s.rows[0].activation_bytes == 4 * 2 * 8
