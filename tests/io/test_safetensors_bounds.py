"""The bounds checks of io/safetensors.py at their edges (issue 17, item 12).

Two planted bugs survived the test suite: a layout check that let a 1-byte hole
between tensors through (the hostile cases tried only a 4-byte hole), and the
header-length check ``8 + n > size`` whose boundary was never tried. Each case
here runs on both sides of its edge, and against the reference package where
it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.io import CheckpointError, load_file

from .test_safetensors_hostile import _entry, _file, _reference


@pytest.mark.parametrize("gap", [1, 2, 3, 4, 7])
def test_a_hole_of_any_size_between_tensors_is_refused(gap, tmp_path):
    a = _entry("U8", [3], 0, 3)
    b = _entry("U8", [2], 3 + gap, 5 + gap)
    path = tmp_path / "hole.safetensors"
    path.write_bytes(_file({"a": a, "b": b}, bytes(5 + gap)))
    with pytest.raises(CheckpointError, match=rf"bytes 3..{3 + gap} of the data section"):
        load_file(path)
    assert _reference(path)[0] in ("refused", "missing")


@pytest.mark.parametrize("gap", [1, 4])
def test_a_hole_at_the_start_or_the_end_is_refused(gap, tmp_path):
    start = tmp_path / "start.safetensors"
    start.write_bytes(_file({"a": _entry("U8", [2], gap, gap + 2)}, bytes(gap + 2)))
    with pytest.raises(CheckpointError, match=rf"bytes 0..{gap} "):
        load_file(start)
    end = tmp_path / "end.safetensors"
    end.write_bytes(_file({"a": _entry("U8", [2], 0, 2)}, bytes(2 + gap)))
    with pytest.raises(CheckpointError, match="trailing bytes"):
        load_file(end)


def test_touching_tensors_load(tmp_path):
    # the other side of the hole's edge: no gap at all
    path = tmp_path / "ok.safetensors"
    path.write_bytes(
        _file({"a": _entry("U8", [3], 0, 3), "b": _entry("U8", [2], 3, 5)}, bytes(range(5)))
    )
    out = load_file(path)
    np.testing.assert_array_equal(out["b"], [3, 4])
    assert _reference(path)[0] in ("loaded", "missing")


def _sized(header_len, size):
    """A file of ``size`` bytes whose header length field says ``header_len``."""
    body = b"{}" + b" " * (size - 8 - 2)
    return header_len.to_bytes(8, "little") + body


@pytest.mark.parametrize("extra", range(1, 9))
def test_header_length_past_the_end_by_up_to_8_bytes_is_refused(extra, tmp_path):
    # size - 8 < n <= size: the header would run past the end although n <= size
    size = 40
    path = tmp_path / "len.safetensors"
    path.write_bytes(_sized(size - 8 + extra, size))
    with pytest.raises(CheckpointError, match=rf"header length {size - 8 + extra} is larger"):
        load_file(path)
    assert _reference(path)[0] in ("refused", "missing")


def test_header_length_that_ends_exactly_at_the_end_loads(tmp_path):
    size = 40
    path = tmp_path / "len.safetensors"
    path.write_bytes(_sized(size - 8, size))  # the whole file after the length is header
    assert load_file(path) == {}
    assert _reference(path)[0] in ("loaded", "missing")


def test_the_oracle_tells_a_refusal_from_a_missing_reference(tmp_path):
    pytest.importorskip("safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x01")
    assert _reference(bad)[0] == "refused"
    good = tmp_path / "good.safetensors"
    good.write_bytes(_file({"a": _entry("U8", [1], 0, 1)}, b"\x07"))
    verdict, out = _reference(good)
    assert verdict == "loaded" and out["a"].tolist() == [7]
