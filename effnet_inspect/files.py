"""File output: a file is either fully written or left as it was, and links are written through.

Regular files are written to a temporary file beside the target and renamed into place (keeping the old file's
permissions). A symbolic link is followed, so the file it points to is replaced, not the link. Targets that are
not regular files (/dev/stdout, a named pipe) cannot be renamed over and are written to directly.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from effnet_inspect.errors import InputError


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create a directory (and parents) or fail with a one-line InputError."""
    directory = Path(path)
    blocker = next((p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(f"{str(blocker)!r} is a file, not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory {str(directory)!r}: {exc.strerror or exc}") from None
    if not os.access(directory, os.W_OK):
        raise InputError(f"directory {str(directory)!r} is not writable")
    return directory


def check_writable(path: str | os.PathLike) -> Path:
    """Fail now, not after a long computation, if path cannot be written (creates its directory)."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise InputError(f"output path {str(path)!r} is a directory; give a file name")
    ensure_dir(target.parent)
    if target.exists() and not os.access(target, os.W_OK):
        raise InputError(f"output file {str(path)!r} is not writable")
    try:  # os.access says yes to root on a read-only file system: try it
        with tempfile.TemporaryFile(dir=target.parent):
            pass
    except OSError as exc:
        raise InputError(f"cannot write into {str(target.parent)!r}: {exc.strerror or exc}") from None
    return target


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write data to path atomically (see the module docstring)."""
    binary = isinstance(data, bytes)
    text_options = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    if os.path.exists(path) and not (os.path.isdir(path) or stat.S_ISREG(os.stat(path).st_mode)):
        try:  # a device or a pipe (/dev/stdout): nothing to rename over
            with open(path, "wb" if binary else "w", **text_options) as fh:
                fh.write(data)
        except OSError as exc:
            raise InputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
        return Path(path)
    target = check_writable(path)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb" if binary else "w", **text_options) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the rename must not land before the data does (a crash would leave it empty)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):  # failed before the rename: leave nothing behind
            os.unlink(tmp)
    return target


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
