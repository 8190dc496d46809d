"""The table of primitives: every differentiable operation, each in one entry.

An entry holds a name, a forward function on plain floats, and one
partial-derivative rule per input.  A rule receives the op's inputs and its
output, ``rule(*inputs, out)``, and returns ``∂out/∂input``; the chain rule
multiplies it by the upstream gradient.  Rules are written with the generic
helpers below (``exp``, ``div``, ``sigmoid`` …), which work on floats *and* on
``Value`` nodes, so the same rule gives a fast float for a first-order
backward pass and a differentiable graph for higher order.

A rule wrapped in ``Share`` is written in the chain rule's own form instead,
``vjp(upstream, *inputs, out)``, returning the input's share of the gradient
(as PyTorch's derivatives.yaml writes ``grad / other``).  Two kinds of rule
need it:

- a rule that divides: ``upstream / y`` as in PyTorch, never
  ``upstream * (1 / y)``, whose reciprocal overflows for a tiny ``y``
  (``div``, ``log``, ``sqrt``);
- a branch not taken passes nothing on: where an input does not reach the
  output (relu at or below 0, ``abs`` at 0, the base of ``x ** 0``, the
  exponent of ``0 ** y`` for ``y >= 0``, the slope of ``leaky_relu`` above 0),
  its share is exactly 0 whatever the upstream, even ``inf`` or ``nan`` (a
  product would give ``0 * inf = nan``).  It is the constant 0, so a second
  derivative gets nothing from it either.  PyTorch and JAX mask relu and
  ``x ** 0`` so; PyTorch's ``abs`` and ``0 ** y`` multiply, ``grad * 0``.
  A branch taken with slope 0 is an ordinary product (``leaky_relu`` with
  slope 0 below 0, like ``x * 0``).

Called like any rule, a ``Share`` gives the local derivative, ``vjp(1.0, …)``.

Every forward follows IEEE-754: it returns ``inf`` or ``nan`` where Python's
``math`` module would raise.

>>> MUL.forward(3.0, 4.0), MUL.partials[0](3.0, 4.0, 12.0)
(12.0, 4.0)
>>> LOG.forward(0.0), DIV.forward(1.0, 0.0), EXP.forward(1000.0)
(-inf, inf, inf)
>>> DIV.partials[0](1.0, 1e-310, math.inf), DIV.vjps[0](1e-10, 1.0, 1e-310, math.inf)
(inf, 1.000000000000003e+300)
>>> RELU.partials[0](-1.0, 0.0), RELU.vjps[0](math.inf, -1.0, 0.0)
(0.0, 0.0)
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Primitive",
    "Share",
    "PRIMITIVES",
    "BY_NAME",
    "where",
    "equal",
    "div",
    "power",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "softplus",
    "sin",
    "cos",
    "relu",
    "leaky_relu",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "log1p",
    "expm1",
    "floor",
    "ceil",
    "trunc",
    "rint",
    "sign",
    "remainder",
    "floor_divide",
    "minimum",
    "maximum",
]

INF = math.inf
NAN = math.nan


@dataclass(frozen=True, slots=True)
class Primitive:
    """One differentiable operation: forward on floats, one partial per input.

    ``symbol`` is how drawings show the op (``"*"`` for mul).  ``domain`` names
    the inputs on which the op is smooth and finite, for tools that generate
    test inputs (``strategies.expressions``, the table's tests): ``"real"``,
    ``"positive"``, ``"nonzero"`` (each input away from 0), ``"unit"`` (inside
    ``(-1, 1)``), ``"above_minus_one"``, ``"cos_nonzero"`` (off tan's poles),
    ``"noninteger"`` (off floor's and ceil's jumps), ``"off_half_integers"``
    (off round's jumps), ``"distinct"`` (``x != y``: off min's and max's
    kink) and ``"noninteger_quotient"`` (``y != 0`` and ``x / y`` off the
    integers: off the jumps of ``%`` and ``//``).
    ``vjps`` holds, for an op with a ``Share`` rule, every rule in the chain
    rule's form (a plain partial times the upstream), so that the backward pass
    calls one form per node; it is empty for an op of plain partials only.
    ``chain`` is what the backward pass reads once per node: ``(vjps, True)``,
    or ``(partials, False)``.  ``forms`` marks, for an op of this table with
    plain partials, each rule that is a constant (a float: add's ``1.0``) or one
    of its arguments (an index: mul's ``y``), which the backward pass applies
    without a call; ``None`` for any other rule, and for every rule of a
    user's primitive (its rules are called only by the backward pass).
    """

    name: str
    forward: Callable[..., float]
    partials: tuple[Callable[..., Any], ...]
    symbol: str = ""
    domain: str = "real"
    arity: int = field(init=False)  # the number of inputs: one partial each
    vjps: tuple[Callable[..., Any], ...] = field(init=False, repr=False, compare=False)
    chain: tuple[tuple[Callable[..., Any], ...], bool] = field(
        init=False, repr=False, compare=False
    )
    forms: tuple[float | int | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arity", len(self.partials))
        vjps: tuple[Callable[..., Any], ...] = ()
        if any(isinstance(p, Share) for p in self.partials):
            vjps = tuple(p.vjp if isinstance(p, Share) else _times(p) for p in self.partials)
        object.__setattr__(self, "vjps", vjps)
        object.__setattr__(self, "chain", (vjps, True) if vjps else (self.partials, False))
        object.__setattr__(self, "forms", (None,) * self.arity)  # the table's: see _call_free

    def __repr__(self) -> str:
        return f"<primitive {self.name}/{self.arity}>"


@dataclass(frozen=True, slots=True)
class Share:
    """A rule in the chain rule's form: ``vjp(upstream, *inputs, out)`` is the input's share.

    For a rule that divides, or one that must pass exactly nothing down a
    branch not taken (see the module's docstring).  Called like a plain rule,
    it returns the local derivative, the share of an upstream gradient of 1.

    >>> Share(lambda g, x, out: div(g, x))(4.0, 1.3862943611198906)
    0.25
    """

    vjp: Callable[..., Any]

    def __call__(self, *inputs_and_out: Any) -> Any:
        return self.vjp(1.0, *inputs_and_out)


class _Probe:
    """An argument that a rule can only return, not compute with (see ``_form``)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _form(partial: Callable[..., Any], arity: int) -> float | int | None:
    """A plain rule that is a constant or one of its arguments, found by calling it on probes.

    Such a rule needs no call in the backward pass: the share is the constant,
    or the argument at that index (``arity`` is the output), times the upstream.
    ``None`` for any other rule.

    >>> _form(lambda x, y, out: -1.0, 2), _form(lambda x, y, out: y, 2), _form(EXP.partials[0], 1)
    (-1.0, 1, 1)
    >>> _form(lambda x, y, out: -div(out, y), 2) is None
    True
    """
    try:
        result = partial(*(_Probe(i) for i in range(arity + 1)))
    except Exception:  # the rule computes with its arguments
        return None
    if type(result) is float:
        return result
    return result.index if type(result) is _Probe else None


def _times(partial: Callable[..., Any]) -> Callable[..., Any]:
    """A plain rule in the chain rule's form: its partial times the upstream."""
    return lambda upstream, *inputs_and_out: partial(*inputs_and_out) * upstream


# --- IEEE-754 forwards on plain floats --------------------------------------


def _fdiv(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0.0 or x != x:
            return NAN
        return math.copysign(INF, x) * math.copysign(1.0, y)


def _is_odd_integer(y: float) -> bool:
    return y.is_integer() and y % 2.0 == 1.0


def _fpow(x: float, y: float) -> float:
    if -INF < x < 0.0 and math.isfinite(y) and not y.is_integer():
        return NAN  # a negative base to a fractional power is not real
    try:
        result: float | complex = x**y
    except ZeroDivisionError:  # 0.0 ** negative
        return math.copysign(INF, x) if _is_odd_integer(y) else INF
    except OverflowError:
        return -INF if x < 0.0 and _is_odd_integer(y) else INF
    return result if isinstance(result, float) else NAN


def _flog(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    return -INF if x == 0.0 else NAN


def _fsigmoid(x: float) -> float:
    # Two branches so that exp never overflows and 1 + e never cancels.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# --- generic helpers: floats, Values and numpy arrays ---------------------------
#
# A helper dispatches on what it is given, so one rule serves every backend: on
# a float (an int too) it is the IEEE-754 forward above, on a numpy array the
# element-wise numpy function, on anything else (a ``Value``, or a code
# generator's symbol) the method of that name.  The table's forwards are
# helpers too, so the numpy backend and the code generators need no table of
# their own.


def _is_number(x: Any) -> bool:
    return type(x) is float or type(x) is int


def _is_array(x: Any) -> bool:
    """A numpy array or scalar (numpy is optional: if it is not imported, x is neither)."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.ndarray | np.generic)


def _numpy() -> Any:
    import numpy

    return numpy


def where(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` holds, else ``b``: for floats, Values (through their data), arrays.

    A ``bool`` picks a branch (a ``Value``'s comparisons give one); an array of
    them picks element by element (``numpy.where``); any other condition (a
    code generator's symbol) is asked to choose, ``cond.where(a, b)``.

    >>> where(2.0 > 0, 1.0, 0.0), where(False, 1.0, 0.0)
    (1.0, 0.0)
    """
    if cond is True or cond is False:
        return a if cond else b
    if _is_array(cond):
        return _numpy().where(cond, a, b)
    return cond.where(a, b)


def equal(x: Any, y: Any) -> Any:
    """``x == y`` by value, element-wise on arrays (a ``Value``'s ``==`` is identity)."""
    return (x <= y) & (x >= y)


def div(x: Any, y: Any) -> Any:
    """``x / y`` with IEEE-754 division by zero on floats."""
    return _fdiv(x, y) if _is_number(x) and _is_number(y) else x / y


def power(x: Any, y: Any) -> Any:
    """``x ** y`` that never raises nor returns a complex number on floats."""
    return _fpow(x, y) if _is_number(x) and _is_number(y) else x**y


def exp(x: Any) -> Any:
    """``e ** x``; ``inf`` on overflow."""
    if _is_number(x):
        try:
            return math.exp(x)
        except OverflowError:
            return INF
    return _numpy().exp(x) if _is_array(x) else x.exp()


def log(x: Any) -> Any:
    """Natural logarithm: ``log(0) = -inf``, ``nan`` below 0."""
    if _is_number(x):
        return _flog(x)
    return _numpy().log(x) if _is_array(x) else x.log()


def sqrt(x: Any) -> Any:
    """Square root; ``nan`` below 0."""
    if _is_number(x):
        return math.sqrt(x) if x >= 0.0 else NAN
    return _numpy().sqrt(x) if _is_array(x) else x.sqrt()


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    if _is_number(x):
        return math.tanh(x)
    return _numpy().tanh(x) if _is_array(x) else x.tanh()


def sigmoid(x: Any) -> Any:
    """The logistic function."""
    if _is_number(x):
        return _fsigmoid(x)
    if _is_array(x):
        np = _numpy()
        e = np.exp(-np.abs(x))  # the two branches of the float version: never overflows
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    return x.sigmoid()


def softplus(x: Any) -> Any:
    """``log(1 + e ** x)``, without overflow."""
    if _is_number(x):
        return max(x, 0.0) + math.log1p(math.exp(-abs(x))) if x == x else x
    if _is_array(x):
        np = _numpy()
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    return x.softplus()


def sin(x: Any) -> Any:
    """Sine; ``nan`` at infinity."""
    if _is_number(x):
        return math.sin(x) if math.isfinite(x) else NAN
    return _numpy().sin(x) if _is_array(x) else x.sin()


def cos(x: Any) -> Any:
    """Cosine; ``nan`` at infinity."""
    if _is_number(x):
        return math.cos(x) if math.isfinite(x) else NAN
    return _numpy().cos(x) if _is_array(x) else x.cos()


# --- more elementary functions: IEEE-754 on floats, numpy's on arrays -------------


def tan(x: Any) -> Any:
    """Tangent; ``nan`` at infinity."""
    if _is_number(x):
        return math.tan(x) if math.isfinite(x) else NAN
    return _numpy().tan(x) if _is_array(x) else x.tan()


def asin(x: Any) -> Any:
    """Inverse sine; ``nan`` outside ``[-1, 1]``."""
    if _is_number(x):
        return math.asin(x) if -1.0 <= x <= 1.0 else NAN
    return _numpy().arcsin(x) if _is_array(x) else x.asin()


def acos(x: Any) -> Any:
    """Inverse cosine; ``nan`` outside ``[-1, 1]``."""
    if _is_number(x):
        return math.acos(x) if -1.0 <= x <= 1.0 else NAN
    return _numpy().arccos(x) if _is_array(x) else x.acos()


def atan(x: Any) -> Any:
    """Inverse tangent."""
    if _is_number(x):
        return math.atan(x)
    return _numpy().arctan(x) if _is_array(x) else x.atan()


def atan2(y: Any, x: Any) -> Any:
    """The angle of the point ``(x, y)``, in ``[-π, π]`` (C99's ``atan2``, signed zeros too).

    Dispatches on ``y`` unless either is an array: ``y.atan2(x)``.
    """
    if _is_number(y) and _is_number(x):
        return math.atan2(y, x)
    if _is_array(y) or _is_array(x):
        return _numpy().arctan2(y, x)
    return y.atan2(x)


def sinh(x: Any) -> Any:
    """Hyperbolic sine; ``±inf`` on overflow."""
    if _is_number(x):
        try:
            return math.sinh(x)
        except OverflowError:
            return math.copysign(INF, x)
    return _numpy().sinh(x) if _is_array(x) else x.sinh()


def cosh(x: Any) -> Any:
    """Hyperbolic cosine; ``inf`` on overflow."""
    if _is_number(x):
        try:
            return math.cosh(x)
        except OverflowError:
            return INF
    return _numpy().cosh(x) if _is_array(x) else x.cosh()


def log1p(x: Any) -> Any:
    """``log(1 + x)``, accurate near 0: ``-inf`` at -1, ``nan`` below."""
    if _is_number(x):
        if x > -1.0:
            return math.log1p(x)
        return -INF if x == -1.0 else NAN
    return _numpy().log1p(x) if _is_array(x) else x.log1p()


def expm1(x: Any) -> Any:
    """``e ** x - 1``, accurate near 0; ``inf`` on overflow."""
    if _is_number(x):
        try:
            return math.expm1(x)
        except OverflowError:
            return INF
    return _numpy().expm1(x) if _is_array(x) else x.expm1()


def _whole(nearest: Callable[[float], int], x: float) -> float:
    # math.floor & co. return ints: infinities and nan stay, a zero keeps x's sign (as C's).
    if not math.isfinite(x):
        return x
    result = float(nearest(x))
    return result if result != 0.0 else math.copysign(0.0, x)


def floor(x: Any) -> Any:
    """The largest integer at most ``x`` (``floor(-0.5) = -1``); infinities and nan stay."""
    if _is_number(x):
        return _whole(math.floor, x)
    return _numpy().floor(x) if _is_array(x) else x.floor()


def ceil(x: Any) -> Any:
    """The smallest integer at least ``x`` (``ceil(-0.5) = -0.0``); infinities and nan stay."""
    if _is_number(x):
        return _whole(math.ceil, x)
    return _numpy().ceil(x) if _is_array(x) else x.ceil()


def trunc(x: Any) -> Any:
    """``x`` without its fraction, towards 0 (``trunc(-1.5) = -1``); infinities and nan stay."""
    if _is_number(x):
        return _whole(math.trunc, x)
    return _numpy().trunc(x) if _is_array(x) else x.trunc()


def rint(x: Any) -> Any:
    """The nearest integer, halves to even (``rint(2.5) = 2``), as ``torch.round``.

    >>> rint(0.5), rint(1.5), rint(-2.5)
    (0.0, 2.0, -2.0)
    """
    if _is_number(x):
        return _whole(round, x)  # Python's round(float) rounds halves to even
    return _numpy().rint(x) if _is_array(x) else x.round()


def sign(x: Any) -> Any:
    """``1.0``, ``-1.0``, ``0.0`` at ±0 and ``nan`` at nan."""
    if _is_number(x):
        return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else NAN
    if _is_array(x):
        return _numpy().sign(x) + 0.0  # + 0.0: numpy's sign(-0.0) is -0.0
    return x.sign()


def _fremainder(x: float, y: float) -> float:
    try:
        return x % y  # Python's: the sign of the divisor, an exact result
    except ZeroDivisionError:
        return NAN


def _ffloor_divide(x: float, y: float) -> float:
    try:
        return x // y  # Python's floor((x - x % y) / y), as torch's rounding_mode="floor"
    except ZeroDivisionError:
        return _fdiv(x, y)  # as torch and numpy: x / 0 (±inf, nan)


def remainder(x: Any, y: Any) -> Any:
    """``x % y`` with the sign of ``y`` (Python's, ``torch.remainder``); ``nan`` for ``y = 0``.

    >>> remainder(-7.5, 2.0), remainder(7.5, -2.0), remainder(1.0, 0.0)
    (0.5, -0.5, nan)
    """
    if _is_number(x) and _is_number(y):
        return _fremainder(float(x), float(y))
    if _is_array(x) or _is_array(y):
        return _numpy().remainder(x, y)
    return x % y


def floor_divide(x: Any, y: Any) -> Any:
    """``floor(x / y)`` (Python's ``//``, ``torch.floor_divide``); ``x / 0`` for ``y = 0``.

    >>> floor_divide(-7.5, 2.0), floor_divide(1.0, 0.0), floor_divide(0.0, 0.0)
    (-4.0, inf, nan)
    """
    if _is_number(x) and _is_number(y):
        return _ffloor_divide(float(x), float(y))
    if _is_array(x) or _is_array(y):
        return _numpy().floor_divide(x, y)
    return x // y


def minimum(x: Any, y: Any) -> Any:
    """The smaller of ``x`` and ``y``; ``nan`` if either is (``torch.minimum``).

    At a tie the first is returned (so ``minimum(0.0, -0.0) = 0.0``, as torch).
    Dispatches on ``x`` unless either is an array: ``x.min(y)``.
    """
    if _is_number(x) and _is_number(y):
        return x + y if x != x or y != y else x if x <= y else y
    if _is_array(x) or _is_array(y):
        return _numpy().minimum(x, y)
    return x.min(y)


def maximum(x: Any, y: Any) -> Any:
    """The larger of ``x`` and ``y``; ``nan`` if either is (``torch.maximum``)."""
    if _is_number(x) and _is_number(y):
        return x + y if x != x or y != y else x if x >= y else y
    if _is_array(x) or _is_array(y):
        return _numpy().maximum(x, y)
    return x.max(y)


# Piecewise ops are written with ``where``, so they are right on every kind of
# operand (on a Value: the identity or the constant, relu's own derivative).
# The float test is only a fast path, the same branch as ``where``'s.


def relu(x: Any) -> Any:
    """``max(x, 0)``; ``nan`` stays ``nan``."""
    if type(x) is float:
        return 0.0 if x <= 0.0 else x
    return where(x <= 0.0, 0.0, x)


def leaky_relu(x: Any, slope: Any) -> Any:
    """``x`` above 0, ``slope * x`` at or below."""
    if type(x) is float and type(slope) is float:
        return slope * x if x <= 0.0 else x
    return where(x <= 0.0, slope * x, x)


# The branches below test values with ``where`` and ``equal`` (``y == 0`` on a
# Value would be identity).  The groupings are PyTorch's, so results match it.


def _pow_base_share(g: Any, x: Any, y: Any, out: Any) -> Any:
    # As PyTorch: x ** 0 is the constant 1, so its base gets nothing (0 ** 0: not 0·inf).
    return where(equal(y, 0.0), 0.0, y * power(x, y - 1.0) * g)


def _pow_exponent_share(g: Any, x: Any, y: Any, out: Any) -> Any:
    # 0 ** y is the constant 0 (or 1) for y >= 0: its exponent gets nothing, not
    # 0·(-inf) (PyTorch: 0 too, but times the gradient, nan for an infinite one).
    return where(equal(x, 0.0) & (y >= 0.0), 0.0, out * log(x) * g)


def _abs_share(g: Any, x: Any, out: Any) -> Any:
    # abs'(0) = 0 as PyTorch's, but at 0 (or nan) neither branch is taken: not even
    # an infinite gradient passes (PyTorch: grad · sgn(0), nan for an infinite one).
    return where(x > 0.0, g, where(x < 0.0, -g, 0.0))


def _nothing(g: Any, *inputs_and_out: Any) -> float:
    # Piecewise constant (floor, ceil, round, sign, //): the output does not move with
    # the input, so its share is exactly 0 even for an infinite upstream (as torch's zeros).
    return 0.0


def _tie_share(g: Any, x: Any, y: Any) -> Any:
    # torch.minimum/maximum: at a tie each input gets half (nan: both get all of it).
    return where(equal(x, y), g * 0.5, g)


def _atan2_scale(y: Any, x: Any) -> Any:
    # 1 / (y² + x²), and 0 at the origin: atan2'(0, 0) = 0, as PyTorch's.
    d = y * y + x * x
    return where(equal(d, 0.0), 0.0, div(1.0, d))


def _atan2_y_share(g: Any, y: Any, x: Any, out: Any) -> Any:
    # PyTorch's grouping, grad * x * (1 / (y² + x²)), so overflows are the same.
    return g * x * _atan2_scale(y, x)


def _atan2_x_share(g: Any, y: Any, x: Any, out: Any) -> Any:
    return g * -y * _atan2_scale(y, x)


def _unit_slope(x: Any) -> Any:
    # 1 / sqrt(1 - x²) as PyTorch's (its rsqrt): (1 - x)(1 + x) would cancel less near ±1,
    # but its derivative adds two terms, which an infinite upstream turns into inf - inf.
    return div(1.0, sqrt(1.0 - x * x))


# --- the table ---------------------------------------------------------------

ADD = Primitive("add", operator.add, (lambda x, y, out: 1.0, lambda x, y, out: 1.0), "+")
SUB = Primitive("sub", operator.sub, (lambda x, y, out: 1.0, lambda x, y, out: -1.0), "-")
MUL = Primitive("mul", operator.mul, (lambda x, y, out: y, lambda x, y, out: x), "*")
DIV = Primitive(
    "div",
    div,
    (Share(lambda g, x, y, out: div(g, y)), lambda x, y, out: -div(out, y)),
    "/",
    "nonzero",
)
FMA = Primitive(  # x*y + z in one node: a neuron's multiply-accumulate
    "fma",
    lambda x, y, z: x * y + z,
    (lambda x, y, z, out: y, lambda x, y, z, out: x, lambda x, y, z, out: 1.0),
    "*+",
)
NEG = Primitive("neg", operator.neg, (lambda x, out: -1.0,), "-")
POW = Primitive(
    "pow",
    power,
    (Share(_pow_base_share), Share(_pow_exponent_share)),
    "**",
    "positive",
)
EXP = Primitive("exp", exp, (lambda x, out: out,))
LOG = Primitive("log", log, (Share(lambda g, x, out: div(g, x)),), domain="positive")
SQRT = Primitive("sqrt", sqrt, (Share(lambda g, x, out: div(g, 2.0 * out)),), domain="positive")
# sech² = 4·σ(2x)·σ(-2x): no cancellation where 1 - tanh² would round to 0.
TANH = Primitive("tanh", tanh, (lambda x, out: 4.0 * sigmoid(2.0 * x) * sigmoid(-2.0 * x),))
# σ' = σ(x)·σ(-x): exact in the tails, where σ·(1 - σ) would round to 0.
SIGMOID = Primitive("sigmoid", sigmoid, (lambda x, out: out * sigmoid(-x),))
SOFTPLUS = Primitive("softplus", softplus, (lambda x, out: sigmoid(x),))
# relu and leaky_relu test x <= 0 as their forwards do: nan takes the identity branch.
RELU = Primitive("relu", relu, (Share(lambda g, x, out: where(x <= 0.0, 0.0, g)),))
LEAKY_RELU = Primitive(
    "leaky_relu",
    leaky_relu,
    (
        lambda x, s, out: where(x <= 0.0, s, 1.0),
        Share(lambda g, x, s, out: where(x <= 0.0, x * g, 0.0)),
    ),
)
ABS = Primitive("abs", abs, (Share(_abs_share),))
SIN = Primitive("sin", sin, (lambda x, out: cos(x),))
COS = Primitive("cos", cos, (lambda x, out: -sin(x),))
TAN = Primitive("tan", tan, (lambda x, out: 1.0 + out * out,), domain="cos_nonzero")
ASIN = Primitive("asin", asin, (lambda x, out: _unit_slope(x),), domain="unit")
ACOS = Primitive("acos", acos, (lambda x, out: -_unit_slope(x),), domain="unit")
ATAN = Primitive("atan", atan, (Share(lambda g, x, out: div(g, x * x + 1.0)),))
ATAN2 = Primitive(  # atan2(y, x): the first input is y, as math.atan2's
    "atan2", atan2, (Share(_atan2_y_share), Share(_atan2_x_share)), domain="nonzero"
)
SINH = Primitive("sinh", sinh, (lambda x, out: cosh(x),))
COSH = Primitive("cosh", cosh, (lambda x, out: sinh(x),))
LOG1P = Primitive(
    "log1p", log1p, (Share(lambda g, x, out: div(g, x + 1.0)),), domain="above_minus_one"
)
EXPM1 = Primitive("expm1", expm1, (lambda x, out: out + 1.0,))
# Piecewise constant: derivative 0 everywhere, the jumps included (PyTorch's convention).
FLOOR = Primitive("floor", floor, (Share(_nothing),), domain="noninteger")
CEIL = Primitive("ceil", ceil, (Share(_nothing),), domain="noninteger")
TRUNC = Primitive("trunc", trunc, (Share(_nothing),), domain="noninteger")
ROUND = Primitive("round", rint, (Share(_nothing),), domain="off_half_integers")
SIGN = Primitive("sign", sign, (Share(_nothing),), domain="nonzero")
FLOORDIV = Primitive(
    "floordiv", floor_divide, (Share(_nothing), Share(_nothing)), "//", "noninteger_quotient"
)
# x % y = x - y·floor(x / y): ∂/∂x = 1, ∂/∂y = -floor(x / y), as torch.remainder's.
MOD = Primitive(
    "mod",
    remainder,
    (lambda x, y, out: 1.0, lambda x, y, out: -floor_divide(x, y)),
    "%",
    "noninteger_quotient",
)
# A branch not taken passes nothing: the larger input of min, the smaller of max.
MIN = Primitive(
    "min",
    minimum,
    (
        Share(lambda g, x, y, out: where(x > y, 0.0, _tie_share(g, x, y))),
        Share(lambda g, x, y, out: where(x < y, 0.0, _tie_share(g, x, y))),
    ),
    domain="distinct",
)
MAX = Primitive(
    "max",
    maximum,
    (
        Share(lambda g, x, y, out: where(x < y, 0.0, _tie_share(g, x, y))),
        Share(lambda g, x, y, out: where(x > y, 0.0, _tie_share(g, x, y))),
    ),
    domain="distinct",
)

PRIMITIVES: tuple[Primitive, ...] = (
    ADD, SUB, MUL, DIV, FMA, NEG, POW, EXP, LOG, SQRT,
    TANH, SIGMOID, SOFTPLUS, RELU, LEAKY_RELU, ABS, SIN, COS,
    TAN, ASIN, ACOS, ATAN, ATAN2, SINH, COSH, LOG1P, EXPM1,
    FLOOR, CEIL, TRUNC, ROUND, SIGN, FLOORDIV, MOD, MIN, MAX,
)  # fmt: skip
BY_NAME: dict[str, Primitive] = {p.name: p for p in PRIMITIVES}


def _call_free(prim: Primitive) -> None:
    """Find the table's rules that the backward pass may apply without a call."""
    if not prim.vjps:
        object.__setattr__(prim, "forms", tuple(_form(p, prim.arity) for p in prim.partials))


for _prim in PRIMITIVES:
    _call_free(_prim)
