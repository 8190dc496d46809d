"""Where the ``autograd-tiny`` command writes: checked before training, written whole.

``check`` finds the locations that can never work (exit status 2): a
directory given as ``--save`` or ``--explore``, a file given as ``--out``, a missing directory,
a name too long for the file system.  ``Outputs.prepare`` then creates the
``--out`` directory and tries to create a file in each directory, so a
read-only disk or a forbidden place (exit status 1) is known before any
training; ``discard`` removes the directories it created if the run stops
before filling them.  Files are written whole: into a temporary file beside
the target, renamed over it only when complete.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["PICTURE", "GRAPH", "CommandError", "Outputs", "check", "write_whole"]

PICTURE, GRAPH = "decision_boundary.png", "graph.svg"


class CommandError(Exception):
    """The command cannot go on; the message says what to do, ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def shown(path: Path | str) -> str:
    """A path or an argument quoted for a message, shortened if absurdly long.

    >>> shown("model.json"), shown("a" * 300)
    ("'model.json'", "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'… (300 characters)")
    """
    text = os.fspath(path)
    return repr(text) if len(text) <= 200 else f"{text[:40]!r}… ({len(text)} characters)"


def _kind(option: str, path: Path) -> str:
    """``"missing"``, ``"directory"`` or ``"file"`` (anything else that exists)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        if error.errno == errno.ENOTDIR:  # a file where the path needs a directory
            raise CommandError(
                f"{option}: {shown(path)}: a part of it is not a directory", 2
            ) from None
        if error.errno == errno.ENAMETOOLONG:
            raise CommandError(
                f"{option}: {shown(path)}: a name in it is too long for the file system", 2
            ) from None
        raise CommandError(f"{option}: cannot look at {shown(path)}: {error.strerror}") from None
    return "directory" if stat.S_ISDIR(mode) else "file"


def _same(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def check(out: Path | None, save: Path | None, explore: Path | None = None) -> None:
    """``CommandError`` (status 2) if ``--out``, ``--save`` or ``--explore`` cannot be written."""
    if explore is not None:
        _check_file("--explore", explore, out)
        if save is not None and _same(save, explore):
            raise CommandError(f"--explore: {shown(explore)} is also the --save file", 2)
    if out is not None:
        if _kind("--out", out) == "file":
            raise CommandError(f"--out: {shown(out)} exists and is not a directory", 2)
        for name in (PICTURE, GRAPH):
            if _kind("--out", out / name) == "directory":
                raise CommandError(f"--out: {shown(out / name)} is a directory, not a picture", 2)
    if save is not None:
        _check_file("--save", save, out)


def _check_file(option: str, path: Path, out: Path | None) -> None:
    """A file to write: not a directory, in a directory that exists (or that --out makes)."""
    if _kind(option, path) == "directory":
        raise CommandError(f"{option}: {shown(path)} is a directory; give a file name", 2)
    made_by_out = out is not None and _same(path.parent, out)
    if not made_by_out and _kind(option, path.parent) != "directory":
        raise CommandError(f"{option}: there is no directory {shown(path.parent)}", 2)
    if out is not None and any(_same(path, out / name) for name in (PICTURE, GRAPH)):
        raise CommandError(f"{option}: {shown(path)} is a picture that --out writes", 2)


class Outputs:
    """The ``--out`` directory made and both directories tried, before training."""

    def __init__(self, out: Path | None, save: Path | None, explore: Path | None = None) -> None:
        self.out, self.save, self.explore = out, save, explore
        self.created: list[Path] = []

    def prepare(self) -> None:
        """Create ``--out`` and create (and remove) a file in each directory written to."""
        if self.out is not None:
            missing = [p for p in (self.out, *self.out.parents) if _kind("--out", p) == "missing"]
            for directory in reversed(missing):
                try:
                    directory.mkdir()
                except OSError as error:
                    raise CommandError(
                        f"--out: cannot create the directory {shown(directory)}: {error.strerror}"
                    ) from None
                self.created.append(directory)
            _try_writing("--out", self.out)
        if self.save is not None:
            _try_writing("--save", self.save.parent)
        if self.explore is not None:
            _try_writing("--explore", self.explore.parent)

    def discard(self) -> None:
        """Remove the directories ``prepare`` created, if they are still empty."""
        for directory in reversed(self.created):
            with contextlib.suppress(OSError):
                directory.rmdir()
        self.created = []


def _try_writing(option: str, directory: Path) -> None:
    try:
        fd, name = tempfile.mkstemp(prefix=".tmp-autograd-tiny-", dir=directory)
    except OSError as error:
        raise CommandError(
            f"{option}: cannot write into {shown(directory)}: {error.strerror}"
        ) from None
    os.close(fd)
    os.unlink(name)


def write_whole(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it to ``path``.

    An exception or Ctrl-C in ``write`` leaves ``path`` as it was and no temporary file.
    """
    fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(name))
        os.chmod(name, 0o644)  # mkstemp makes the file private; a picture is not
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
