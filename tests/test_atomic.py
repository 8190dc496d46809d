"""``_atomic``: the path check every writer makes first, and writes that never leave half a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from autograd_tiny import _atomic


def test_checked_path_takes_str_and_pathlike(tmp_path: Path) -> None:
    assert _atomic.checked_path(tmp_path / "a.txt", "w()") == os.fspath(tmp_path / "a.txt")
    assert _atomic.checked_path(os.fspath(tmp_path / "a.txt"), "w()") == os.fspath(
        tmp_path / "a.txt"
    )


@pytest.mark.parametrize("wrong", [3, None, 1.5, b"page.html", ["a"]])
def test_checked_path_names_the_type_it_received(wrong: object) -> None:
    with pytest.raises(
        TypeError, match=f"w\\(\\) takes a (str|file) path, got {type(wrong).__name__}"
    ):
        _atomic.checked_path(wrong, "w()")


def test_checked_path_refuses_an_empty_path_directories_and_missing_directories(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="empty"):
        _atomic.checked_path("", "w()")
    with pytest.raises(IsADirectoryError, match="directory"):
        _atomic.checked_path(tmp_path, "w()")
    with pytest.raises(IsADirectoryError, match="directory"):
        _atomic.checked_path(f"{tmp_path}/new/", "w()")
    with pytest.raises(FileNotFoundError, match="no directory"):
        _atomic.checked_path(tmp_path / "missing" / "a.txt", "w()")
    assert os.listdir(tmp_path) == []


def _fifo_with_reader(tmp_path: Path) -> tuple[Path, int]:
    """A FIFO and a non-blocking reader of it, so that a writer neither blocks nor hangs."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    return fifo, os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)


def test_a_special_file_is_written_into_not_replaced(tmp_path: Path) -> None:
    # Renaming over /dev/null (as root) would replace the device with a regular file.
    fifo, reader = _fifo_with_reader(tmp_path)
    try:
        assert _atomic.checked_path(fifo, "w()") == os.fspath(fifo)
        _atomic.write_text(os.fspath(fifo), "hello\n")
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        assert os.read(reader, 100) == b"hello\n"
    finally:
        os.close(reader)
    assert os.listdir(tmp_path) == ["pipe"]


def test_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_text("old")
    link.symlink_to(target)
    _atomic.write_text(os.fspath(link), "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["link.txt", "target.txt"]
