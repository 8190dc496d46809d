"""The rest of the scalar ops (issue 13): against PyTorch float64, numpy and Python.

``%``, ``//``, tan, asin, acos, atan, atan2, sinh, cosh, log1p, expm1, floor,
ceil, round, sign, min and max: values, first and second derivatives against
``torch`` (its sub-gradients at jumps, kinks and ties included), the IEEE-754
edge cases against numpy and torch, Python's own ``%`` and ``//`` where Python
does not raise, ``round(v, ndigits)`` against ``torch.round(decimals=...)``,
and the ``TypeError`` of a wrong operand.  The table's own tests
(tests/test_ops_table.py and the others that iterate ``ops.PRIMITIVES``) also
cover these ops inside their domains.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import product
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, gradients

torch = pytest.importorskip("torch")

INF, NAN = math.inf, math.nan
F64 = torch.float64
PER_OP = settings(max_examples=max(10, settings().max_examples // 3))


def _torch_floor_divide(x: Any, y: Any) -> Any:
    # torch.floor_divide's values; it has no derivative, div(rounding_mode="floor") a zero one.
    return torch.div(x, y, rounding_mode="floor")


def _torch_sign(x: Any) -> Any:
    # nan from a detached x, so the derivative stays torch.sign's 0 there too
    return torch.sign(x) + torch.where(
        torch.isnan(x), x.detach(), 0.0
    )  # torch.sign(nan) is 0 on the CPU


# name -> (ours on Values, torch's, numpy's)
OPS: dict[str, tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]] = {
    "mod": (lambda x, y: x % y, torch.remainder, np.remainder),
    "floordiv": (lambda x, y: x // y, _torch_floor_divide, np.floor_divide),
    "tan": (lambda x: x.tan(), torch.tan, np.tan),
    "asin": (lambda x: x.asin(), torch.asin, np.arcsin),
    "acos": (lambda x: x.acos(), torch.acos, np.arccos),
    "atan": (lambda x: x.atan(), torch.atan, np.arctan),
    "atan2": (lambda y, x: y.atan2(x), torch.atan2, np.arctan2),
    "sinh": (lambda x: x.sinh(), torch.sinh, np.sinh),
    "cosh": (lambda x: x.cosh(), torch.cosh, np.cosh),
    "log1p": (lambda x: x.log1p(), torch.log1p, np.log1p),
    "expm1": (lambda x: x.expm1(), torch.expm1, np.expm1),
    "floor": (lambda x: math.floor(x), torch.floor, np.floor),
    "ceil": (lambda x: math.ceil(x), torch.ceil, np.ceil),
    "round": (lambda x: round(x), torch.round, np.rint),
    "sign": (lambda x: x.sign(), _torch_sign, np.sign),
    "min": (lambda x, y: x.min(y), torch.minimum, np.minimum),
    "max": (lambda x, y: x.max(y), torch.maximum, np.maximum),
}
ARITY = {name: ours.__code__.co_argcount for name, (ours, _, _) in OPS.items()}
NAMES = sorted(OPS)

# Points to draw: whole and half numbers (the jumps of floor and round), ties
# (the kink of min and max), and ordinary numbers, where each op is real.
_ANY = st.one_of(
    st.floats(-30.0, 30.0),
    st.integers(-6, 6).map(float),
    st.integers(-12, 12).map(lambda k: k / 2),
)
_UNIT = st.one_of(st.floats(-0.99, 0.99), st.sampled_from((0.0, -0.5, 0.5)))
POINTS: dict[str, st.SearchStrategy[float]] = {
    "asin": _UNIT,
    "acos": _UNIT,
    "log1p": st.floats(-0.99, 30.0),
    "sinh": st.floats(-700.0, 700.0),
    "cosh": st.floats(-700.0, 700.0),
}


@st.composite
def points(draw: st.DrawFn, name: str) -> tuple[float, ...]:
    """A point for ``name``; a binary op's inputs are often equal (a tie) or integer ratios."""
    floats = POINTS.get(name, _ANY)
    xs = [draw(floats) for _ in range(ARITY[name])]
    if len(xs) == 2 and draw(st.booleans()):
        xs[0] = xs[1] * draw(st.sampled_from((1.0, 2.0, -3.0, 0.5)))  # ties, whole quotients
    if name in ("mod", "floordiv") and xs[1] == 0.0:
        xs[1] = 1.5  # x % 0 is nan and x // 0 is inf: the edge cases test them
    return tuple(xs)


def ours(name: str, xs: tuple[float, ...]) -> tuple[float, list[float], list[list[float]]]:
    """The value, the gradient and the matrix of second derivatives, through ``Value``s."""
    leaves = [Value(x) for x in xs]
    out = OPS[name][0](*leaves)
    first = gradients(out, leaves, create_graph=True)
    second = [[h.data for h in gradients(g, leaves)] for g in first]
    return out.data, [g.data for g in first], second


def theirs(name: str, xs: tuple[float, ...]) -> tuple[float, list[float], list[list[float]]]:
    """The same through torch float64 tensors (an unused input's derivative is 0)."""
    ts = [torch.tensor(x, dtype=F64, requires_grad=True) for x in xs]
    out = OPS[name][1](*ts)
    first = torch.autograd.grad(out, ts, create_graph=True, allow_unused=True)
    second = []
    for g in first:
        if g is None or not g.requires_grad:
            second.append([0.0] * len(ts))
            continue
        row = torch.autograd.grad(g, ts, allow_unused=True, retain_graph=True)
        second.append([0.0 if h is None else h.item() for h in row])
    return out.item(), [0.0 if g is None else g.item() for g in first], second


def agree(a: float, b: float, rel: float = 1e-12, scale: float = 0.0) -> bool:
    """Equal within ``rel`` of the larger or of ``scale``, or both nan, or the same infinity."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=max(1e-300, rel * scale))


@pytest.mark.parametrize("name", NAMES)
@PER_OP
@given(data=st.data())
def test_values_and_derivatives_to_second_order_match_torch(name: str, data: Any) -> None:
    xs = data.draw(points(name), label="xs")
    value, first, second = ours(name, xs)
    t_value, t_first, t_second = theirs(name, xs)
    assert agree(value, t_value), (name, xs, value, t_value)
    for i, (g, t) in enumerate(zip(first, t_first, strict=True)):
        assert agree(g, t), (name, xs, i, g, t)
    if name == "atan2" and xs[0] * xs[0] + xs[1] * xs[1] == 0.0:
        # At the origin (to a double) atan2 has no derivative: first ones 0, as torch's;
        # torch's second ones are nan (the branch of its mask), ours the constant 0.
        return
    # A mixed second derivative may be a cancellation (atan2's (y² - x²)/(x² + y²)² at
    # y = x): its rounding is relative to the terms, as large as the largest entry.
    finite = [abs(t) for t in (*t_first, *(t for row in t_second for t in row)) if math.isfinite(t)]
    scale = max(finite, default=0.0)
    for i, (row, t_row) in enumerate(zip(second, t_second, strict=True)):
        for j, (h, t) in enumerate(zip(row, t_row, strict=True)):
            assert agree(h, t, 1e-10, scale), (name, xs, i, j, h, t)


# --- IEEE-754 edge cases ---------------------------------------------------------

SPECIALS = (0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 5e-324, 1e-300, 1e300, -1e300, INF, -INF, NAN)


def same_number(a: float, b: float) -> bool:
    """Equal with the sign of a zero, or both nan."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def within_ulps(a: float, b: float, ulps: int) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return same_number(a, b)
    return abs(a - b) <= ulps * math.ulp(b)


@pytest.mark.parametrize("name", NAMES)
def test_edge_values_are_numpys_and_never_raise(name: str) -> None:
    reference = OPS[name][2]
    for xs in product(SPECIALS, repeat=ARITY[name]):
        got = OPS[name][0](*(Value(x) for x in xs)).data
        with np.errstate(all="ignore"):
            expected = float(reference(*(np.float64(x) for x in xs)))
        if got == 0.0 and expected == 0.0 and name in ("sign", "mod"):
            continue  # the sign of a zero: checked against Python's and torch's below
        assert type(got) is float and within_ulps(got, expected, 2), (name, xs, got, expected)


@pytest.mark.parametrize("name", NAMES)
def test_edge_values_and_gradients_are_torchs(name: str) -> None:
    for xs in product(SPECIALS, repeat=ARITY[name]):
        leaves = [Value(x) for x in xs]
        out = OPS[name][0](*leaves)
        ts = [torch.tensor(x, dtype=F64, requires_grad=True) for x in xs]
        t_out = OPS[name][1](*ts)
        # torch's libm and Python's may differ by an ulp or two
        assert agree(out.data, t_out.item(), 1e-15), (name, xs, out.data, t_out.item())
        grads = [g.data for g in gradients(out, leaves, grad_output=1.5)]
        t_grads = torch.autograd.grad(t_out, ts, torch.tensor(1.5, dtype=F64), allow_unused=True)
        for i, (g, t) in enumerate(zip(grads, t_grads, strict=True)):
            expected = 0.0 if t is None else t.item()
            assert agree(g, expected, 1e-14), (name, xs, i, g, expected)


@pytest.mark.parametrize(
    ("case", "make", "reference"),
    [
        ("x % 0 is nan", lambda: Value(5.0) % 0, lambda: np.remainder(5.0, 0.0)),
        ("0 % 0 is nan", lambda: 0.0 % Value(0.0), lambda: np.remainder(0.0, 0.0)),
        ("x // 0 is inf", lambda: Value(5.0) // 0, lambda: np.floor_divide(5.0, 0.0)),
        ("x // -0.0 is -inf", lambda: Value(5.0) // -0.0, lambda: np.floor_divide(5.0, -0.0)),
        ("-1 % inf is inf", lambda: Value(-1.0) % INF, lambda: np.remainder(-1.0, INF)),
        ("asin(2) is nan", lambda: Value(2.0).asin(), lambda: np.arcsin(2.0)),
        ("acos(-1) is π", lambda: Value(-1.0).acos(), lambda: np.arccos(-1.0)),
        ("atan(inf) is π/2", lambda: Value(INF).atan(), lambda: np.arctan(INF)),
        ("atan2(-0.0, -1) is -π", lambda: Value(-0.0).atan2(-1.0), lambda: np.arctan2(-0.0, -1)),
        ("log1p(-1) is -inf", lambda: Value(-1.0).log1p(), lambda: np.log1p(-1.0)),
        ("log1p(-2) is nan", lambda: Value(-2.0).log1p(), lambda: np.log1p(-2.0)),
        ("expm1(1000) is inf", lambda: Value(1000.0).expm1(), lambda: np.expm1(1000.0)),
        ("expm1(-inf) is -1", lambda: Value(-INF).expm1(), lambda: np.expm1(-INF)),
        ("sinh(-1000) is -inf", lambda: Value(-1000.0).sinh(), lambda: np.sinh(-1000.0)),
        ("cosh(-1000) is inf", lambda: Value(-1000.0).cosh(), lambda: np.cosh(-1000.0)),
        ("tan(inf) is nan", lambda: Value(INF).tan(), lambda: np.tan(INF)),
        ("floor(-0.0) is -0.0", lambda: Value(-0.0).floor(), lambda: np.floor(-0.0)),
        ("floor(-0.5) is -1", lambda: math.floor(Value(-0.5)), lambda: np.floor(-0.5)),
        ("ceil(-0.5) is -0.0", lambda: math.ceil(Value(-0.5)), lambda: np.ceil(-0.5)),
        ("round(0.5) is 0", lambda: round(Value(0.5)), lambda: np.rint(0.5)),
        ("round(-0.5) is -0.0", lambda: round(Value(-0.5)), lambda: np.rint(-0.5)),
        ("round(2.5) is 2", lambda: round(Value(2.5)), lambda: np.rint(2.5)),
        ("round(-inf) is -inf", lambda: round(Value(-INF)), lambda: np.rint(-INF)),
        ("sign(nan) is nan", lambda: Value(NAN).sign(), lambda: np.sign(NAN)),
        ("sign(-inf) is -1", lambda: Value(-INF).sign(), lambda: np.sign(-INF)),
        ("min(nan, 1) is nan", lambda: Value(NAN).min(1.0), lambda: np.minimum(NAN, 1.0)),
        ("max(1, nan) is nan", lambda: Value(1.0).max(NAN), lambda: np.maximum(1.0, NAN)),
    ],
    ids=lambda c: c if isinstance(c, str) else "",
)
def test_named_edge_cases(case: str, make: Callable[[], Value], reference: Any) -> None:
    with np.errstate(all="ignore"):
        expected = float(reference())
    got = make()
    assert isinstance(got, Value) and same_number(got.data, expected), (case, got, expected)


@pytest.mark.parametrize("x", [0.0, -0.0, 2.5, -1e-300])
def test_sign_of_a_zero_is_positive_as_torchs(x: float) -> None:
    t = torch.sign(torch.tensor(x, dtype=F64)).item()
    assert same_number(Value(x).sign().data, t)


# --- Python's own % and // are an oracle where Python does not raise ------------


@given(x=st.floats(), y=st.floats())
def test_mod_and_floordiv_are_pythons_where_python_does_not_raise(x: float, y: float) -> None:
    try:
        expected_mod, expected_div = x % y, x // y
    except ZeroDivisionError:
        assert math.isnan((Value(x) % y).data)
        with np.errstate(all="ignore"):
            assert same_number((Value(x) // y).data, float(np.float64(x) / np.float64(y)))
        return
    assert same_number((Value(x) % y).data, expected_mod), (x, y)
    assert same_number((x // Value(y)).data, expected_div), (x, y)


@given(x=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_floor_ceil_round_have_pythons_values(x: float) -> None:
    assert math.floor(Value(x)).data == math.floor(x)
    assert math.ceil(Value(x)).data == math.ceil(x)
    assert round(Value(x)).data == round(x)  # both halves to even


# --- round(v, ndigits) -----------------------------------------------------------


@given(x=st.floats(-1e6, 1e6), ndigits=st.integers(-4, 6))
def test_round_with_ndigits_is_torchs_round_with_decimals(x: float, ndigits: int) -> None:
    v = Value(x)
    out = round(v, ndigits)
    t = torch.tensor(x, dtype=F64, requires_grad=True)
    t_out = torch.round(t, decimals=ndigits)
    (t_grad,) = torch.autograd.grad(t_out, [t])
    assert isinstance(out, Value) and same_number(out.data, t_out.item()), (x, ndigits)
    assert gradients(out, [v])[0].data == t_grad.item()


def test_round_with_ndigits_rejects_what_is_not_an_int() -> None:
    with pytest.raises(TypeError, match=r"ndigits must be an int, got float: 1\.5"):
        round(Value(1.0), 1.5)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="got bool"):
        Value(1.0).round(True)


# --- min and max: PyTorch's tie rule ---------------------------------------------


@given(x=st.floats(-1e6, 1e6), g=st.floats(-1e3, 1e3))
def test_a_tie_splits_the_gradient_as_torch(x: float, g: float) -> None:
    for method, t_fn in (("min", torch.minimum), ("max", torch.maximum)):
        a, b = Value(x), Value(x)
        ga, gb = gradients(getattr(a, method)(b), [a, b], grad_output=g)
        ta, tb = (torch.tensor(x, dtype=F64, requires_grad=True) for _ in range(2))
        t_ga, t_gb = torch.autograd.grad(t_fn(ta, tb), [ta, tb], torch.tensor(g, dtype=F64))
        assert (ga.data, gb.data) == (t_ga.item(), t_gb.item()), (method, x, g)
        (whole,) = gradients(getattr(a, method)(a), [a], grad_output=g)
        assert whole.data == ga.data + gb.data  # the same node twice: both halves


def test_numbers_on_either_side_of_min_and_max() -> None:
    x = Value(2.0)
    assert x.min(3).data == min(2.0, 3.0) and x.max(3.5).data == max(2.0, 3.5)
    assert x.min(x).parents == (x, x) and x.max(1).parents == (x,)


# --- a wrong operand ------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: Value(1) % "a", "str"),
        (lambda: Value(1) // None, "NoneType"),
        (lambda: [1] % Value(1), "list"),
        (lambda: Value(1).min("a"), "str"),
        (lambda: Value(1).max(1j), "complex"),
        (lambda: Value(1).atan2([0.0]), "list"),
    ],
)
def test_a_wrong_operand_raises_type_error_naming_its_type(
    make: Callable[[], Any], named: str
) -> None:
    with pytest.raises(TypeError, match=named):
        make()


@given(
    x=st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from([0.0, -0.0, math.inf, -math.inf]),
    y=st.floats(-1e3, 1e3, allow_nan=False).filter(lambda y: y != 0.0),
)
def test_trunc_and_divmod_are_pythons(x: float, y: float) -> None:
    t = math.trunc(Value(x))
    expected = x if not math.isfinite(x) else float(math.trunc(x))
    assert t.data == expected and math.copysign(1.0, t.data) == math.copysign(1.0, x)
    if math.isfinite(x):
        quotient, remainder = divmod(Value(x), y)
        assert (quotient.data, remainder.data) == divmod(x, y)
        q2, r2 = divmod(x, Value(y))
        assert (q2.data, r2.data) == divmod(x, y)


def test_trunc_has_a_zero_gradient_and_divmod_refuses_what_is_not_a_number() -> None:
    v = Value(-2.5)
    t = v.trunc() * 3.0
    t.backward()
    assert (t.data, v.grad) == (-6.0, 0.0)
    with pytest.raises(TypeError, match="str"):
        divmod(Value(1.0), "a")
    with pytest.raises(TypeError, match="str"):
        divmod("a", Value(1.0))
