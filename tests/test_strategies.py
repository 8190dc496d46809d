"""autograd_tiny.strategies: leaf values, expression graphs, MLPs, the entry point."""

from __future__ import annotations

import importlib.metadata
import math
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from autograd_tiny import Value
from autograd_tiny.engine import topological_order
from autograd_tiny.ops import PRIMITIVES, Primitive
from autograd_tiny.strategies import MARGIN, expressions, mlps, values
from autograd_tiny.testing import as_function, gradcheck

FIND = settings(
    database=None, derandomize=True, max_examples=500, suppress_health_check=list(HealthCheck)
)


def graph(out: Value) -> list[Value]:
    return topological_order(out, trainable_only=False)


def op_nodes(out: Value) -> list[Value]:
    return [n for n in graph(out) if n.op]


def depth(out: Value) -> int:
    longest: dict[Value, int] = {}
    for node in graph(out):  # operands first, so no recursion is needed
        longest[node] = 1 + max((longest[p] for p in node.parents), default=-1)
    return longest[out]


@given(values(-1.5, 2.5))
def test_values_are_finite_leaves_in_range(x: Value) -> None:
    assert -1.5 <= x.data <= 2.5 and x.op == "" and x.requires_grad and x.grad == 0.0


@given(values(requires_grad=False, label="w"))
def test_values_takes_any_finite_float_and_options(x: Value) -> None:
    assert math.isfinite(x.data) and not x.requires_grad and x.label == "w"


@given(expressions(max_depth=3, max_magnitude=50.0))
def test_expressions_are_finite_bounded_and_inside_every_domain(expr: Any) -> None:
    out, leaves = expr
    assert [x.label for x in leaves] == [f"x{i}" for i in range(len(leaves))]
    assert depth(out) <= 3
    for node in graph(out):
        assert math.isfinite(node.data) and abs(node.data) <= 50.0
        prim = node.primitive
        if prim is None:
            continue
        inputs = [float(o) for o in node.operands]
        if prim.domain == "positive":
            assert min(inputs) >= MARGIN
        if prim.domain == "nonzero":
            assert min(map(abs, inputs)) >= MARGIN
        assert inside(prim.domain, inputs), (prim.name, inputs)


def off_integers(t: float) -> float:
    """How far ``t`` is from the nearest integer."""
    return abs(t - round(t))


# The new domains, with a little room for the rounding of the guards' sums.
ROOM = MARGIN - 1e-9
DOMAINS = {
    "unit": lambda xs: abs(xs[0]) <= 1.0 - MARGIN,
    "above_minus_one": lambda xs: xs[0] >= MARGIN - 1.0,
    "cos_nonzero": lambda xs: off_integers(xs[0] / math.pi - 0.5) * math.pi >= ROOM,
    "noninteger": lambda xs: off_integers(xs[0]) >= ROOM,
    "off_half_integers": lambda xs: off_integers(xs[0] - 0.5) >= ROOM,
    "distinct": lambda xs: abs(xs[0] - xs[1]) >= ROOM,
    "noninteger_quotient": lambda xs: abs(xs[1]) >= MARGIN and off_integers(xs[0] / xs[1]) >= ROOM,
}


def inside(domain: str, inputs: list[float]) -> bool:
    """``inputs`` keep ``MARGIN`` from the domain's edges, kinks and jumps."""
    return DOMAINS.get(domain, lambda xs: True)(inputs)


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_every_op_of_the_table_is_drawn_and_shrinks_to_a_tiny_graph(prim: Primitive) -> None:
    out, _ = find(
        expressions(ops=[prim]),
        lambda e: any(n.op == prim.name for n in graph(e[0])),
        settings=FIND,
    )
    assert {n.op for n in op_nodes(out)} <= {prim.name, "add", "mul"}  # domain guards
    assert len(op_nodes(out)) <= 1 + 2 * prim.arity  # the op, maybe on guards e*e + 0.25


def test_expressions_shrink_toward_small_graphs() -> None:
    out, leaves = find(expressions(), lambda e: len(op_nodes(e[0])) >= 3, settings=FIND)
    assert len(op_nodes(out)) <= 4 and len(leaves) == 1


@given(expressions())
def test_as_function_rebuilds_the_same_graph(expr: Any) -> None:
    out, leaves = expr
    again = as_function(out, leaves)(*(Value(x.data) for x in leaves))
    assert again.data == out.data or (math.isnan(again.data) and math.isnan(out.data))
    assert [n.op for n in graph(again)] == [n.op for n in graph(out)]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"ops": []}, TypeError, "ops must be a non-empty sequence"),
        ({"ops": ["exp"]}, TypeError, "ops must be a non-empty sequence"),
        ({"max_depth": 0}, ValueError, "max_depth must be at least 1, got 0"),
        ({"max_leaves": 1.5}, TypeError, "max_leaves must be an int, got float: 1.5"),
        ({"max_leaves": True}, TypeError, "max_leaves must be an int, got bool: True"),
        ({"max_ops": -1}, ValueError, "max_ops must be at least 0, got -1"),
    ],
)
def test_expressions_rejects_bad_arguments(
    kwargs: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        expressions(**kwargs)


@given(st.from_type(Value))
def test_from_type_draws_values_through_the_entry_point(x: Value) -> None:
    assert isinstance(x, Value) and math.isfinite(x.data) and x.op == ""


def test_the_entry_point_is_registered_in_the_installed_metadata() -> None:
    targets = [e.value for e in importlib.metadata.entry_points(group="hypothesis")]
    assert "autograd_tiny._hypothesis_hook:setup" in targets


@pytest.mark.parametrize(
    "first",
    ["import autograd_tiny.strategies", "import hypothesis", "import autograd_tiny"],
)
def test_from_type_works_whichever_module_is_imported_first(first: str) -> None:
    code = (
        f"{first}\n"
        "from hypothesis import given, strategies as st\n"
        "from autograd_tiny import Value\n"
        "from autograd_tiny.strategies import expressions\n"
        "@given(st.from_type(Value), expressions())\n"
        "def test(x, e):\n"
        "    assert isinstance(x, Value) and isinstance(e[0], Value)\n"
        "test()\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_core_package_never_imports_hypothesis() -> None:
    code = (
        "import sys, autograd_tiny, autograd_tiny.testing, autograd_tiny.functional\n"
        "print('hypothesis' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.filterwarnings("ignore::autograd_tiny.testing.NonDifferentiableWarning")
@given(mlps())
def test_mlps_gradients_in_weights_and_inputs_check_out(network: Any) -> None:
    model, x = network
    assert len(x) == model.nin
    inputs = [Value(v) for v in x]
    y = model(inputs)
    total = y if isinstance(y, Value) else sum(y, Value(0.0))
    leaves = [*model.parameters(), *inputs]
    point = [v.data for v in leaves]
    assert gradcheck(as_function(total, leaves), *point)
