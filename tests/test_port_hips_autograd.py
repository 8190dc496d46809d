"""The scalar cases of HIPS autograd's test suite, ported to autograd_tiny.

Sources (HIPS/autograd, commit bff107b): ``tests/test_core.py``,
``tests/test_scalar_ops.py``, ``tests/test_graphs.py`` and ``tests/test_direct.py``.
The functions, the points and the expected closed forms are theirs; the code is ours.
HIPS checks most derivatives numerically (``check_grads``: finite differences, to second
order by default). Here the expected values come only from closed forms or from
``mpmath.diff`` at 50 significant digits, never from autograd_tiny itself, and the
checks are run to the order HIPS reaches (the third for ``test_graphs``' third-derivative
cases). HIPS draws its points from ``numpy.random``; here they are fixed points inside
the same ranges, plus hypothesis properties over those ranges.

Ported:

- test_core: ``+ - * / **`` in each argument at (0.7, 1.8); here also to second order
  (HIPS' ``test_scalar_ops`` checks ``*`` and ``/`` to second order in both arguments).
  The six comparisons: HIPS expects a derivative of zero from a function whose output
  does not depend on its inputs. Here ``< <= > >=`` compare data and ``== !=`` are
  identity (DESIGN.md), a function returning ``float(x < y)`` has derivative 0.0 in
  both arguments, and a branch chosen by a comparison passes the gradient through
  the branch taken.
- test_scalar_ops: every op as ``3.0 * op(x)``, to second order, against
  ``mpmath.diff``. Where the engine has no primitive the numpy function is written as
  a user would write it with the engine's ops: ``tan = sin/cos``,
  ``log2``/``log10`` from ``log``, ``log1p``, ``expm1``, ``exp2 = 2.0 ** x``,
  ``cosh``/``sinh`` from ``exp``, ``arccosh``/``arcsinh``/``arctanh`` from ``log``
  and ``sqrt``, ``sign = x / abs(x)``, ``reciprocal``, ``negative``,
  ``rad2deg``/``degrees``/``deg2rad``/``radians``, ``sinc`` (normalised). ``abs``
  at 0 to first order (0.0, PyTorch's sub-gradient). The ``power`` cases: in the
  base, in the exponent, ``x ** 0.0`` at 0 (derivative 0 to second order, HIPS issue
  #116) and ``0.0 ** y`` in ``y``. ``divide``/``true_divide``/``multiply`` are the
  binary-op table. Ops of the engine that HIPS has no scalar test for (``sigmoid``,
  ``relu`` away from its kink, ``softplus``) join the same table.
- test_graphs: fan-out (``sin(sin x + sin x)``) to third order; a constant function
  (also differentiated twice, one of HIPS' TODOs); the identity; the Hessian-vector
  product, with the 10-vector replaced by three scalar arguments; the two
  enclosing-scope cases (``x * grad(lambda y: x * y)(2.0)`` and ``y * x``) to second
  order; the "mutating outgrad" graph on one scalar; the third derivatives in one and
  two arguments, every ordering of ``argnums`` up to third order.
- test_direct: ``grad`` of ``(x + sin(x**2)) * x`` at 1.3 (HIPS' constant
  3.190948746871; ``deriv`` is the same function for a scalar); a function returning
  a complex number raises ``TypeError``.

Added in the same spirit (the brief of issue 10, not in HIPS' files): Siskind and
Pearlmutter's perturbation-confusion example; ``value_and_grad`` and
``gradients(create_graph=True)`` inside ``grad``; mixed partials by nesting with
``argnums``; a function returning a ``bool`` raises ``TypeError`` (issue 10's contract,
as JAX; HIPS warns and returns 0 instead).

Left out, and why:

- ``%`` (test_core ``test_mod``, test_scalar_ops ``mod_arg0``/``mod_arg1``),
  ``arcsin``, ``arccos``, ``arctan``: the engine has no such ops and they cannot be
  composed from its primitives; another issue adds them.
- Everything on numpy arrays: ``test_hess_vector_prod``'s vectors (kept as three
  scalars), ``test_mutating_outgrad_from_indexing``, the ``singleton_array_output``
  cases, ``test_assignment_raises_error`` (a ``Value`` is an immutable scalar).
- Complex numbers: ``test_complex_*`` in test_graphs, ``test_holomorphic_grad``; the
  engine holds real numbers only (the complex-output case is kept, as an error).
- Forward mode (``check_grads``' ``modes=["fwd"]``, ``make_jvp``): the engine is
  reverse mode only.
- HIPS' warning on an output independent of the input: the engine returns 0.0 without
  a warning (DESIGN.md: such an input "gets 0.0").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, grad, gradients, hessian, value_and_grad

Fn = Callable[..., Any]
DPS = 50  # mpmath's working precision for the expected values


def close(got: float, want: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    return math.isclose(got, want, rel_tol=rel, abs_tol=abs_)


def assert_close(got: Any, want: float, what: str = "") -> None:
    assert isinstance(got, float), f"{what}: expected a float, got {type(got).__name__}: {got!r}"
    assert close(got, want), f"{what}: expected {want!r}, got {got!r}"


def mp_diff(f: Fn, x: float | Sequence[float], n: int | Sequence[int]) -> float:
    """The derivative (partial, for a tuple ``n``) of an mpmath function, to 50 digits."""
    with mpmath.workdps(DPS):
        return float(mpmath.diff(f, x, n))


def nth_grad(f: Fn, n: int) -> Fn:
    """``grad`` applied ``n`` times."""
    for _ in range(n):
        f = grad(f)
    return f


def nested(f: Fn, argnums: Sequence[int]) -> Fn:
    """``grad(...grad(grad(f, argnums[0]), argnums[1])..., argnums[-1])``."""
    for i in argnums:
        f = grad(f, i)
    return f


def evaluate(f: Fn, *xs: float) -> float:
    out = f(*(Value(x) for x in xs))
    return out.data if isinstance(out, Value) else float(out)


# One-argument helpers for functions whose arguments are a Value or a plain float
# (an argument outside ``argnums`` reaches the function as the float it was given).
def sin(v: Any) -> Any:
    return v.sin() if isinstance(v, Value) else math.sin(v)


def cos(v: Any) -> Any:
    return v.cos() if isinstance(v, Value) else math.cos(v)


# =====================================================================================
# test_core: binary operators in each argument
# =====================================================================================

X0, Y0 = 0.7, 1.8  # HIPS' point


def _pow_grads(x: float, y: float) -> tuple[float, float]:
    return y * x ** (y - 1), x**y * math.log(x)


def _pow_hess(x: float, y: float) -> list[list[float]]:
    lx = math.log(x)
    xy = x ** (y - 1) * (1 + y * lx)
    return [[y * (y - 1) * x ** (y - 2), xy], [xy, x**y * lx * lx]]


# name: (function, value, (∂x, ∂y), [[∂xx, ∂xy], [∂yx, ∂yy]]) — closed forms.
BINARY: dict[str, tuple[Fn, Fn, Fn, Fn]] = {
    "add": (
        lambda x, y: x + y,
        lambda x, y: x + y,
        lambda x, y: (1.0, 1.0),
        lambda x, y: [[0.0, 0.0], [0.0, 0.0]],
    ),
    "sub": (
        lambda x, y: x - y,
        lambda x, y: x - y,
        lambda x, y: (1.0, -1.0),
        lambda x, y: [[0.0, 0.0], [0.0, 0.0]],
    ),
    "mul": (
        lambda x, y: x * y,
        lambda x, y: x * y,
        lambda x, y: (y, x),
        lambda x, y: [[0.0, 1.0], [1.0, 0.0]],
    ),
    "div": (
        lambda x, y: x / y,
        lambda x, y: x / y,
        lambda x, y: (1 / y, -x / y**2),
        lambda x, y: [[0.0, -1 / y**2], [-1 / y**2, 2 * x / y**3]],
    ),
    "pow": (lambda x, y: x**y, lambda x, y: x**y, _pow_grads, _pow_hess),
}

# Arguments of the binary ops: x > 0 so that x ** y is real for every y.
POSITIVE = st.floats(0.1, 4.0)
ANY_Y = st.floats(-3.0, 3.0)
NONZERO_Y = st.floats(0.1, 4.0) | st.floats(-4.0, -0.1)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_first_order_in_each_argument(name: str) -> None:
    f, value, grads, _ = BINARY[name]
    assert evaluate(f, X0, Y0) == pytest.approx(value(X0, Y0), rel=1e-15)
    want_x, want_y = grads(X0, Y0)
    assert_close(grad(f)(X0, Y0), want_x, f"{name} in x")
    assert_close(grad(f, 1)(X0, Y0), want_y, f"{name} in y")
    both = grad(f, (0, 1))(X0, Y0)
    assert isinstance(both, tuple) and len(both) == 2
    assert_close(both[0], want_x, f"{name} argnums=(0, 1), x")
    assert_close(both[1], want_y, f"{name} argnums=(0, 1), y")


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_second_order_by_hessian(name: str) -> None:
    f, _, _, hess = BINARY[name]
    got, want = hessian(f)(X0, Y0), hess(X0, Y0)
    for i, j in itertools.product(range(2), repeat=2):
        assert_close(got[i][j], want[i][j], f"{name} hessian[{i}][{j}]")


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("order", [(0, 0), (0, 1), (1, 0), (1, 1)], ids=str)
def test_binary_op_second_order_by_nesting(name: str, order: tuple[int, int]) -> None:
    f, _, _, hess = BINARY[name]
    inner, outer = order
    want = hess(X0, Y0)[inner][outer]
    assert_close(nested(f, order)(X0, Y0), want, f"{name} grad(grad(f, {inner}), {outer})")


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=20)
@given(x=POSITIVE, y=NONZERO_Y)
def test_binary_op_property(name: str, x: float, y: float) -> None:
    f, _, grads, hess = BINARY[name]
    want_g, want_h = grads(x, y), hess(x, y)
    got_g = grad(f, (0, 1))(x, y)
    got_h = hessian(f)(x, y)
    for i in range(2):
        assert close(got_g[i], want_g[i]), (i, got_g, want_g)
        for j in range(2):
            assert close(got_h[i][j], want_h[i][j]), (i, j, got_h, want_h)


def test_pow_closed_forms_agree_with_mpmath() -> None:
    """The oracle's own check: the hand-written partials of x ** y against mpmath."""
    f = lambda x, y: mpmath.power(x, y)
    gx, gy = _pow_grads(X0, Y0)
    h = _pow_hess(X0, Y0)
    assert close(gx, mp_diff(f, (X0, Y0), (1, 0)), 1e-14)
    assert close(gy, mp_diff(f, (X0, Y0), (0, 1)), 1e-14)
    assert close(h[0][0], mp_diff(f, (X0, Y0), (2, 0)), 1e-14)
    assert close(h[0][1], mp_diff(f, (X0, Y0), (1, 1)), 1e-14)
    assert close(h[1][1], mp_diff(f, (X0, Y0), (0, 2)), 1e-14)


# --- comparisons: outputs that do not depend on the inputs -----------------------------

ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    **ORDERINGS,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
}


@pytest.mark.parametrize("name", sorted(ORDERINGS))
@pytest.mark.parametrize(("x", "y"), [(X0, Y0), (Y0, X0), (X0, X0)])
def test_ordering_compares_data(name: str, x: float, y: float) -> None:
    cmp = ORDERINGS[name]
    want = cmp(x, y)
    assert cmp(Value(x), Value(y)) is want
    assert cmp(Value(x), y) is want
    assert cmp(x, Value(y)) is want


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_a_comparison_as_a_number_has_zero_derivative(name: str) -> None:
    cmp = COMPARISONS[name]
    f = lambda x, y: float(cmp(x, y))
    assert grad(f)(X0, Y0) == 0.0
    assert grad(f, 1)(X0, Y0) == 0.0
    assert grad(f, (0, 1))(X0, Y0) == (0.0, 0.0)


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_a_function_returning_a_bool_is_refused(name: str) -> None:
    """Issue 10's contract (as JAX): a bool result raises TypeError, not a zero gradient."""
    cmp = COMPARISONS[name]
    with pytest.raises(TypeError, match="bool"):
        grad(lambda x, y: cmp(x, y))(X0, Y0)


@pytest.mark.parametrize(("x", "y", "want"), [(X0, Y0, (1.0, 0.0)), (Y0, X0, (0.0, 1.0))])
def test_a_branch_chosen_by_a_comparison_passes_the_gradient(
    x: float, y: float, want: tuple[float, float]
) -> None:
    smaller = lambda a, b: a if a < b else b
    assert grad(smaller, (0, 1))(x, y) == want
    assert grad(lambda a, b: min(a, b) * 3.0, (0, 1))(x, y) == (3 * want[0], 3 * want[1])


# --- inputs the output does not depend on -----------------------------------------------


@pytest.mark.parametrize(
    ("f", "args", "argnums", "want"),
    [
        (lambda x, y: x * 2.0, (X0, Y0), 1, 0.0),
        (lambda x, y: sin(y), (X0, Y0), 0, 0.0),
        (lambda x, y: x * 2.0, (X0, Y0), (0, 1), (2.0, 0.0)),
        (lambda x, y, z: x * z, (X0, 2.5, Y0), (0, 1, 2), (Y0, 0.0, X0)),
        (lambda x, y: 3.0, (X0, Y0), (0, 1), (0.0, 0.0)),
        (lambda x, y: 3, (X0, Y0), 1, 0.0),
    ],
    ids=["unused-y", "unused-x", "tuple", "middle-of-three", "const-float", "const-int"],
)
def test_grad_with_respect_to_an_unused_argument_is_zero(
    f: Fn, args: tuple[float, ...], argnums: Any, want: Any
) -> None:
    assert grad(f, argnums)(*args) == want


def test_second_derivative_in_an_unused_argument_is_zero() -> None:
    f = lambda x, y: x * x * x
    assert nested(f, (1, 1))(X0, Y0) == 0.0
    assert nested(f, (0, 1))(X0, Y0) == 0.0
    assert nested(f, (1, 0))(X0, Y0) == 0.0
    h = hessian(f)(X0, Y0)
    assert_close(h[0][0], 6 * X0, "hessian[0][0]")
    assert [h[0][1], h[1][0], h[1][1]] == [0.0, 0.0, 0.0]


# =====================================================================================
# test_scalar_ops: 3.0 * op(x), to second order, against mpmath.diff
# =====================================================================================

LN2, LN10 = math.log(2.0), math.log(10.0)
mp = mpmath


def _mp_sinc(x: Any) -> Any:
    return mp.sin(mp.pi * x) / (mp.pi * x)


class Op:
    """An op's engine spelling, its mpmath spelling, a point and a range (strategy)."""

    def __init__(self, engine: Fn, exact: Fn, points: Sequence[float], where: Any) -> None:
        self.engine, self.exact, self.points, self.where = engine, exact, points, where


WHOLE = st.floats(-3.0, 3.0)
AWAY_FROM_0 = st.floats(0.05, 3.0) | st.floats(-3.0, -0.05)
POSITIVE_OP = st.floats(0.05, 10.0)

SCALAR_OPS: dict[str, Op] = {
    # HIPS checks abs and absolute at ±1.1 to second order (numpy's two names, one op).
    "abs": Op(lambda x: 3.0 * abs(x), lambda x: 3 * mp.fabs(x), [1.1, -1.1], AWAY_FROM_0),
    "sign": Op(lambda x: 3.0 * (x / abs(x)), lambda x: 3 * mp.sign(x), [1.1, -1.1], AWAY_FROM_0),
    "sin": Op(lambda x: 3.0 * x.sin(), lambda x: 3 * mp.sin(x), [-0.6, 1.6], WHOLE),
    "cos": Op(lambda x: 3.0 * x.cos(), lambda x: 3 * mp.cos(x), [-0.6, 1.6], WHOLE),
    "tan": Op(
        lambda x: 3.0 * (x.sin() / x.cos()),
        lambda x: 3 * mp.tan(x),
        [-0.6, 1.2],
        st.floats(-1.3, 1.3),
    ),
    "exp": Op(lambda x: 3.0 * x.exp(), lambda x: 3 * mp.exp(x), [-0.5, 1.6], WHOLE),
    "exp2": Op(lambda x: 3.0 * 2.0**x, lambda x: 3 * mp.power(2, x), [0.5, 1.6], WHOLE),
    "expm1": Op(lambda x: 3.0 * (x.exp() - 1.0), lambda x: 3 * mp.expm1(x), [0.5, 1.6], WHOLE),
    "log": Op(lambda x: 3.0 * x.log(), lambda x: 3 * mp.log(x), [0.5, 1.6], POSITIVE_OP),
    "log2": Op(
        lambda x: 3.0 * (x.log() / LN2), lambda x: 3 * mp.log(x, 2), [0.5, 1.6], POSITIVE_OP
    ),
    "log10": Op(
        lambda x: 3.0 * (x.log() / LN10), lambda x: 3 * mp.log10(x), [0.5, 1.6], POSITIVE_OP
    ),
    "log1p": Op(
        lambda x: 3.0 * (1.0 + x).log(), lambda x: 3 * mp.log1p(x), [0.5, 1.6], POSITIVE_OP
    ),
    "neg": Op(lambda x: 3.0 * -x, lambda x: -3 * x, [-0.5, 1.6], WHOLE),
    "negative": Op(lambda x: -x, lambda x: -x, [0.4], WHOLE),
    "reciprocal": Op(lambda x: 1.0 / x, lambda x: 1 / x, [0.4, -2.5], AWAY_FROM_0),
    "cosh": Op(
        lambda x: 3.0 * ((x.exp() + (-x).exp()) / 2.0), lambda x: 3 * mp.cosh(x), [-0.5], WHOLE
    ),
    "sinh": Op(
        lambda x: 3.0 * ((x.exp() - (-x).exp()) / 2.0), lambda x: 3 * mp.sinh(x), [-0.5], WHOLE
    ),
    "tanh": Op(lambda x: 3.0 * x.tanh(), lambda x: 3 * mp.tanh(x), [-0.5, 1.6], WHOLE),
    "arccosh": Op(
        lambda x: 3.0 * (x + (x * x - 1.0).sqrt()).log(),
        lambda x: 3 * mp.acosh(x),
        [1.5, 3.0],
        st.floats(1.2, 5.0),  # HIPS: randn() ** 2 + 1.2
    ),
    "arcsinh": Op(
        lambda x: 3.0 * (x + (x * x + 1.0).sqrt()).log(),
        lambda x: 3 * mp.asinh(x),
        [-0.5, 1.6],
        WHOLE,
    ),
    "arctanh": Op(
        lambda x: 3.0 * (0.5 * ((1.0 + x) / (1.0 - x)).log()),
        lambda x: 3 * mp.atanh(x),
        [0.2, -0.6],
        st.floats(-0.8, 0.8),
    ),
    "sqrt": Op(lambda x: 3.0 * x.sqrt(), lambda x: 3 * mp.sqrt(x), [0.5, 7.0], POSITIVE_OP),
    # rad2deg and degrees are one function in numpy, as are deg2rad and radians.
    "rad2deg": Op(
        lambda x: 3.0 * (x * (180.0 / math.pi)),
        lambda x: 3 * x * 180 / mp.pi,
        [4.2],
        st.floats(0.0, 10.0),
    ),
    "deg2rad": Op(
        lambda x: 3.0 * (x * (math.pi / 180.0)),
        lambda x: 3 * x * mp.pi / 180,
        [4.2],
        st.floats(0.0, 10.0),
    ),
    "sinc": Op(
        lambda x: 3.0 * ((math.pi * x).sin() / (math.pi * x)),
        lambda x: 3 * _mp_sinc(x),
        [4.2, 0.3],
        st.floats(0.1, 10.0),  # HIPS: 10 * rand()
    ),
    # The engine's own ops that HIPS' scalar tests do not name.
    "sigmoid": Op(lambda x: 3.0 * x.sigmoid(), lambda x: 3 / (1 + mp.exp(-x)), [-0.5, 1.6], WHOLE),
    "softplus": Op(
        lambda x: 3.0 * x.softplus(), lambda x: 3 * mp.log1p(mp.exp(x)), [-0.5, 1.6], WHOLE
    ),
    "relu": Op(
        lambda x: 3.0 * x.relu(), lambda x: 3 * x if x > 0 else 0 * x, [-1.3, 1.3], AWAY_FROM_0
    ),
}

OP_POINTS = [(name, x) for name, op in sorted(SCALAR_OPS.items()) for x in op.points]


@pytest.mark.parametrize(("name", "x"), OP_POINTS)
@pytest.mark.parametrize("order", [0, 1, 2])
def test_scalar_op(name: str, x: float, order: int) -> None:
    op = SCALAR_OPS[name]
    want = mp_diff(op.exact, x, order)
    got = evaluate(op.engine, x) if order == 0 else nth_grad(op.engine, order)(x)
    assert_close(got, want, f"{name} order {order} at {x}")


@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
@settings(max_examples=15)
@given(data=st.data())
def test_scalar_op_property(name: str, data: st.DataObject) -> None:
    op = SCALAR_OPS[name]
    x = data.draw(op.where, label="x")
    for order in (1, 2):
        want = mp_diff(op.exact, x, order)
        got = nth_grad(op.engine, order)(x)
        assert close(got, want, 1e-8, 1e-10), (order, got, want)


def test_abs_at_zero_first_order() -> None:
    """HIPS checks ``3.0 * abs(x)`` at 0 to first order; the slope there is 0 (PyTorch's)."""
    assert grad(SCALAR_OPS["abs"].engine)(0.0) == 0.0


@pytest.mark.parametrize("y", [1.0 + 0.7**2, 1.0 + 1.3**2])  # HIPS: randn() ** 2 + 1
@pytest.mark.parametrize("x", [1.0 + 0.4**2, 1.0 + 0.9**2])  # HIPS: rand() ** 2 + 1
def test_power_in_the_base(x: float, y: float) -> None:
    f = lambda b: b**y
    assert_close(grad(f)(x), y * x ** (y - 1), "d/dx")
    assert_close(grad(grad(f))(x), y * (y - 1) * x ** (y - 2), "d2/dx2")


def test_power_zero_exponent_at_zero() -> None:
    """HIPS issue #116: x ** 0 is the constant 1, so its derivatives at 0 are 0."""
    f = lambda x: x**0.0
    assert grad(f)(0.0) == 0.0
    assert grad(grad(f))(0.0) == 0.0


@pytest.mark.parametrize("x", [0.3**2, 1.4**2])  # HIPS: randn() ** 2
@pytest.mark.parametrize("y", [0.2**2, 0.8**2])  # HIPS: rand() ** 2
def test_power_in_the_exponent(x: float, y: float) -> None:
    f = lambda e: x**e
    lx = math.log(x)
    assert_close(grad(f)(y), x**y * lx, "d/dy")
    assert_close(grad(grad(f))(y), x**y * lx * lx, "d2/dy2")


@pytest.mark.parametrize("y", [0.2**2, 0.8**2, 1.5])
def test_power_of_zero_in_the_exponent(y: float) -> None:
    """0.0 ** y is 0 for every y > 0: its derivatives in y are 0."""
    f = lambda e: 0.0**e
    assert grad(f)(y) == 0.0
    assert grad(grad(f))(y) == 0.0


# =====================================================================================
# test_graphs
# =====================================================================================


def fanout(x: Any) -> Any:
    return (x.sin() + x.sin()).sin()


def mp_fanout(x: Any) -> Any:
    return mp.sin(mp.sin(x) + mp.sin(x))


@pytest.mark.parametrize("x", [-1.1, 0.3, 0.9])
@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_fanout_to_third_order(x: float, order: int) -> None:
    """test_grad_fanout and test_third_derivative: one node used twice."""
    got = evaluate(fanout, x) if order == 0 else nth_grad(fanout, order)(x)
    assert_close(got, mp_diff(mp_fanout, x, order), f"order {order} at {x}")


@settings(max_examples=15)
@given(x=WHOLE)
def test_fanout_property(x: float) -> None:
    for order in (1, 2, 3):
        assert close(nth_grad(fanout, order)(x), mp_diff(mp_fanout, x, order), 1e-8, 1e-10)


def test_grad_of_a_constant_function() -> None:
    assert grad(lambda x: 1.0)(2.0) == 0.0
    assert grad(lambda x: 1)(2.0) == 0.0
    assert grad(grad(lambda x: 1.0))(2.0) == 0.0  # HIPS' TODO: grad again after a constant


def test_grad_of_the_identity() -> None:
    df = grad(lambda x: x)
    assert df(2.0) == 1.0
    assert grad(df)(2.0) == 0.0
    assert grad(grad(df))(2.0) == 0.0


# --- the Hessian-vector product, with three scalars in place of a 10-vector -------------

R = (0.5, -1.3, 0.8)  # fixed in place of HIPS' randv


def hvp_fun(x0: Any, x1: Any, x2: Any) -> Any:
    return sin(R[0] * x0 + R[1] * x1 + R[2] * x2)


def vector_product(x0: Any, x1: Any, x2: Any, v0: Any, v1: Any, v2: Any) -> Any:
    d = grad(hvp_fun, (0, 1, 2))(x0, x1, x2)
    return sin(v0 * d[0] + v1 * d[1] + v2 * d[2])


def mp_vector_product(*args: Any) -> Any:
    xs, vs = args[:3], args[3:]
    s = sum(r * x for r, x in zip(R, xs, strict=True))
    vr = sum(r * v for r, v in zip(R, vs, strict=True))
    return mp.sin(vr * mp.cos(s))


A = (0.4, -0.9, 1.2)
B = (-0.3, 0.7, 1.1)


def test_hess_vector_prod_first_order() -> None:
    s = sum(r * a for r, a in zip(R, A, strict=True))
    vr = sum(r * b for r, b in zip(R, B, strict=True))
    outer = math.cos(vr * math.cos(s))
    want = [outer * vr * -math.sin(s) * r for r in R] + [outer * r * math.cos(s) for r in R]
    got = grad(vector_product, tuple(range(6)))(*A, *B)
    for i in range(6):
        assert_close(got[i], want[i], f"∂/∂arg{i}")
    # and f itself (HIPS checks it too), to second order
    got_f = hessian(hvp_fun)(*A)
    for i, j in itertools.product(range(3), repeat=2):
        assert_close(got_f[i][j], -math.sin(s) * R[i] * R[j], f"hessian[{i}][{j}]")


def test_hess_vector_prod_second_order() -> None:
    """check_grads(vector_product) is to second order: f's third derivatives."""
    got = hessian(vector_product)(*A, *B)
    point = (*A, *B)
    for i, j in itertools.combinations_with_replacement(range(6), 2):
        n = [0] * 6
        n[i] += 1
        n[j] += 1
        want = mp_diff(mp_vector_product, point, n)
        assert_close(got[i][j], want, f"hessian[{i}][{j}]")
        assert_close(got[j][i], want, f"hessian[{j}][{i}]")


# --- closures over an outer variable ------------------------------------------------------


def enclosing_scope_ref(x: Any) -> Any:
    return x * grad(lambda y: x * y)(2.0)  # = x * x


def enclosing_scope_ref_2(x: Any) -> Any:
    return x * grad(lambda y: y * x)(2.0)  # = x * x


@pytest.mark.parametrize("fun", [enclosing_scope_ref, enclosing_scope_ref_2])
def test_enclosing_scope_ref(fun: Fn) -> None:
    """d/dx [x · d/dy (x y)] = d/dx x² = 2x; HIPS checks at 1.0 to second order."""
    assert evaluate(fun, 1.0) == 1.0
    assert_close(grad(fun)(1.0), 2.0, "first order")
    assert_close(grad(grad(fun))(1.0), 2.0, "second order")


@pytest.mark.parametrize("fun", [enclosing_scope_ref, enclosing_scope_ref_2])
@settings(max_examples=15)
@given(x=st.floats(-5.0, 5.0))
def test_enclosing_scope_ref_property(fun: Fn, x: float) -> None:
    assert close(grad(fun)(x), 2 * x)
    assert close(grad(grad(fun))(x), 2.0)
    assert close(grad(grad(grad(fun)))(x), 0.0)


# Closures and nesting beyond HIPS' two cases: (function, point, expected derivative).
NESTED: dict[str, tuple[Fn, tuple[float, ...], float]] = {
    # Siskind & Pearlmutter: d/dx [x · d/dy (x + y)] = d/dx x = 1 (perturbation confusion
    # gives 2).
    "siskind-pearlmutter": (lambda x: x * grad(lambda y: x + y)(1.0), (3.0,), 1.0),
    # The inner derivative of x·y² in y is 2xy; at y = 3 it is 6x.
    "closure-in-a-product": (lambda x: grad(lambda y: x * y * y)(3.0), (2.0,), 6.0),
    # d/dx d/dy [x y²] = 2y, the inner argument passed, not closed over.
    "mixed-partial-by-argnums": (grad(lambda x, y: x * y * y, 1), (2.0, 3.0), 6.0),
    # value_and_grad inside: the value 9x and the derivative 6x at y = 3.
    "value_and_grad-value": (lambda x: value_and_grad(lambda y: x * y * y)(3.0)[0], (2.0,), 9.0),
    "value_and_grad-grad": (lambda x: value_and_grad(lambda y: x * y * y)(3.0)[1], (2.0,), 6.0),
    # gradients(create_graph=True) inside: d/dx [3x²] = 6x.
    "gradients-create_graph": (
        lambda x: gradients(x**3, [x], create_graph=True)[0],
        (2.0,),
        12.0,
    ),
    # A closure two levels deep: d/dx [x · d/dy (y · d/dz (x y z))] = d/dx [x · 2xy]|y=1.
    "two-levels": (
        lambda x: x * grad(lambda y: y * grad(lambda z: x * y * z)(5.0))(1.0),
        (1.5,),
        4 * 1.5,
    ),
}


@pytest.mark.parametrize("name", sorted(NESTED))
def test_nested_closure(name: str) -> None:
    fun, args, want = NESTED[name]
    assert_close(grad(fun)(*args), want, name)


# --- "mutating outgrad": one node reaching the output along several paths -------------


def mutating_outgrad(a: Any) -> Any:
    b = a + 1.0
    c = b + 1.5
    d = a + b
    return d + c  # = 3a + 3.5


@pytest.mark.parametrize("a", [-0.8, 0.0, 2.3])
def test_mutating_outgrad(a: float) -> None:
    assert evaluate(mutating_outgrad, a) == pytest.approx(3 * a + 3.5, rel=1e-15, abs=1e-15)
    assert grad(mutating_outgrad)(a) == 3.0
    assert grad(grad(mutating_outgrad))(a) == 0.0


# --- third derivatives in two arguments, every ordering of argnums -------------------------


def two_arg_fun(x: Any, y: Any) -> Any:
    return sin(sin(x) + sin(y))


def mp_two_arg_fun(x: Any, y: Any) -> Any:
    return mp.sin(mp.sin(x) + mp.sin(y))


ARGNUM_SEQUENCES = [seq for n in (1, 2, 3) for seq in itertools.product((0, 1), repeat=n)]
POINTS_2D = [(0.3, -1.2), (1.7, 0.4)]


@pytest.mark.parametrize("point", POINTS_2D, ids=str)
@pytest.mark.parametrize("argnums", ARGNUM_SEQUENCES, ids=lambda s: "grad" + "".join(map(str, s)))
def test_third_derivative_other_args(point: tuple[float, float], argnums: tuple[int, ...]) -> None:
    """test_third_derivative_other_args(2): partials of sin(sin x + sin y) up to order 3."""
    order = (argnums.count(0), argnums.count(1))
    want = mp_diff(mp_two_arg_fun, point, order)
    assert_close(nested(two_arg_fun, argnums)(*point), want, f"argnums {argnums}")


@settings(max_examples=10)
@given(x=WHOLE, y=WHOLE, argnums=st.sampled_from([s for s in ARGNUM_SEQUENCES if len(s) >= 2]))
def test_mixed_partials_property(x: float, y: float, argnums: tuple[int, ...]) -> None:
    order = (argnums.count(0), argnums.count(1))
    want = mp_diff(mp_two_arg_fun, (x, y), order)
    assert close(nested(two_arg_fun, argnums)(x, y), want, 1e-8, 1e-10)


# =====================================================================================
# test_direct
# =====================================================================================


def direct_fun(x: Any) -> Any:
    return (x + (x**2).sin()) * x


def mp_direct_fun(x: Any) -> Any:
    return (x + mp.sin(x**2)) * x


def test_direct_grad() -> None:
    """HIPS' explicit value, ±1e-6, and the closed form 2x + sin x² + 2x² cos x²."""
    got = grad(direct_fun)(1.3)
    assert 3.190948746871 - 1e-6 < got < 3.190948746871 + 1e-6
    x = 1.3
    assert_close(got, 2 * x + math.sin(x * x) + 2 * x * x * math.cos(x * x), "closed form")
    assert_close(grad(grad(direct_fun))(x), mp_diff(mp_direct_fun, x, 2), "second order")


def test_grad_of_a_complex_output_raises_type_error() -> None:
    with pytest.raises(TypeError):
        grad(lambda x: x * (1.0 + 0.2j))(1.0)
