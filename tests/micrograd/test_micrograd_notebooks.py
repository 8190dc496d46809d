"""micrograd's notebooks, imports changed only, run in a Jupyter kernel on this engine.

``demo.ipynb`` trains micrograd's 2-16-16-1 MLP on make_moons for 100 steps and
its stored outputs print the loss and accuracy of every step: the fresh run must
print the same model, the same parameter count and the same losses to 1e-12
relative (the same accuracies exactly).  ``trace_graph.ipynb`` draws two graphs
with its own ``draw_dot`` over ``_prev``/``_op`` and renders one to a file.

The kernel first runs a prologue of the test's own, then the notebook's cells
unchanged.  The prologue imports ``sklearn.datasets`` before the notebook seeds
``random``: recent scikit-learn imports ``rich`` when it is installed, and
importing ``rich`` draws from Python's global ``random`` (``getrandbits(24)``),
which would shift micrograd's seeded weights (micrograd's own run differs from its
stored outputs too without it).  It also points the ``graphviz`` package at a
renderer (``find_renderer()``: the system ``dot`` or the pip one), since
trace_graph.ipynb renders with ``graphviz.Digraph`` itself.
"""

from __future__ import annotations

import html
import math
import random
import re
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

UPSTREAM = Path(__file__).resolve().parent / "upstream"
PROLOGUE = """\
import sklearn.datasets
from autograd_tiny.viz import find_renderer
find_renderer()
"""
STEP = re.compile(r"^step (\d+) loss (\S+), accuracy (\S+)%$", re.MULTILINE)
FIRST = re.compile(r"^Value\(data=(\S+), grad=\S+\) (\S+)$", re.MULTILINE)
SVG, PNG = "image/svg+xml", "image/png"


def run_notebook(name: str, cwd: Path) -> list[Any]:
    """The code cells of ``name`` after a fresh run, the prologue left out."""
    notebook = nbformat.read(UPSTREAM / name, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(PROLOGUE))
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    return [cell for cell in notebook.cells[1:] if cell.cell_type == "code"]


def stdout(cells: list[Any]) -> str:
    return "".join(
        out.text
        for cell in cells
        for out in cell.outputs
        if out.output_type == "stream" and out.name == "stdout"
    )


def kinds(cells: list[Any]) -> list[set[str]]:
    return [{kind for out in cell.outputs for kind in out.get("data", {})} for cell in cells]


def steps(text: str) -> dict[int, tuple[float, float]]:
    return {int(k): (float(loss), float(acc)) for k, loss, acc in STEP.findall(text)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], list[Any]]:
    pytest.importorskip("sklearn", reason="demo.ipynb makes its data with scikit-learn")
    stored = nbformat.read(UPSTREAM / "demo.ipynb", as_version=4)
    stored_cells = [cell for cell in stored.cells if cell.cell_type == "code"]
    return stored_cells, run_notebook("demo.ipynb", tmp_path_factory.mktemp("demo"))


@pytest.mark.slow
def test_demo_prints_micrograds_model_and_parameter_count(demo: Any) -> None:
    stored, fresh = demo
    want = [line for line in stdout(stored).splitlines() if line.startswith(("MLP", "number"))]
    got = [line for line in stdout(fresh).splitlines() if line.startswith(("MLP", "number"))]
    assert want[1] == "number of parameters 337"
    assert got == want


@pytest.mark.slow
def test_demo_reproduces_micrograds_stored_losses(demo: Any) -> None:
    stored, fresh = demo
    want, got = steps(stdout(stored)), steps(stdout(fresh))
    assert sorted(want) == list(range(100))
    assert sorted(got) == sorted(want)
    worst = max(abs(got[k][0] - want[k][0]) / abs(want[k][0]) for k in want)
    assert worst <= 1e-12, worst
    assert [got[k][1] for k in sorted(got)] == [want[k][1] for k in sorted(want)]
    (first_want,) = FIRST.findall(stdout(stored))
    (first_got,) = FIRST.findall(stdout(fresh))
    assert math.isclose(float(first_got[0]), float(first_want[0]), rel_tol=1e-12)
    assert first_got[1] == first_want[1]
    assert float(first_got[0]) == want[0][0]  # the loss printed before training is step 0's


@pytest.mark.slow
def test_demo_draws_its_two_plots(demo: Any) -> None:
    stored, fresh = demo
    assert [PNG in k for k in kinds(fresh)] == [PNG in k for k in kinds(stored)]
    assert sum(PNG in k for k in kinds(fresh)) == 2


@pytest.mark.slow
def test_trace_graph_draws_micrographs_graphs_and_renders_one(tmp_path: Path) -> None:
    cells = run_notebook("trace_graph.ipynb", tmp_path)
    svgs = [
        html.unescape(out.data[SVG])  # graphviz writes a minus as &#45;
        for cell in cells
        for out in cell.outputs
        if SVG in out.get("data", {})
    ]
    assert len(svgs) == 2  # draw_dot(y) and dot, both shown inline
    simple, neuron = svgs
    # (x * 2 + 1).relu() at x = 1: the number 2 and 1 are folded into their ops,
    # so four Values (micrograd has six); their data and grads by hand.
    assert simple.count(">data ") == 4
    for label in ("data 3.0000", "grad 1.0000", "data 1.0000", "grad 2.0000"):
        assert f">{label}<" in simple
    random.seed(1337)  # the notebook's Neuron(2): two weights, bias 0, ReLU
    w0, w1 = random.uniform(-1, 1), random.uniform(-1, 1)
    act = 0.0 + w0 * 1.0 + w1 * -2.0
    out, slope = (act, 1.0) if act > 0 else (0.0, 0.0)
    for label in (f"data {out:.4f}", f"grad {slope * 1.0:.4f}", f"grad {slope * -2.0:.4f}"):
        assert f">{label}<" in neuron  # the output; w0's and w1's grads are x0 and x1
    for label in (f"data {w1:.4f}", f"grad {slope * w0:.4f}", f"grad {slope * w1:.4f}"):
        assert f">{label}<" in neuron  # w1; x0's and x1's grads are w0 and w1
    assert (tmp_path / "gout.svg").read_text().lstrip().startswith(("<?xml", "<svg", "<!--"))
