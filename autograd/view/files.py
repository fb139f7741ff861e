"""Writing files whole or not at all: what glassgrad saves is never half-written."""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path``: to a temporary file beside it first, then renamed into place.

    A crash or an error midway leaves the old file as it was (or no file), and
    the temporary file is removed. The data is flushed to disk before the
    rename, and the rename itself afterwards (on POSIX), so that it survives a
    power cut too.

    It behaves as writing to the file in place would, apart from being atomic:

    - a file that exists keeps its permission bits (a 0600 file stays private);
      a new file gets the usual ones, 0o666 less the umask
      (``tempfile.mkstemp`` would make it 0o600);
    - when ``path`` is a symbolic link, the file it points to is replaced
      (the temporary file is made in that file's folder, so the rename stays
      atomic) and the link stays a link.

    Returns ``path`` as given.
    """
    path = Path(path)
    target = _target(path)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: the usual permissions
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            if mode is not None:
                os.chmod(temporary, mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)
    return path


def _target(path: Path) -> Path:
    """The file that writing to ``path`` changes: ``path`` itself, or where its symbolic links lead."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath stops inside a loop of links
        raise OSError(errno.ELOOP, "a loop of symbolic links", str(path))
    return target


def _sync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
