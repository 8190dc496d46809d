"""micrograd's Value API on random expressions: this engine agrees with micrograd 0.1.0.

An expression is a short program over micrograd's operators (``+ - * / **``,
unary ``-``, ``relu()``, with a ``Value`` or a number on either side), run once
on each library's ``Value``.  Every node's ``data`` and every leaf's ``grad``
must agree to 1e-12 of the expression's scale (the largest magnitude it holds):
micrograd divides as ``a * b**-1`` and sums a gradient's shares in the order of a
``set``, so the last bits may differ.  For the ops micrograd has itself (``+``,
``*``, ``**k``, ReLU) each node's ``_op`` is micrograd's and its ``_prev`` is
micrograd's less the numbers, which micrograd wraps in ``Value``s of their own
and this engine folds into the op.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_tiny.micrograd.engine import Value

# name: (takes two nodes, takes a number, how to apply it)
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "add_number": lambda a, c: a + c,
    "number_add": lambda a, c: c + a,
    "mul_number": lambda a, c: a * c,
    "number_mul": lambda a, c: c * a,
    "square": lambda a, _: a**2,
    "cube": lambda a, _: a**3,
    "relu": lambda a, _: a.relu(),
    # composites in micrograd: a - b = a + (-b), -a = a * -1, a / b = a * b**-1
    "sub": lambda a, b: a - b,
    "number_sub": lambda a, c: c - a,
    "neg": lambda a, _: -a,
    "div": lambda a, b: a / b,
    "number_div": lambda a, c: c / a,
    "reciprocal": lambda a, _: a**-1,
}
MICROGRADS_OWN = (
    "add",
    "mul",
    "add_number",
    "number_add",
    "mul_number",
    "number_mul",
    "square",
    "cube",
    "relu",
)
BINARY = ("add", "mul", "sub", "div")
DIVIDES = {"div": 1, "number_div": 0, "reciprocal": 0}  # which operand must not be near 0
NUMBERS = st.sampled_from([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0, 2, -3])


@st.composite
def programs(draw: Any, ops: tuple[str, ...]) -> tuple[list[float], list[Any]]:
    """Leaves' data and steps ``(op, i, j, number)`` over the nodes made so far."""
    leaves = draw(st.lists(st.floats(-3, 3), min_size=1, max_size=3))
    steps = []
    for n in range(len(leaves), len(leaves) + draw(st.integers(1, 8))):
        op = draw(st.sampled_from(ops))
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        steps.append((op, i, j, draw(NUMBERS)))
    return leaves, steps


def run(make: Any, leaves: list[float], steps: list[Any]) -> tuple[list[Any], list[Any]]:
    """All nodes of the program (leaves first) and the leaves, after ``backward()``."""
    nodes = [make(x) for x in leaves]
    for op, i, j, number in steps:
        a, b = nodes[i], nodes[j]
        if op in DIVIDES:
            divisor = (a, b)[DIVIDES[op]]
            assume(abs(divisor.data) > 0.1)
        if op == "relu":
            assume(abs(a.data) > 1e-6 * (1 + abs(a.data)))  # both on the same side of the kink
        nodes.append(OPS[op](a, b if op in BINARY else number))
        assume(abs(nodes[-1].data) < 1e6)
    nodes[-1].backward()
    return nodes, nodes[: len(leaves)]


@pytest.fixture(scope="module")
def MValue() -> Any:
    return pytest.importorskip("micrograd.engine").Value


def check_numbers(MValue: Any, leaves: list[float], steps: list[Any]) -> None:
    theirs, their_leaves = run(MValue, leaves, steps)
    ours, our_leaves = run(Value, leaves, steps)
    scale = 1 + max(abs(float(v.data)) for v in theirs) + max(abs(v.grad) for v in their_leaves)
    tol = 1e-12 * scale
    for o, t in zip(ours, theirs, strict=True):
        assert math.isclose(o.data, t.data, rel_tol=1e-12, abs_tol=tol), (o.data, t.data)
    for o, t in zip(our_leaves, their_leaves, strict=True):
        assert math.isclose(o.grad, t.grad, rel_tol=1e-12, abs_tol=tol), (o.grad, t.grad)


@settings(max_examples=200)
@given(program=programs(tuple(OPS)))
def test_data_and_grads_agree_with_micrograd(MValue: Any, program: Any) -> None:
    check_numbers(MValue, *program)


@settings(max_examples=100)
@given(program=programs(MICROGRADS_OWN))
def test_prev_and_op_are_micrograds_less_the_numbers(MValue: Any, program: Any) -> None:
    leaves, steps = program
    theirs, _ = run(MValue, leaves, steps)
    ours, _ = run(Value, leaves, steps)
    index_ours = {id(v): k for k, v in enumerate(ours)}
    index_theirs = {id(v): k for k, v in enumerate(theirs)}
    for o, t in zip(ours, theirs, strict=True):
        assert o._op == t._op
        wrapped = [v for v in t._prev if id(v) not in index_theirs]
        assert all(v._op == "" and not v._prev for v in wrapped)  # numbers micrograd wrapped
        assert {index_ours[id(v)] for v in o._prev} == {
            index_theirs[id(v)] for v in t._prev if id(v) in index_theirs
        }


def test_where_this_engine_makes_one_node_micrograd_makes_several(MValue: Any) -> None:
    a, b = Value(3.0), Value(2.0)
    ma, mb = MValue(3.0), MValue(2.0)
    assert ((a - b)._op, (ma - mb)._op) == ("-", "+")  # micrograd: a + (b * -1)
    assert ((a / b)._op, (ma / mb)._op) == ("/", "*")  # micrograd: a * b**-1
    assert ((-a)._op, (-ma)._op) == ("-", "*")  # micrograd: a * -1
    assert (a - b)._prev == {a, b}
