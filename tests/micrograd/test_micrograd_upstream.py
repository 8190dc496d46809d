"""The copies of micrograd's files in upstream/: imports changed only; its engine tests pass.

The copies (see upstream/README.md) differ from micrograd's files only in their
import lines, ``from micrograd`` → ``from autograd_tiny.micrograd``.  Undoing
that substitution must give back upstream's bytes, recognised by their git blob
ids at micrograd's commit c911406, and every line the substitution touched must
be an import.  micrograd's ``test/test_engine.py`` then runs, as it is, in a
pytest of its own (it imports torch at its top: skipped without torch).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

UPSTREAM = Path(__file__).resolve().parent / "upstream"
OURS, THEIRS = "from autograd_tiny.micrograd", "from micrograd"
# git blob ids of the files at karpathy/micrograd c911406e5ace8742e5841a7e0df113ecb5d54685
BLOBS = {
    "demo.ipynb": "b8c1253167a27bdba9433136d76fe4c5d0503614",
    "trace_graph.ipynb": "055cf3416090fde13d37ae4420e3286a7dc9652c",
    "test/test_engine.py": "9a483acf981e884d13bf94c48b90d6ff6a80efa4",
    "LICENSE": "3d89960112452062baf36bb13d43a92028fc0f0e",
}
IMPORT = re.compile(r"^from autograd_tiny\.micrograd(\.\w+)? import \w+(, \w+)*$")


def git_blob_id(data: bytes) -> str:
    """The id git gives a file's content (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def code_lines(name: str, text: str) -> list[str]:
    """The lines of Python in a file: a notebook's code cells, or the file itself."""
    if not name.endswith(".ipynb"):
        return text.splitlines()
    cells = json.loads(text)["cells"]
    return [
        line
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
    ]


def test_the_blob_id_is_gits() -> None:
    assert git_blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's empty blob


@pytest.mark.parametrize("name", sorted(BLOBS))
def test_undoing_the_import_change_gives_upstreams_bytes(name: str) -> None:
    ours = (UPSTREAM / name).read_bytes()
    assert git_blob_id(ours.replace(OURS.encode(), THEIRS.encode())) == BLOBS[name]


@pytest.mark.parametrize("name", sorted(set(BLOBS) - {"LICENSE"}))
def test_only_import_lines_changed_and_all_of_them(name: str) -> None:
    text = (UPSTREAM / name).read_text(encoding="utf-8")
    lines = code_lines(name, text)
    changed = [line for line in lines if OURS in line]
    assert changed, f"{name} no longer imports autograd_tiny.micrograd"
    assert all(IMPORT.match(line) for line in changed), changed
    assert not any("micrograd" in line for line in lines if line not in changed)


def test_the_licence_keeps_micrograds_copyright_notice() -> None:
    licence = (UPSTREAM / "LICENSE").read_text(encoding="utf-8")
    assert "Copyright (c) 2020 Andrej Karpathy" in licence
    assert "The above copyright notice and this permission notice shall be included" in licence


@pytest.mark.slow
def test_micrograds_engine_tests_pass_unchanged() -> None:
    pytest.importorskip("torch")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--noconftest"]
    run = subprocess.run(
        [*command, "-o", "addopts=", "test/test_engine.py"],
        cwd=UPSTREAM,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^2 passed\b", run.stdout, re.MULTILINE), run.stdout
