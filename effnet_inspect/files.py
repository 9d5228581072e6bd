"""Files and text from users: one resolver for every output path, writes that leave a file either whole or as it
was, and JSON read with a nesting limit.

Every command's output goes through resolve() (the CLI handles "-", stdout, itself):
- symbolic links are followed, in the file name and in its folders, so the file a link points to is written and
  the link stays a link; a loop of links, or a link to a folder that does not exist, is refused (the tool never
  creates folders anywhere but along the path the user named);
- a device or a named pipe (/dev/stdout, /dev/null) is written to directly: there is nothing to rename over;
- a regular file is written to a temporary file beside it and renamed into place, keeping its permissions; a
  file with several hard links is rewritten in place instead (after a complete temporary copy succeeded, so a
  full disk fails before it is touched), so that every link keeps seeing the same file.
Temporary files are named `.<name>.<random>.<pid>.effnet-inspect.tmp`. One left behind by a run that was killed
(its process is gone) is removed the next time the same file is written; nothing else is ever deleted.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from effnet_inspect.errors import InputError

STDOUT = "-"
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
TMP_SUFFIX = ".effnet-inspect.tmp"
MAX_LINKS = 40  # as the kernel's own limit on links followed in one path


@dataclass(frozen=True)
class Target:
    """Where the bytes for a named output path land."""

    named: Path  # as the user gave it, for messages
    path: Path  # links followed
    special: bool  # a device or a pipe: written to directly

    @property
    def exists(self) -> bool:
        return self.path.exists()


def is_stdout(path: str | os.PathLike | None) -> bool:
    return path is not None and os.fspath(path) == STDOUT


def _say(path: str | os.PathLike) -> str:
    return repr(os.fspath(path))


def _follow(path: Path, named: Path) -> Path:
    """path with every link followed, or an InputError for loops and dead ends."""
    via_link = False
    for _ in range(MAX_LINKS):
        folder = _real_folder(path.parent, named, create_ok=not via_link)
        path = folder / path.name
        if not path.is_symlink():
            return path
        via_link = True
        path = folder / os.readlink(path)
    raise InputError(f"{_say(named)} is a loop of symbolic links (or a chain of more than {MAX_LINKS})", param="out")


def _real_folder(folder: Path, named: Path, create_ok: bool) -> Path:
    """The folder with links followed. A missing folder is fine only along the path the user named (it will be
    created); a link to nowhere or a link loop on the way is refused."""
    missing = folder
    while not missing.exists():
        if missing.is_symlink():
            kind = (
                "a loop of symbolic links"
                if _is_loop(missing)
                else f"a link to {_say(os.readlink(missing))}, which does not exist"
            )
            raise InputError(f"{_say(named)} cannot be written: {_say(missing)} is {kind}", param="out")
        if not create_ok:
            raise InputError(
                f"{_say(named)} is a link into {_say(folder)}, which does not exist; create it "
                f"first or name another file",
                param="out",
            )
        if missing.parent == missing:
            break
        missing = missing.parent
    if missing.exists() and not missing.is_dir():
        raise InputError(f"{_say(missing)} is a file, not a directory", param="out")
    return Path(os.path.realpath(missing)) / folder.relative_to(missing)


def _is_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def resolve(path: str | os.PathLike) -> Target:
    """The target of an output path (see the module docstring); raises InputError for what cannot be written."""
    named = Path(path)
    if is_stdout(named):
        raise ValueError("'-' is stdout: the caller writes it")  # a broken invariant, not the user's mistake
    real = _follow(Path(os.path.abspath(named)), named)
    if real.is_dir():
        raise InputError(f"{_say(named)} is a directory; give a file name", param="out")
    special = real.exists() and not stat.S_ISREG(real.stat().st_mode)
    return Target(named, real, special)


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create a folder (and parents, along the named path only) or fail with a one-line InputError."""
    named = Path(path)
    if is_stdout(named):
        raise InputError("is '-' (stdout), but this output is a directory of files; name a directory", param="out")
    directory = _follow(Path(os.path.abspath(named)), named)
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{_say(named)} is a file, not a directory", param="out")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory {_say(named)}: {exc.strerror or exc}", param="out") from None
    if not os.access(directory, os.W_OK):
        raise InputError(f"directory {_say(named)} is not writable", param="out")
    return named


def check_writable(path: str | os.PathLike) -> Target:
    """Fail now, not after a long computation, if path cannot be written (creates its folder)."""
    target = resolve(path)
    if target.special:
        return target  # nothing to probe without writing: /dev/full fails at the write, with one line
    ensure_dir(target.path.parent)
    if target.exists and not os.access(target.path, os.W_OK):
        raise InputError(f"file {_say(path)} is not writable", param="out")
    try:  # os.access says yes to root on a read-only file system: try it
        with tempfile.TemporaryFile(dir=target.path.parent):
            pass
    except OSError as exc:
        raise InputError(f"cannot write into {_say(target.path.parent)}: {exc.strerror or exc}", param="out") from None
    return target


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write data to path (see the module docstring); returns the file written (links followed)."""
    from effnet_inspect.progress import check

    check()  # a Ctrl-C that got lost on its way stops the run before the next file changes
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    target = check_writable(path)
    try:
        if target.special:
            with open(target.path, "wb") as fh:
                fh.write(payload)
        elif target.exists and target.path.stat().st_nlink > 1:
            _rewrite_in_place(target.path, payload)
        else:
            _replace(target.path, payload)
    except OSError as exc:
        raise InputError(f"cannot write {_say(path)}: {exc.strerror or exc}", param="out") from None
    _remove_stale_temporaries(target.path)
    return target.path


def _temporary(target: Path, payload: bytes) -> str:
    """A complete, synced copy of payload beside target; removed again if anything fails."""
    fd, tmp = tempfile.mkstemp(prefix=f".{_stem(target)}.", suffix=f".{os.getpid()}{TMP_SUFFIX}", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())  # the rename must not land before the data does (a crash would leave it empty)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _stem(target: Path) -> str:
    """The target's name, cut to 100 bytes so that the temporary name stays within the file system's limit."""
    return os.fsdecode(os.fsencode(target.name)[:100])


def _replace(target: Path, payload: bytes) -> None:
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
    tmp = _temporary(target, payload)
    try:
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):  # failed before the rename: leave nothing behind
            os.unlink(tmp)
        raise


def _rewrite_in_place(target: Path, payload: bytes) -> None:
    os.unlink(_temporary(target, payload))  # proves the data and the space are there before the file is touched
    with os.fdopen(os.open(target, os.O_WRONLY), "wb") as fh:  # O_WRONLY: no truncation until the data is in
        fh.write(payload)
        fh.truncate()
        fh.flush()
        os.fsync(fh.fileno())


def _remove_stale_temporaries(target: Path) -> None:
    """Temporary files of this target left by runs that were killed (recognised by name and a dead process)."""
    pattern = re.compile(re.escape(f".{_stem(target)}.") + r"[^.]+\.(\d+)" + re.escape(TMP_SUFFIX))
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        found = pattern.fullmatch(name)
        if found and not _alive(int(found.group(1))):
            try:
                os.unlink(target.parent / name)
            except OSError:
                pass  # another run got there first, or the folder is not ours to clean: harmless


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# ------------------------------------------------------------------------------------------------ JSON in
class JsonError(ValueError):
    """JSON that does not parse, nests too deep, or does not fit the expected record; the message says where and
    what, and the caller makes it its own one-line InputError."""


def read_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads, refusing NaN and Infinity and anything nested deeper than max_depth (checked before parsing:
    the parser itself would recurse once per level, 100,000 levels deep)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > max_depth:
            raise JsonError(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except JsonError:
        raise
    except ValueError as exc:  # an integer of more than 4300 digits
        raise JsonError(f"not JSON: {str(exc).splitlines()[0]}") from None


def _no_constant(name: str) -> Any:
    raise JsonError(f"not JSON: {name} is not a number JSON allows")
