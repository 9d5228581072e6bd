"""Output files: one resolver for every output path, writes that leave a file either whole or as it was, and file
names made from labels (effnet_inspect.inputs reads what users give; effnet_inspect.folders writes whole folders).

Every command's output goes through resolve() (the CLI handles "-", stdout, itself):
- symbolic links are followed, in the file name and in its folders, so the file a link points to is written and
  the link stays a link; a loop of links, or a link to a folder that does not exist, is refused (the tool never
  creates folders anywhere but along the path the user named);
- a device or a named pipe (/dev/null, /dev/stderr) is written to directly: there is nothing to rename over
  (/dev/stdout and its other names are stdout: the command line writes them through its one writer);
- a regular file is written to a temporary file beside it and renamed into place, keeping its permissions; a
  file with several hard links is rewritten in place instead (after a complete temporary copy succeeded, so a
  full disk fails before it is touched), so that every link keeps seeing the same file.
Temporary files are named `.<name>.<random>.<pid>.effnet-inspect.tmp`. One left behind by a run that was killed
(its process is gone) is removed the next time the same file is written; nothing else is ever deleted.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from effnet_inspect.errors import InputError

STDOUT = "-"
STDOUT_NAMES = (STDOUT, "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
MAX_NAME_BYTES = 120  # a default file name's stem: room for a suffix and the temporary name's additions
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
    """'-', or a name of the process' own stdout (which the command line writes through its one writer)."""
    return path is not None and os.fspath(path) in STDOUT_NAMES


# ------------------------------------------------------------------------------------------- names and places
_base: str | None = None  # the folder relative output paths mean while a command runs (see anchored)


@contextlib.contextmanager
def anchored() -> Iterator[None]:
    """Relative paths mean the current folder as it is now, for the duration: other code that runs meanwhile (a
    --model factory, or a thread it left) may change the working directory, but not where the output goes."""
    global _base
    previous = _base
    try:
        _base = os.getcwd()
    except OSError:  # the current folder was deleted: only absolute paths can be written
        _base = None
    try:
        yield
    finally:
        _base = previous


def absolute(path: str | os.PathLike) -> Path:
    """path made absolute against the anchored folder (see anchored), else the current one."""
    if os.path.isabs(path):
        return Path(os.path.normpath(path))
    try:
        base = _base or os.getcwd()
    except OSError:
        raise InputError(f"{_say(path)} is relative, but the current folder no longer exists", param="out") from None
    return Path(os.path.normpath(os.path.join(base, path)))


def safe_name(label: str, fallback: str = "model") -> str:
    """A label (a variant, a --name, a model's name) as one file name, never a path: letters, digits, '.', '-' and
    '_' only ('w=1.3,d=1.5' -> 'w1.3_d1.5', '../../x' -> 'x'), no leading dot, at most MAX_NAME_BYTES bytes.
    Only --out chooses a folder."""
    safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in label.replace("=", "")).strip("_.")
    while len(safe.encode("utf-8")) > MAX_NAME_BYTES:
        safe = safe[:-1]
    return safe.strip("_.") or fallback


def in_folder(folder: Path | None, name: str) -> Path:
    """A default file name (made from labels: 'b0-block2a.svg') in the folder --out named, else the current one:
    always one file name there, never a path."""
    stem, suffix = os.path.splitext(name)
    extension = safe_name(suffix[1:], fallback="")
    clean = safe_name(stem) + (f".{extension}" if extension else "")
    return folder / clean if folder is not None else Path(clean)


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


def real_path(path: str | os.PathLike) -> Path:
    """path made absolute (see anchored) with every link followed; InputError for loops and dead ends."""
    named = Path(path)
    return _follow(absolute(named), named)


def resolve(path: str | os.PathLike) -> Target:
    """The target of an output path (see the module docstring); raises InputError for what cannot be written."""
    named = Path(path)
    if os.fspath(named) == STDOUT:
        raise ValueError("'-' is stdout: the caller writes it")  # a broken invariant, not the user's mistake
    real = real_path(named)
    if real.is_dir():
        raise InputError(f"{_say(named)} is a directory; give a file name", param="out")
    special = real.exists() and not stat.S_ISREG(real.stat().st_mode)
    return Target(named, real, special)


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create a folder (and parents, along the named path only) or fail with a one-line InputError."""
    named = Path(path)
    if is_stdout(named):
        raise InputError(
            f"is {_say(named)} (stdout), but this output is a directory of files; name a directory", param="out"
        )
    directory = real_path(named)
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
    payload = encode(data)
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


def encode(data: str | bytes) -> bytes:
    """Text as UTF-8; what UTF-8 cannot encode (a lone surrogate from a JSON escape) is written as its escape."""
    return data if isinstance(data, bytes) else data.encode("utf-8", "backslashreplace")


def _temporary(target: Path, payload: bytes) -> str:
    """A complete, synced copy of payload beside target; removed again if anything fails."""
    fd, tmp = tempfile.mkstemp(
        prefix=temporary_prefix(target.name), suffix=f".{os.getpid()}{TMP_SUFFIX}", dir=target.parent
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())  # the rename must not land before the data does (a crash would leave it empty)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def temporary_prefix(name: str) -> str:
    """'.<name>.' with the name cut to 100 bytes, so that the temporary name stays within the file system's limit."""
    return f".{os.fsdecode(os.fsencode(name)[:100])}."


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
    pattern = re.compile(re.escape(temporary_prefix(target.name)) + r"[^.]+\.(\d+)" + re.escape(TMP_SUFFIX))
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        found = pattern.fullmatch(name)
        if found and not pid_alive(int(found.group(1))):
            try:
                os.unlink(target.parent / name)
            except OSError:
                pass  # another run got there first, or the folder is not ours to clean: harmless


def pid_alive(pid: int) -> bool:
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
