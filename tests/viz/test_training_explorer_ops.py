"""The training explorer's page evaluates every op of the table as the engine does.

Its ops are the table's rules written in JavaScript (``viz.js_rules``) and its
backward pass the engine's schedule (``viz.training_graph``): for every
primitive of ``ops.PRIMITIVES`` (and users' primitives built from the
helpers) the page either evaluates a graph holding it to the engine's numbers
(data and gradient of every value, to 1e-12 relative, at kinks, ties, poles
and IEEE edge cases too), or building the page raises a ``ValueError`` naming
the op.  The runtime's functions are checked against the table's forwards.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from importlib.resources import files

import pytest

from autograd_tiny import Value, datasets, losses, nn, optim
from autograd_tiny.backward import topological_order
from autograd_tiny.engine import apply
from autograd_tiny.ops import BY_NAME, PRIMITIVES, Primitive, Share, div, sqrt
from autograd_tiny.train import fit
from autograd_tiny.viz import TrainingRecorder
from autograd_tiny.viz.js_rules import js_ops, runtime_names, runtime_source
from autograd_tiny.viz.trace import trace_backward
from autograd_tiny.viz.training_explorer import page_script
from autograd_tiny.viz.training_graph import number, trace_program

# Users' primitives written with the table's helpers: they need no edit anywhere.
CUBE = Primitive("cube", lambda x: x * x * x, (lambda x, out: 3.0 * x * x,))
HYPOT = Primitive(
    "hypot",
    lambda x, y: sqrt(x * x + y * y),
    (Share(lambda g, x, y, out: div(g * x, out)), Share(lambda g, x, y, out: div(g * y, out))),
)
# A rule that branches on a number in Python: no symbol can follow it.
BRANCHY = Primitive("branchy", lambda x: x if x > 0 else 0.0, (lambda x, out: float(x > 0),))


def _clipped(x):
    """A helper of a user's own: max(x, 0) on floats, the relu method on anything else."""
    return (x if x > 0.0 else 0.0) if type(x) is float else x.relu()


# Its rule calls relu, which the page's runtime does not define.
CLIPPED = Primitive("clipped", _clipped, (Share(lambda g, x, out: g * _clipped(x)),))

UNARY = [0.61, -0.37, 0.0, 1.0, -1.0, 2.5, -2.5, 0.5, 1.5, 1e-300, 40.0]
UNARY += [math.inf, -math.inf, math.nan]
BINARY = [(0.61, 0.37), (-0.37, 0.61), (0.5, 0.5), (0.0, 0.0), (0.0, 2.0), (2.0, 0.0)]
BINARY += [(-8.0, 0.5), (-7.5, 2.0), (7.5, -2.0), (1.0, 0.0), (0.0, -1.0), (3.0, -0.5)]
BINARY += [(math.inf, 2.0), (2.0, math.inf), (math.nan, 1.0), (1e-300, 1e-300), (-1.0, 1e300)]
TERNARY = [(0.61, 0.37, -1.2), (2.0, 0.0, 1.0), (math.inf, 0.0, 1.0), (1e200, 1e200, -math.inf)]


def graphs(prim: Primitive):
    """``(values, fold)`` cases: the op on leaves holding ``values``, a number at ``fold``."""
    if prim.arity == 1:
        return [((x,), None) for x in UNARY]
    if prim.arity == 2:
        cases = [(pair, None) for pair in BINARY]
        return cases + [((x, 2.0), 1) for x in UNARY] + [((2.0, x), 0) for x in UNARY]
    return [(triple, None) for triple in TERNARY] + [((x, 0.5, -1.5), 2) for x in UNARY]


def loss_of(prim: Primitive, leaves: list[Value], values, fold):
    """``o * o + a`` with ``o`` the op: two edges into ``o``, two paths to the first leaf."""
    pairs = enumerate(zip(values, leaves, strict=True))
    operands = [v if k == fold else leaf for k, (v, leaf) in pairs]
    out = apply(prim, *operands)
    return out * out + leaves[0 if fold != 0 else 1]


def engine_values(prim: Primitive, values, fold):
    """Every value's (data, grad) after the engine's backward(), in topological order."""
    leaves = [Value(v, label=f"w{k}") for k, v in enumerate(values)]
    root = loss_of(prim, leaves, values, fold)
    root.backward()
    order = topological_order(root, trainable_only=False)
    return [(n.data, n.grad if n.requires_grad else None) for n in order]


def page_case(prim: Primitive, values, fold):
    """What the page is given for one case: template, schedule, constants, weights."""
    leaves = [Value(v) for v in values]
    schedules = {}
    template, constants = trace_program(
        lambda xs: loss_of(prim, leaves, values, fold),
        [],
        leaves,
        [f"w{k}" for k in range(len(values))],
        schedules,
    )
    return {
        "nodes": template.to_json(),
        "schedule": [list(step) for step in schedules[template]],
        "constants": [number(c) for c in constants],
        "weights": [number(v) for v in values],
    }


def close(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * abs(b)


EVALUATE = """(cases) => cases.map((c) => {
    const r = evaluateTrainingGraph(c.nodes, c.schedule, c.constants.map(trainingNumber), [],
                                    c.weights.map(trainingNumber));
    const text = (v) => v === null ? null : (Object.is(v, -0) ? "-0.0" : String(v));
    return [r.data.map(text), r.grad.map(text)];
})"""


def evaluable(prim: Primitive) -> bool:
    """Can the page evaluate ``prim``?  If not, building it raises a ValueError naming it."""
    try:
        js_ops([prim])
    except ValueError as error:
        assert repr(prim.name) in str(error)
        return False
    return True


def test_every_op_of_the_table_can_be_written_for_the_page_or_is_refused_by_name():
    written = [p.name for p in PRIMITIVES if evaluable(p)]
    source = js_ops([BY_NAME[name] for name in written])
    for name in written:
        assert f'"{name}": {{f: function' in source
    called = set(re.findall(r"\bR\.(\w+)\(", source))
    assert called <= runtime_names()


@pytest.mark.parametrize("prim", [BRANCHY, CLIPPED], ids=lambda p: p.name)
def test_an_op_the_page_cannot_evaluate_is_a_value_error_naming_it(prim):
    with pytest.raises(ValueError, match=repr(prim.name)) as error:
        js_ops([prim])
    assert ("calls relu" in str(error.value)) == (prim is CLIPPED)
    # Through the recorder: the explorer is refused, the model's weights are restored.
    X, y = datasets.moons(8, seed=0)
    model = nn.MLP(2, [2, 1], seed=0)

    def loss(out, t):
        return losses.binary_cross_entropy(apply(prim, out), t)

    recorder = TrainingRecorder(model, X, y, loss=loss)
    history = fit(model, X, y, loss=loss, epochs=2, optimizer=optim.SGD(model.parameters(), 0.1))
    final = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=repr(prim.name)):
        recorder.explorer(history)
    assert [p.data for p in model.parameters()] == final


def test_the_page_holds_only_its_graphs_ops():
    *_, page = _explorer(losses.binary_cross_entropy)
    ops = {node[0] for t in page.data["graph"]["templates"] for node in t} - {
        "input",
        "param",
        "const",
    }
    assert set(re.findall(r'^  "(\w+)": \{f:', page.ops, re.MULTILINE)) == ops
    assert page.ops in page.to_html() and runtime_source() in page.to_html()


def test_the_explorers_script_holds_no_rule_and_no_chain_rule():
    script = (files("autograd_tiny.viz") / "assets" / "training_explorer.js").read_text("utf-8")
    assert "TRAINING_OPS = " not in script and "share: [" not in script
    assert not re.search(r"Math\.(exp|log|tanh|sin|cos|pow|sqrt|abs)\b", script)
    assert not re.search(r"\b(pending|ready|consumers)\b", script)


def _explorer(loss, dataset="moons"):
    if dataset == "spirals":
        X, y = datasets.spirals(12, classes=3, seed=3)
    else:
        X, y = datasets.moons(12, seed=3)
    model = nn.MLP(2, [3, 3 if dataset == "spirals" else 1], seed=3)
    recorder = TrainingRecorder(model, X, y, loss=loss, every=2)
    history = fit(model, X, y, loss=loss, epochs=4, callback=recorder,
                  optimizer=optim.Adam(model.parameters(), lr=0.05))  # fmt: skip
    return model, X, y, recorder.explorer(history)


def test_each_samples_schedule_is_the_engines_pass_over_its_own_graph():
    model, X, y, page = _explorer(losses.cross_entropy, "spirals")
    graph = page.data["graph"]
    assert len(graph["templates"]) > 1  # cross_entropy: a shape per target class
    params = model.parameters()
    names = [f"p{k}" for k in range(len(params))]
    for k, (x, t) in enumerate(zip(X, y, strict=True)):
        schedules = {}
        template, _ = trace_program(
            lambda xs, t=t: losses.cross_entropy(model(xs), t), x, params, names, schedules
        )
        mine = [list(step) for step in schedules[template]]
        assert mine == graph["schedules"][graph["template_of"][k]]
        # The same pass as viz.trace records it: each node taken, the operands it passes to.
        root = losses.cross_entropy(model([Value(v) for v in x]), t)
        traced = trace_backward(root).backward
        assert mine == [
            [step.node, *(s.position for s in step.shares if s.share is not None)]
            for step in traced
        ]


# --- in a real browser -------------------------------------------------------------------


@pytest.mark.slow
def test_the_runtime_computes_the_tables_forwards(page):
    """Each runtime function against the op of its name, on IEEE-754 edge cases."""
    page.set_content(f"<script>{runtime_source()}</script>")
    grid = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1.5, 2.5, -2.5, 0.61, -7.5, 2.0, -2.0, 3.0]
    grid += [1e-300, 5e-324, 710.0, -710.0, 1e308, 2.0**53 + 1, math.inf, -math.inf, math.nan]
    exact = {"div", "mod", "floordiv", "abs", "floor", "ceil", "round", "sign", "min", "max"}
    exact |= {"sqrt"}
    for name in sorted(runtime_names()):
        prim = BY_NAME[name]
        cases = list(itertools.product(grid, repeat=prim.arity))
        got = page.evaluate(
            """([name, cases]) => cases.map((a) => {
                const r = TRAINING_RUNTIME[name].apply(null, a.map(Number));
                return Object.is(r, -0) ? "-0.0" : String(r);
            })""",
            [name, [[repr(x).replace("inf", "Infinity").replace("nan", "NaN") for x in a]
                    for a in cases]],
        )  # fmt: skip
        for args, text in zip(cases, got, strict=True):
            expected, value = prim.forward(*args), float(text)
            if math.isnan(expected) or math.isinf(expected) or expected == 0.0:
                assert repr(value) == repr(expected), (name, args)
            elif name in exact:
                assert value == expected, (name, args)
            else:  # libm and V8's fdlibm may round the last bit differently
                assert abs(value - expected) <= 4e-16 * abs(expected), (name, args)


@pytest.mark.slow
def test_every_op_evaluates_in_the_page_to_the_engines_numbers(page):
    prims = [p for p in (*PRIMITIVES, CUBE, HYPOT) if evaluable(p)]
    assert {p.name for p in PRIMITIVES} <= {p.name for p in prims}  # the whole table, today
    page.set_content(f"<script>{page_script(js_ops(prims))}</script>")
    for prim in prims:
        cases = graphs(prim)
        computed = page.evaluate(EVALUATE, [page_case(prim, v, fold) for v, fold in cases])
        for (values, fold), (data, grad) in zip(cases, computed, strict=True):
            expected = engine_values(prim, values, fold)
            assert len(data) == len(expected)
            for i, (d, g) in enumerate(expected):
                where = (prim.name, values, fold, i)
                assert close(float(data[i]), d), where
                assert (grad[i] is None) if g is None else close(float(grad[i]), g), where


def exotic_loss(out, t):
    """A loss through ops beyond an MLP's: min, max, %, //, log1p, atan, atan2, asin…"""
    u = out.sigmoid()
    smooth = abs(out - t).log1p() + out.min(t) - out.max(0.25 - t) + (out % 0.7) * 0.1
    smooth = smooth + (out * 0.5).atan() * (u * 0.9).asin() + out.atan2(u + 0.5) - (out // 0.7)
    smooth = smooth + (u * 0.5).tan() + (u * 0.3).acos() + (out * 0.3).expm1() + u.sqrt()
    smooth = smooth + (out * 0.2).sinh() + (out * 0.2).cosh() + (u + 0.1).log() + u**1.5
    steps = out.sign() * 0.1 + (out * 0.2).floor() + (out * 0.2).ceil() + round(out * 0.3)
    return smooth + steps + out.leaky_relu(0.1) + out.softplus() + 1.5**u + (out * 3.0).cos()


@pytest.mark.slow
def test_a_loss_through_many_ops_evaluates_in_the_page_to_the_engines_numbers(page, tmp_path):
    model, X, y, explorer = _explorer(exotic_loss)
    graph = explorer.data["graph"]
    ops = {node[0] for t in graph["templates"] for node in t}
    assert {"min", "max", "mod", "floordiv", "log1p", "atan", "atan2", "asin", "round"} <= ops
    explorer.save_html(tmp_path / "p.html")
    page.goto((tmp_path / "p.html").as_uri())
    page.wait_for_selector(".ate-node")
    computed = page.evaluate(
        """(data) => data.snapshots.map((snap, s) => data.points.map((p, k) => {
            const g = data.graph, t = g.template_of[k], c = g.constants[t].slice();
            const v = g.per_sample ? g.per_sample[k] : g.per_snapshot[s][k];
            let j = 0;
            const consts = c.map((x) => trainingNumber(x === null ? v[j++] : x));
            const r = evaluateTrainingGraph(g.templates[t], g.schedules[t], consts, p,
                                            snap.weights.map(trainingNumber));
            return JSON.stringify([r.data, r.grad]);
        }))""",
        explorer.data,
    )
    weights = [[float(w) for w in snap["weights"]] for snap in explorer.data["snapshots"]]
    for s, row in enumerate(computed):
        for k, text in enumerate(row):
            got = json.loads(text)
            for p, w in zip(model.parameters(), weights[s], strict=True):
                p.data, p.grad = w, 0.0
            root = exotic_loss(model([Value(v, label=f"x[{j}]") for j, v in enumerate(X[k])]), y[k])
            root.backward()
            order = topological_order(root, trainable_only=False)
            assert len(order) == len(got[0])
            for i, n in enumerate(order):
                assert close(got[0][i], n.data), (s, k, i)
                g = n.grad if n.requires_grad else None
                assert (got[1][i] is None) if g is None else close(got[1][i], g), (s, k, i)
