"""``Value``: a scalar node of a computation graph, and the recording of ops.

A node holds its number (``data``), its accumulated gradient (``grad``), the
primitive that made it and up to three operands.  An operand is another
``Value`` or a plain float folded into the op (``x * 2.0`` is one node).
There is no closure per node and no reference back from an operand to its
result, so dropping the root frees a graph by reference counting alone.

>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b + a
>>> c.backward()
>>> c.data, a.grad, b.grad
(-4.0, -2.0, 2.0)
"""

from __future__ import annotations

import copy as copy_module
import math
import numbers
import operator
from typing import Any, final

from . import _checks, ops
from .backward import backpropagate, topological_order
from .modes import STATE, user_site
from .ops import Primitive
from .serialize import reduce_value, restore_state, user_attributes

__all__ = [
    "Value",
    "apply",
    "as_float",
    "backpropagate",
    "topological_order",
]

_new = object.__new__


def as_float(x: Any, what: str = "Value()") -> float:
    """``x`` as a float if it is a real number, else ``TypeError``.

    >>> as_float(3), as_float(True), as_float(10**400)
    (3.0, 1.0, inf)
    """
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) or _is_numpy_real(x):
        try:
            return float(x)
        except OverflowError:  # an int or Fraction too large for a double
            return math.inf if x > 0 else -math.inf
    raise TypeError(f"{what} takes a real number, got {type(x).__name__}: {x!r}")


def _is_numpy_real(x: Any) -> bool:
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    return kind is not None and kind in "biuf" and getattr(x, "ndim", None) == 0


def _operand(x: Any) -> Value | float | None:
    """A ``Value`` or a float for an op, or ``None`` for an unsupported type."""
    if type(x) is Value or type(x) is float:
        return x
    try:
        return as_float(x)
    except TypeError:
        return None


@final
class Value:
    """A scalar in a computation graph; ops on it record the graph.

    ``data`` is a float, ``grad`` the accumulated derivative of whatever
    ``backward()`` was called on.  ``op`` names the primitive that made the
    node (``""`` for a leaf) and ``parents`` lists its ``Value`` operands.

    >>> x = Value(3, label="x")
    >>> x
    Value(data=3.0, grad=0.0, label='x')
    """

    __slots__ = (
        "data", "grad", "label", "requires_grad", "_prim", "_a", "_b", "_c",
        "_upstream", "_pending",  # scratch space of the backward pass, see backward.py
        "__dict__",  # user attributes (an optimizer's state): no dict until one is set
    )  # fmt: skip
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    data: float
    grad: float
    label: str
    requires_grad: bool

    def __init__(self, data: Any, *, label: str = "", requires_grad: bool = True) -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        if not isinstance(requires_grad, bool):  # inline: the check costs no call when it passes
            _checks.boolean(requires_grad, "requires_grad")
        self.data = as_float(data)
        self.grad = 0.0
        self.label = label
        self.requires_grad = requires_grad
        self._prim: Primitive | None = None
        self._a: Value | float | None = None
        self._b: Value | float | None = None
        self._c: Value | float | None = None
        self._upstream: Any = None
        self._pending = 0

    # --- the graph -----------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the primitive that made this node; ``""`` for a leaf."""
        return "" if self._prim is None else self._prim.name

    @property
    def primitive(self) -> Primitive | None:
        """The primitive that made this node, ``None`` for a leaf."""
        return self._prim

    @property
    def operands(self) -> tuple[Value | float, ...]:
        """All inputs of the op in order: ``Value``s and folded-in numbers."""
        if self._prim is None:
            return ()
        return (self._a, self._b, self._c)[: self._prim.arity]  # type: ignore[return-value]

    @property
    def parents(self) -> tuple[Value, ...]:
        """The ``Value`` operands in order (``x*x`` lists ``x`` twice)."""
        return tuple(o for o in self.operands if type(o) is Value)

    # micrograd's names for the graph, for code written for it.  Properties, not a
    # __getattr__: a class with __getattr__ loses the interpreter's fast attribute
    # access on every node (measured: the backward pass 60% slower).  A node made by
    # autograd_tiny.micrograd's Value(data, _children, _op) keeps what it was given
    # as user attributes of those names, which these read first.

    @property
    def _prev(self) -> set[Value]:
        """micrograd's ``_prev``: the set of ``Value`` operands.

        >>> x = Value(3.0)
        >>> h = x * x
        >>> h._prev == {x}, x._prev
        (True, set())
        """
        given = _given(self, "_prev")
        return set(self.parents) if given is None else set(given)

    @_prev.setter
    def _prev(self, children: Any) -> None:
        vars(self)["_prev"] = set(children)

    @property
    def _op(self) -> str:
        """micrograd's ``_op``: its symbol for the op, else the primitive's symbol or name.

        >>> x = Value(3.0)
        >>> h = x * x
        >>> (h**2)._op, h._op, h.relu()._op, x._op
        ('**2', '*', 'ReLU', '')
        """
        given = _given(self, "_op")
        return _micrograd_symbol(self) if given is None else str(given)

    @_op.setter
    def _op(self, symbol: str) -> None:
        vars(self)["_op"] = symbol

    # --- gradients -------------------------------------------------------------

    def backward(self, grad: Any = 1.0) -> None:
        """Add ``grad · ∂self/∂node`` into ``node.grad`` for every node of the graph.

        Gradients accumulate: call ``zero_grad()`` between independent passes.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a Value that does not require grad: it was computed "
                "under no_grad() or from constants only, so no graph was recorded"
            )
        backpropagate(self, as_float(grad, "backward()"), False, accumulate=True, targets=())

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on every node of this node's graph."""
        for node in topological_order(self, trainable_only=False):
            node.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data that requires no grad."""
        return Value(self.data, label=self.label, requires_grad=False)

    # --- operators -------------------------------------------------------------

    def __add__(self, other: Any) -> Value:
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Any) -> Value:
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Any) -> Value:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Any) -> Value:
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Any) -> Value:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Any) -> Value:
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Any) -> Value:
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Any) -> Value:
        return _binary(ops.DIV, other, self)

    def __pow__(self, other: Any) -> Value:
        return _binary(ops.POW, self, other)

    def __rpow__(self, other: Any) -> Value:
        return _binary(ops.POW, other, self)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ops.ABS, self)

    def __mod__(self, other: Any) -> Value:
        return _binary(ops.MOD, self, other)

    def __rmod__(self, other: Any) -> Value:
        return _binary(ops.MOD, other, self)

    def __floordiv__(self, other: Any) -> Value:
        return _binary(ops.FLOORDIV, self, other)

    def __rfloordiv__(self, other: Any) -> Value:
        return _binary(ops.FLOORDIV, other, self)

    def __floor__(self) -> Value:
        return _unary(ops.FLOOR, self)

    def __trunc__(self) -> Value:
        return _unary(ops.TRUNC, self)

    def __divmod__(self, other: Any) -> tuple[Value, Value]:
        """``(self // other, self % other)``, two nodes, as Python's ``divmod``."""
        return _divmod(self, other)

    def __rdivmod__(self, other: Any) -> tuple[Value, Value]:
        return _divmod(other, self)

    def __ceil__(self) -> Value:
        return _unary(ops.CEIL, self)

    def __round__(self, ndigits: Any = None) -> Value:
        return self.round(ndigits)

    # --- functions -------------------------------------------------------------

    def exp(self) -> Value:
        """e to the power of this value."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm: ``-inf`` at 0, ``nan`` below."""
        return _unary(ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root: ``nan`` below 0."""
        return _unary(ops.SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """The logistic function ``1 / (1 + e^-x)``."""
        return _unary(ops.SIGMOID, self)

    def softplus(self) -> Value:
        """``log(1 + e^x)``, computed without overflow."""
        return _unary(ops.SOFTPLUS, self)

    def relu(self) -> Value:
        """``max(0, x)``; its derivative at 0 is 0."""
        return _unary(ops.RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """``x`` for ``x > 0``, else ``slope · x``."""
        return _binary(ops.LEAKY_RELU, self, as_float(slope, "leaky_relu()"))

    def sin(self) -> Value:
        """Sine."""
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(ops.COS, self)

    def tan(self) -> Value:
        """Tangent."""
        return _unary(ops.TAN, self)

    def asin(self) -> Value:
        """Inverse sine: ``nan`` outside ``[-1, 1]``."""
        return _unary(ops.ASIN, self)

    def acos(self) -> Value:
        """Inverse cosine: ``nan`` outside ``[-1, 1]``."""
        return _unary(ops.ACOS, self)

    def atan(self) -> Value:
        """Inverse tangent."""
        return _unary(ops.ATAN, self)

    def atan2(self, x: Any) -> Value:
        """The angle of the point ``(x, self)``: ``y.atan2(x)`` is ``math.atan2(y, x)``."""
        return _checked(ops.ATAN2, "atan2", self, x)

    def sinh(self) -> Value:
        """Hyperbolic sine."""
        return _unary(ops.SINH, self)

    def cosh(self) -> Value:
        """Hyperbolic cosine."""
        return _unary(ops.COSH, self)

    def log1p(self) -> Value:
        """``log(1 + x)``, accurate near 0: ``-inf`` at -1, ``nan`` below."""
        return _unary(ops.LOG1P, self)

    def expm1(self) -> Value:
        """``e^x - 1``, accurate near 0."""
        return _unary(ops.EXPM1, self)

    def floor(self) -> Value:
        """The largest integer at most this value; its derivative is 0."""
        return _unary(ops.FLOOR, self)

    def trunc(self) -> Value:
        """This value with its fraction dropped, towards 0; its derivative is 0."""
        return _unary(ops.TRUNC, self)

    def ceil(self) -> Value:
        """The smallest integer at least this value; its derivative is 0."""
        return _unary(ops.CEIL, self)

    def round(self, ndigits: Any = None) -> Value:
        """The nearest integer, halves to even (``torch.round``); its derivative is 0.

        With ``ndigits`` (an int), ``torch.round(x, decimals=ndigits)``: scaled
        by ``10**ndigits``, rounded, scaled back, in floating point, so a
        decimal tie that is not one in binary may round otherwise than
        Python's exact ``round(float, ndigits)``.  ``round(v)`` and
        ``round(v, n)`` call this and return a ``Value``.

        >>> round(Value(2.5)).data, round(Value(-0.125), 2).data, round(Value(1250.0), -2).data
        (2.0, -0.12, 1200.0)
        """
        if ndigits is None:
            return _unary(ops.ROUND, self)
        digits = _checks.integer(ndigits, "ndigits", who="round")
        scale: float = ops.power(10.0, float(abs(digits)))
        if digits >= 0:
            return (self * scale).round() / scale
        return (self / scale).round() * scale

    def sign(self) -> Value:
        """``1``, ``-1``, ``0`` at ±0 and ``nan`` at nan; its derivative is 0."""
        return _unary(ops.SIGN, self)

    def min(self, other: Any) -> Value:
        """The smaller of the two, as ``torch.minimum``: ``nan`` if either is.

        At a tie each input gets half of the gradient.
        """
        return _checked(ops.MIN, "min", self, other)

    def max(self, other: Any) -> Value:
        """The larger of the two, as ``torch.maximum``: ``nan`` if either is.

        At a tie each input gets half of the gradient.
        """
        return _checked(ops.MAX, "max", self, other)

    def fma(self, y: Any, z: Any) -> Value:
        """``self * y + z`` as one node: a multiply-accumulate."""
        out = _ternary(ops.FMA, self, y, z)
        if out is NotImplemented:
            raise TypeError(
                f"fma() takes Values or real numbers, got {type(y).__name__} and {type(z).__name__}"
            )
        return out

    # --- comparisons and conversions ------------------------------------------

    def __lt__(self, other: Any) -> bool:
        return _compare("<", operator.lt, self, other)

    def __le__(self, other: Any) -> bool:
        return _compare("<=", operator.le, self, other)

    def __gt__(self, other: Any) -> bool:
        return _compare(">", operator.gt, self, other)

    def __ge__(self, other: Any) -> bool:
        return _compare(">=", operator.ge, self, other)

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # --- copying and pickling, without recursion ------------------------------

    def __copy__(self) -> Value:
        return _clone(self, {}, deep=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        for node in topological_order(self, trainable_only=False):
            if id(node) not in memo:
                memo[id(node)] = _clone(node, memo)
        return memo[id(self)]  # type: ignore[no-any-return]

    def __reduce__(self) -> tuple[Any, ...]:
        return reduce_value(self)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        restore_state(self, state)


def _checked(prim: Primitive, method: str, value: Value, other: Any) -> Value:
    """A binary op called as a method: ``TypeError`` naming the type of a wrong operand."""
    out = _binary(prim, value, other)
    if out is NotImplemented:
        raise TypeError(
            f"{method}() takes a Value or a real number, got {type(other).__name__}: {other!r}"
        )
    return out


def _divmod(x: Any, y: Any) -> tuple[Value, Value]:
    """``divmod`` as ``(x // y, x % y)``; ``NotImplemented`` for an operand that is no number."""
    quotient = _binary(ops.FLOORDIV, x, y)
    if quotient is NotImplemented:
        return NotImplemented  # type: ignore[no-any-return]
    return quotient, _binary(ops.MOD, x, y)


def _compare(symbol: str, op: Any, value: Value, other: Any) -> bool:
    result: bool = op(value.data, _compared(other))
    # A recording (autograd_tiny.replay.tape) watches comparisons: they are the
    # branches of user code, which replaying a recorded graph must guard.
    if STATE.active and STATE.local.comparison_observer is not None:
        STATE.local.comparison_observer(symbol, value, other, result)
    return result


def _compared(other: Any) -> float:
    if type(other) is Value:
        return other.data
    value = _operand(other)
    if value is None:
        raise TypeError(f"cannot compare Value with {type(other).__name__}: {other!r}")
    return value  # type: ignore[return-value]


def _given(node: Value, name: str) -> Any:
    """The user attribute ``name`` of ``node``, or ``None`` (no dict is made to ask)."""
    attributes = user_attributes(node)
    return None if attributes is None else attributes.get(name)


def _micrograd_symbol(node: Value) -> str:
    prim = node._prim
    if prim is None:
        return ""
    if prim is ops.POW and type(node._b) is float:  # micrograd folds a number exponent too
        exponent = node._b
        return f"**{int(exponent) if exponent.is_integer() else exponent}"
    return _MICROGRAD_SYMBOLS.get(prim.name) or prim.symbol or prim.name


_MICROGRAD_SYMBOLS = {"relu": "ReLU"}


def _clone(node: Value, memo: dict[int, Any], *, deep: bool = True) -> Value:
    copy = _new(Value)
    attributes = user_attributes(node)
    if attributes:
        copy.__dict__.update(copy_module.deepcopy(attributes, memo) if deep else attributes)
    copy.data, copy.grad, copy.label = node.data, node.grad, node.label
    copy.requires_grad, copy._prim = node.requires_grad, node._prim
    copy._upstream, copy._pending = None, 0
    copy._a, copy._b, copy._c = (memo.get(id(o), o) for o in (node._a, node._b, node._c))
    return copy


# --- recording ops -------------------------------------------------------------


def apply(prim: Primitive, *operands: Any) -> Any:
    """Record ``prim`` applied to ``operands`` (``Value``s or numbers) as a node.

    Returns ``NotImplemented`` when an operand is not a number, so that the
    operators raise Python's usual ``TypeError`` naming the type.

    >>> apply(ops.MUL, Value(3.0), 2).data
    6.0
    """
    if len(operands) != prim.arity:
        raise TypeError(f"{prim.name} takes {prim.arity} operands, got {len(operands)}")
    if prim.arity == 1:
        if type(operands[0]) is not Value:
            raise TypeError(f"{prim.name} takes a Value, got {type(operands[0]).__name__}")
        return _unary(prim, operands[0])
    if prim.arity == 2:
        return _binary(prim, *operands)
    return _ternary(prim, *operands)


# The three recorders below are the hot path of every forward pass: they are
# written out by arity, with number operands checked inline and the new node
# made in place (a call per node costs about 8% of a forward pass), for speed.


def _unary(prim: Primitive, x: Value) -> Value:
    out = _new(Value)
    out.data = prim.forward(x.data)
    out.grad, out.label, out._upstream, out._pending = 0.0, "", None, 0
    if x.requires_grad and (not STATE.active or STATE.local.grad_enabled):
        out.requires_grad, out._prim, out._a, out._b, out._c = True, prim, x, None, None
    else:
        out.requires_grad, out._prim, out._a, out._b, out._c = False, None, None, None, None
    if STATE.active:
        _watch(out, prim, (x,))
    return out


def _binary(prim: Primitive, x: Any, y: Any) -> Value:
    x_node, y_node = type(x) is Value, type(y) is Value
    if not x_node and type(x) is not float:
        x = _operand(x)  # a float now, or None
    if not y_node and type(y) is not float:
        y = _operand(y)
    if x is None or y is None:
        return NotImplemented  # type: ignore[no-any-return]
    out = _new(Value)
    out.data = prim.forward(x.data if x_node else x, y.data if y_node else y)
    out.grad, out.label, out._upstream, out._pending = 0.0, "", None, 0
    tracked = (x_node and x.requires_grad) or (y_node and y.requires_grad)
    if tracked and (not STATE.active or STATE.local.grad_enabled):
        out.requires_grad, out._prim, out._a, out._b, out._c = True, prim, x, y, None
    else:
        out.requires_grad, out._prim, out._a, out._b, out._c = False, None, None, None, None
    if STATE.active:
        _watch(out, prim, (x, y))
    return out


def _ternary(prim: Primitive, x: Any, y: Any, z: Any) -> Value:
    x_node, y_node, z_node = type(x) is Value, type(y) is Value, type(z) is Value
    if not x_node and type(x) is not float:
        x = _operand(x)  # a float now, or None
    if not y_node and type(y) is not float:
        y = _operand(y)
    if not z_node and type(z) is not float:
        z = _operand(z)
    if x is None or y is None or z is None:
        return NotImplemented  # type: ignore[no-any-return]
    out = _new(Value)
    out.data = prim.forward(
        x.data if x_node else x, y.data if y_node else y, z.data if z_node else z
    )
    out.grad, out.label, out._upstream, out._pending = 0.0, "", None, 0
    tracked = (
        (x_node and x.requires_grad) or (y_node and y.requires_grad) or (z_node and z.requires_grad)
    )
    if tracked and (not STATE.active or STATE.local.grad_enabled):
        out.requires_grad, out._prim, out._a, out._b, out._c = True, prim, x, y, z
    else:
        out.requires_grad, out._prim, out._a, out._b, out._c = False, None, None, None, None
    if STATE.active:
        _watch(out, prim, (x, y, z))
    return out


def _watch(out: Value, prim: Primitive, operands: tuple[Any, ...]) -> None:
    """Anomaly checks and creation sites: only reached while a mode is active."""
    local = STATE.local
    if not (local.anomaly or local.record_sites):
        return
    site = user_site()
    if local.anomaly and not math.isfinite(out.data):
        shown = ", ".join(repr(float(o)) for o in operands)
        raise FloatingPointError(
            f"detect_anomaly: {prim.name}({shown}) returned {out.data!r} "
            f"in the forward pass, at {site}"
        )
    if out._prim is not None:
        local.sites[id(out)] = (out, site)
