"""Execute every notebook in a real Jupyter kernel and check what it shows.

Each notebook runs in a fresh ``python3`` kernel (ipykernel's spec, which
jupyter_client starts with the running interpreter) with ``notebooks/`` as its
working directory.  A cell that raises fails the test with the cell and its
traceback (nbclient's ``CellExecutionError``).  Then the pictures a reader is
promised must be there: SVG computation graphs and PNG plots.  The committed
copy must hold outputs too, of the same kinds the fresh run produced, so what a
reader sees where the notebooks are hosted is what the code makes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SVG, PNG, HTML = "image/svg+xml", "image/png", "text/html"
WIDGET = "application/vnd.jupyter.widget-view+json"  # a tqdm bar in a notebook

# The pictures each notebook must show: graphs drawn by draw_dot are SVG,
# matplotlib plots are PNG, the explorers are HTML pages.
PICTURES: dict[str, set[str]] = {
    "01_values_and_graphs": {SVG},
    "02_error_surface": {PNG},
    "03_derivation": {PNG, SVG},
    "04_xor": {PNG},
    "05_learning_modes": {PNG},
    "06_moons_classifier": {PNG},
    "07_property_testing": {SVG},
    "08_watching_backprop": {HTML},
}
CELL_TIMEOUT = 240  # seconds; generous because CI machines are small and shared


def _code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _kinds(cell: Any) -> set[str]:
    """What a cell shows: its MIME types and stdout.

    Left out: stderr (warnings) and progress bars, which tqdm shows only once a
    run has lasted half a second, so whether they appear depends on the machine.
    """
    kinds: set[str] = set()
    for output in cell.outputs:
        if output.output_type == "stream":
            if output.name == "stdout":
                kinds.add("stdout")
        elif output.output_type in ("display_data", "execute_result"):
            if WIDGET not in output.data:
                kinds.update(output.data)
        elif output.output_type == "error":
            kinds.add(f"error: {output.ename}")
    return kinds


def _execute(path: Path) -> Any:
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    return notebook


def test_every_notebook_is_listed() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(PICTURES)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PICTURES))
def test_notebook_runs_and_shows_its_pictures(name: str) -> None:
    path = NOTEBOOKS / f"{name}.ipynb"
    committed = nbformat.read(path, as_version=4)
    executed = _execute(path)

    cells = _code_cells(executed)
    assert cells, f"{name} has no code"
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    shown = set().union(*(_kinds(c) for c in cells))
    assert PICTURES[name] <= shown, f"{name} shows {sorted(shown)}"
    for kind in PICTURES[name]:
        assert all(
            out.data[kind] for c in cells for out in c.outputs if kind in out.get("data", {})
        ), f"{name}: an empty {kind} output"

    old = _code_cells(committed)
    assert len(old) == len(cells), f"{name}: committed copy has other cells; re-run it"
    for number, (before, after) in enumerate(zip(old, cells, strict=True), start=1):
        assert _kinds(before) == _kinds(after), (
            f"{name}, code cell {number}: committed outputs {sorted(_kinds(before))}, "
            f"a fresh run shows {sorted(_kinds(after))}; run python notebooks/run_all.py"
        )


# The article's sections, named as headings where the notebooks retell them.
ARTICLE_HEADINGS: dict[str, list[str]] = {
    "02_error_surface": ["Limits of backpropagation: slow convergence"],
    "03_derivation": ["The two phases", "Limits of backpropagation: vanishing gradients"],
    "05_learning_modes": [
        "Limits of backpropagation: local minima across seeds",
        "Limits of backpropagation: input scaling",
    ],
    "08_watching_backprop": ["The two phases", "Limits of backpropagation: vanishing gradients"],
}


@pytest.mark.parametrize("name", sorted(ARTICLE_HEADINGS))
def test_the_articles_sections_are_headings(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    headings = [
        line.lstrip("#").strip()
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    ]
    for wanted in ARTICLE_HEADINGS[name]:
        assert any(h.startswith(wanted) for h in headings), (wanted, headings)
