"""autograd_tiny.testing: numerical derivatives, gradcheck, gradgradcheck."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from _planting import planted
from hypothesis import given
from hypothesis import strategies as st
from test_ops_table import inputs as domain_inputs

from autograd_tiny import Value, apply
from autograd_tiny.ops import MUL, PRIMITIVES, Primitive
from autograd_tiny.testing import (
    NonDifferentiableWarning,
    as_function,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)

KINKED: dict[str, Callable[[Value], Value]] = {  # not differentiable at 0
    "relu": Value.relu,
    "abs": abs,
    "leaky_relu": lambda v: v.leaky_relu(0.1),
}


# --- numerical_grad ----------------------------------------------------------------


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
@given(data=st.data())
def test_numerical_grad_matches_every_rule_tightly(prim: Primitive, data: st.DataObject) -> None:
    xs = list(data.draw(domain_inputs(prim)))  # the table test's domains: off poles and jumps
    numeric = numerical_grad(lambda *a: prim.forward(*map(float, a)), *xs)
    out = prim.forward(*xs)
    for i, rule in enumerate(prim.partials):
        assert math.isclose(numeric[i], float(rule(*xs, out)), rel_tol=1e-9, abs_tol=1e-10)


@given(x=st.floats(-3.0, 3.0), y=st.floats(-3.0, 3.0))
def test_numerical_grad_of_a_product_is_the_other_factor(x: float, y: float) -> None:
    dx, dy = numerical_grad(lambda a, b: a * b, x, y)
    assert math.isclose(dx, y, abs_tol=1e-11) and math.isclose(dy, x, abs_tol=1e-11)


@given(c=st.floats(-2.0, 2.0), slope=st.floats(-2.0, 2.0))
def test_numerical_grad_at_a_kink_is_the_mean_of_the_one_sided_slopes(
    c: float, slope: float
) -> None:
    (d,) = numerical_grad(lambda x: (x - c).leaky_relu(slope), c)
    assert math.isclose(d, (1.0 + slope) / 2.0, abs_tol=1e-9)


@given(distance=st.floats(2e-6, 5e-3), side=st.sampled_from([-1.0, 1.0]))
def test_numerical_grad_steps_around_a_nearby_kink(distance: float, side: float) -> None:
    (d,) = numerical_grad(lambda x: x.relu(), side * distance)
    assert math.isclose(d, 1.0 if side > 0 else 0.0, abs_tol=1e-9)


def test_numerical_grad_accepts_plain_math_and_values() -> None:
    (d,) = numerical_grad(lambda x: math.exp(x), Value(0.5))
    assert math.isclose(d, math.exp(0.5), rel_tol=1e-10)


# --- gradcheck -----------------------------------------------------------------------


@given(x=st.floats(-2.0, 2.0), y=st.floats(0.1, 2.0))
def test_gradcheck_passes_correct_gradients_at_tight_tolerances(x: float, y: float) -> None:
    assert gradcheck(lambda a, b: (a * b).tanh() + b.log() * a.sin() - a / b, x, y)


def test_failure_names_argument_values_tolerance_and_the_node_and_its_line() -> None:
    where: list[int] = []

    def f(x: Value, y: Value) -> Value:
        z = x * y
        where.append(sys._getframe().f_lineno - 1)
        z.label = "z"
        return z.tanh() + x

    with planted(MUL, 1, lambda x, y, out: x + 1.0), pytest.raises(AssertionError) as err:
        gradcheck(f, 0.5, 0.75)
    message = str(err.value)
    assert "argument 1" in message and "tolerance" in message and "atol" in message
    analytic = [Value(0.5), Value(0.75)]
    with planted(MUL, 1, lambda x, y, out: x + 1.0):
        f(*analytic).backward()
    assert repr(analytic[1].grad) in message
    assert repr(numerical_grad(f, 0.5, 0.75)[1]) in message
    assert "mul node 'z'" in message and f"{__file__}:{where[0]}" in message
    assert "its rule ∂out/∂input1 gives 1.5" in message


def test_a_graph_broken_by_float_is_reported_as_such() -> None:
    with pytest.raises(AssertionError, match="graph does not compute f"):
        gradcheck(lambda x: x * Value(float(x)), 2.0)


@pytest.mark.parametrize("op", KINKED)
def test_at_a_kink_the_comparison_is_skipped_with_an_explanation(op: str) -> None:
    f = lambda x: KINKED[op](x * 2.0) * x.exp()
    with pytest.warns(NonDifferentiableWarning, match=f"{op} node .* of a kink"):
        assert gradcheck(f, 0.0)


def test_a_subgradient_convention_that_breaks_the_chain_rule_is_explained() -> None:
    # relu(x) - relu(-x) = x, yet 0 by the chain rule with relu'(0) = 0.
    with pytest.warns(NonDifferentiableWarning, match="relu node"):
        assert gradcheck(lambda x: x.relu() - (-x).relu(), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonDifferentiableWarning)
        with pytest.raises(NonDifferentiableWarning):
            gradcheck(lambda x: x.relu() - (-x).relu(), 0.0)


@pytest.mark.parametrize(
    ("op", "f", "xs", "reason"),
    [
        ("sqrt", lambda x: x.sqrt(), [1e-12], "domain edge"),
        ("log", lambda x: x.log(), [1e-12], "domain edge"),
        ("pow", lambda x: x**0.5, [0.0], "domain edge"),
        ("pow", lambda x, y: x**y, [-2.0, 2.0], "domain edge"),  # ∂/∂y = x**y·log(x)
        ("div", lambda x: 1.0 / x, [1e-12], "kink"),  # a pole inside every stencil
    ],
)
def test_near_a_domain_edge_the_comparison_is_skipped(
    op: str, f: Callable[..., Value], xs: list[float], reason: str
) -> None:
    with pytest.warns(NonDifferentiableWarning, match=f"{op} node .* {reason}"):
        assert gradcheck(f, *xs)


def test_a_kink_outside_the_graph_is_explained() -> None:
    with pytest.warns(NonDifferentiableWarning, match="outside the graph"):
        assert gradcheck(lambda x: max(x, 0.5 * x), 0.0)


@given(x=st.floats(-1e-3, 1e-3))
def test_no_false_failure_where_only_the_second_derivative_jumps(x: float) -> None:
    # A user's own primitive x / (1 + |x|): smooth slope, but a jump in f'' at 0
    # makes the finite-difference error linear in the step, not quadratic.
    softsign = Primitive(
        "softsign", lambda v: v / (1 + abs(v)), (lambda v, out: 1 / (1 + abs(v)) ** 2,)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonDifferentiableWarning)
        assert gradcheck(lambda a: apply(softsign, a), x)


@given(op=st.sampled_from(sorted(KINKED)), x=st.floats(-1e-3, 1e-3), k=st.floats(-2.0, 2.0))
def test_no_false_failure_near_a_kink(op: str, x: float, k: float) -> None:
    f = lambda a: KINKED[op](a * k - a * a) * a.cos()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonDifferentiableWarning)
        assert gradcheck(f, x)
        assert gradgradcheck(f, x)


def test_gradcheck_of_a_constant_function_and_a_plain_number_result() -> None:
    assert gradcheck(lambda x: Value(3.0, requires_grad=False), 1.0)
    assert gradcheck(lambda x: 2.0, 1.0)


# --- gradgradcheck -----------------------------------------------------------------


@given(x=st.floats(-2.0, 2.0), y=st.floats(0.1, 2.0))
def test_gradgradcheck_passes_correct_second_derivatives(x: float, y: float) -> None:
    assert gradgradcheck(lambda a, b: (a * b).sigmoid() + b.sqrt() * a.cos() + a**3, x, y)


@pytest.mark.parametrize("prim", [p for p in PRIMITIVES if p.name == "exp"], ids=["exp"])
def test_gradgradcheck_catches_a_rule_right_in_value_but_not_differentiable(
    prim: Primitive,
) -> None:
    rule = prim.partials[0]
    with planted(prim, 0, lambda x, out: rule(x, out) + (x - float(x))):
        assert gradcheck(lambda x: x.exp() * x, 0.25)  # first order cannot see it
        with pytest.raises(AssertionError) as err:
            gradgradcheck(lambda x: x.exp() * x, 0.25)
    assert "exp node" in str(err.value) and "the derivative of its rule" in str(err.value)


# --- as_function and bad input ----------------------------------------------------


def test_as_function_rebuilds_the_graph_with_new_leaf_values() -> None:
    x, y, c = Value(1.0, label="x"), Value(2.0), Value(5.0, requires_grad=False)
    f = as_function((x * y + c).log(), [x, y])
    out = f(3.0, 4.0)
    assert out.data == math.log(3.0 * 4.0 + 5.0) and out.label == ""
    assert f(Value(1.0), Value(2.0)).data == (x * y + c).log().data
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        f(1.0)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gradcheck(3, 1.0), TypeError, "callable, got int"),
        (lambda: gradcheck(lambda x: x, "1"), TypeError, "got str"),
        (lambda: numerical_grad(lambda x: x, None), TypeError, "got NoneType"),
        (lambda: gradcheck(lambda x: x, 1.0, eps=0.0), ValueError, "eps"),
        (lambda: gradcheck(lambda x: x, 1.0, atol=-1.0), ValueError, "atol"),
        (lambda: gradgradcheck(lambda x: x, 1.0, rtol=math.nan), ValueError, "rtol"),
        (lambda: gradcheck(lambda x: x, math.inf), ValueError, "finite"),
        (lambda: gradcheck(lambda x: x.log(), -1.0), ValueError, "f returned nan"),
        (lambda: gradcheck(lambda x: "no", 1.0), TypeError, "got str"),
    ],
)
def test_bad_input_raises_builtin_errors(call: Callable[[], Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_testing_works_without_hypothesis_or_numpy() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('hypothesis', 'numpy'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from autograd_tiny.testing import gradcheck, gradgradcheck\n"
        "assert gradcheck(lambda x: x.exp().sin(), 0.5)\n"
        "assert gradgradcheck(lambda x: x.exp().sin(), 0.5)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
