"""explain: the engine's backward pass as text, with backward()'s numbers."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given

from autograd_tiny import Value
from autograd_tiny.backward import backpropagate, topological_order
from autograd_tiny.engine import apply
from autograd_tiny.ops import PRIMITIVES, Primitive
from autograd_tiny.strategies import expressions
from autograd_tiny.viz import Explanation, explain

STEP = re.compile(r"^Step (\d+): (\S+)", re.M)
SHARE = re.compile(r"^  (\S+)\.grad \+= (\S+) × .* = (\S+)   \((.*)\)$", re.M)
LEAF = re.compile(r"^  (\S+)\.grad = (\S+)$", re.M)


def backward_grads(root: Value) -> dict[Value, float]:
    nodes = topological_order(root, trainable_only=False)
    saved = [n.grad for n in nodes]
    root.zero_grad()
    root.backward()
    grads = {n: n.grad for n in nodes}
    for n, g in zip(nodes, saved, strict=True):
        n.grad = g
    return grads


def check_text(root: Value) -> str:
    """The text's steps, shares and leaves against the engine; .grad untouched."""
    nodes = topological_order(root, trainable_only=False)
    before = [n.grad for n in nodes]
    explanation = explain(root, max_steps=None)
    text = str(explanation)
    assert [n.grad for n in nodes] == before
    trace = explanation.trace
    names = {n.name: nodes[n.index] for n in trace.nodes}
    engine_order = [n for n in backpropagate(root, 1.0, False) if n.primitive or n is root]
    assert [names[name] for _, name in STEP.findall(text)] == engine_order
    assert [int(k) for k, _ in STEP.findall(text)] == list(range(1, len(engine_order) + 1))
    grads = backward_grads(root)
    leaves = LEAF.findall(text)
    assert {names[name] for name, _ in leaves} == {
        n for n in engine_order + nodes if n.primitive is None and n.requires_grad
    }
    for name, number in leaves:  # repr round-trips: the very float backward() gives
        assert repr(0.0 + float(number)) == repr(grads[names[name]])
    shares = SHARE.findall(text)
    expected = [
        (trace.nodes[p.operand].name, repr(s.gradient), repr(p.share))  # type: ignore[index]
        for s in trace.backward
        for p in s.shares
        if p.share is not None
    ]
    assert [(name, g, share) for name, g, share, _ in shares] == expected
    return text


def test_a_neuron_reads_step_by_step() -> None:
    x, w, b = Value(2.0, label="x"), Value(-1.5, label="w"), Value(0.5, label="b")
    y = (x * w + b).tanh()
    text = check_text(y)
    assert "∂(x*w)/∂x = w = -1.5" in text
    assert "x.grad += " in text and "(x has all its shares; a leaf)" in text


def test_the_share_line_of_the_issue() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    text = check_text(a * b)
    assert "  a.grad += 1.0 × b = -3.0   (a has all its shares; a leaf)" in text.splitlines()
    assert "  ∂(a*b)/∂a = b = -3.0" in text.splitlines()


def test_a_node_that_waits_says_for_how_many() -> None:
    x = Value(0.5, label="x")
    h = x.exp()
    h.label = "h"
    text = check_text(h * h.sin() + h)
    waits = [why for name, _, _, why in SHARE.findall(text) if name == "h"]
    assert [w.rsplit("; ", 1)[-1] for w in waits] == [
        "h waits for 2 more consumers",
        "h waits for 1 more consumer",
        "h has all its shares",
    ]


def test_shared_nodes_and_x_times_x() -> None:
    x = Value(3.0, label="x")
    y = x * x
    check_text((y + y * 2.0) / x - y.sqrt())


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_every_op_of_the_table(prim: Primitive) -> None:
    leaves = [Value(v, label=n) for v, n in zip((0.7, 1.3, 0.4), "xyz", strict=False)]
    out = apply(prim, *leaves[: prim.arity])
    text = check_text(out * out + out)
    assert f"Step 3: v{len(leaves[: prim.arity])}" in text  # the op's node, after mul and add


@given(expressions())
def test_generated_expressions(expression: tuple[Value, list[Value]]) -> None:
    root, _ = expression
    if root.requires_grad:
        check_text(root)


def chain(n: int) -> Value:
    y = Value(1.0, label="x")
    for _ in range(n):
        y = y * 1.0
    return y


def test_a_long_chain_is_summarised() -> None:
    text = str(explain(chain(10_000), max_steps=10))
    assert len(text.splitlines()) < 80
    assert "... 9,990 of 10,000 steps left out (steps 6 to 9,995)" in text
    assert [int(k) for k, _ in STEP.findall(text)] == [1, 2, 3, 4, 5, *range(9996, 10_001)]
    assert text.rstrip().endswith("x.grad = 1.0")


@pytest.mark.slow
def test_a_chain_of_100_000_needs_no_recursion() -> None:
    assert sys.getrecursionlimit() <= 1000 + 100  # the default (pytest may add a little)
    text = str(explain(chain(100_000)))
    assert "of 100,000 steps left out" in text and "x.grad = 1.0" in text


def test_leaves_are_summarised_too() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(30)]
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    text = str(explain(total, max_steps=4))
    assert "... 26 of 30 leaves left out (leaves 3 to 28)" in text
    assert len(LEAF.findall(text)) == 4


def test_precision_rounds_the_numbers() -> None:
    x = Value(0.1, label="x")
    text = str(explain(x.exp(), precision=3))
    assert "x.grad = 1.11" in text and "1.1051709" not in text


def test_it_shows_in_jupyter_and_at_a_prompt() -> None:
    explanation = explain(Value(2.0, label="a") * 3.0)
    assert isinstance(explanation, Explanation)
    assert repr(explanation) == str(explanation) == explanation.text

    class Printer:
        def __init__(self) -> None:
            self.out: list[str] = []

        def text(self, t: str) -> None:
            self.out.append(t)

    printer = Printer()
    explanation._repr_pretty_(printer, False)
    assert printer.out == [explanation.text]


@pytest.mark.parametrize("bad", [3.0, None, [Value(1.0)]])
def test_not_a_value_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="explain takes a Value"):
        explain(bad)  # type: ignore[arg-type]


def test_a_value_without_grad_is_refused() -> None:
    with pytest.raises(ValueError, match="explain: the Value does not require grad"):
        explain(Value(1.0, requires_grad=False) + 1.0)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"max_steps": 0}, ValueError),
        ({"max_steps": 2.5}, TypeError),
        ({"precision": 0}, ValueError),
    ],
)
def test_bad_options(options: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error, match="explain: "):
        explain(Value(1.0) * 2.0, **options)  # type: ignore[arg-type]
