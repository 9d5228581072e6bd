"""What users give the tool to read: files read with a size limit and a type check, and JSON with a nesting limit.

read_text() opens without blocking and looks before it reads: a directory is refused; a regular file larger than
the limit is refused before a byte is read; a named pipe, a device or a socket (`--bench /dev/zero`, `<(...)`) is
read up to the limit, and one that gives nothing for IDLE_S seconds (a named pipe with no writer) is refused
instead of waited on forever. JSON is parsed only after its nesting depth was checked, and a lone surrogate (a
`\\ud800` escape, which no UTF-8 file can hold) becomes its escape text, so that it is shown, never crashed on.
"""

from __future__ import annotations

import json
import os
import re
import select
import stat
import time
from typing import Any

from effnet_inspect.errors import InputError

MAX_BYTES = 32 * 2**20  # a results file of B0-B7 in every configuration is 0.3 MB
IDLE_S = 10.0  # how long a pipe or device may give nothing before it is refused
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def read_text(path: str | os.PathLike, param: str, what: str, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of a file the user named (param: the parameter that named it; what: what it should be)."""
    named = repr(os.fspath(path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"cannot read {named}: {exc.strerror or exc}", param=param) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{named} is a directory, not {what}", param=param)
        if stat.S_ISREG(mode):
            if os.fstat(fd).st_size > limit:
                raise InputError(_too_big(named, what, limit), param=param)
            os.set_blocking(fd, True)
        data = _read_up_to(fd, limit + 1, named, param, regular=stat.S_ISREG(mode))
    except OSError as exc:
        raise InputError(f"cannot read {named}: {exc.strerror or exc}", param=param) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(_too_big(named, what, limit), param=param)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{named} is not {what} (not UTF-8 text)", param=param) from None


def _too_big(named: str, what: str, limit: int) -> str:
    return f"{named} is larger than {limit // 2**20} MB, the most {what} can be; is it the right file?"


def _read_up_to(fd: int, size: int, named: str, param: str, regular: bool) -> bytes:
    """At most size bytes; from a pipe or device, giving up after IDLE_S seconds without data."""
    chunks: list[bytes] = []
    got = 0
    idle_since = time.monotonic()
    while got < size:
        if not regular:
            ready, _, _ = select.select([fd], [], [], max(0.0, idle_since + IDLE_S - time.monotonic()))
            if not ready:
                raise InputError(
                    f"{named} gave no data for {IDLE_S:g} s (a named pipe nobody writes to?); give a file", param=param
                )
        try:
            chunk = os.read(fd, min(size - got, 2**20))
        except BlockingIOError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
        idle_since = time.monotonic()
    return b"".join(chunks)


class JsonError(ValueError):
    """JSON that does not parse, nests too deep, or does not fit the expected record; the message says where and
    what, and the caller makes it its own one-line InputError."""


def read_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads, refusing NaN and Infinity and anything nested deeper than max_depth (checked before parsing:
    the parser itself would recurse once per level, 100,000 levels deep); lone surrogates escaped."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > max_depth:
            raise JsonError(f"nested more than {max_depth} levels deep")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except JsonError:
        raise
    except ValueError as exc:  # an integer of more than 4300 digits
        raise JsonError(f"not JSON: {str(exc).splitlines()[0]}") from None
    return _escape_surrogates(value) if _SURROGATE_ESCAPE.search(text) else value


def _escape_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_escape_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_escape_surrogates(k): _escape_surrogates(v) for k, v in value.items()}
    return value


def _no_constant(name: str) -> Any:
    raise JsonError(f"not JSON: {name} is not a number JSON allows")
