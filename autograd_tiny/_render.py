"""Finding a program that lays out and renders DOT, so drawings work after ``pip install``.

The Python ``graphviz`` package runs a command named ``dot``.  When the system
Graphviz is not installed, the ``render`` extra provides ``graphviz-pure``, a
``dot``-compatible program under another name; ``find_renderer`` points the
``graphviz`` package at it.  ``Drawing`` looks for a renderer each time it
renders, so that every way of showing a graph (``pipe``, ``render``, ``view``
and Jupyter's display, which goes through ``pipe``) uses the same one.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import sysconfig
from typing import Any

import graphviz
from graphviz.backend import dot_command

__all__ = ["Drawing", "RendererNotFound", "find_renderer"]

_DOT = pathlib.Path("dot")  # the graphviz package's own default command
_PURE = "graphviz-pure"
# The command this module chose, to tell it apart from one a user chose themselves.
_chosen: list[pathlib.Path] = []

HOW_TO_GET_ONE = (
    "no Graphviz renderer found: install one with  pip install 'autograd-tiny[render]'  "
    "(the pure renderer graphviz-pure), or install Graphviz (https://graphviz.org/download/) "
    "so that `dot` is on PATH.  to_dot() gives the DOT source without any renderer."
)


class RendererNotFound(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Neither Graphviz's ``dot`` nor ``graphviz-pure`` is installed."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, HOW_TO_GET_ONE)


def find_renderer() -> str:
    """The renderer that drawings will run, set up for the ``graphviz`` package.

    In order of preference: a command the user set in
    ``graphviz.backend.dot_command.DOT_BINARY``, the system's ``dot`` on PATH,
    then ``graphviz-pure`` from the ``render`` extra.  Raises
    ``RendererNotFound`` (a ``graphviz.ExecutableNotFound``) when there is none.
    """
    current = pathlib.Path(dot_command.DOT_BINARY)
    if current != _DOT and current not in _chosen:
        return os.fspath(current)  # the user's own choice wins
    system = shutil.which("dot")
    pure = None if system else _find_pure()
    if system is None and pure is None:
        raise RendererNotFound()
    chosen = _DOT if pure is None else pathlib.Path(pure)
    dot_command.DOT_BINARY = chosen
    _chosen[:] = [chosen]
    return system or os.fspath(chosen)


def _find_pure() -> str | None:
    """``graphviz-pure`` next to this Python (even if not on PATH), else on PATH."""
    for scheme in _install_schemes():
        directory = sysconfig.get_path("scripts", scheme)
        found = shutil.which(_PURE, path=directory) if directory else None
        if found:
            return found
    return shutil.which(_PURE)


def _install_schemes() -> tuple[str, ...]:
    schemes = [sysconfig.get_default_scheme()]
    with contextlib.suppress(KeyError):  # a ``pip install --user`` puts scripts elsewhere
        schemes.append(sysconfig.get_preferred_scheme("user"))
    return tuple(schemes)


class Drawing(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that finds a renderer (see ``find_renderer``) when drawn."""

    # quiet: a renderer's warnings (graphviz-pure guessing the width of a user's
    # non-ASCII label) are noise in a notebook; a failure still raises with them.
    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """Render and return the output, as ``graphviz.Digraph.pipe``."""
        find_renderer()
        kwargs.setdefault("quiet", True)
        return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """Render to a file, as ``graphviz.Digraph.render``."""
        find_renderer()
        kwargs.setdefault("quiet", True)
        return super().render(*args, **kwargs)

    def __repr__(self) -> str:
        # Stable (no address), so notebooks saved with outputs diff cleanly.
        nodes = sum(1 for line in self.body if "label=" in line)
        return f"<Drawing of {nodes} graph nodes>"
