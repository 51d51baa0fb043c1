"""Names and metadata in a safetensors header must be Unicode text (issue 17, item 6).

JSON can spell a lone UTF-16 surrogate (``"\\ud800"``); Python decodes it into a
``str`` that no UTF-8 file can hold. The official ``safetensors`` package
refuses such a header; glassnet loaded it, and saving the result raised a raw
``UnicodeEncodeError``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassnet.io import CheckpointError, load_file, save_file

from .test_safetensors_hostile import _entry, _file

F4 = _entry("F32", [2], 0, 8)
F4J = json.dumps(F4)


@pytest.mark.parametrize(
    "header, where",
    [
        ('{"\\ud800": ' + F4J + "}", "tensor name"),
        ('{"a\\udfffb": ' + F4J + "}", "tensor name"),
        ('{"a": ' + F4J + ', "__metadata__": {"k": "\\udc00"}}', "__metadata__"),
        ('{"a": ' + F4J + ', "__metadata__": {"\\ud83d": "v"}}', "__metadata__"),
        ('{"a": {"dtype": "F32\\ud800", "shape": [2], "data_offsets": [0, 8]}}', "tensor 'a'"),
    ],
)
def test_lone_surrogate_in_the_header_is_refused(header, where, tmp_path):
    path = tmp_path / "s.safetensors"
    path.write_bytes(_file(header, b"\0" * 8))
    with pytest.raises(CheckpointError, match="lone surrogate") as info:
        load_file(path)
    msg = str(info.value)
    assert str(path) in msg and where in msg, msg


def test_a_surrogate_pair_is_ordinary_text(tmp_path):
    # "\ud83d\ude00" is JSON's spelling of one character (U+1F600), not a lone surrogate
    path = tmp_path / "pair.safetensors"
    path.write_bytes(_file('{"\\ud83d\\ude00": ' + F4J + "}", b"\0" * 8))
    out = load_file(path)
    assert list(out) == ["\U0001f600"]
    save_file(out, tmp_path / "again.safetensors")
    assert list(load_file(tmp_path / "again.safetensors")) == ["\U0001f600"]


@pytest.mark.parametrize("where", ["name", "meta_key", "meta_value"])
def test_saving_a_lone_surrogate_is_refused_by_name(where, tmp_path):
    bad = "w\ud800"
    tensors = {bad if where == "name" else "w": np.zeros(2, np.float32)}
    meta = {bad: "v"} if where == "meta_key" else {"k": bad} if where == "meta_value" else None
    path = tmp_path / "out.safetensors"
    with pytest.raises(ValueError, match=r"save_file: .*'w\\ud800'.*lone surrogate"):
        save_file(tensors, path, metadata=meta)
    assert not path.exists()
