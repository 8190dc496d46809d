"""The table of primitives: every differentiable operation, each in one entry.

An entry holds a name, a forward function on plain floats, and one
partial-derivative rule per input.  A rule receives the op's inputs and its
output, ``rule(*inputs, out)``, and returns ``∂out/∂input``.  Rules are written
with the generic helpers below (``exp``, ``div``, ``sigmoid`` …), which work on
floats *and* on ``Value`` nodes, so the same rule gives a fast float for a
first-order backward pass and a differentiable graph for higher order.

Every forward follows IEEE-754: it returns ``inf`` or ``nan`` where Python's
``math`` module would raise.

>>> MUL.forward(3.0, 4.0), MUL.partials[0](3.0, 4.0, 12.0)
(12.0, 4.0)
>>> LOG.forward(0.0), DIV.forward(1.0, 0.0), EXP.forward(1000.0)
(-inf, inf, inf)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Primitive", "PRIMITIVES", "BY_NAME"]

INF = math.inf
NAN = math.nan


@dataclass(frozen=True, slots=True)
class Primitive:
    """One differentiable operation: forward on floats, one partial per input.

    ``symbol`` is how drawings show the op (``"*"`` for mul).  ``domain`` names
    the inputs on which the op is smooth and finite (``"real"``,
    ``"positive"``, ``"nonzero"``), for tools that generate test inputs.
    """

    name: str
    forward: Callable[..., float]
    partials: tuple[Callable[..., Any], ...]
    symbol: str = ""
    domain: str = "real"
    arity: int = field(init=False)  # the number of inputs: one partial each

    def __post_init__(self) -> None:
        object.__setattr__(self, "arity", len(self.partials))

    def __repr__(self) -> str:
        return f"<primitive {self.name}/{self.arity}>"


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


def _fexp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _flog(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    return -INF if x == 0.0 else NAN


def _fsqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else NAN


def _fsigmoid(x: float) -> float:
    # Two branches so that exp never overflows and 1 + e never cancels.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = _fexp(x)
    return e / (1.0 + e)


def _fsoftplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x))) if x == x else x


def _fsin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else NAN


def _fcos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def _frelu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # nan stays nan


def _fleaky_relu(x: float, slope: float) -> float:
    return slope * x if x <= 0.0 else x


# --- generic helpers: floats in, floats out; Values in, Values out ----------


def _is_number(x: Any) -> bool:
    return type(x) is float or type(x) is int


def div(x: Any, y: Any) -> Any:
    """``x / y`` with IEEE-754 division by zero on floats."""
    return _fdiv(x, y) if _is_number(x) and _is_number(y) else x / y


def power(x: Any, y: Any) -> Any:
    """``x ** y`` that never raises nor returns a complex number on floats."""
    return _fpow(x, y) if _is_number(x) and _is_number(y) else x**y


def log(x: Any) -> Any:
    """Natural logarithm."""
    return _flog(x) if _is_number(x) else x.log()


def sigmoid(x: Any) -> Any:
    """The logistic function."""
    return _fsigmoid(x) if _is_number(x) else x.sigmoid()


def sin(x: Any) -> Any:
    """Sine."""
    return _fsin(x) if _is_number(x) else x.sin()


def cos(x: Any) -> Any:
    """Cosine."""
    return _fcos(x) if _is_number(x) else x.cos()


def _pow_base_partial(x: Any, y: Any, out: Any) -> Any:
    # As PyTorch: x ** 0 is the constant 1, so 0 ** 0 has derivative 0, not 0·inf.
    if float(y) == 0.0:
        return 0.0
    return y * power(x, y - 1.0)


def _pow_exponent_partial(x: Any, y: Any, out: Any) -> Any:
    # As PyTorch: 0 ** y has derivative 0 in y for y >= 0 instead of 0·(-inf).
    if float(x) == 0.0 and float(y) >= 0.0:
        return 0.0
    return out * log(x)


def _abs_partial(x: Any, out: Any) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)  # abs'(0) = 0, as PyTorch


# --- the table ---------------------------------------------------------------

ADD = Primitive("add", operator.add, (lambda x, y, out: 1.0, lambda x, y, out: 1.0), "+")
SUB = Primitive("sub", operator.sub, (lambda x, y, out: 1.0, lambda x, y, out: -1.0), "-")
MUL = Primitive("mul", operator.mul, (lambda x, y, out: y, lambda x, y, out: x), "*")
DIV = Primitive(
    "div",
    _fdiv,
    (lambda x, y, out: div(1.0, y), lambda x, y, out: -div(out, y)),
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
    _fpow,
    (_pow_base_partial, _pow_exponent_partial),
    "**",
    "positive",
)
EXP = Primitive("exp", _fexp, (lambda x, out: out,))
LOG = Primitive("log", _flog, (lambda x, out: div(1.0, x),), domain="positive")
SQRT = Primitive("sqrt", _fsqrt, (lambda x, out: div(0.5, out),), domain="positive")
# sech² = 4·σ(2x)·σ(-2x): no cancellation where 1 - tanh² would round to 0.
TANH = Primitive("tanh", math.tanh, (lambda x, out: 4.0 * sigmoid(2.0 * x) * sigmoid(-2.0 * x),))
# σ' = σ(x)·σ(-x): exact in the tails, where σ·(1 - σ) would round to 0.
SIGMOID = Primitive("sigmoid", _fsigmoid, (lambda x, out: out * sigmoid(-x),))
SOFTPLUS = Primitive("softplus", _fsoftplus, (lambda x, out: sigmoid(x),))
RELU = Primitive("relu", _frelu, (lambda x, out: 1.0 if x > 0 else 0.0,))
LEAKY_RELU = Primitive(
    "leaky_relu",
    _fleaky_relu,
    (lambda x, s, out: 1.0 if x > 0 else s, lambda x, s, out: 0.0 if x > 0 else x),
)
ABS = Primitive("abs", abs, (_abs_partial,))
SIN = Primitive("sin", _fsin, (lambda x, out: cos(x),))
COS = Primitive("cos", _fcos, (lambda x, out: -sin(x),))

PRIMITIVES: tuple[Primitive, ...] = (
    ADD, SUB, MUL, DIV, FMA, NEG, POW, EXP, LOG, SQRT,
    TANH, SIGMOID, SOFTPLUS, RELU, LEAKY_RELU, ABS, SIN, COS,
)  # fmt: skip
BY_NAME: dict[str, Primitive] = {p.name: p for p in PRIMITIVES}
