"""Remake the pictures of the README and the docs: ``python docs/make_images.py``.

docs/images/graph.svg is the tour's example (README.md, docs/index.md) drawn by
``draw_dot``; docs/images/decision_boundary.png is what ``autograd-tiny --out``
writes with its defaults (docs/cli.md).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from autograd_tiny import Value
from autograd_tiny.cli import main
from autograd_tiny.viz import draw_dot

IMAGES = Path(__file__).resolve().parent / "images"


def tour_graph() -> None:
    """The tour's example, after ``backward()``."""
    x, w, b = Value(2.0, label="x"), Value(-0.5, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.label = "y"
    y.backward()
    (IMAGES / "graph.svg").write_bytes(draw_dot(y).pipe(format="svg"))


def decision_boundary() -> None:
    """The default command's decision boundary."""
    with tempfile.TemporaryDirectory() as out:
        if main(["--out", out, "--no-progress"]) != 0:
            raise SystemExit("autograd-tiny --out failed")
        shutil.copyfile(Path(out) / "decision_boundary.png", IMAGES / "decision_boundary.png")


if __name__ == "__main__":
    IMAGES.mkdir(exist_ok=True)
    tour_graph()
    decision_boundary()
