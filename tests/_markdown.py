"""Fenced code blocks of Markdown files, and running their Python blocks as doctests.

Shared by the README's tests and the docs' tests. A block is found wherever its
fence is, indented too (in a list or an admonition), with ``` or ~~~ fences, so
that no Python block is silently skipped.
"""

from __future__ import annotations

import doctest
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
# A block in one of these languages is Python: it must be a doctest session.
PYTHON_LANGS = ("python", "pycon")
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@dataclass(frozen=True)
class Block:
    """One fenced block: its language (the info string's first word), body and line."""

    lang: str
    body: str  # dedented by the fence's indentation, ending with a newline
    lineno: int  # 1-based line of the opening fence

    @property
    def is_python(self) -> bool:
        """Python by its language: ```python, ```pycon, ```py, ```python3 …"""
        return self.lang.lower().startswith("py")


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block of ``text``, in order; an unclosed fence is an error."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = OPENING.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise ValueError(f"line {i + 1}: a fence that is never closed")
        body = [
            line[len(indent) :] if line.startswith(indent) else line for line in lines[i + 1 : end]
        ]
        info = opening["info"].split()
        blocks.append(Block(info[0] if info else "", "".join(f"{b}\n" for b in body), i + 1))
        i = end + 1
    return blocks


def python_block_problems(blocks: list[Block]) -> list[str]:
    """What is wrong with each Python block that doctest would skip or misread."""
    problems = []
    for block in blocks:
        if not block.is_python:
            continue
        where = f"line {block.lineno}"
        if block.lang not in PYTHON_LANGS:
            problems.append(f"{where}: use ```python or ```pycon, not ```{block.lang}")
        if not block.body.lstrip().startswith(">>> "):
            problems.append(f"{where}: a Python block without >>> would not run:\n{block.body}")
        elif not doctest.DocTestParser().get_examples(block.body):
            problems.append(f"{where}: a Python block with no example")
    return problems


def run_python_blocks(path: Path, text: str | None = None) -> tuple[int, int, str]:
    """Run the Python blocks of ``path`` as one doctest session: (tried, failed, report).

    The blocks share their globals, as a reader's session would; each block's
    line numbers in a failure report are the file's own.
    """
    text = path.read_text(encoding="utf-8") if text is None else text
    globs: dict[str, Any] = {"__name__": path.stem}
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    parser = doctest.DocTestParser()
    for block in fenced_blocks(text):
        if block.is_python:
            test = parser.get_doctest(block.body, globs, path.name, str(path), block.lineno)
            test.globs = globs  # DocTest copies them; the session shares one namespace
            runner.run(test, out=report.append, clear_globs=False)
    globs.clear()
    tried, failed = runner.tries, runner.failures
    return tried, failed, "".join(report)
