"""The training explorer in a real browser (the system Chromium, see conftest.py).

The slider shows each recorded epoch's loss and boundary, a click in the plane
picks the nearest data point, and the graph's numbers are the engine's to 1e-12.
"""

from __future__ import annotations

import json
import math

import pytest

from autograd_tiny import Value, datasets, losses, nn, optim
from autograd_tiny.backward import topological_order
from autograd_tiny.train import fit
from autograd_tiny.viz import TrainingRecorder

pytestmark = pytest.mark.slow  # a browser starts


def trained(dataset: str, hidden: list[int], activation: str):
    if dataset == "spirals":
        X, y = datasets.spirals(30, classes=3, seed=1)
        loss, outputs = losses.cross_entropy, 3
    else:
        X, y = datasets.moons(30, seed=1)
        loss, outputs = losses.binary_cross_entropy, 1
    model = nn.MLP(2, [*hidden, outputs], activation, seed=1)
    recorder = TrainingRecorder(model, X, y, loss=loss, every=4)
    history = fit(model, X, y, loss=loss, epochs=10, callback=recorder,
                  optimizer=optim.Adam(model.parameters(), lr=0.05))  # fmt: skip
    return model, X, y, loss, recorder, history


def engine_values(model, x, t, loss, weights):
    """Every node's (data, grad) of one sample's loss, the engine's topological order."""
    for p, w in zip(model.parameters(), weights, strict=True):
        p.data, p.grad = w, 0.0  # fit leaves the last update's gradients
    xs = [Value(v, label=f"x[{j}]") for j, v in enumerate(x)]
    root = loss(model(xs), t)
    root.backward()
    order = topological_order(root, trainable_only=False)
    return [(n.data, n.grad if n.requires_grad else None) for n in order]


def close(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * abs(b)


def open_page(page, tmp_path, explorer):
    path = tmp_path / "training.html"
    explorer.save_html(path)
    url = path.as_uri()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    # Any request but the page's own file fails.
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url == url else route.abort(),
    )
    page.goto(url)
    page.wait_for_selector(".ate-node")
    return requests, url


def test_the_slider_shows_each_recorded_epoch_and_the_page_requests_nothing(page, tmp_path):
    *_, recorder, history = trained("moons", [4], "relu")
    explorer = recorder.explorer(history)
    requests, url = open_page(page, tmp_path, explorer)
    assert explorer.epochs == [0, 4, 8, 10]
    grids = set()
    for s, snap in enumerate(explorer.data["snapshots"]):
        page.locator("#ate-epoch").fill(str(s))
        root = page.locator(".ate")
        assert root.get_attribute("data-epoch") == str(snap["epoch"])
        shown = root.get_attribute("data-loss")
        assert shown == ("" if s == 0 else repr(history.loss[snap["epoch"] - 1]))
        grid = page.locator(".ate-plane").get_attribute("data-grid")
        assert grid == snap["grid"]
        grids.add(grid)
        assert page.locator(".ate-marker").get_attribute("data-epoch") == str(snap["epoch"])
    assert len(grids) > 1  # the boundary moved during training
    assert requests == [url]  # only the file itself was read


@pytest.mark.parametrize(
    ("dataset", "hidden", "activation"),
    [("moons", [4], "relu"), ("spirals", [5], "tanh")],
)
def test_a_click_picks_the_nearest_point_and_its_graph_holds_the_engines_numbers(
    page, tmp_path, dataset, hidden, activation
):
    model, X, y, loss, recorder, history = trained(dataset, hidden, activation)
    explorer = recorder.explorer(history)
    open_page(page, tmp_path, explorer)
    last = len(explorer.epochs) - 1
    page.locator("#ate-epoch").fill(str(last))
    k = 7  # a data point: click where it is drawn
    box = page.locator(".ate-points").bounding_box()
    b = explorer.data["box"]
    cx = box["x"] + (X[k][0] - b[0]) / (b[1] - b[0]) * box["width"]
    cy = box["y"] + box["height"] - (X[k][1] - b[2]) / (b[3] - b[2]) * box["height"]
    page.mouse.click(cx + 1, cy - 1)
    assert page.locator(".ate-sample").get_attribute("data-index") == str(k)
    weights = [p.data for p in model.parameters()]  # the last epoch's: the model's own
    expected = engine_values(model, X[k], y[k], loss, weights)
    nodes = page.locator(".ate-node")
    assert nodes.count() == len(expected)
    for i, (data, grad) in enumerate(expected):
        node = nodes.nth(i)
        assert close(float(node.get_attribute("data-data")), data), i
        shown = node.get_attribute("data-grad")
        assert (shown == "") if grad is None else close(float(shown), grad), i


def test_every_sample_at_every_epoch_evaluates_to_the_engines_numbers(page, tmp_path):
    model, X, y, loss, recorder, history = trained("spirals", [4, 4], "sigmoid")
    explorer = recorder.explorer(history)
    open_page(page, tmp_path, explorer)
    data = explorer.data
    weights = [w for _, w in recorder.snapshots] + [[p.data for p in model.parameters()]]
    computed = page.evaluate(
        """(data) => data.snapshots.map((snap, s) => data.points.map((p, k) => {
            const g = data.graph, t = g.template_of[k], c = g.constants[t].slice();
            const v = g.per_sample ? g.per_sample[k] : g.per_snapshot[s][k];
            let j = 0;
            const consts = c.map((x) => trainingNumber(x === null ? v[j++] : x));
            const w = snap.weights.map(trainingNumber);
            const r = evaluateTrainingGraph(g.templates[t], g.schedules[t], consts, p, w);
            return JSON.stringify([r.data, r.grad]);
        }))""",
        data,
    )
    for s, row in enumerate(computed):
        for k, text in enumerate(row):
            got = json.loads(text)
            expected = engine_values(model, X[k], y[k], loss, weights[s])
            for i, (d, g) in enumerate(expected):
                assert close(got[0][i], d), (s, k, i)
                assert (got[1][i] is None) if g is None else close(got[1][i], g), (s, k, i)
