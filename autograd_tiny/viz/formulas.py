"""A derivative rule of the table as a formula a reader knows: ``∂(a*b)/∂a = b``.

The rule is evaluated on symbols named after the operands
(``replay.symbolic``'s ``Symbol``, taught to write mathematics instead of
code), so every formula comes from the table itself.  ``viz.trace`` writes
them into its backward steps.

>>> from autograd_tiny.ops import MUL, DIV
>>> derivative_template(MUL.partials[0], (None, None))
'{1}'
>>> derivative_template(DIV.partials[1], (None, None))
'-({out} / {1})'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["derivative_template", "number_text", "unwrapped"]


def number_text(x: float) -> str:
    """A number as the formulas show it: negative ones in parentheses."""
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


@functools.lru_cache(maxsize=4096)
def derivative_template(rule: Callable[..., Any], pattern: tuple[str | None, ...]) -> str | None:
    """The rule on symbols ``{0}``, ``{1}``… and ``{out}``, folded numbers as they are.

    ``pattern`` holds ``None`` for a node operand, else the folded number's
    ``repr`` (so ``0.0`` and ``-0.0`` differ).  ``None`` when a symbol cannot
    follow the rule (it branches on a number in Python).
    """
    symbol = _readable_symbol()
    args = [symbol(f"{{{k}}}") if text is None else float(text) for k, text in enumerate(pattern)]
    try:
        result = rule(*args, symbol("{out}"))
    except Exception:  # a rule a symbol cannot follow is shown by its number alone
        return None
    if isinstance(result, bool | int | float):
        return number_text(float(result)).strip("()")
    return unwrapped(result.text)


def unwrapped(text: str) -> str:
    return text[1:-1] if _enclosed(text) else text


def _enclosed(text: str) -> bool:
    """Is ``text`` one parenthesised whole, ``(…)``?"""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for k, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth == 0 and k < len(text) - 1:
            return False
    return True


@functools.cache
def _readable_symbol() -> Callable[[str], Any]:
    """A ``replay.symbolic.Symbol`` that writes mathematics, not code: ``a/b``, ``x**2.0``.

    Imported on first use: ``replay`` is not needed to draw a graph.
    """
    from ..replay.symbolic import Symbol

    class Readable(Symbol):
        __slots__ = ()

        def _new(self, text: str) -> Symbol:
            return Readable(text, self.where_template)

        def _binary(self, op: str, other: Any, reflected: bool = False) -> Symbol:
            if op == "*" and type(other) is float and other == 1.0:
                return self  # the rule's "times the upstream of 1"
            return super()._binary(op, other, reflected)

        def _call(self, name: str, *args: Any) -> Symbol:
            texts = [unwrapped(a.text) if isinstance(a, Symbol) else number_text(a) for a in args]
            return self._new(f"{name}({', '.join(texts)})")

        def __truediv__(self, o: Any) -> Symbol:
            return self._binary("/", o)

        def __rtruediv__(self, o: Any) -> Symbol:
            return self._binary("/", o, True)

        def __pow__(self, o: Any) -> Symbol:
            return self._binary("**", o)

        def __rpow__(self, o: Any) -> Symbol:
            return self._binary("**", o, True)

        def __and__(self, o: Any) -> Symbol:
            return self._binary("and", o)

    return lambda name: Readable(name, "({a} if {cond} else {b})")
