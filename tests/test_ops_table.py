"""Every primitive of ``ops.PRIMITIVES``, found by iterating the table.

A new table entry is tested here the moment it is added: its value through the
``Value`` API, its gradient against central finite differences, its second
derivatives (``create_graph``) against finite differences of the gradient, and
each partial rule's float path against its ``Value`` path.  Inputs are drawn
inside the op's ``domain``, with magnitudes bounded so that differences are
accurate and kept away from 0, where relu, abs and leaky_relu have kinks, and
off the jumps of the piecewise-constant ops (floor, round, ``%``, ``//`` …),
the ties of min and max and the poles of tan.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import product
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, apply, gradients
from autograd_tiny.ops import BY_NAME, PRIMITIVES, Primitive, Share, div
from autograd_tiny.replay import record

TABLE = pytest.mark.parametrize("prim", PRIMITIVES, ids=[p.name for p in PRIMITIVES])
# Each op's property gets a third of the profile's examples: the table multiplies them.
PER_OP = settings(max_examples=max(10, settings().max_examples // 3))

_MAGNITUDES = st.floats(0.25, 4.0)


# How far a point keeps from a jump or a kink: far more than a difference's step.
_OFF = 0.01


def _off_integers(t: float) -> bool:
    return abs(t - round(t)) >= _OFF


def domain_floats(domain: str) -> st.SearchStrategy[float]:
    """Inputs where the op is smooth: bounded, at least 0.25 away from 0, off jumps and poles."""
    signed = st.tuples(_MAGNITUDES, st.sampled_from((1.0, -1.0))).map(lambda t: t[0] * t[1])
    strategies = {
        "positive": _MAGNITUDES,
        "nonzero": signed,
        "real": signed,
        "unit": st.floats(-0.75, 0.75),
        "above_minus_one": st.floats(-0.75, 4.0),
        # tan's poles are the odd multiples of π/2
        "cos_nonzero": signed.filter(lambda x: _off_integers(x / math.pi - 0.5)),
        "noninteger": signed.filter(_off_integers),
        "off_half_integers": signed.filter(lambda x: _off_integers(x - 0.5)),
        "distinct": signed,  # and the joint condition of inputs()
        "noninteger_quotient": signed,  # and the joint condition of inputs()
    }
    if domain not in strategies:
        raise ValueError(f"unknown domain {domain!r}: teach tests/test_ops_table.py about it")
    return strategies[domain]


# Domains that constrain the inputs together: (x, y) off the kinks and jumps.
_JOINT: dict[str, Callable[[tuple[float, ...]], bool]] = {
    "distinct": lambda xs: abs(xs[0] - xs[1]) >= _OFF,
    "noninteger_quotient": lambda xs: _off_integers(xs[0] / xs[1]),
}


def inputs(prim: Primitive) -> st.SearchStrategy[tuple[float, ...]]:
    """One point of ``prim``'s domain: a float per operand."""
    points = st.tuples(*(domain_floats(prim.domain) for _ in range(prim.arity)))
    joint = _JOINT.get(prim.domain)
    return points if joint is None else points.filter(joint)


def through_values(prim: Primitive, xs: tuple[float, ...]) -> list[float]:
    """The first-order gradient of ``prim`` at ``xs``, every operand a ``Value``."""
    leaves = [Value(x) for x in xs]
    return [g.data for g in gradients(apply(prim, *leaves), leaves)]


def central_difference(f: Callable[[tuple[float, ...]], Any], xs: tuple[float, ...], i: int) -> Any:
    """``∂f/∂x_i`` at ``xs`` by a central difference (``f`` may return a list)."""
    h = 1e-6 * max(1.0, abs(xs[i]))
    up = tuple(x + h if j == i else x for j, x in enumerate(xs))
    down = tuple(x - h if j == i else x for j, x in enumerate(xs))
    fu, fd = f(up), f(down)
    if isinstance(fu, list):
        return [(a - b) / (up[i] - down[i]) for a, b in zip(fu, fd, strict=True)]
    return (fu - fd) / (up[i] - down[i])


def close(a: float, b: float, tol: float) -> bool:
    """Equal up to ``tol``, relative to the larger magnitude or to 1."""
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def same_number(a: float, b: float) -> bool:
    """Exactly equal, counting two NaNs as equal."""
    return a == b or (math.isnan(a) and math.isnan(b))


def test_the_table_is_consistent() -> None:
    names = [p.name for p in PRIMITIVES]
    assert len(set(names)) == len(names)
    assert {p.name: p for p in PRIMITIVES} == BY_NAME
    assert all(p.arity == len(p.partials) >= 1 for p in PRIMITIVES)
    for p in PRIMITIVES:  # with a Share, every rule in the chain's form; else none
        shares = [isinstance(r, Share) for r in p.partials]
        assert len(p.vjps) == (p.arity if any(shares) else 0)
        assert p.chain == ((p.vjps, True) if any(shares) else (p.partials, False))
        for rule, vjp in zip(p.partials, p.vjps, strict=False):
            assert (
                vjp is rule.vjp
                if isinstance(rule, Share)
                else vjp(3.0, *[2.0] * p.arity, 5.0) == rule(*[2.0] * p.arity, 5.0) * 3.0
            )


@TABLE
def test_every_domain_is_known(prim: Primitive) -> None:
    assert domain_floats(prim.domain) is not None


# --- the op through the Value API -------------------------------------------------

_OPERATORS: dict[str, Callable[..., Value]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
    "neg": lambda x: -x,
    "abs": lambda x: abs(x),
    "fma": lambda x, y, z: x.fma(y, z),
    "leaky_relu": lambda x, slope: x.leaky_relu(slope.data),  # the slope is a number
    "mod": lambda x, y: x % y,
    "floordiv": lambda x, y: x // y,
}
# Operands that the Value API takes as plain numbers, folded into the node.
_NUMBER_OPERANDS: dict[str, tuple[int, ...]] = {"leaky_relu": (1,)}


def call_through_api(prim: Primitive, leaves: list[Value]) -> Value:
    """``prim`` applied through its operator or its ``Value`` method of the same name."""
    if prim.name in _OPERATORS:
        return _OPERATORS[prim.name](*leaves)
    method = getattr(leaves[0], prim.name, None)
    assert method is not None, f"{prim.name} has no Value method of the same name"
    return method(*leaves[1:])  # type: ignore[no-any-return]


def check_value_api(prim: Primitive, xs: tuple[float, ...]) -> None:
    """The operator or method records one ``prim`` node with the forward's value."""
    leaves = [Value(x) for x in xs]
    out = call_through_api(prim, leaves)
    assert out.op == prim.name and out.primitive is prim
    folded = _NUMBER_OPERANDS.get(prim.name, ())
    expected = tuple(
        x if i in folded else v for i, (x, v) in enumerate(zip(xs, leaves, strict=True))
    )
    assert out.operands == expected
    assert out.parents == tuple(v for i, v in enumerate(leaves) if i not in folded)
    assert type(out.data) is float and same_number(out.data, prim.forward(*xs))
    generic = apply(prim, *leaves)
    assert same_number(generic.data, out.data) and generic.op == prim.name


def check_gradient(prim: Primitive, xs: tuple[float, ...]) -> None:
    """Reverse mode agrees with central differences of the forward."""
    analytic = through_values(prim, xs)
    for i in range(prim.arity):
        numeric = central_difference(lambda p: prim.forward(*p), xs, i)
        assert close(analytic[i], numeric, 1e-6), (prim.name, xs, i, analytic[i], numeric)


def check_folding(prim: Primitive, xs: tuple[float, ...], mask: tuple[bool, ...]) -> None:
    """Numbers in place of some operands: one node, same gradient for the rest."""
    operands = [Value(x) if keep else x for x, keep in zip(xs, mask, strict=True)]
    out = apply(prim, *operands)
    leaves = [o for o in operands if isinstance(o, Value)]
    assert out.parents == tuple(leaves) and out.operands == tuple(operands)
    expected = [g for g, keep in zip(through_values(prim, xs), mask, strict=True) if keep]
    assert [g.data for g in gradients(out, leaves)] == expected


@TABLE
@PER_OP
@given(data=st.data())
def test_value_gradient_folding_and_rules_in_the_domain(
    prim: Primitive, data: st.DataObject
) -> None:
    xs = data.draw(inputs(prim), label="xs")
    check_value_api(prim, xs)
    check_gradient(prim, xs)
    check_folding(prim, xs, data.draw(st.tuples(*(st.booleans() for _ in xs)).filter(any)))
    rules_agree(prim, xs)


def second_derivatives(prim: Primitive, xs: tuple[float, ...]) -> list[list[float]]:
    """``∂²f/∂x_i∂x_j`` by differentiating a ``create_graph`` gradient again."""
    leaves = [Value(x) for x in xs]
    first = gradients(apply(prim, *leaves), leaves, create_graph=True)
    return [[h.data for h in gradients(g, leaves)] for g in first]


@TABLE
@PER_OP
@given(data=st.data())
def test_second_derivatives_match_differences_of_the_gradient(
    prim: Primitive, data: st.DataObject
) -> None:
    xs = data.draw(inputs(prim))
    analytic = second_derivatives(prim, xs)
    for j in range(prim.arity):
        column = central_difference(lambda p: through_values(prim, p), xs, j)
        for i in range(prim.arity):
            assert close(analytic[i][j], column[i], 1e-5), (prim.name, xs, i, j)


# --- each rule: the float path and the Value path give the same number -------------


def rules_agree(prim: Primitive, xs: tuple[float, ...]) -> None:
    """Each partial of ``prim`` on floats equals the same partial on ``Value``s.

    A ``Share`` rule's chain-rule form too, for upstream gradients of every size.
    """
    leaves = [Value(x) for x in xs]
    out = apply(prim, *leaves)
    for i, partial in enumerate(prim.partials):
        on_floats = partial(*xs, out.data)
        on_values = partial(*leaves, out)
        assert type(on_floats) is float, (prim.name, i, type(on_floats))
        assert same_number(on_floats, float(on_values)), (prim.name, xs, i)
        vjp = prim.vjps[i] if prim.vjps else None
        for g in () if vjp is None else (3.0, -1e300, math.inf, math.nan):
            on_floats, on_values = vjp(g, *xs, out.data), vjp(Value(g), *leaves, out)
            assert type(on_floats) is float, (prim.name, i, type(on_floats))
            assert same_number(on_floats, float(on_values)), (prim.name, xs, i, g)


@TABLE
@PER_OP
@given(data=st.data(), g=st.floats(-1e3, 1e3).filter(lambda g: abs(g) > 1e-3))
def test_a_share_is_its_partial_times_the_gradient_up_to_rounding(
    prim: Primitive, data: st.DataObject, g: float
) -> None:
    """Where nothing overflows, ``vjp(g)`` is ``partial · g``: a quotient rounds once less."""
    xs = data.draw(inputs(prim))
    out = prim.forward(*xs)
    for partial, vjp in zip(prim.partials, prim.vjps, strict=False):
        assert close(vjp(g, *xs, out), partial(*xs, out) * g, 4e-16)
        assert vjp(1.0, *xs, out) == partial(*xs, out)


def test_a_user_defined_primitive_with_a_share_rule_works_everywhere() -> None:
    # 1/x with the gradient -(g / x) / x: no 1/x² to overflow for a tiny x.
    recip = Primitive(
        "recip", lambda x: div(1.0, x), (Share(lambda g, x, out: -div(div(g, x), x)),)
    )
    x = Value(1e-160)
    (g,) = gradients(apply(recip, x), [x], grad_output=1e-300, create_graph=True)
    assert g.data == -(1e-300 / 1e-160) / 1e-160
    assert gradients(g, [x])[0].data == 2 * (1e-300 / 1e-160) / 1e-160 / 1e-160
    # The tape takes rules from the table entry; the python and numpy backends
    # know only the table's own ops until they too derive from Primitive.partials.
    program = record(lambda v: apply(recip, v), 1e-160, backend="tape")
    assert program.value_and_grad(1e-160, grad_output=1e-300)[1] == (g.data,)


# On arbitrary floats, tests/test_numerics.py compares the whole first-order
# backward (float rules) with create_graph gradients (Value rules).
@TABLE
def test_rules_agree_on_every_special_value(prim: Primitive) -> None:
    specials = (0.0, -0.0, 1.0, -2.5, 5e-324, 1e300, -1e300, math.inf, -math.inf, math.nan)
    for xs in product(specials, repeat=prim.arity):
        rules_agree(prim, xs)
