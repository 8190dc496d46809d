"""tanh, sigmoid and softplus, and their derivatives, to double precision far into the tails.

Where ``1 - tanh²`` or ``σ·(1 - σ)`` would round to 0 or cancel, the engine
must still agree with mpmath at 50 digits to a few units in the last place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, grad


def same_float(got: float, expected: float, ulps: int) -> bool:
    """Within ``ulps`` units in the last place of ``expected`` (infinities exactly)."""
    if math.isinf(expected) or math.isinf(got):
        return got == expected
    return abs(got - expected) <= ulps * math.ulp(expected)


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + mpmath.exp(-x))


def _softplus(x: Any) -> Any:
    return mpmath.log1p(mpmath.exp(x))


TAILS = st.one_of(st.floats(-1e300, 1e300), st.floats(-40.0, 40.0), st.floats(-800.0, 800.0))


def _mp_exact(f: Callable[[Any], Any], x: float) -> float:
    with mpmath.workdps(50):
        return float(f(mpmath.mpf(x)))


@given(x=TAILS)
def test_tanh_and_its_derivative_to_double_precision(x: float) -> None:
    assert same_float(Value(x).tanh().data, _mp_exact(mpmath.tanh, x), 2)
    exact = _mp_exact(lambda t: mpmath.sech(t) ** 2, x)
    assert same_float(grad(lambda v: v.tanh())(x), exact, 8), (x, exact)


@given(x=TAILS)
def test_sigmoid_and_its_derivative_to_double_precision(x: float) -> None:
    assert same_float(Value(x).sigmoid().data, _mp_exact(_sigmoid, x), 2)
    exact = _mp_exact(lambda t: _sigmoid(t) * _sigmoid(-t), x)
    assert same_float(grad(lambda v: v.sigmoid())(x), exact, 8), (x, exact)


@given(x=TAILS)
def test_softplus_and_its_derivative_to_double_precision(x: float) -> None:
    assert same_float(Value(x).softplus().data, _mp_exact(_softplus, x), 2)
    exact = _mp_exact(_sigmoid, x)
    assert same_float(grad(lambda v: v.softplus())(x), exact, 4), (x, exact)
