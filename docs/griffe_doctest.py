"""A Griffe extension for the API reference: doctest sessions in docstrings become code blocks.

The package's docstrings hold plain doctest sessions (``>>>`` lines and their output, ended
by a blank line), which pytest runs. Markdown would read ``>>>`` as nested quotes, so each
session is fenced as a ``pycon`` block before mkdocstrings renders the docstring.
"""

from __future__ import annotations

from typing import Any

import griffe

FENCE = "```"


def fence_sessions(text: str) -> str:
    """``text`` with every doctest session outside a fence wrapped in a ```pycon fence."""
    out: list[str] = []
    in_fence = in_session = False
    indent = ""
    for line in text.splitlines():
        stripped = line.strip()
        if in_session and not stripped:
            out.append(indent + FENCE)
            in_session = False
        elif not in_session and stripped.startswith(FENCE):
            in_fence = not in_fence
        elif not in_session and not in_fence and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{FENCE}pycon")
            in_session = True
        out.append(line)
    if in_session:
        out.append(indent + FENCE)
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest sessions of every docstring."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_sessions(obj.docstring.value)
