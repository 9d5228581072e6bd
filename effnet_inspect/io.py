"""Atomic file output: a file is either fully written or left as it was."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create a directory (and parents) or fail with a one-line InputError."""
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory {str(directory)!r}: {exc.strerror or exc}") from None
    if not os.access(directory, os.W_OK):
        raise InputError(f"directory {str(directory)!r} is not writable")
    return directory


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write to a temporary file beside path, then rename it into place."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"output path {str(target)!r} is a directory; give a file name")
    directory = ensure_dir(target.parent if str(target.parent) else ".")
    mode = "wb" if isinstance(data, bytes) else "w"
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": "\n"})) as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):  # failed before the rename: leave nothing behind
            os.unlink(tmp)
    return target
