"""Rendering: the system ``dot``, else graphviz-pure (the ``render`` extra), else a clear error."""

from __future__ import annotations

import os
import pathlib
import shutil
import sysconfig
import xml.etree.ElementTree as ET

import graphviz
import pytest
from graphviz.backend import dot_command

from autograd_tiny import Value, _render
from autograd_tiny.viz import RendererNotFound, draw_dot, find_renderer

SVG = "{http://www.w3.org/2000/svg}"


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
    committed = pathlib.Path(__file__).resolve().parent.parent / "docs" / "images" / "graph.svg"
    fresh = svg_texts(draw_dot(y).pipe(format="svg", encoding="utf-8"))
    assert sorted(svg_texts(committed.read_text(encoding="utf-8"))) == sorted(fresh)
