"""A rule of the table evaluated on symbols: the expression it computes, as source.

A code generator inlines a rule by calling it on ``Symbol``s in place of
numbers: the generic helpers of ``ops`` treat a symbol as they treat a
``Value`` (by its methods), so the rule writes its own expression, spelled in
the generated code's dialect.  Nothing is written by hand per op.  A rule that
a symbol cannot follow (an ``if`` on an operand, ``float(x)``, ``==``) raises,
and the generator calls the rule's function instead.

>>> from autograd_tiny.ops import RELU, TANH
>>> inline(RELU.forward, ("x",), PYTHON_WHERE)
'(0.0 if ({x} <= 0.0) else {x})'
>>> inline(TANH.partials[0], ("x", "out"), PYTHON_WHERE)
'((4.0 * sigmoid((2.0 * {x}))) * sigmoid(((-2.0) * {x})))'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..ops import BY_NAME

__all__ = ["Symbol", "inline", "PYTHON_WHERE", "NUMPY_WHERE", "JS_WHERE"]

PYTHON_WHERE = "({a} if {cond} else {b})"  # only the branch taken is evaluated
NUMPY_WHERE = "where({cond}, {a}, {b})"
JS_WHERE = "({cond} ? {a} : {b})"  # JavaScript's conditional: only the branch taken, too


class NotSymbolic(TypeError):
    """The rule asked a symbol for a number (a branch, ``float``, ``==``)."""


def _text(operand: Any) -> str:
    if isinstance(operand, Symbol):
        return operand.text
    if type(operand) is bool:
        return repr(operand)
    if type(operand) is float or type(operand) is int:
        text = repr(float(operand))
        return f"({text})" if text.startswith("-") else text
    raise NotSymbolic(f"a symbol cannot take a {type(operand).__name__}")


class Symbol:
    """An operand that records, as source text, what is computed from it."""

    __slots__ = ("text", "where_template")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, text: str, where_template: str) -> None:
        self.text, self.where_template = text, where_template

    def _new(self, text: str) -> Symbol:
        return Symbol(text, self.where_template)

    def _binary(self, op: str, other: Any, reflected: bool = False) -> Symbol:
        left, right = (_text(other), self.text) if reflected else (self.text, _text(other))
        return self._new(f"({left} {op} {right})")

    def _call(self, name: str, *args: Any) -> Symbol:
        return self._new(f"{name}({', '.join(_text(a) for a in args)})")

    def __add__(self, o: Any) -> Symbol:
        return self._binary("+", o)

    def __radd__(self, o: Any) -> Symbol:
        return self._binary("+", o, True)

    def __sub__(self, o: Any) -> Symbol:
        return self._binary("-", o)

    def __rsub__(self, o: Any) -> Symbol:
        return self._binary("-", o, True)

    def __mul__(self, o: Any) -> Symbol:
        return self._binary("*", o)

    def __rmul__(self, o: Any) -> Symbol:
        return self._binary("*", o, True)

    def __and__(self, o: Any) -> Symbol:
        return self._binary("&", o)

    def __rand__(self, o: Any) -> Symbol:
        return self._binary("&", o, True)

    def __or__(self, o: Any) -> Symbol:
        return self._binary("|", o)

    def __ror__(self, o: Any) -> Symbol:
        return self._binary("|", o, True)

    def __lt__(self, o: Any) -> Symbol:
        return self._binary("<", o)

    def __le__(self, o: Any) -> Symbol:
        return self._binary("<=", o)

    def __gt__(self, o: Any) -> Symbol:
        return self._binary(">", o)

    def __ge__(self, o: Any) -> Symbol:
        return self._binary(">=", o)

    def __eq__(self, o: object) -> bool:  # identity on a Value: never inline it
        raise NotSymbolic("== on an operand")

    # Division, powers, % and // call the table's IEEE-754 versions: Python's raise.
    def __truediv__(self, o: Any) -> Symbol:
        return self._call("div", self, o)

    def __rtruediv__(self, o: Any) -> Symbol:
        return self._call("div", o, self)

    def __pow__(self, o: Any) -> Symbol:
        return self._call("pow", self, o)

    def __rpow__(self, o: Any) -> Symbol:
        return self._call("pow", o, self)

    def __mod__(self, o: Any) -> Symbol:
        return self._call("mod", self, o)

    def __rmod__(self, o: Any) -> Symbol:
        return self._call("mod", o, self)

    def __floordiv__(self, o: Any) -> Symbol:
        return self._call("floordiv", self, o)

    def __rfloordiv__(self, o: Any) -> Symbol:
        return self._call("floordiv", o, self)

    def __neg__(self) -> Symbol:
        return self._new(f"(-{self.text})")

    def __pos__(self) -> Symbol:
        return self

    def __abs__(self) -> Symbol:
        return self._call("abs", self)

    def __bool__(self) -> bool:
        raise NotSymbolic("a branch on an operand")

    def __float__(self) -> float:
        raise NotSymbolic("float() of an operand")

    def where(self, a: Any, b: Any) -> Symbol:
        """``ops.where`` with this symbol as the condition."""
        return self._new(self.where_template.format(cond=self.text, a=_text(a), b=_text(b)))

    def __getattr__(self, name: str) -> Callable[..., Symbol]:
        # A helper calls a Value's method of an op's name (x.exp()): that op's forward,
        # which the generated code has in scope under that name.
        if name not in BY_NAME:
            raise AttributeError(name)
        return functools.partial(self._call, name, self)


@functools.lru_cache(maxsize=1024)
def inline(fn: Callable[..., Any], params: tuple[str, ...], where: str) -> str | None:
    """``fn`` called on symbols named ``params``, as a ``str.format`` template over them.

    ``None`` when a symbol cannot follow ``fn`` (the generator then calls it).
    """
    try:
        return _text(fn(*(Symbol("{" + name + "}", where) for name in params)))
    except Exception:  # any rule a symbol cannot follow is called instead
        return None
