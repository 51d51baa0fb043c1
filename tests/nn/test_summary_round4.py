"""Module.summary counts transposed convolutions, as ``torch.utils.flop_counter`` does."""

from __future__ import annotations

import pytest

from glassnet import nn

torch = pytest.importorskip("torch")
flop_counter = pytest.importorskip("torch.utils.flop_counter")


def _torch_flops(layer: torch.nn.Module, shape: tuple[int, ...], **kw: object) -> int:
    with flop_counter.FlopCounterMode(display=False) as counter, torch.no_grad():
        layer(torch.zeros(shape), **kw)
    return int(counter.get_total_flops())


CASES = [
    # (glassnet class, torch class, constructor args, input shape)
    (nn.ConvTranspose1d, torch.nn.ConvTranspose1d, (4, 6, 3), dict(stride=2), (2, 4, 7)),
    (nn.ConvTranspose2d, torch.nn.ConvTranspose2d, (4, 6, (3, 2)),
     dict(stride=2, padding=1, output_padding=1), (2, 4, 5, 6)),
    (nn.ConvTranspose2d, torch.nn.ConvTranspose2d, (4, 6, 3),
     dict(groups=2, dilation=2, bias=False), (1, 4, 4, 4)),
    (nn.ConvTranspose3d, torch.nn.ConvTranspose3d, (2, 4, 2), dict(stride=2), (1, 2, 3, 3, 2)),
    (nn.ConvTranspose1d, torch.nn.ConvTranspose1d, (3, 4, 3), dict(), (3, 5)),  # unbatched
]  # fmt: skip


@pytest.mark.parametrize("gcls, tcls, args, kw, shape", CASES)
def test_transposed_conv_flops_match_torch_flop_counter(gcls, tcls, args, kw, shape):
    s = gcls(*args, **kw).summary(shape)
    expected = _torch_flops(tcls(*args, **kw), shape)
    assert expected > 0
    assert s.rows[0].flops == expected
    assert s.total_flops == expected


def test_transposed_conv_flops_with_output_size_match_torch():
    g = nn.ConvTranspose2d(3, 5, 3, stride=2)
    t = torch.nn.ConvTranspose2d(3, 5, 3, stride=2)
    shape, size = (1, 3, 4, 4), (10, 10)  # output_padding 1 chosen by output_size
    s = nn.Sequential(g).summary(shape)  # the count does not depend on the output size
    assert s.total_flops == _torch_flops(t, shape, output_size=size)


def test_conv_rows_still_match_torch_in_an_encoder_decoder():
    g = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.ConvTranspose2d(4, 2, 2, 2))
    t = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.ConvTranspose2d(4, 2, 2, 2)
    )
    s = g.summary((2, 1, 6, 6))
    assert s.total_flops == _torch_flops(t, (2, 1, 6, 6))
    assert [r.flops > 0 for r in s.rows] == [True, False, True]


def test_lazy_transposed_conv_is_counted_once_materialised():
    s = nn.LazyConvTranspose2d(4, 3, stride=2).summary((2, 3, 5, 5))
    assert s.total_flops == _torch_flops(torch.nn.ConvTranspose2d(3, 4, 3, stride=2), (2, 3, 5, 5))
