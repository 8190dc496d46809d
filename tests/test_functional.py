"""Laws of differentiation and the functional API: gradients, grad, value_and_grad, hessian.

Random functions are compositions of the table's one-input primitives on the
whole real line, so a new unary op joins these laws the moment it is added.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import reduce
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_tiny import Value, apply, grad, gradients, hessian, value_and_grad
from autograd_tiny.ops import BY_NAME, PRIMITIVES, Primitive

UNARY = tuple(p for p in PRIMITIVES if p.arity == 1 and p.domain == "real")
SMALL = st.floats(-2.0, 2.0)
NONZERO = st.floats(0.25, 3.0) | st.floats(-3.0, -0.25)
Fn = Callable[[Any], Any]


def compose(prims: tuple[Primitive, ...]) -> Fn:
    """``x ↦ p_n(…p_1(x))`` on ``Value``s."""
    return lambda x: reduce(lambda acc, p: apply(p, acc), prims, x)


compositions = st.lists(st.sampled_from(UNARY), min_size=1, max_size=4).map(tuple)


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def finite(*xs: float) -> bool:
    return all(math.isfinite(x) for x in xs)


# --- laws ---------------------------------------------------------------------------


@given(x=st.floats(-1e100, 1e100))
def test_a_square_is_a_product_with_itself(x: float) -> None:
    d2 = grad(grad(lambda v: v * v))
    assert close((Value(x) * Value(x)).data, (Value(x) ** 2).data, 1e-15)
    assert grad(lambda v: v * v)(x) == grad(lambda v: v**2)(x) == 2 * x
    assert d2(x) == grad(grad(lambda v: v**2))(x) == 2.0


@given(a=st.floats(allow_nan=False, allow_infinity=False))
def test_a_sum_with_itself_is_twice(a: float) -> None:
    x = Value(a)
    assert (x + x).data == (2 * x).data
    assert grad(lambda v: v + v)(a) == grad(lambda v: 2 * v)(a) == 2.0
    assert grad(grad(lambda v: v + v))(a) == 0.0


@given(x=SMALL, y=NONZERO)
def test_division_is_multiplication_by_the_reciprocal(x: float, y: float) -> None:
    quotient = value_and_grad(lambda a, b: a / b, argnums=(0, 1))(x, y)
    product = value_and_grad(lambda a, b: a * b**-1, argnums=(0, 1))(x, y)
    assert close(quotient[0], product[0], 1e-14)
    assert all(close(a, b, 1e-14) for a, b in zip(quotient[1], product[1], strict=True))
    h1, h2 = hessian(lambda a, b: a / b)(x, y), hessian(lambda a, b: a * b**-1)(x, y)
    assert all(
        close(a, b, 1e-12)
        for r1, r2 in zip(h1, h2, strict=True)
        for a, b in zip(r1, r2, strict=True)
    )


@given(f=compositions, g=compositions, a=SMALL, b=SMALL, x=SMALL)
def test_the_gradient_is_linear(
    f: tuple[Primitive, ...], g: tuple[Primitive, ...], a: float, b: float, x: float
) -> None:
    ff, gg = compose(f), compose(g)
    combined = grad(lambda v: a * ff(v) + b * gg(v))(x)
    df, dg = grad(ff)(x), grad(gg)(x)
    assume(finite(combined, df, dg))
    assert close(combined, a * df + b * dg)


@given(f=compositions, g=compositions, x=SMALL)
def test_product_rule(f: tuple[Primitive, ...], g: tuple[Primitive, ...], x: float) -> None:
    ff, gg = compose(f), compose(g)
    (fx, df), (gx, dg) = value_and_grad(ff)(x), value_and_grad(gg)(x)
    assume(finite(fx, df, gx, dg, fx * gx, df * gx + fx * dg))  # the law, not overflow
    assert close(grad(lambda v: ff(v) * gg(v))(x), df * gx + fx * dg)


@given(f=compositions, g=compositions, x=SMALL)
def test_chain_rule(f: tuple[Primitive, ...], g: tuple[Primitive, ...], x: float) -> None:
    ff, gg = compose(f), compose(g)
    gx, dg = value_and_grad(gg)(x)
    assume(finite(gx, dg))
    df = grad(ff)(gx)
    assume(finite(df, df * dg))
    assert close(grad(lambda v: ff(gg(v)))(x), df * dg)


SMOOTH = tuple(BY_NAME[n] for n in ("tanh", "sin", "cos", "sigmoid", "softplus", "neg"))


@given(f=st.lists(st.sampled_from(SMOOTH), min_size=1, max_size=3).map(tuple), x=SMALL)
def test_third_derivative_by_nesting_grad(f: tuple[Primitive, ...], x: float) -> None:
    ff = compose(f)
    second = grad(grad(ff))
    h = 1e-5
    numeric = (second(x + h) - second(x - h)) / (2 * h)
    assert close(grad(grad(grad(ff)))(x), numeric, 1e-6)


def three_variables(prims: tuple[Primitive, ...]) -> Callable[..., Any]:
    """A function of three arguments mixing them with products and quotients."""
    inner = compose(prims)
    return lambda a, b, c: inner(a * b + c) * (b - c) / (2.0 + a.sin()) + a * a * c


@given(
    f=st.lists(st.sampled_from(SMOOTH), min_size=0, max_size=3).map(tuple),
    xs=st.tuples(SMALL, SMALL, SMALL),
)
def test_the_hessian_is_symmetric_and_matches_differences_of_the_gradient(
    f: tuple[Primitive, ...], xs: tuple[float, float, float]
) -> None:
    fn = three_variables(f)
    h = hessian(fn)(*xs)
    gradient = grad(fn, argnums=(0, 1, 2))
    step = 1e-5
    for i in range(3):
        up = [x + step if k == i else x for k, x in enumerate(xs)]
        down = [x - step if k == i else x for k, x in enumerate(xs)]
        column = [(u - d) / (2 * step) for u, d in zip(gradient(*up), gradient(*down), strict=True)]
        for j in range(3):
            assert type(h[i][j]) is float
            assert close(h[i][j], h[j][i], 1e-12)
            assert close(h[j][i], column[j], 1e-6), (i, j, h, column)


# --- the API --------------------------------------------------------------------------


@given(x=SMALL, y=SMALL, z=SMALL)
def test_value_and_grad_with_int_and_tuple_argnums(x: float, y: float, z: float) -> None:
    def f(a: Any, b: Any, c: Any) -> Any:
        return a * b * b + c * c * a  # b stays a float when it is not differentiated

    leaves = [Value(x), Value(y), Value(z)]
    out = f(*leaves)
    expected = [g.data for g in gradients(out, leaves)]
    value, (gx, gz) = value_and_grad(f, argnums=(0, 2))(x, y, z)
    assert type(value) is float and value == out.data and (gx, gz) == (expected[0], expected[2])
    only = value_and_grad(f, argnums=1)(x, y, z)
    assert only == (out.data, expected[1]) and type(only[1]) is float
    assert grad(f, argnums=(2, 1))(x, y, z) == (expected[2], expected[1])
    assert grad(f)(x, y, z) == expected[0]


@given(x=SMALL, y=SMALL)
def test_an_unused_input_gets_zero(x: float, y: float) -> None:
    a, b = Value(x), Value(y)
    for create_graph in (False, True):
        ga, gb = gradients(a * a, [a, b], create_graph=create_graph)
        assert isinstance(gb, Value) and gb.data == 0.0 and ga.data == 2 * x
    assert grad(lambda u, v: u * 2.0, argnums=1)(x, y) == 0.0
    assert grad(lambda u: 3.0)(x) == 0.0


@given(x=SMALL, seed=SMALL)
def test_grad_output_scales_the_result(x: float, seed: float) -> None:
    v = Value(x)
    out = v.sin() * v
    (plain,) = gradients(out, [v])
    (scaled,) = gradients(out, [v], grad_output=seed)
    assert close(scaled.data, plain.data * seed, 1e-15)


@given(x=SMALL)
def test_create_graph_results_can_be_differentiated_again(x: float) -> None:
    v = Value(x)
    (first,) = gradients(v.sin() * v, [v], create_graph=True)
    (plain,) = gradients(v.sin() * v, [v])
    assert first.requires_grad and first.data == plain.data
    (second,) = gradients(first, [v])
    assert close(second.data, 2 * math.cos(x) - x * math.sin(x), 1e-12)


@given(x=SMALL)
def test_nested_calls_take_and_return_values(x: float) -> None:
    v = Value(x)
    d = grad(lambda a: a * a * a)(v)
    assert isinstance(d, Value) and close(d.data, 3 * x * x, 1e-15)
    assert type(grad(lambda a: a * a * a)(x)) is float


def test_none_of_the_functional_api_touches_grad() -> None:
    made: list[Value] = []

    def f(a: Any, b: Any) -> Any:
        out = (a * b).tanh() + a.exp() * b
        made.extend((a, b, out))
        return out

    x, y = Value(0.3), Value(-1.2)
    x.grad, y.grad = 7.0, -5.0
    out = f(x, y)
    gradients(out, [x, y])
    (gx,) = gradients(out, [x], create_graph=True)
    gradients(gx, [x, y])
    grad(f, argnums=(0, 1))(x, y)
    grad(grad(f))(x, y)
    value_and_grad(f)(0.3, -1.2)
    hessian(f)(0.3, -1.2)
    hessian(f)(x, y)
    assert (x.grad, y.grad) == (7.0, -5.0)
    assert all(v.grad == 0.0 for v in made if isinstance(v, Value) and v not in (x, y))


@given(x=SMALL, y=SMALL)
def test_negative_argnums_count_from_the_end(x: float, y: float) -> None:
    def f(a: Any, b: Any) -> Any:
        return a * b.exp()

    assert grad(f, argnums=-1)(Value(x), Value(y)).data == grad(f, argnums=1)(x, y)
    assert grad(f, argnums=(-2, -1))(x, y) == grad(f, argnums=(0, 1))(x, y)


@given(x=SMALL, s=SMALL)
def test_a_value_grad_output_is_part_of_the_graph(x: float, s: float) -> None:
    v, seed = Value(x), Value(s)
    (g,) = gradients(v.sin() * v, [v], grad_output=seed, create_graph=True)
    d_seed, d_v = gradients(g, [seed, v])
    assert close(d_seed.data, math.cos(x) * x + math.sin(x), 1e-15)
    assert close(d_v.data, s * (2 * math.cos(x) - x * math.sin(x)), 1e-12)


def test_hessian_of_a_constant_function_is_zero() -> None:
    assert hessian(lambda a, b: 3.0)(1.0, 2.0) == [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("argnums", [1.0, "a", True, (0, None), [0, 1.5]])
def test_argnums_that_are_not_ints_raise_type_error(argnums: Any) -> None:
    with pytest.raises(TypeError, match="argnums takes an int or a tuple of ints"):
        grad(lambda x, y: x * y, argnums=argnums)


def test_argnums_may_be_a_list() -> None:
    assert grad(lambda x, y: x * y, argnums=[1, 0])(3.0, 4.0) == (3.0, 4.0)
