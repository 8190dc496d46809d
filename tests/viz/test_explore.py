"""``viz.explore`` without a browser: the page's data, its HTML, its limits.

What the page does with this data is tested in a real browser in
``test_explore_browser.py``.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _explore_cases import CASES, expected_states, mlp_sample, neuron

from autograd_tiny import Value
from autograd_tiny.engine import topological_order
from autograd_tiny.nn import MLP
from autograd_tiny.viz import Explorer, explore, to_dot
from autograd_tiny.viz.collapse import neuron_boxes

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "autograd_tiny" / "viz" / "assets"


def replay(data: dict, upto: int) -> list[tuple[str, str]]:
    """The page's rule, in Python: leaves' data, then each step's changes in turn."""
    data_now = [v["data"] for v in data["values"]]
    grad_now = [""] * len(data_now)
    for step in data["steps"][:upto]:
        for node, field, exact, _ in step["set"]:
            (data_now if field == "d" else grad_now)[node] = exact
    return list(zip(data_now, grad_now, strict=True))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_steps_hold_the_engines_numbers_at_every_position(case):
    root = CASES[case]()
    explorer = explore(root)
    data = explorer.to_data()
    expected = expected_states(root, explorer.trace)
    assert len(expected) == len(data["steps"]) + 1
    for k, state in enumerate(expected):
        assert replay(data, k) == state, f"position {k}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_last_position_holds_backwards_gradients(case):
    explored, differentiated = CASES[case](), CASES[case]()
    differentiated.backward()
    final = replay(explore(explored).to_data(), 10**9)
    for (data, grad), node in zip(
        final, topological_order(differentiated, trainable_only=False), strict=True
    ):
        assert float(data) == node.data
        assert float(grad or "0") == node.grad
        assert (grad == "") == (not node.requires_grad)


def test_explore_changes_no_gradient():
    root = neuron()
    nodes = topological_order(root, trainable_only=False)
    explore(root)
    assert [n.grad for n in nodes] == [0.0] * len(nodes)


def test_grad_output_seeds_the_pass():
    x = Value(3.0, label="x")
    final = replay(explore(x * x, grad_output=0.5).to_data(), 10**9)
    assert final == [("3.0", "3.0"), ("9.0", "0.5")]


def test_every_value_is_drawn_once_with_its_attributes():
    root = neuron()
    data = explore(root).to_data()
    order = topological_order(root, trainable_only=False)
    tags = re.findall(r"<g [^>]*data-node=\"(\d+)\"[^>]*>", data["svg"])
    assert sorted(map(int, tags)) == list(range(len(order)))
    for i, node in enumerate(order):
        (tag,) = re.findall(rf"<g [^>]*data-node=\"{i}\"[^>]*>", data["svg"])
        assert f'data-label="{node.label}"' in tag
        assert 'data-grad=""' in tag
        assert (f'data-data="{node.data!r}"' if not node.parents else 'data-data=""') in tag


def test_the_drawing_is_draw_dots_layout():
    """The same DOT as ``to_dot`` (hence ``draw_dot``): the same boxes and ops in the SVG."""
    root = neuron()
    svg = explore(root, rankdir="TB", precision=3).to_data()["svg"]
    dot = to_dot(root, rankdir="TB", precision=3)
    for label in re.findall(r'label="([^"]*)"', dot):
        for field in (f.strip() for f in label.strip("{} ").split("|")):
            assert f">{field}</text>" in svg, field


def test_the_page_is_one_offline_file(tmp_path):
    explorer = explore(neuron())
    path = tmp_path / "page.html"
    explorer.save_html(path)
    html = path.read_text(encoding="utf-8")
    fresh = re.sub(r"agt-explore-\w+", "ID", explorer.to_html())
    assert re.sub(r"agt-explore-\w+", "ID", html) == fresh
    assert os.listdir(tmp_path) == ["page.html"]  # no temporary file left behind
    assert "default-src 'none'" in html  # the browser itself refuses any request
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"@import|url\((?!#)", html)
    assert "</script" not in html.split("<script>", 1)[1].rsplit("</script>", 1)[0]


def test_save_html_replaces_a_file_atomically(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("old")
    explore(neuron()).save_html(os.fspath(path))
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OSError):
        explore(neuron()).save_html(tmp_path / "missing" / "page.html")


@pytest.mark.parametrize("wrong", [3, None, b"page.html", 1.5])
def test_save_html_names_a_path_of_the_wrong_type(wrong):
    with pytest.raises(
        TypeError, match=f"save_html\\(\\) takes a (str|file) path, got {type(wrong).__name__}"
    ):
        explore(neuron()).save_html(wrong)


def test_save_html_refuses_a_directory_or_an_empty_path_naming_it(tmp_path):
    with pytest.raises(IsADirectoryError, match=re.escape(repr(os.fspath(tmp_path)))):
        explore(neuron()).save_html(tmp_path)
    with pytest.raises(ValueError, match="empty"):
        explore(neuron()).save_html("")
    with pytest.raises(FileNotFoundError, match="no directory"):
        explore(neuron()).save_html(tmp_path / "missing" / "page.html")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_save_html_to_a_device_writes_into_it_and_keeps_it(tmp_path):
    # As /dev/null: the old rename replaced the special file with a regular one.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        explorer = explore(Value(2.0, label="x").exp())
        explorer.save_html(fifo)
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        assert os.read(reader, 1 << 16).decode().startswith("<!DOCTYPE html>")
    finally:
        os.close(reader)


def test_explore_of_a_value_without_grad_names_explore():
    with pytest.raises(ValueError, match=r"^explore\(\): the Value does not require grad"):
        explore(Value(2.0, requires_grad=False) * 3.0)


def test_each_display_has_its_own_ids():
    explorer = explore(neuron())
    first, second = explorer._repr_html_(), explorer._repr_html_()
    ids = re.findall(r"\bid='([^']+)'", first) + re.findall(r"\bid='([^']+)'", second)
    assert len(ids) == len(set(ids)) == 2
    assert not re.search(r'\bid="', first)  # the renderer's ids (graph0, node1…) are gone


def test_a_label_cannot_break_the_page():
    x = Value(1.0, label="</script><script>alert(1)</script>")
    html = explore(x * 2.0).to_html()
    assert html.count("<script>") == 1
    assert "alert(1)</script>" not in html


def test_the_data_is_json():
    data = explore(neuron()).to_data()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert {"svg", "boxes", "boxOf", "values", "steps", "interval"} <= set(data)


def test_the_assets_ship_in_the_wheel():
    """Hatchling puts every file under the package into the wheel unless told not to."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["autograd_tiny"]' in pyproject
    assert not re.search(r"^(exclude|only-include)\s*=", pyproject, re.MULTILINE)
    ignored = subprocess.run(
        ["git", "check-ignore", *(os.fspath(p) for p in ASSETS.iterdir())],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout == ""
    assert {p.name for p in ASSETS.iterdir()} >= {"explore.js", "explore.css"}


def test_the_script_documents_its_api():
    header = (ASSETS / "explore.js").read_text(encoding="utf-8").split("*/", 1)[0]
    for word in ("mountStepper(element, data)", "go(position)", "destroy()", "data-grad"):
        assert word in header


def test_a_large_graph_without_a_module_is_refused():
    x = Value(0.5)
    y = x
    for _ in range(200):
        y = y * 1.01
    with pytest.raises(ValueError, match=r"201 values, more than max_nodes=150.*module="):
        explore(y)
    assert repr(explore(y, max_nodes=201)) == (
        "<Explorer: 201 values, 200 forward and 200 backward steps>"
    )


def test_a_large_model_folds_its_neurons():
    root, model = mlp_sample()
    order = topological_order(root, trainable_only=False)
    boxes = neuron_boxes(order, model, max_nodes=12)
    names = [box.name for box in boxes]
    assert names == [f"layers.0.neurons.{j}" for j in range(3)] + ["layers.1.neurons.0"]
    assert [len(box.members) for box in boxes] == [
        6,
        6,
        6,
        7,
    ]  # w, b, fma nodes, tanh (none: linear)
    folded = {i for box in boxes for i in box.members}
    assert {order[i].label for i in range(len(order)) if i not in folded} == {"x0", "x1"}
    data = explore(root, module=model, max_nodes=12).to_data()
    assert len(data["boxes"]) == 4 and data["svg"].count("data-box=") == 4
    assert data["boxOf"].count(-1) == 2


def test_shared_weights_of_a_batch_stay_outside_the_boxes():
    model = MLP(2, [2, 1], activation="tanh", seed=1)
    loss = sum((model([float(i), 1.0]) for i in range(3)), Value(0.0))
    order = topological_order(loss, trainable_only=False)
    boxes = neuron_boxes(order, model, max_nodes=len(order))
    assert len(boxes) == 9  # three neurons, three samples
    params = {id(p) for p in model.parameters()}
    assert not any(id(order[i]) in params for box in boxes for i in box.members)


def test_a_graph_too_large_even_folded_is_refused_at_once():
    model = MLP(3, [40, 40, 1], seed=0)
    root = model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"still shows .* more than max_nodes=60"):
        explore(root, module=model, max_nodes=60)


def test_the_arguments_are_checked():
    with pytest.raises(TypeError, match=r"explore\(\) takes a Value, got float"):
        explore(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_nodes"):
        explore(neuron(), max_nodes=True)
    with pytest.raises(ValueError, match="play_interval"):
        explore(neuron(), play_interval=-1.0)
    with pytest.raises(TypeError, match="module must be an nn MLP, Layer or Neuron"):
        explore(mlp_sample()[0], module=object(), max_nodes=5)


def test_the_explorer_shows_in_jupyter_and_says_what_it_is():
    explorer = explore(neuron())
    assert isinstance(explorer, Explorer)
    assert repr(explorer) == "<Explorer: 10 values, 5 forward and 5 backward steps>"
    assert "mountStepper(document.getElementById(" in explorer._repr_html_()


def test_the_module_imports_without_a_browser():
    code = "import autograd_tiny.viz.explore, sys; print('playwright' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False"
