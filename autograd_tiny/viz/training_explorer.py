"""Watching training: the weights at chosen epochs, as one offline page to explore.

A ``TrainingRecorder`` is ``fit``'s callback: it keeps the model's weights
before training (epoch 0) and every ``every`` epochs.  ``recorder.explorer(history)``
then adds the final weights and builds a ``TrainingExplorer``: one
self-contained HTML page (``save_html``, or inline in Jupyter) with a slider
over the recorded epochs showing, at each, the decision boundary over the
plane with the data, the loss curve with the epoch marked, and one sample's
loss graph with every node's data and gradient.  Clicking in the plane picks
the data point nearest to the click as that sample.

The page evaluates the sample's graph itself, from the epoch's weights and the
sample, with nothing about derivatives written by hand in JavaScript: the
graph's shape and the engine's backward schedule over it are traced here with
the engine (``viz.training_graph``), and each op's forward and shares are the
table's rules written in JavaScript (``viz.js_rules``), calling a small
runtime of IEEE-754 functions.  An op the page cannot evaluate so is a
``ValueError`` naming it.  Its numbers are those of ``backward()`` on the same
graph (the tests compare them in a real browser).  The page makes no request
to any host.

>>> from autograd_tiny import datasets, losses, nn, optim
>>> from autograd_tiny.train import fit
>>> X, y = datasets.moons(20, seed=0)
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> recorder = TrainingRecorder(model, X, y, loss=losses.binary_cross_entropy, every=5)
>>> history = fit(model, X, y, loss=losses.binary_cross_entropy, epochs=12,
...               optimizer=optim.Adam(model.parameters(), lr=0.05), callback=recorder)
>>> page = recorder.explorer(history)
>>> page.epochs
[0, 5, 10, 12]
>>> page.to_html().startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import html
import importlib.resources
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from .. import _atomic, _checks, losses
from ..engine import Value
from ..modes import no_grad
from ..train.fit import History
from .js_rules import js_ops, runtime_source
from .labels import names_of
from .training_graph import Schedule, Template, graph_data, number, primitives_of, trace_program

__all__ = ["TrainingRecorder", "TrainingExplorer", "MAX_SNAPSHOTS", "MAX_CURVE"]

#: The most snapshots a recorder keeps by default; past it, every other one is dropped.
MAX_SNAPSHOTS = 50
#: The most epochs of the loss curve a page holds; a longer run is sampled evenly.
MAX_CURVE = 2000
_MAX_CLASSES = 10


class TrainingRecorder:
    """``fit``'s callback that keeps the model's weights at epoch 0 and every ``every`` epochs.

    ``X`` holds points of the plane (two numbers each) and ``y`` their class
    labels; ``loss`` is the loss ``fit`` trains with (it builds the sample's
    graph).  When more than ``max_snapshots`` would be kept, every other one
    is dropped and ``every`` doubles, so a long run stays small.
    """

    def __init__(
        self,
        model: Any,
        X: Sequence[Sequence[float]],
        y: Sequence[Any],
        *,
        loss: Callable[[Any, Any], Value],
        every: int = 1,
        max_snapshots: int = MAX_SNAPSHOTS,
    ) -> None:
        if not callable(model) or not callable(getattr(model, "parameters", None)):
            raise TypeError(f"model must be an nn Module, got {type(model).__name__}")
        if not callable(loss):
            raise TypeError(f"loss must be a function (output, target), got {type(loss).__name__}")
        self.every = _checks.integer(every, "every", minimum=1, who="TrainingRecorder")
        self.max_snapshots = _checks.integer(
            max_snapshots, "max_snapshots", minimum=2, who="TrainingRecorder"
        )
        self.model, self.loss = model, loss
        self.X, self.y, self.labels = _plane_data(X, y)
        self.snapshots: list[tuple[int, list[float]]] = [(0, self._weights())]

    def _weights(self) -> list[float]:
        return [p.data for p in self.model.parameters()]

    def __call__(self, epoch: int, history: History) -> None:
        """Keep the weights if ``epoch`` is a multiple of ``every``; never stops ``fit``."""
        if epoch % self.every == 0 and epoch > self.snapshots[-1][0]:
            self.snapshots.append((epoch, self._weights()))
            if len(self.snapshots) > self.max_snapshots:
                self.every *= 2
                self.snapshots = [s for s in self.snapshots if s[0] % self.every == 0]

    def explorer(
        self,
        history: History,
        *,
        resolution: int = 24,
        max_points: int = 500,
        max_nodes: int = 2000,
    ) -> TrainingExplorer:
        """The page for ``history``, with the model's current weights as its last epoch.

        ``resolution`` is the boundary's grid (cells per side, 2 to 200);
        at most ``max_points`` data points are shown (evenly spaced through
        ``X``); a sample's graph of more than ``max_nodes`` values is left out.
        ``ValueError`` if the graph has an op the page cannot evaluate (a rule
        that cannot be written in JavaScript, see ``viz.js_rules``).
        """
        if not isinstance(history, History):
            raise TypeError(f"history must be fit's History, got {type(history).__name__}")
        who = "explorer"
        resolution = _checks.integer(resolution, "resolution", minimum=2, maximum=200, who=who)
        max_points = _checks.integer(max_points, "max_points", minimum=1, who=who)
        max_nodes = _checks.integer(max_nodes, "max_nodes", minimum=1, who=who)
        snapshots = list(self.snapshots)
        if history.epochs > snapshots[-1][0]:
            snapshots.append((history.epochs, self._weights()))
        final = self._weights()
        try:
            data, templates = _page_data(
                self, history, snapshots, resolution, max_points, max_nodes
            )
        finally:
            for p, w in zip(self.model.parameters(), final, strict=True):
                p.data = w
        return TrainingExplorer(data, js_ops(primitives_of(templates)) if templates else "")


def _plane_data(X: Any, y: Any) -> tuple[list[list[float]], list[Any], list[Any]]:
    """The points as floats, the labels, and the sorted distinct labels (the classes)."""
    for name, given in (("X", X), ("y", y)):
        if isinstance(given, (str, bytes)) or not hasattr(given, "__len__"):
            raise TypeError(
                f"TrainingRecorder: {name} must be a sequence, got {type(given).__name__}: "
                f"{given!r:.80}"
            )
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X and y must be non-empty and as long, got {len(X)} and {len(y)}")
    points = []
    for i, row in enumerate(X):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != 2:
            raise ValueError(f"X[{i}] must be a point of the plane (two numbers), got {row!r}")
        points.append(
            [_checks.real(v, f"X[{i}]", finite=True, who="TrainingRecorder") for v in row]
        )
    for i, t in enumerate(y):
        if not _checks.is_real(t) or t != int(t):
            raise ValueError(f"y[{i}] must be a class label (a whole number), got {t!r}")
    labels = sorted({int(t) for t in y})
    if not 2 <= len(labels) <= _MAX_CLASSES:
        raise ValueError(f"y must hold 2 to {_MAX_CLASSES} classes, got {len(labels)}")
    return points, [int(t) for t in y], labels


def _classifier(recorder: TrainingRecorder) -> Callable[[list[float]], int]:
    """Point -> class index: the largest output, or a single output above its threshold."""
    labels, loss = recorder.labels, recorder.loss
    threshold = 0.5 if labels == [0, 1] and loss is not losses.binary_cross_entropy else 0.0

    def classify(point: list[float]) -> int:
        out = recorder.model(point)
        if isinstance(out, Value):
            return len(labels) - 1 if out.data > threshold else 0
        scores = [float(o) for o in out]
        return max(range(len(scores)), key=scores.__getitem__)

    return classify


def _page_data(
    recorder: TrainingRecorder,
    history: History,
    snapshots: list[tuple[int, list[float]]],
    resolution: int,
    max_points: int,
    max_nodes: int,
) -> tuple[dict[str, Any], list[Template]]:
    """The page's data, and the graph's templates (none if it is left out)."""
    X, y, labels = recorder.X, recorder.y, recorder.labels
    n = len(X)
    m = min(n, max_points)
    shown = sorted({round(k * (n - 1) / max(m - 1, 1)) for k in range(m)})
    box = [min(p[0] for p in X) - 0.5, max(p[0] for p in X) + 0.5]
    box += [min(p[1] for p in X) - 0.5, max(p[1] for p in X) + 0.5]
    xs = [box[0] + (box[1] - box[0]) * (k + 0.5) / resolution for k in range(resolution)]
    ys = [box[2] + (box[3] - box[2]) * (k + 0.5) / resolution for k in range(resolution)]
    params = recorder.model.parameters()
    names = list(names_of(None, recorder.model).values())
    classify, rows, traced = _classifier(recorder), [], []
    schedules: dict[Template, Schedule] = {}
    trace = not _too_large(recorder, X[shown[0]], params, names, max_nodes)
    for epoch, weights in snapshots:
        for p, w in zip(params, weights, strict=True):
            p.data = w
        with no_grad():
            grid = "".join(str(classify([x, yy])) for yy in ys for x in xs)
            predicted = "".join(str(classify(X[i])) for i in shown)
        rows.append({
            "epoch": epoch,
            "loss": number(history.loss[epoch - 1]) if 0 < epoch <= history.epochs else None,
            "grid": grid,
            "predicted": predicted,
            "weights": [number(w) for w in weights] if trace else [],
        })  # fmt: skip
        if trace:
            traced.append([
                _trace(recorder, X[i], y[i], params, names, schedules) for i in shown
            ])  # fmt: skip
    data = {
        "points": [X[i] for i in shown],
        "indices": shown,
        "classes": [labels.index(y[i]) for i in shown],
        "class_names": [str(label) for label in labels],
        "box": box,
        "resolution": resolution,
        "curve": _curve(history, [epoch for epoch, _ in snapshots]),
        "snapshots": rows,
        "graph": graph_data(traced, schedules) if trace else None,
        "max_nodes": max_nodes,
    }
    return data, list(schedules)


def _trace(
    recorder: TrainingRecorder,
    x: list[float],
    t: Any,
    params: list[Value],
    names: list[str],
    schedules: dict[Template, Schedule] | None = None,
) -> Any:
    def loss_of(xs: list[Value]) -> Value:
        return recorder.loss(recorder.model(xs), t)

    return trace_program(loss_of, x, params, names, schedules)


def _too_large(
    recorder: TrainingRecorder, x: list[float], params: list[Value], names: list[str], limit: int
) -> bool:
    template, _ = _trace(recorder, x, recorder.y[0], params, names)
    return len(template.nodes) > limit


def _curve(history: History, marked: list[int]) -> dict[str, list[Any]]:
    """History's loss (and accuracy) at every epoch, or at most ``MAX_CURVE`` plus the marked."""
    count = history.epochs
    epochs = set(range(1, count + 1))
    if count > MAX_CURVE:
        epochs = {1 + round(k * (count - 1) / (MAX_CURVE - 1)) for k in range(MAX_CURVE)}
        epochs |= {e for e in marked if 1 <= e <= count}
    chosen = sorted(epochs)
    accuracy = history.accuracy if len(history.accuracy) == count else []
    return {
        "epochs": chosen,
        "loss": [number(history.loss[e - 1]) for e in chosen],
        "accuracy": [number(accuracy[e - 1]) for e in chosen] if accuracy else [],
    }


def page_script(ops: str) -> str:
    """The page's JavaScript: the runtime and ``ops`` (if any), then the explorer itself."""
    script = _asset("training_explorer.js")
    return runtime_source() + ops + script if ops else script


def _asset(name: str) -> str:
    assets = importlib.resources.files(__package__ or "autograd_tiny.viz") / "assets"
    return (assets / name).read_text(encoding="utf-8")


class TrainingExplorer:
    """The training explorer's page: ``to_html()``, ``save_html(path)``, inline in Jupyter.

    ``data`` is what the page embeds as JSON; ``ops`` the JavaScript of the
    graph's ops (``viz.js_rules.js_ops``), empty when the page has no graph.
    """

    def __init__(self, data: dict[str, Any], ops: str = "") -> None:
        self.data, self.ops = data, ops

    @property
    def epochs(self) -> list[int]:
        """The recorded epochs, in order (0 is before training)."""
        return [row["epoch"] for row in self.data["snapshots"]]

    def to_html(self) -> str:
        """The whole page: one HTML file, its script, style and data inside it."""
        script = page_script(self.ops)
        style = _asset("training_explorer.css")
        payload = json.dumps(self.data, allow_nan=False, separators=(",", ":"))
        payload = payload.replace("<", "\\u003c")  # no "</script>" can end the data early
        return _PAGE.format(style=style, data=payload, script=script.replace("</", "<\\/"))

    def save_html(self, path: str | os.PathLike[str]) -> None:
        """Write the page to ``path`` whole: an interrupted write leaves no partial file.

        ``TypeError`` unless ``path`` is a ``str`` or ``os.PathLike``; ``OSError``
        naming ``path`` for a directory or a missing one, before any work.
        """
        target = _atomic.checked_path(path, "save_html()")
        _atomic.write_text(target, self.to_html(), suffix=".html")

    def _repr_html_(self) -> str:
        """Jupyter's inline view: the page in a frame of its own."""
        page = html.escape(self.to_html(), quote=True)
        return f'<iframe srcdoc="{page}" style="width:100%;height:980px;border:0"></iframe>'


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>autograd_tiny: training explorer</title>
<style>
{style}</style>
</head>
<body>
<main id="training-explorer"></main>
<script type="application/json" id="training-explorer-data">{data}</script>
<script>
{script}
mountTrainingExplorer(document.getElementById("training-explorer"),
  JSON.parse(document.getElementById("training-explorer-data").textContent));
</script>
</body>
</html>
"""
