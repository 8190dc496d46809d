"""Re-execute the notebooks in this folder and write their outputs in place.

Usage (after ``pip install -e '.[notebook]'``)::

    python notebooks/run_all.py                      # all notebooks
    python notebooks/run_all.py 02_error_surface     # only the ones named

Each notebook runs in a fresh ``python3`` Jupyter kernel with this folder as its
working directory, as the test suite runs them.  Timing metadata is not recorded,
so re-running an unchanged notebook changes only what its code prints.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def run(path: Path) -> None:
    """Execute one notebook and overwrite it with its outputs."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    nbformat.write(notebook, path)


def main(names: list[str]) -> None:
    """Run the named notebooks (all of them when no name is given)."""
    paths = sorted(HERE.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if p.stem in names or p.name in names]
    for path in paths:
        start = time.perf_counter()
        run(path)
        print(f"{path.name}: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
