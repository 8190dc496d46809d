"""Extreme magnitudes and branches not taken: eager, higher order and every replay backend.

A rule that divides divides the upstream gradient (``grad / y``, as PyTorch)
instead of multiplying it by a reciprocal that overflows; an input whose branch
is not taken passes exactly 0, whatever the upstream gradient, even ``inf`` or
``nan`` (PyTorch's and JAX's masked rule), and to any order.  Expected values
are closed forms in IEEE arithmetic, never the engine's own rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, apply, gradients, hessian
from autograd_tiny.ops import LEAKY_RELU
from autograd_tiny.replay import BACKENDS, record

INF, NAN = math.inf, math.nan


def leaky(x: Any, slope: Any) -> Value:
    """leaky_relu with the slope as an operand (a Value, so it is differentiated)."""
    return apply(LEAKY_RELU, x, slope)  # type: ignore[no-any-return]


def same(a: float, b: float) -> bool:
    """Equal with the sign of a zero, or both NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def first_order(f: Callable[..., Value], xs: tuple[float, ...], upstream: float) -> list[float]:
    leaves = [Value(x) for x in xs]
    return [g.data for g in gradients(f(*leaves), leaves, grad_output=upstream)]


def replayed(
    f: Callable[..., Value], xs: tuple[float, ...], upstream: float, backend: str
) -> list[float]:
    _, grads, _ = record(f, *xs, backend=backend).value_and_grad(*xs, grad_output=upstream)
    return [float(np.asarray(g).reshape(-1)[0]) for g in grads]


# --- a rule that divides -----------------------------------------------------------

TINY = 5e-324  # its reciprocal overflows; a quotient by it need not
DIVIDES: list[tuple[str, Callable[..., Value], tuple[float, ...], float, float]] = [
    # (case, f, inputs, upstream, d f / d first input · upstream in closed form)
    ("x / y at y = 1e-310", lambda x: x / 1e-310, (1.0,), 1e-10, 1e-10 / 1e-310),
    ("x / y, y a Value", lambda x, y: x / y, (1.0, TINY), 1e-300, 1e-300 / TINY),
    ("log x at 1e-310", lambda x: x.log(), (1e-310,), 1e-10, 1e-10 / 1e-310),
    ("log x at the least subnormal", lambda x: x.log(), (TINY,), 1e-300, 1e-300 / TINY),
    ("sqrt x: grad / (2 sqrt x)", lambda x: x.sqrt(), (TINY,), 3.0, 3.0 / (2 * math.sqrt(TINY))),
]


@pytest.mark.parametrize(
    ("case", "f", "xs", "upstream", "want"), DIVIDES, ids=[c[0] for c in DIVIDES]
)
def test_a_rule_that_divides_overflows_only_when_the_quotient_does(
    case: str, f: Callable[..., Value], xs: tuple[float, ...], upstream: float, want: float
) -> None:
    assert first_order(f, xs, upstream)[0] == want
    leaves = [Value(x) for x in xs]
    (g, *_) = gradients(f(*leaves), leaves, grad_output=upstream, create_graph=True)
    assert g.data == want
    for backend in BACKENDS:
        assert replayed(f, xs, upstream, backend)[0] == want, backend


def test_the_issues_cases_of_a_reciprocal_that_overflowed() -> None:
    x = Value(1.0)
    assert gradients(1e-10 * (x / 1e-310), [x])[0].data == 1e-10 / 1e-310  # was inf
    x = Value(1e-310)
    assert gradients(1e-10 * x.log(), [x])[0].data == 1e-10 / 1e-310  # was inf
    x = Value(1.0)
    ((x - x) / 1e-310).backward(0.001)  # 0.001 / 1e-310 is finite: s - s = 0, not inf - inf
    assert x.grad == 0.0


# --- second order at large magnitudes --------------------------------------------


def test_second_order_keeps_its_terms_at_large_magnitudes() -> None:
    h = hessian(lambda x, y: (x * y) * (x * y).log())(1.0, 1e300)  # was nan and 693.78
    mixed = math.log(1e300) + 2.0  # d2/dxdy of u log u, u = xy, is log u + 2
    assert h == [[1e300, mixed], [mixed, 1e-300]]
    assert hessian(lambda x: x.log().relu())(1e-160) == [[0.0]]  # was nan


@given(x=st.floats(0.5, 2.0), k=st.integers(-300, 300))
def test_the_hessian_of_u_log_u_at_any_magnitude(x: float, k: int) -> None:
    y = 10.0**k
    u = x * y
    closed = [[y / x, math.log(u) + 2.0], [math.log(u) + 2.0, x / y]]  # y²/u, x²/u
    h = hessian(lambda a, b: (a * b) * (a * b).log())(x, y)
    for got, want in zip(h, closed, strict=True):
        for a, b in zip(got, want, strict=True):
            assert math.isclose(a, b, rel_tol=1e-13), (x, k, h, closed)


# --- a branch not taken ----------------------------------------------------------

# (case, f, inputs, index): that input's branch is not taken at these inputs.
NOT_TAKEN: list[tuple[str, Callable[..., Value], tuple[float, ...], int]] = [
    ("relu at -1", lambda x: x.relu(), (-1.0,), 0),
    ("relu at 0", lambda x: x.relu(), (0.0,), 0),
    ("relu at -0.0", lambda x: x.relu(), (-0.0,), 0),
    ("relu at -inf", lambda x: x.relu(), (-INF,), 0),
    ("abs at 0", lambda x: abs(x), (0.0,), 0),
    ("abs at -0.0", lambda x: abs(x), (-0.0,), 0),
    ("the base of x ** 0 at 2", lambda x, y: x**y, (2.0, 0.0), 0),
    ("the base of 0 ** 0", lambda x, y: x**y, (0.0, 0.0), 0),
    ("the base of inf ** 0", lambda x, y: x**y, (INF, 0.0), 0),
    ("the base of nan ** 0", lambda x, y: x**y, (NAN, 0.0), 0),
    ("the exponent of 0 ** 2", lambda x, y: x**y, (0.0, 2.0), 1),
    ("the exponent of 0 ** 0", lambda x, y: x**y, (0.0, 0.0), 1),
    ("the exponent of (-0.0) ** 0.5", lambda x, y: x**y, (-0.0, 0.5), 1),
    ("leaky_relu's slope at 1", leaky, (1.0, 0.1), 1),
    ("leaky_relu's slope at inf", leaky, (INF, 0.1), 1),
    ("leaky_relu's slope at nan", leaky, (NAN, 0.1), 1),
]
NOT_TAKEN_IDS = [c[0] for c in NOT_TAKEN]
UPSTREAMS = (1.0, -1e300, INF, -INF, NAN)


@pytest.mark.parametrize(("case", "f", "xs", "index"), NOT_TAKEN, ids=NOT_TAKEN_IDS)
def test_a_branch_not_taken_passes_exactly_nothing(
    case: str, f: Callable[..., Value], xs: tuple[float, ...], index: int
) -> None:
    for upstream in UPSTREAMS:
        assert same(first_order(f, xs, upstream)[index], 0.0), (case, upstream)
        leaves = [Value(x) for x in xs]
        f(*leaves).backward(upstream)
        assert same(leaves[index].grad, 0.0), (case, upstream)


@pytest.mark.parametrize(("case", "f", "xs", "index"), NOT_TAKEN, ids=NOT_TAKEN_IDS)
def test_a_branch_not_taken_passes_nothing_to_higher_order(
    case: str, f: Callable[..., Value], xs: tuple[float, ...], index: int
) -> None:
    for upstream in UPSTREAMS:
        leaves = [Value(x) for x in xs]
        first = gradients(f(*leaves), leaves, grad_output=upstream, create_graph=True)
        assert same(first[index].data, 0.0), (case, upstream)
        assert [g.data for g in gradients(first[index], leaves)] == [0.0] * len(xs)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("case", "f", "xs", "index"), NOT_TAKEN, ids=NOT_TAKEN_IDS)
def test_a_branch_not_taken_passes_nothing_in_every_replay_backend(
    case: str, f: Callable[..., Value], xs: tuple[float, ...], index: int, backend: str
) -> None:
    for upstream in UPSTREAMS:
        assert same(replayed(f, xs, upstream, backend)[index], 0.0), (case, upstream)


def test_nothing_passes_through_a_branch_not_taken_to_the_ops_below() -> None:
    # relu(log x) at x = 0.5: log's gradient is 2, but relu passes nothing, even inf.
    x = Value(0.5)
    assert gradients(x.log().relu(), [x], grad_output=INF)[0].data == 0.0
    out, (gx,), _ = record(lambda v: v.log().relu(), 0.5).value_and_grad(0.5, grad_output=INF)
    assert out == 0.0 and gx == 0.0


# A branch taken whose slope is 0 is a product, as in PyTorch: 0 * inf is nan.
TAKEN_WITH_ZERO_SLOPE: list[tuple[str, Callable[..., Value], tuple[float, ...], int]] = [
    ("leaky_relu with slope 0 at -1", leaky, (-1.0, 0.0), 0),
    ("x * y at y = 0", lambda x, y: x * y, (3.0, 0.0), 0),
    ("cos' at 0", lambda x: x.cos(), (0.0,), 0),
]


@pytest.mark.parametrize(
    ("case", "f", "xs", "index"), TAKEN_WITH_ZERO_SLOPE, ids=[c[0] for c in TAKEN_WITH_ZERO_SLOPE]
)
def test_a_zero_slope_on_a_branch_taken_is_a_product(
    case: str, f: Callable[..., Value], xs: tuple[float, ...], index: int
) -> None:
    assert math.isnan(first_order(f, xs, INF)[index]), case
    for backend in BACKENDS:
        assert math.isnan(replayed(f, xs, INF, backend)[index]), (case, backend)


def test_relu_and_leaky_relu_take_the_branch_of_their_forward_at_nan() -> None:
    # Their forward is `0 if x <= 0 else x` (slope·x for leaky): nan takes the
    # identity branch, so the gradient passes, as PyTorch's relu'(nan) = 1.
    assert first_order(lambda x: x.relu(), (NAN,), 2.0) == [2.0]
    assert first_order(leaky, (NAN, 0.1), 2.0) == [2.0, 0.0]
    for backend in BACKENDS:
        assert replayed(lambda x: x.relu(), (NAN,), 2.0, backend) == [2.0], backend
