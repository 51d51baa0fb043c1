"""Run configurations as TOML files: read with the standard library, written by glassnet.

``load_config`` parses with :mod:`tomllib` (Python >= 3.11; on 3.10 install
``tomli``). ``dump_config`` writes the TOML subset a run configuration needs:
tables of strings, ints, floats, bools and (nested) lists of them.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._fileio import atomic_write

__all__ = [
    "ConfigError", "load_config", "loads_config", "dump_config", "save_config", "format_value",
]  # fmt: skip

MAX_CONFIG_BYTES = 16 * 2**20
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_WHERE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")


class ConfigError(ValueError):
    """A configuration file that cannot be read, or a value TOML cannot hold; the message names it."""


def _tomllib() -> Any:
    try:
        import tomllib
    except ImportError:
        try:
            import tomli as tomllib
        except ImportError:
            raise ImportError(
                "load_config needs Python >= 3.11 (tomllib) or the tomli package: pip install tomli"
            ) from None
    return tomllib


def _describe(exc: Exception, text: str, source: str) -> str:
    """``source, line L, column C: invalid TOML: reason`` from a TOMLDecodeError."""
    msg = str(exc)
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    m = _WHERE.search(msg)
    if m:
        msg = msg[: m.start()]
        if line is None and m.group(1):
            line, col = int(m.group(1)), int(m.group(2))
        elif line is None:  # at the end of the document
            line = text.count("\n") + 1
            col = len(text) - text.rfind("\n")
    msg = getattr(exc, "msg", None) or msg
    where = source if line is None else f"{source}, line {line}"
    if line is not None and col is not None:
        where += f", column {col}"
    return f"{where}: invalid TOML: {msg}"


def loads_config(text: str, *, source: str = "<string>") -> dict[str, Any]:
    """Parse TOML text; errors name ``source`` and the line.

    Parameters
    ----------
    text : str
    source : str
        Name used in error messages (a file path).

    Returns
    -------
    dict
    """
    tomllib = _tomllib()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_describe(exc, text, source)) from None
    except RecursionError:
        raise ConfigError(f"{source}: invalid TOML: nested too deeply") from None


def load_config(path: str | os.PathLike) -> dict[str, Any]:
    """Read a TOML configuration file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    dict
        Tables become dicts; arrays become lists.

    Raises
    ------
    ConfigError
        Invalid TOML (the message names the file and the line), text that is
        not UTF-8 (a byte-order mark is skipped), or a file over 16 MiB.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: a configuration file over {MAX_CONFIG_BYTES} bytes is refused")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is skipped
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}, line {line}: invalid TOML: the file is not UTF-8 ({exc.reason})"
        ) from None
    return loads_config(text, source=path)


# --------------------------------------------------------------------------- writing
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _string(s: str) -> str:
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            raise ValueError(f"contains a lone surrogate {ch!r}, which TOML cannot hold")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(k: Any) -> str:
    if not isinstance(k, str):
        raise TypeError(f"keys must be strings, got {k!r}")
    return k if _BARE_KEY.fullmatch(k) else _string(k)


def _value(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        if not -(2**63) <= int(v) < 2**63:
            raise ValueError(f"is {int(v)}, outside TOML's 64-bit integer range")
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if v is None:
        raise TypeError("is None; TOML has no null (drop the key or use a string)")
    raise TypeError(f"is a {type(v).__name__}; TOML holds str, int, float, bool, lists and tables")


def format_value(v: Any) -> str:
    """``v`` as TOML writes it (``true``, ``"3"``, ``[1, 2]``), for messages; ``repr`` otherwise."""
    try:
        return _value(v)
    except (TypeError, ValueError):
        return repr(v)


def _table(d: Mapping[str, Any], prefix: list[str], lines: list[str]) -> None:
    scalars = [(k, v) for k, v in d.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in d.items() if isinstance(v, Mapping)]
    if prefix and (scalars or not tables):
        if lines:
            lines.append("")
        lines.append("[" + ".".join(_key(p) for p in prefix) + "]")
    for k, v in scalars:
        try:
            lines.append(f"{_key(k)} = {_value(v)}")
        except (TypeError, ValueError) as exc:
            name = ".".join(str(p) for p in prefix + [k])
            raise ConfigError(f"dump_config: {name!r} {exc}") from None
    for k, v in tables:
        try:
            _key(k)
        except TypeError as exc:
            raise ConfigError(f"dump_config: {'.'.join(prefix) or 'top level'}: {exc}") from None
        _table(v, prefix + [k], lines)


def dump_config(config: Mapping[str, Any]) -> str:
    """TOML text for a configuration: top-level keys first, then one ``[table]`` per nested dict.

    Parameters
    ----------
    config : mapping of str to value
        Values: str, int, float (incl. inf/nan), bool, lists/tuples of those,
        and dicts of the same (written as ``[table]`` / ``[table.sub]``).

    Returns
    -------
    str
        ``tomllib.loads(dump_config(c)) == c`` (tuples come back as lists).

    Raises
    ------
    ConfigError
        A value TOML cannot hold (``None``, an object, a list of dicts); the message names its key.
    """
    if not isinstance(config, Mapping):
        raise ConfigError(f"dump_config: expected a dict, got {type(config).__name__}")
    lines: list[str] = []
    _table(config, [], lines)
    return "\n".join(lines) + "\n" if lines else ""


def save_config(config: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write ``dump_config(config)`` to ``path`` atomically (UTF-8)."""
    text = dump_config(config)
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
