"""Atomic file writes, shared by model files (``nn``) and exported programs (``replay``).

The text goes to a temporary file in the same directory, is flushed and
``fsync``-ed, then renamed over ``path`` (``os.replace``): an exception or a
kill leaves the old file or the new one, never half of one (after a kill, a
stray ``.tmp-*`` file may remain beside it).  Standard library only.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
>>> write_text(path, "hello\\n")
>>> open(path).read(), os.listdir(os.path.dirname(path))
('hello\\n', ['note.txt'])
"""

from __future__ import annotations

import contextlib
import os
import tempfile

__all__ = ["write_text"]


def write_text(path: str, text: str, *, suffix: str = ".tmp") -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; the temporary file ends in ``suffix``."""
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
