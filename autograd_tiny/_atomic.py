"""Atomic file writes, shared by model files (``nn``) and exported programs (``replay``).

The text goes to a temporary file in the same directory, is flushed and
``fsync``-ed, then renamed over ``path`` (``os.replace``): an exception or a
kill leaves the old file or the new one, never half of one (after a kill, a
stray ``.tmp-*`` file may remain beside it).  A symbolic link is written
through (its target is replaced, the link stays), and a path that is not a
regular file (``/dev/null``, a FIFO) is written into directly: renaming over
it would replace the device itself.  ``checked_path`` is the check that every
writer makes first.  Standard library only.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
>>> write_text(path, "hello\\n")
>>> open(path).read(), os.listdir(os.path.dirname(path))
('hello\\n', ['note.txt'])
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from typing import Any

__all__ = ["checked_path", "write_text"]


def checked_path(path: Any, who: str) -> str:
    """``path`` as a ``str`` to write a file at, checked before any work is done.

    ``TypeError`` naming what was received unless ``path`` is a ``str`` or an
    ``os.PathLike`` of one; ``ValueError`` for an empty path; ``OSError``
    naming the path for a directory, a missing directory to write in, or one
    that cannot be written in.  ``who`` starts each message (``"export()"``).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{who} takes a file path, got {type(path).__name__}: {path!r}")
    target = os.fspath(path)
    if not isinstance(target, str):
        raise TypeError(f"{who} takes a str path, got {type(target).__name__}: {target!r}")
    if not target:
        raise ValueError(f"{who} takes a file path, got an empty string")
    if os.path.isdir(target) or target.endswith(("/", os.sep)):
        raise IsADirectoryError(errno.EISDIR, f"{who} writes a file, this is a directory", target)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        code = errno.ENOTDIR if os.path.exists(directory) else errno.ENOENT
        raise OSError(code, f"{who}: no directory {directory!r} to write in", target)
    if not os.access(directory, os.W_OK | os.X_OK) and not _special(target):
        raise PermissionError(errno.EACCES, f"{who}: cannot write in {directory!r}", target)
    return target


def _special(path: str) -> bool:
    """Whether ``path`` (followed through links) exists and is not a regular file."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_text(path: str, text: str, *, suffix: str = ".tmp") -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; the temporary file ends in ``suffix``."""
    if _special(path):  # a device or a FIFO: no rename can replace its contents
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    path = os.path.realpath(path) if os.path.islink(path) else path
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=directory)
    except OSError as error:  # name the file asked for, not the temporary one
        raise OSError(error.errno, error.strerror, path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):  # keep the old file's permissions
            os.chmod(temporary, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
