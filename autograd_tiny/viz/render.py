"""Finding a program that lays out and renders DOT, so drawings work after ``pip install``.

The Python ``graphviz`` package runs a command named ``dot``.  When the system
Graphviz is not installed, the ``render`` extra provides ``graphviz-pure``, a
``dot``-compatible program under another name; ``find_renderer`` points the
``graphviz`` package at it.  ``Drawing`` looks for a renderer each time it
renders, so that every way of showing a graph (``pipe``, ``render``, ``view``
and Jupyter's display, which goes through ``pipe``) uses the same one.

``graphviz-pure`` writes fewer formats than Graphviz (svg and png, but no pdf),
so a drawing's default format is svg, and asking the pip-installed renderer
for a format it lacks is refused before any file is written.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pathlib
import shutil
import subprocess
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


def _pure_formats(renderer: str) -> tuple[str, ...] | None:
    """The output formats of ``renderer`` if it is graphviz-pure, else None (not checked)."""
    if not pathlib.Path(renderer).name.startswith(_PURE):
        return None
    return _formats_of(renderer)


@functools.lru_cache(maxsize=4)
def _formats_of(renderer: str) -> tuple[str, ...] | None:
    """The formats the renderer lists when asked for an unknown one (``-T?``), as ``dot`` does."""
    try:
        done = subprocess.run([renderer, "-T?"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None  # the render itself will then report what is wrong
    _, found, listed = done.stderr.partition("Use one of:")
    return tuple(listed.split()) if found and listed.split() else None


def _check_format(renderer: str, format: str) -> None:
    formats = _pure_formats(renderer)
    if formats is None or format.partition(":")[0] in formats:
        return
    raise ValueError(
        f"the pip-installed renderer graphviz-pure cannot write {format!r} (its formats: "
        f"{' '.join(formats)}): use format='svg' or 'png', or install Graphviz "
        f"(https://graphviz.org/download/) so that `dot` is on PATH for {format!r}"
    )


class Drawing(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that finds a renderer (see ``find_renderer``) when drawn.

    Its format is svg unless told otherwise, and its source file ``graph.gv``:
    ``render()`` writes ``graph.gv.svg`` and, unlike ``graphviz.Digraph``,
    deletes the source file afterwards (``cleanup=True``), also when rendering
    fails; pass ``cleanup=False`` to keep it.
    """

    _source_written: str | None = None  # the source file the current render() wrote

    def __init__(
        self, *args: Any, format: str = "svg", filename: Any = "graph.gv", **kwargs: Any
    ) -> None:
        super().__init__(*args, format=format, filename=filename, **kwargs)

    # quiet: a renderer's warnings (graphviz-pure guessing the width of a user's
    # non-ASCII label) are noise in a notebook; a failure still raises with them.
    def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> Any:
        """Render and return the output, as ``graphviz.Digraph.pipe``."""
        _check_format(find_renderer(), format or self.format)
        kwargs.setdefault("quiet", True)
        return super().pipe(format, *args, **kwargs)

    def render(
        self,
        filename: Any = None,
        directory: Any = None,
        view: bool = False,
        cleanup: bool = True,
        format: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Render to a file, as ``graphviz.Digraph.render``, leaving no source file by default."""
        outfile = kwargs.get("outfile")
        wanted = format or (pathlib.Path(outfile).suffix[1:] if outfile else "") or self.format
        _check_format(find_renderer(), wanted)
        kwargs.setdefault("quiet", True)
        self._source_written = None
        try:
            return super().render(
                filename=filename, directory=directory, view=view, cleanup=cleanup, format=format,
                **kwargs,
            )  # fmt: skip
        except BaseException:
            if cleanup and self._source_written is not None:
                with contextlib.suppress(OSError):
                    os.remove(self._source_written)
            raise
        finally:
            self._source_written = None

    def view(
        self, filename: Any = None, directory: Any = None, cleanup: bool = True, **kwargs: Any
    ) -> Any:
        """Render and open the result, as ``graphviz.Digraph.view``, leaving no source file."""
        return self.render(filename, directory, view=True, cleanup=cleanup, **kwargs)

    def save(self, filename: Any = None, directory: Any = None, **kwargs: Any) -> Any:
        """Write the DOT source to a file, as ``graphviz.Digraph.save``."""
        path = super().save(filename, directory=directory, **kwargs)
        self._source_written = os.fspath(path)
        return path

    def __repr__(self) -> str:
        # Stable (no address), so notebooks saved with outputs diff cleanly.
        nodes = sum(1 for line in self.body if "label=" in line)
        return f"<Drawing of {nodes} graph nodes>"
