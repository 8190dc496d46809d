"""The decision-boundary picture of a 2-D classifier, drawn with matplotlib (no pyplot).

matplotlib is imported only here and only when a picture is asked for; the
figure is drawn on its own Agg canvas, so no global backend is switched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..modes import no_grad

__all__ = ["MISSING_MATPLOTLIB", "grid_classes", "save_decision_boundary"]

MISSING_MATPLOTLIB = (
    "drawing the decision boundary needs matplotlib: pip install 'autograd-tiny[plot]'"
)


def grid_classes(
    classify: Callable[[list[float]], int], xs: Sequence[float], ys: Sequence[float]
) -> list[list[int]]:
    """The class of every grid point, one row per ``y``, as ``contourf`` wants it.

    >>> grid_classes(lambda p: int(p[0] > p[1]), [0.0, 1.0], [0.0, 1.0])
    [[0, 1], [0, 0]]
    """
    with no_grad():  # no graph is needed for a picture
        return [[classify([x, y]) for x in xs] for y in ys]


def _axis(values: Sequence[float], steps: int) -> list[float]:
    low, high = min(values) - 0.5, max(values) + 0.5
    return [low + (high - low) * k / (steps - 1) for k in range(steps)]


def save_decision_boundary(
    classify: Callable[[list[float]], int],
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: Path,
    *,
    title: str,
    resolution: int = 60,
) -> None:
    """Write a PNG: the classes ``classify`` assigns over the plane, the data on top."""
    from matplotlib.figure import Figure  # an ImportError here means: no [plot] extra

    xs = _axis([p[0] for p in X], resolution)
    ys = _axis([p[1] for p in X], resolution)
    classes = max(max(y), 1) + 1
    levels = [k - 0.5 for k in range(classes + 1)]
    figure = Figure(figsize=(5.0, 4.5), layout="constrained")
    axes: Any = figure.add_subplot()
    axes.contourf(
        xs, ys, grid_classes(classify, xs, ys), levels=levels, cmap="coolwarm", alpha=0.35
    )
    axes.scatter(
        [p[0] for p in X],
        [p[1] for p in X],
        c=list(y),
        cmap="coolwarm",
        vmin=0,
        vmax=classes - 1,
        s=22,
        edgecolors="black",
        linewidths=0.5,
    )
    axes.set(title=title, xlabel="$x_1$", ylabel="$x_2$")
    figure.savefig(path, format="png", dpi=110)
