"""Nested differentiation: an inner grad keeps its dependence on the outer variables.

Every expected value is a closed form worked out by hand (each case says which),
never a number the engine produced.  The last test is a law over random
expressions: mixed partials built by nesting agree with each other and with
``hessian``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, grad, gradients, hessian, value_and_grad
from autograd_tiny.strategies import expressions
from autograd_tiny.testing import as_function

Case = tuple[str, Callable[..., Any], tuple[float, ...], float]

CLOSURES: list[Case] = [
    # d/dx [x · d/dy (x y)] = d/dx x² = 2x
    ("closure over x", lambda x: x * grad(lambda y: x * y)(2.0), (1.0,), 2.0),
    # d/dx d/dy (x y²) at y = 3 = d/dx 6x = 6
    ("closure, inner arg a float", lambda x: grad(lambda y: x * y * y)(3.0), (5.0,), 6.0),
    # d/dx [d/dy (x + y)] = d/dx 1 = 0
    ("inner independent of x", lambda x: x * grad(lambda y: x + y)(1.0), (4.0,), 1.0),
    # d/dx sin(x) · d/dy (x y) = d/dx x sin x = sin x + x cos x
    (
        "closure under sin",
        lambda x: x.sin() * grad(lambda y: x * y)(0.5),
        (0.7,),
        math.sin(0.7) + 0.7 * math.cos(0.7),
    ),
    # d/dx d/dy exp(x y) at y = 1 = d/dx x e^x = e^x (1 + x)
    ("closure in exp", lambda x: grad(lambda y: (x * y).exp())(1.0), (0.3,), math.exp(0.3) * 1.3),
    # Perturbation confusion (Siskind & Pearlmutter): d/dx [d/dy (x + y) at y = x] · x = 1
    ("no perturbation confusion", lambda x: x * grad(lambda y: x + y)(x), (2.0,), 1.0),
    # d/dx [d/dy (x y) at y = x] = d/dx x = 1, not d/dx 2x
    ("the outer value as the inner argument", lambda x: grad(lambda y: x * y)(x), (3.0,), 1.0),
]


@pytest.mark.parametrize(("name", "f", "args", "expected"), CLOSURES, ids=[c[0] for c in CLOSURES])
def test_closures_keep_the_outer_dependence(
    name: str, f: Callable[..., Any], args: tuple[float, ...], expected: float
) -> None:
    assert math.isclose(grad(f)(*args), expected, rel_tol=1e-14), name


def test_mixed_partials_by_nesting_with_argnums() -> None:
    f = lambda x, y: x * y * y  # ∂²f/∂x∂y = 2y
    assert grad(grad(f, 1), 0)(2.0, 3.0) == 6.0
    assert grad(grad(f, 0), 1)(2.0, 3.0) == 6.0
    g = lambda x, y: (x * y).sin()  # ∂²g/∂x∂y = cos(xy) - xy sin(xy)
    expected = math.cos(0.6) - 0.6 * math.sin(0.6)
    assert math.isclose(grad(grad(g, 1), 0)(0.5, 1.2), expected, rel_tol=1e-14)
    assert math.isclose(grad(grad(g, 0), 1)(0.5, 1.2), expected, rel_tol=1e-14)


def test_third_order_mixed_derivatives() -> None:
    f = lambda x, y: x * x * y * y * y  # ∂³f/∂x∂y² = 2x · 6y = 12 x y
    assert grad(grad(grad(f, 1), 1), 0)(2.0, 3.0) == 72.0
    assert grad(grad(grad(f, 0), 1), 1)(2.0, 3.0) == 72.0
    assert grad(grad(grad(f, 1), 0), 1)(2.0, 3.0) == 72.0
    # ∂³/∂x²∂y (x² y³) = 2 · 3y² = 54 at y = 3
    assert grad(grad(grad(f, 0), 0), 1)(2.0, 3.0) == 54.0


def test_value_and_grad_inside_grad() -> None:
    def f(x: Value) -> Value:
        value, slope = value_and_grad(lambda y: x * y * y)(3.0)  # 9x and 6x
        return value + slope  # 15x

    assert grad(f)(2.0) == 15.0


def test_gradients_with_create_graph_inside_grad() -> None:
    # d/dx [d/dx x³] = 6x
    f = lambda x: gradients(x * x * x, [x], create_graph=True)[0]
    assert grad(f)(2.0) == 12.0


def test_hessian_inside_grad() -> None:
    # hessian of y ↦ x y³ is 6 x y; d/dx at y = 2 is 12
    f = lambda x: hessian(lambda y: x * y * y * y)(2.0)[0][0]
    assert grad(f)(5.0) == 12.0


def test_hessian_of_values_keeps_the_graph() -> None:
    x = Value(2.0)
    h = hessian(lambda a: a * a * a)(x)[0][0]  # 6a
    assert isinstance(h, Value) and h.data == 12.0
    assert gradients(h, [x])[0].data == 6.0


def test_floats_in_floats_out_when_no_outer_value_is_involved() -> None:
    seen: list[Any] = []

    def f(x: Value) -> Value:
        inner = grad(lambda y: y * y)(3.0)  # depends on nothing of the outer call
        seen.append(inner)
        return x * inner

    assert grad(f)(2.0) == 6.0
    assert type(seen[0]) is float and seen[0] == 6.0

    def g(x: Value) -> Value:
        inner = grad(lambda y: 3.0)(2.0)  # a constant function: floats in, a float out
        seen.append(inner)
        return x * (1.0 + inner)

    assert grad(g)(1.0) == 1.0
    assert type(seen[1]) is float and seen[1] == 0.0
    assert type(grad(lambda x: x * x)(3.0)) is float
    assert type(value_and_grad(lambda x: x * x)(3.0)[0]) is float
    assert all(type(h) is float for row in hessian(lambda x: x * x)(1.0) for h in row)


def test_an_inner_result_depending_on_the_outer_call_is_a_value() -> None:
    seen: list[Any] = []

    def f(x: Value) -> Value:
        inner = grad(lambda y: x * y)(3.0)
        seen.append(inner)
        return inner

    assert grad(f)(2.0) == 1.0
    assert isinstance(seen[0], Value) and seen[0].data == 2.0


@pytest.mark.parametrize(
    ("returned", "named"),
    [(lambda x: x > 1.0, "bool"), (lambda x: "x", "str"), (lambda x: None, "NoneType")],
)
def test_a_function_returning_a_non_number_is_a_type_error(returned: Any, named: str) -> None:
    for transform in (grad, value_and_grad, hessian):
        with pytest.raises(TypeError, match=named):
            transform(returned)(2.0)


def test_numpy_bool_results_are_rejected_too() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="bool"):
        grad(lambda x: np.bool_(True))(2.0)


def test_a_constant_number_result_has_zero_gradient() -> None:
    assert grad(lambda x: 3.0)(2.0) == 0.0
    assert grad(lambda x: 3)(2.0) == 0.0


def _two_leaves(drawn: tuple[Value, list[Value]]) -> bool:
    return len(drawn[1]) == 2


@settings(max_examples=60, deadline=None)
@given(expressions(max_leaves=2, max_ops=6).filter(_two_leaves))
def test_mixed_partials_by_nesting_agree_with_hessian(drawn: tuple[Value, list[Value]]) -> None:
    out, leaves = drawn
    f = as_function(out, leaves)
    x, y = (leaf.data for leaf in leaves)
    xy = grad(grad(f, 1), 0)(x, y)
    yx = grad(grad(f, 0), 1)(x, y)
    h = hessian(f)(x, y)
    assert math.isclose(xy, h[0][1], rel_tol=1e-9, abs_tol=1e-9), (xy, h)
    assert math.isclose(xy, h[1][0], rel_tol=1e-9, abs_tol=1e-9), (xy, h)
    assert math.isclose(xy, yx, rel_tol=1e-9, abs_tol=1e-9), (xy, yx)


@settings(max_examples=40, deadline=None)
@given(
    x=st.floats(-3.0, 3.0, allow_nan=False),
    y=st.floats(-3.0, 3.0, allow_nan=False),
)
def test_closure_law(x: float, y: float) -> None:
    """d/dx [x · (d/dz x z)(y)] = 2x for every y: the inner call sees x, not a constant."""
    assert grad(lambda a: a * grad(lambda z: a * z)(y))(x) == 2.0 * x
