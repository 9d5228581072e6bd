"""Output folders written whole (a report, a deck): a fault leaves the old complete output or the new complete one.

staged(out) yields an empty staging folder beside the target, named like a temporary file
(`.<name>.<random>.<pid>.effnet-inspect.tmp`); the command writes every file into it. Nothing in the target changes
until the command has written them all; then the commit, under an exclusive lock on the parent folder (so that
concurrent runs into one folder commit one after the other, each whole):
- what the target holds that the new output does not write (the user's own files, the pages of an earlier report
  of other variants) is carried over as hard links, the same files rather than copies; files the output claims
  with `replaces` (an earlier deck's slides) are not: two decks are never mixed;
- the two folders are exchanged in one step (renameat2 RENAME_EXCHANGE); where the file system cannot, the target
  is renamed aside and the staging folder renamed into place;
- the old folder is removed (never crossing into another file system).
Where a swap would pull the folder from under a process (the current folder is inside it), the target is a mount
point, the parent cannot be written or hard links are impossible, the staging folder is made inside the target
instead and its files are moved into place one by one: a fault before then still leaves the old output whole.
A staging folder left by a run that was killed (its process is gone) is removed the next time the same folder is
written, once the target is there again; nothing else is ever deleted. Ctrl-C during the commit is honoured once the
commit is done: the folder is never left half-swapped by it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from effnet_inspect.errors import InputError
from effnet_inspect.files import TMP_SUFFIX, is_stdout, pid_alive, real_path, temporary_prefix
from effnet_inspect.progress import deferred

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_NO_SWAP = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES, errno.EBUSY, errno.EINVAL)


class _CannotSwap(Exception):
    """The target cannot be exchanged whole here: the files are moved into place one by one instead."""


def check_folder(out: str | os.PathLike) -> Path:
    """The target folder with links followed, refused now if it cannot be written (nothing is created)."""
    if is_stdout(out):
        raise InputError(
            f"is {os.fspath(out)!r} (stdout), but this output is a directory of files; name a directory", "out"
        )
    target = real_path(out)
    if target.exists() and not target.is_dir():
        raise InputError(f"{os.fspath(out)!r} is a file, not a directory", param="out")
    existing = next(p for p in (target, *target.parents) if p.exists())
    if not os.access(existing, os.W_OK):
        raise InputError(f"directory {str(existing)!r} is not writable", param="out")
    return target


@contextlib.contextmanager
def staged(out: str | os.PathLike, replaces: Callable[[str], bool] = lambda relative: False) -> Iterator[Path]:
    """Yield the staging folder; commit it into out when the block ends without an exception (see the module
    docstring). replaces(relative path) says which old files the new output replaces even where it writes none."""
    target = check_folder(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory {str(target.parent)!r}: {exc.strerror}", param="out") from None
    _remove_stale(target)
    inside = target.exists() and (_is_mount(target) or _holds_current_folder(target))
    try:
        stage = _mkdtemp(target if inside else target.parent, target.name)
    except InputError:
        if inside or not target.exists():  # nowhere else to try
            raise
        inside, stage = True, _mkdtemp(target, target.name)  # the parent is read-only, the folder is not
    try:
        yield stage
        with _locked(target.parent), deferred():  # once it starts, the commit ends before Ctrl-C is honoured
            if inside:
                _move_in(stage, target, replaces)
            else:
                _commit(stage, target, replaces)
    except OSError as exc:  # a full disk, a file-size limit, an I/O error: the old folder is still whole
        raise InputError(f"cannot write {os.fspath(out)!r}: {exc.strerror or exc}", param="out") from None
    finally:
        if stage.exists():
            _remove(stage)


def write_new(path: Path, data: bytes) -> None:
    """A file of a staging folder (its folders made as needed), synced before the folder is swapped in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _mkdtemp(parent: Path, name: str) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=temporary_prefix(name), suffix=f".{os.getpid()}{TMP_SUFFIX}", dir=parent))
    except OSError as exc:
        raise InputError(f"cannot write into {str(parent)!r}: {exc.strerror or exc}", param="out") from None


def _commit(stage: Path, target: Path, replaces: Callable[[str], bool]) -> None:
    os.chmod(stage, stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o777 & ~_umask())
    if not target.exists():
        try:
            os.rename(stage, target)
            return
        except OSError as exc:  # made meanwhile by someone else (not a run of ours: they wait for the lock)
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    try:
        _carry(target, stage, "", replaces, target.stat().st_dev)
        old = _exchange(stage, target)
    except _CannotSwap:
        _move_in(stage, target, replaces)
        return
    _remove(old)


def _carry(old: Path, new: Path, relative: str, replaces: Callable[[str], bool], device: int) -> None:
    """Hard-link into new what old holds and new does not (see the module docstring)."""
    for entry in os.scandir(old):
        here, there = f"{relative}{entry.name}", new / entry.name
        info = entry.stat(follow_symlinks=False)
        if entry.name.endswith(TMP_SUFFIX):
            continue  # another run's temporary file or staging folder: not part of either output
        if stat.S_ISDIR(info.st_mode):
            if info.st_dev != device:
                raise _CannotSwap  # a mount point inside: it cannot move with the folder
            if there.exists() and not there.is_dir():
                raise InputError(f"{entry.path!r} is a folder, where this output writes a file", param="out")
            there.mkdir(exist_ok=True)
            os.chmod(there, stat.S_IMODE(info.st_mode))
            _carry(Path(entry.path), there, here + "/", replaces, device)
        elif os.path.lexists(there):
            if there.is_dir():
                raise InputError(f"{entry.path!r} is a file, where this output writes a folder", param="out")
            if stat.S_ISREG(info.st_mode):
                os.chmod(there, stat.S_IMODE(info.st_mode))  # a file replaced keeps its permissions
        elif not replaces(here):
            try:
                os.link(entry.path, there, follow_symlinks=False)
            except OSError as exc:
                if exc.errno in _NO_SWAP:
                    raise _CannotSwap from exc
                raise


def _exchange(stage: Path, target: Path) -> Path:
    """Swap the two folders in one step where the kernel can; returns where the old folder is now."""
    renameat2 = _renameat2()
    if renameat2 is not None:
        done = renameat2(_AT_FDCWD, os.fsencode(stage), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE)
        if done == 0:
            return stage
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(target))
    aside = target.parent / f"{temporary_prefix(target.name)}{secrets.token_hex(4)}.{os.getpid()}{TMP_SUFFIX}"
    os.rename(target, aside)
    try:
        os.rename(stage, target)
    except BaseException:
        os.rename(aside, target)
        raise
    return aside


def _renameat2() -> Any:
    """libc's renameat2 (Linux 3.15, glibc 2.28), or None."""
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except OSError:
        return None


def _move_in(stage: Path, target: Path, replaces: Callable[[str], bool]) -> None:
    """The fallback commit: every new file renamed into place; old files the output replaces removed."""
    written = set()
    for folder, _, names in os.walk(stage):
        relative = os.path.relpath(folder, stage)
        destination = target / relative if relative != "." else target
        if destination.exists() and not destination.is_dir():
            raise InputError(f"{str(destination)!r} is a file, where this output writes a folder", param="out")
        destination.mkdir(exist_ok=True)
        for name in names:
            os.replace(os.path.join(folder, name), destination / name)
            written.add(os.path.normpath(os.path.join(relative, name)))
    for folder, folders, names in os.walk(target):
        folders[:] = [f for f in folders if not f.endswith(TMP_SUFFIX)]  # staging folders: not part of the output
        for name in names:
            relative = os.path.normpath(os.path.relpath(os.path.join(folder, name), target))
            if relative not in written and replaces(relative) and not name.endswith(TMP_SUFFIX):
                os.unlink(os.path.join(folder, name))


def _remove(path: Path) -> None:
    """Remove a staging folder (or the old folder swapped out), never following a link or leaving its device."""
    device = os.lstat(path).st_dev
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            if entry.stat(follow_symlinks=False).st_dev == device:
                _remove(Path(entry.path))
        else:
            os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _remove_stale(target: Path) -> None:
    """Staging folders of this target whose run was killed; only once the target exists (in the narrow window of
    the two-rename fallback, the one beside a missing target is the old folder)."""
    if not target.exists():
        return
    pattern = re.compile(re.escape(temporary_prefix(target.name)) + r"[^.]+\.(\d+)" + re.escape(TMP_SUFFIX))
    for folder in (target.parent, target):
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                found = pattern.fullmatch(entry.name)
                if found and entry.is_dir(follow_symlinks=False) and not pid_alive(int(found.group(1))):
                    with contextlib.suppress(OSError):
                        _remove(Path(entry.path))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    import fcntl

    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a Ctrl-C while waiting is an ordinary interrupt
        yield
    finally:
        os.close(fd)


def _is_mount(path: Path) -> bool:
    return os.path.ismount(path)


def _holds_current_folder(path: Path) -> bool:
    try:
        here = Path(os.path.realpath(os.getcwd()))
    except OSError:
        return False
    return here == path or path in here.parents


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
