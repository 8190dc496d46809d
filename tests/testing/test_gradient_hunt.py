"""The hunt for wrong gradients: random graphs against finite differences, planted bugs.

Every op of ``ops.PRIMITIVES`` is drawn by the strategies and every partial rule
gets a planted bug, so a new table entry is hunted the moment it is added.
"""

from __future__ import annotations

from typing import Any

import pytest
from _planting import planted
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ops_table import inputs as domain_inputs

from autograd_tiny import Value, apply, gradients
from autograd_tiny.ops import PRIMITIVES, Primitive
from autograd_tiny.strategies import expressions
from autograd_tiny.testing import as_function, gradcheck, gradgradcheck

pytestmark = pytest.mark.filterwarnings(
    "ignore::autograd_tiny.testing.NonDifferentiableWarning"  # kinks are skipped, by design
)

# Planted-bug tests run once per rule: fewer examples each, scaled by the profile.
PLANTED = settings(max_examples=max(4, settings.default.max_examples // 12))
RULES = [(p, i) for p in PRIMITIVES for i in range(p.arity)]


def point(leaves: list[Value]) -> list[float]:
    return [x.data for x in leaves]


@given(expressions(max_depth=6, max_ops=12))
def test_random_graphs_gradients_match_finite_differences(expr: Any) -> None:
    out, leaves = expr
    assert gradcheck(as_function(out, leaves), *point(leaves))


@given(expressions(max_leaves=2, max_depth=4, max_ops=8))
def test_random_graphs_second_derivatives_match_finite_differences(expr: Any) -> None:
    out, leaves = expr
    assert gradgradcheck(as_function(out, leaves), *point(leaves))


@st.composite
def graphs_using(draw: st.DrawFn, prim: Primitive, max_ops: int) -> tuple[Value, list[Value]]:
    """A random expression plus ``prim`` on fresh leaves inside its domain, off its kinks."""
    out, leaves = draw(expressions(max_leaves=2, max_ops=max_ops))
    # inside the op's domain, off its kinks, jumps, ties and poles: the table's test inputs
    ys = [Value(y, label=f"y{k}") for k, y in enumerate(draw(domain_inputs(prim)))]
    return out + apply(prim, *ys), [*leaves, *ys]


@pytest.mark.parametrize("error", [0.25, 1e-3])
@pytest.mark.parametrize(("prim", "index"), RULES, ids=[f"{p.name}-{i}" for p, i in RULES])
@PLANTED
@given(data=st.data())
def test_gradcheck_catches_a_wrong_rule(
    prim: Primitive, index: int, error: float, data: Any
) -> None:
    out, leaves = data.draw(graphs_using(prim, max_ops=4))
    f = as_function(out, leaves)
    rule = prim.partials[index]
    y = leaves[len(leaves) - prim.arity + index]
    unpatched = gradients(out, [y])[0].data
    with planted(prim, index, lambda *a: rule(*a) + error):
        assert gradients(out, [y])[0].data != unpatched  # the engine really uses the patch
        with pytest.raises(AssertionError) as failure:
            gradcheck(f, *point(leaves))
    message = str(failure.value)
    assert f"{prim.name} node" in message and f"its rule ∂out/∂input{index}" in message


@pytest.mark.parametrize(("prim", "index"), RULES, ids=[f"{p.name}-{i}" for p, i in RULES])
@PLANTED
@given(data=st.data())
def test_gradgradcheck_catches_a_rule_whose_graph_is_wrong(
    prim: Primitive, index: int, data: Any
) -> None:
    # Right on floats, wrong as a graph: x - float(x) is 0 with derivative 1.
    out, leaves = data.draw(graphs_using(prim, max_ops=2))
    f = as_function(out, leaves)
    rule = prim.partials[index]
    with planted(prim, index, lambda *a: rule(*a) + (a[0] - float(a[0]))):
        assert gradcheck(f, *point(leaves))
        with pytest.raises(AssertionError) as failure:
            gradgradcheck(f, *point(leaves))
    message = str(failure.value)
    assert f"{prim.name} node" in message and "the derivative of its rule" in message
