"""Rendering: the system ``dot``, else graphviz-pure (the ``render`` extra), else a clear error."""

from __future__ import annotations

import doctest
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET

import graphviz
import pytest
from graphviz.backend import dot_command

from autograd_tiny import Value
from autograd_tiny.viz import RendererNotFound, draw_dot, find_renderer
from autograd_tiny.viz import render as _render

SVG = "{http://www.w3.org/2000/svg}"
README = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
README_FORMATS = sorted(set(re.findall(r"""format=["'](\w+)["']""", README)))
MAGIC = {"svg": b"<", "png": b"\x89PNG", "jpg": b"\xff\xd8", "jpeg": b"\xff\xd8"}


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    """A PATH without any ``dot`` (as on CI), and graphviz's default command restored."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", os.fspath(empty))
    monkeypatch.setattr(dot_command, "DOT_BINARY", pathlib.Path("dot"))
    monkeypatch.setattr(_render, "_chosen", [])
    return empty


def example() -> Value:
    x, w = Value(2.0, label="x"), Value(-0.5, label="w{0}<1>")
    y = (w * x + 1.0).tanh()
    y.backward()
    return y


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_the_pip_installed_renderer_is_used_without_a_system_dot(no_system_dot):
    used = find_renderer()
    assert pathlib.Path(used).name.startswith("graphviz-pure")
    assert pathlib.Path(dot_command.DOT_BINARY) == pathlib.Path(used)
    texts = svg_texts(draw_dot(example()).pipe(format="svg", encoding="utf-8"))
    for expected in [
        "x",
        "data 2",
        "grad -0.5",
        "w{0}<1>",
        "data -0.5",
        "grad 2",
        "*",
        "+ 1",
        "tanh",
    ]:
        assert expected in texts
    assert "grad 1" in texts  # the root


def test_jupyter_display_returns_svg(no_system_dot):
    graph = draw_dot(example())
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "tanh" in svg_texts(bundle["image/svg+xml"])
    assert svg_texts(graph._repr_image_svg_xml()) == svg_texts(bundle["image/svg+xml"])


def test_render_writes_a_file(no_system_dot, tmp_path):
    path = draw_dot(example()).render(tmp_path / "graph", format="svg")
    assert path.endswith("graph.svg")
    assert "data 2" in svg_texts(pathlib.Path(path).read_text(encoding="utf-8"))


def test_without_any_renderer_the_error_says_how_to_get_one(no_system_dot, monkeypatch):
    monkeypatch.setattr(sysconfig, "get_path", lambda *args, **kwargs: os.fspath(no_system_dot))
    graph = draw_dot(example())  # building the drawing needs no renderer
    with pytest.raises(RendererNotFound) as err:
        graph.pipe(format="svg")
    assert isinstance(err.value, graphviz.ExecutableNotFound)
    assert isinstance(err.value, RuntimeError)
    message = str(err.value)
    assert "pip install 'autograd-tiny[render]'" in message
    assert "install Graphviz" in message and "`dot` is on PATH" in message
    with pytest.raises(RendererNotFound):
        graph._repr_mimebundle_()
    with pytest.raises(RendererNotFound):
        graph.render(no_system_dot / "out", format="svg")


@pytest.mark.skipif(os.name == "nt", reason="a shell-script stand-in for dot")
def test_a_system_dot_on_path_is_preferred(no_system_dot):
    pure = find_renderer()
    fake_dot = no_system_dot / "dot"
    fake_dot.write_text(f'#!/bin/sh\nexec "{pure}" "$@"\n')
    fake_dot.chmod(0o755)
    assert find_renderer() == os.fspath(fake_dot)
    assert pathlib.Path("dot") == dot_command.DOT_BINARY
    assert "tanh" in svg_texts(draw_dot(example()).pipe(format="svg", encoding="utf-8"))


def test_a_renderer_the_user_chose_is_respected(no_system_dot, monkeypatch, tmp_path):
    mine = tmp_path / "my-dot"
    monkeypatch.setattr(dot_command, "DOT_BINARY", mine)
    assert find_renderer() == os.fspath(mine)
    assert mine == dot_command.DOT_BINARY


def test_graphviz_pure_is_found_even_when_its_directory_is_not_on_path(no_system_dot):
    scripts = {pathlib.Path(sysconfig.get_path("scripts", s)) for s in _render._install_schemes()}
    assert shutil.which("graphviz-pure") is None  # PATH holds only an empty directory
    assert pathlib.Path(find_renderer()).parent in scripts


def test_the_renderer_has_nothing_to_complain_about(no_system_dot, capfd):
    x = Value(0.5, label="δx₁")
    y = x.fma(3.0, 1.0).leaky_relu(0.1) - 2.0 * x.exp()
    y.backward()
    texts = svg_texts(draw_dot(y, highlight_zero_grad=True).pipe(format="svg", encoding="utf-8"))
    assert {"fma(_, 3, 1)", "leaky_relu(_, 0.1)", "2 *", "exp", "-"} <= set(texts)
    assert capfd.readouterr().err == ""  # e.g. no font warning for a non-ASCII character


def test_the_readme_picture_is_the_tour_example_drawn(no_system_dot):
    x, w, b = Value(2.0, label="x"), Value(-0.5, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.label = "y"
    y.backward()
    committed = pathlib.Path(__file__).resolve().parents[2] / "docs" / "images" / "graph.svg"
    fresh = svg_texts(draw_dot(y).pipe(format="svg", encoding="utf-8"))
    assert sorted(svg_texts(committed.read_text(encoding="utf-8"))) == sorted(fresh)


# --- the README's example, rendered as a new user would (issue 10) ----------------


def _readme_example() -> str:
    """The README's first example (the tour), as plain Python."""
    block = README.split("```python\n", 1)[1].split("```", 1)[0]
    examples = doctest.DocTestParser().get_examples(block)
    source = "".join(example.source for example in examples)
    assert "draw_dot(y)" in source and "graph.render()" in block
    return source


def _path_without_dot() -> str:
    """PATH without any directory holding a ``dot``: as on a machine without Graphviz."""
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and shutil.which("dot", path=d) is None)


def _run_in(tmp_path: pathlib.Path, code: str) -> subprocess.CompletedProcess[str]:
    root = os.fspath(pathlib.Path(__file__).resolve().parents[2])  # this checkout's package
    pythonpath = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PATH": _path_without_dot(), "PYTHONPATH": pythonpath}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_the_readme_example_renders_with_only_the_pip_renderer(tmp_path):
    code = _readme_example() + (
        "from autograd_tiny.viz import find_renderer\n"
        "print(find_renderer())\n"
        "print(graph.render())\n"
    )
    done = _run_in(tmp_path, code)
    assert done.returncode == 0, done.stderr
    renderer, written = done.stdout.split()
    assert pathlib.Path(renderer).name.startswith("graphviz-pure")
    assert written == "graph.gv.svg"
    assert "tanh" in svg_texts((tmp_path / written).read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.gv.svg"]  # no stray graph.gv


def test_the_readme_names_formats() -> None:
    assert {"svg", "png"} <= set(README_FORMATS)


@pytest.mark.parametrize("format", README_FORMATS)
def test_every_format_the_readme_names_renders_with_the_pip_renderer(
    no_system_dot, tmp_path, format
):
    out = tmp_path / "out"
    path = pathlib.Path(draw_dot(example(), format=format).render(out / "g"))
    assert path == out / f"g.{format}"
    assert path.read_bytes().lstrip().startswith(MAGIC.get(format, b""))
    assert path.stat().st_size > 0
    assert sorted(p.name for p in out.iterdir()) == [f"g.{format}"]


def test_the_default_format_is_svg_and_micrograds_keywords_work(no_system_dot, tmp_path):
    assert draw_dot(example()).format == "svg"
    graph = draw_dot(example(), format="svg", rankdir="LR")  # micrograd's draw_dot call
    assert graph.format == "svg" and "\trankdir=LR\n" in graph.source
    assert draw_dot(example(), format="png", rankdir="TB").format == "png"
    with pytest.raises(TypeError, match="format must be a str"):
        draw_dot(example(), format=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown format"):
        draw_dot(example(), format="nope")


def test_a_format_the_pip_renderer_lacks_is_refused_clearly_leaving_no_file(
    no_system_dot, tmp_path
):
    graph, out = draw_dot(example(), format="pdf"), tmp_path / "out"
    with pytest.raises(ValueError, match=r"graphviz-pure cannot write 'pdf'.*format='svg'") as err:
        graph.render(out / "graph")
    assert "install Graphviz" in str(err.value)
    with pytest.raises(ValueError, match="cannot write 'pdf'"):
        draw_dot(example()).pipe(format="pdf")
    with pytest.raises(ValueError, match="cannot write 'pdf'"):
        draw_dot(example()).render(outfile=out / "graph.pdf")
    assert not out.exists()


@pytest.mark.skipif(os.name == "nt", reason="a shell-script renderer that fails")
def test_a_failed_render_leaves_no_source_file(no_system_dot, monkeypatch, tmp_path):
    broken = tmp_path / "bin" / "broken-dot"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'it broke' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(dot_command, "DOT_BINARY", broken)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(graphviz.CalledProcessError, match="it broke"):
        draw_dot(example()).render(out / "graph")
    with pytest.raises(graphviz.CalledProcessError):
        draw_dot(example()).render(directory=out)
    assert list(out.iterdir()) == []


def test_cleanup_false_keeps_the_source_as_graphviz_does(no_system_dot, tmp_path):
    out = tmp_path / "out"
    path = draw_dot(example()).render(directory=out, cleanup=False)
    assert sorted(p.name for p in out.iterdir()) == ["graph.gv", "graph.gv.svg"]
    assert path == os.fspath(out / "graph.gv.svg")
