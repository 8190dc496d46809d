"""IEEE-754 numerics: the contract's cases, an independent oracle, never an exception.

DESIGN.md promises NumPy/PyTorch semantics: ``inf`` and ``nan`` where Python's
``math`` would raise, no complex results, and tanh and sigmoid correct to
double precision far into their tails.  The references here are NumPy (C99)
and mpmath at 50 digits, never the engine's own helpers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import product
from typing import Any

import mpmath  # type: ignore[import-untyped]
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, apply, grad, gradients
from autograd_tiny.ops import PRIMITIVES, Primitive

INF, NAN = math.inf, math.nan
TABLE = pytest.mark.parametrize("prim", PRIMITIVES, ids=[p.name for p in PRIMITIVES])
# Each op's property gets a third of the profile's examples: the table multiplies them.
PER_OP = settings(max_examples=max(10, settings().max_examples // 3))
SPECIALS = (0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 5e-324, 1e-300, 1e300, -1e300, INF, -INF, NAN)
ANY_FLOAT = st.one_of(st.floats(), st.sampled_from(SPECIALS), st.floats(-1e3, 1e3))


def same_float(got: float, expected: float, ulps: int = 0) -> bool:
    """Equal within ``ulps`` units in the last place; NaN equals NaN, infinities exactly."""
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    if math.isinf(expected) or math.isinf(got):
        return got == expected
    return abs(got - expected) <= ulps * math.ulp(expected)


# --- the contract's cases ----------------------------------------------------------

V = Value
CONTRACT: list[tuple[str, Callable[[], Value], float]] = [
    ("log(0) = -inf", lambda: V(0.0).log(), -INF),
    ("log(-0.0) = -inf", lambda: V(-0.0).log(), -INF),
    ("log(-1) = nan", lambda: V(-1.0).log(), NAN),
    ("log(inf) = inf", lambda: V(INF).log(), INF),
    ("1/0 = inf", lambda: V(1.0) / 0, INF),
    ("1/0 = inf, number on the left", lambda: 1 / V(0.0), INF),
    ("-1/0 = -inf", lambda: V(-1.0) / 0.0, -INF),
    ("1/-0.0 = -inf", lambda: V(1.0) / V(-0.0), -INF),
    ("0/0 = nan", lambda: V(0.0) / 0, NAN),
    ("inf/inf = nan", lambda: V(INF) / INF, NAN),
    ("inf - inf = nan", lambda: V(INF) - INF, NAN),
    ("0 * inf = nan", lambda: V(0.0) * INF, NAN),
    ("exp(1000) = inf", lambda: V(1000.0).exp(), INF),
    ("exp(-1000) = 0", lambda: V(-1000.0).exp(), 0.0),
    ("(-8) ** 0.5 = nan", lambda: V(-8.0) ** 0.5, NAN),
    ("(-8) ** Value(0.5) = nan", lambda: V(-8.0) ** V(0.5), NAN),
    ("0.0 ** -1 = inf", lambda: V(0.0) ** -1, INF),
    ("(-0.0) ** -1 = -inf", lambda: V(-0.0) ** -1, -INF),
    ("0.0 ** -2 = inf", lambda: V(0.0) ** -2.0, INF),
    ("0.0 ** -0.5 = inf", lambda: V(0.0) ** -0.5, INF),
    ("0.0 ** Value(-1) = inf", lambda: 0.0 ** V(-1.0), INF),
    ("10.0 ** 400 = inf", lambda: V(10.0) ** 400, INF),
    ("(-10.0) ** 401 = -inf", lambda: V(-10.0) ** 401, -INF),
    ("(-10.0) ** 400 = inf", lambda: V(-10.0) ** 400, INF),
    ("(-10.0) ** 400.5 = nan, not an overflow", lambda: V(-10.0) ** 400.5, NAN),
    ("(-1e300) ** 1.5 = nan", lambda: V(-1e300) ** 1.5, NAN),
    ("(-1e-300) ** -400.5 = nan", lambda: V(-1e-300) ** -400.5, NAN),
    ("(-inf) ** 0.5 = inf (C99)", lambda: V(-INF) ** 0.5, INF),
    ("10.0 ** -400 = 0", lambda: V(10.0) ** -400, 0.0),
    ("0 ** 0 = 1", lambda: V(0.0) ** 0, 1.0),
    ("nan ** 0 = 1", lambda: V(NAN) ** 0, 1.0),
    ("1 ** nan = 1", lambda: V(1.0) ** NAN, 1.0),
    ("inf ** -1 = 0", lambda: V(INF) ** -1, 0.0),
    ("sqrt(-1) = nan", lambda: V(-1.0).sqrt(), NAN),
    ("sqrt(inf) = inf", lambda: V(INF).sqrt(), INF),
    ("sin(inf) = nan", lambda: V(INF).sin(), NAN),
    ("cos(-inf) = nan", lambda: V(-INF).cos(), NAN),
    ("tanh(inf) = 1", lambda: V(INF).tanh(), 1.0),
    ("tanh(-1e300) = -1", lambda: V(-1e300).tanh(), -1.0),
    ("sigmoid(-inf) = 0", lambda: V(-INF).sigmoid(), 0.0),
    ("sigmoid(1e300) = 1", lambda: V(1e300).sigmoid(), 1.0),
    ("softplus(1e300) = 1e300", lambda: V(1e300).softplus(), 1e300),
    ("softplus(-inf) = 0", lambda: V(-INF).softplus(), 0.0),
    ("relu(nan) = nan", lambda: V(NAN).relu(), NAN),
    ("abs(-inf) = inf", lambda: abs(V(-INF)), INF),
    ("1e308 * 10 = inf", lambda: V(1e308) * 10, INF),
    ("Value(10**400) = inf", lambda: V(10**400), INF),
    ("Value(-10**400) = -inf", lambda: V(-(10**400)), -INF),
]


@pytest.mark.parametrize(("case", "make", "expected"), CONTRACT, ids=[c[0] for c in CONTRACT])
def test_the_contracts_ieee_cases(case: str, make: Callable[[], Value], expected: float) -> None:
    result = make()
    assert type(result.data) is float
    assert same_float(result.data, expected), (case, result.data)
    if expected == 0.0:  # the sign of a zero is part of IEEE-754
        assert math.copysign(1.0, result.data) == math.copysign(1.0, expected), case


# --- the contract's gradient conventions -------------------------------------------

GRADIENTS: list[tuple[str, Callable[[Value], Value], float, float]] = [
    ("relu'(0) = 0", lambda x: x.relu(), 0.0, 0.0),
    ("abs'(0) = 0", lambda x: abs(x), 0.0, 0.0),
    ("log'(0) = inf", lambda x: x.log(), 0.0, INF),
    ("sqrt'(0) = inf", lambda x: x.sqrt(), 0.0, INF),
    ("d(x**-1)/dx at 0 = -inf", lambda x: x**-1, 0.0, -INF),
    ("d(1/x)/dx at 0 = -inf", lambda x: 1 / x, 0.0, -INF),
    ("d(0**y)/dy at y = 2 is 0", lambda y: 0.0**y, 2.0, 0.0),
    ("d(0**y)/dy at y = 0 is 0", lambda y: 0.0**y, 0.0, 0.0),
    ("d(0**y)/dy at y = -1 is -inf", lambda y: 0.0**y, -1.0, -INF),
    ("d((-2)**y)/dy is nan", lambda y: (-2.0) ** y, 2.0, NAN),
    ("d(x**0)/dx at 0 = 0", lambda x: x**0.0, 0.0, 0.0),
    ("d(x**0)/dx at inf = 0", lambda x: x**0, INF, 0.0),
    ("tanh'(1e300) = 0", lambda x: x.tanh(), 1e300, 0.0),
    ("sigmoid'(-inf) = 0", lambda x: x.sigmoid(), -INF, 0.0),
]


@pytest.mark.parametrize(("case", "f", "x", "expected"), GRADIENTS, ids=[c[0] for c in GRADIENTS])
def test_gradient_conventions(
    case: str, f: Callable[[Value], Value], x: float, expected: float
) -> None:
    assert same_float(grad(f)(x), expected), case


# --- an independent oracle for every forward ---------------------------------------


def _np(f: Callable[..., Any]) -> Callable[..., float]:
    def reference(*xs: float) -> float:
        with np.errstate(all="ignore"):
            return float(f(*(np.float64(x) for x in xs)))

    return reference


def _mp(f: Callable[[Any], Any]) -> Callable[[float], float]:
    def reference(x: float) -> float:
        if not math.isfinite(x):
            return float(f(mpmath.mpf(x)))
        with mpmath.workdps(50):
            return float(f(mpmath.mpf(x)))

    return reference


def _pow(x: float, y: float) -> float:
    # NumPy says (-inf) ** 0.5 is nan; C99 (and math.pow, which never raises
    # for an infinite operand) says inf.
    return math.pow(x, y) if math.isinf(x) else _np(np.power)(x, y)


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + mpmath.exp(-x)) if x >= 0 else mpmath.exp(x) / (1 + mpmath.exp(x))


def _softplus(x: Any) -> Any:
    return x + mpmath.log1p(mpmath.exp(-x)) if x >= 0 else mpmath.log1p(mpmath.exp(x))


# name -> (reference, ulps): every primitive must have one (see the test below).
REFERENCES: dict[str, tuple[Callable[..., float], int]] = {
    "add": (_np(np.add), 0),
    "sub": (_np(np.subtract), 0),
    "mul": (_np(np.multiply), 0),
    "div": (_np(np.divide), 0),
    "fma": (_np(lambda x, y, z: x * y + z), 0),
    "neg": (_np(np.negative), 0),
    "pow": (_pow, 2),
    "exp": (_np(np.exp), 2),
    "log": (_np(np.log), 2),
    "sqrt": (_np(np.sqrt), 0),
    "tanh": (_mp(mpmath.tanh), 2),
    "sigmoid": (_mp(_sigmoid), 2),
    "softplus": (_mp(_softplus), 2),
    "relu": (_np(lambda x: np.where(x > 0, x, np.where(np.isnan(x), x, 0.0))), 0),
    "leaky_relu": (_np(lambda x, s: np.where(x > 0, x, x * s)), 0),
    "abs": (_np(np.abs), 0),
    "sin": (_np(np.sin), 2),
    "cos": (_np(np.cos), 2),
    "tan": (_np(np.tan), 2),
    "asin": (_np(np.arcsin), 2),
    "acos": (_np(np.arccos), 2),
    "atan": (_np(np.arctan), 2),
    "atan2": (_np(np.arctan2), 2),
    "sinh": (_np(np.sinh), 2),
    "cosh": (_np(np.cosh), 2),
    "log1p": (_np(np.log1p), 2),
    "expm1": (_np(np.expm1), 2),
    "floor": (_np(np.floor), 0),
    "ceil": (_np(np.ceil), 0),
    "trunc": (_np(np.trunc), 0),
    "round": (_np(np.rint), 0),
    "sign": (_np(np.sign), 0),
    "floordiv": (_np(np.floor_divide), 0),
    "mod": (_np(np.remainder), 0),
    "min": (_np(np.minimum), 0),
    "max": (_np(np.maximum), 0),
}


@TABLE
def test_every_primitive_has_an_independent_reference(prim: Primitive) -> None:
    assert prim.name in REFERENCES, f"add a reference for {prim.name} to REFERENCES"


def check_against_reference(prim: Primitive, xs: tuple[float, ...]) -> None:
    reference, ulps = REFERENCES[prim.name]
    got = apply(prim, *(Value(x) for x in xs)).data
    assert type(got) is float
    assert same_float(got, reference(*xs), ulps), (prim.name, xs, got, reference(*xs))


@TABLE
@PER_OP
@given(data=st.data())
def test_forward_matches_the_reference_on_any_floats(prim: Primitive, data: st.DataObject) -> None:
    if prim.name in REFERENCES:
        check_against_reference(prim, data.draw(st.tuples(*([ANY_FLOAT] * prim.arity))))


@TABLE
def test_forward_matches_the_reference_on_special_values(prim: Primitive) -> None:
    specials = (*SPECIALS, 2.0, -3.0, 400.5, -1000.0)
    if prim.name in REFERENCES:
        for xs in product(specials, repeat=prim.arity):
            check_against_reference(prim, xs)


# --- no op ever raises, forward or backward, first or second order ----------------


def run_everything(prim: Primitive, xs: tuple[float, ...], mask: tuple[bool, ...]) -> None:
    """Forward, backward, ``create_graph`` and a second backward: no exception."""
    operands = [Value(x) if keep else x for x, keep in zip(xs, mask, strict=True)]
    leaves = [o for o in operands if isinstance(o, Value)]
    out = apply(prim, *operands)
    out.backward()
    first = gradients(out, leaves, create_graph=True)
    second = [h for g in first for h in gradients(g, leaves)]
    for v in (out, *first, *second, *leaves):
        assert type(v.data) is float and type(v.grad) is float
    for g, leaf in zip(first, leaves, strict=True):
        assert same_float(g.data, leaf.grad), (prim.name, xs, g.data, leaf.grad)


@TABLE
@PER_OP
@given(data=st.data())
def test_nothing_raises_on_any_floats(prim: Primitive, data: st.DataObject) -> None:
    xs = data.draw(st.tuples(*([ANY_FLOAT] * prim.arity)))
    run_everything(prim, xs, data.draw(st.tuples(*([st.booleans()] * prim.arity)).filter(any)))


@TABLE
def test_nothing_raises_on_special_values(prim: Primitive) -> None:
    everything = (True,) * prim.arity
    for xs in product(SPECIALS, repeat=prim.arity):
        run_everything(prim, xs, everything)
