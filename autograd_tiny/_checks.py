"""Argument checks shared by every layer, with one message style.

A wrong type is a ``TypeError`` naming the type received, a wrong value a
``ValueError``; ``who`` (the public function checking) prefixes the message.
``bool`` is never an int or a real number here, though Python says it is one.
Bounds are inclusive (``minimum``, ``maximum``) or strict (``above``, ``below``).
This module imports only the standard library, so the core can use it.

>>> integer(3, "epochs", minimum=1)
3
>>> integer(True, "epochs", who="fit")
Traceback (most recent call last):
    ...
TypeError: fit: epochs must be an int, got bool: True
>>> real(1.0, "betas[1]", minimum=0.0, below=1.0)
Traceback (most recent call last):
    ...
ValueError: betas[1] must be in [0.0, 1.0), got 1.0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Literal, TypeVar, cast, overload

__all__ = ["is_integer", "is_real", "integer", "real", "boolean", "choice"]

T = TypeVar("T")


def is_integer(value: object) -> bool:
    """An int (any ``numbers.Integral``, such as ``numpy.int64``), but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: object) -> bool:
    """A real number (int, float, Fraction, NumPy scalar ...), but not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _prefix(who: str) -> str:
    return f"{who}: " if who else ""


def _wrong_type(value: object, name: str, wanted: str, who: str) -> TypeError:
    got = f"{type(value).__name__}: {value!r}"
    return TypeError(f"{_prefix(who)}{name} must be {wanted}, got {got}")


@overload
def integer(
    value: object, name: str, *, minimum: int | None = ..., maximum: int | None = ...,
    none: Literal[False] = ..., who: str = ...,
) -> int: ...  # fmt: skip
@overload
def integer(
    value: object, name: str, *, minimum: int | None = ..., maximum: int | None = ...,
    none: Literal[True], who: str = ...,
) -> int | None: ...  # fmt: skip
def integer(
    value: object, name: str, *, minimum: int | None = None, maximum: int | None = None,
    none: bool = False, who: str = "",
) -> int | None:  # fmt: skip
    """``value`` as an int in ``[minimum, maximum]``; ``none=True`` lets ``None`` through."""
    if none and value is None:
        return None
    if not is_integer(value):
        raise _wrong_type(value, name, "an int or None" if none else "an int", who)
    number = int(cast(numbers.Integral, value))
    _check_bounds(number, value, name, who, minimum, maximum, None, None, False)
    return number


@overload
def real(
    value: object, name: str, *, minimum: float | None = ..., maximum: float | None = ...,
    above: float | None = ..., below: float | None = ..., finite: bool = ...,
    none: Literal[False] = ..., who: str = ...,
) -> float: ...  # fmt: skip
@overload
def real(
    value: object, name: str, *, minimum: float | None = ..., maximum: float | None = ...,
    above: float | None = ..., below: float | None = ..., finite: bool = ...,
    none: Literal[True], who: str = ...,
) -> float | None: ...  # fmt: skip
def real(
    value: object, name: str, *, minimum: float | None = None, maximum: float | None = None,
    above: float | None = None, below: float | None = None, finite: bool = False,
    none: bool = False, who: str = "",
) -> float | None:  # fmt: skip
    """``value`` as a float within the bounds (a nan is outside any bound).

    ``finite=True`` refuses inf and nan; an int too large for a float is ±inf.
    """
    if none and value is None:
        return None
    if not is_real(value):
        raise _wrong_type(value, name, "a real number or None" if none else "a real number", who)
    try:
        number = float(cast(numbers.Real, value))
    except OverflowError:
        number = math.inf if value > 0 else -math.inf  # type: ignore[operator]
    _check_bounds(number, value, name, who, minimum, maximum, above, below, finite)
    return number


@overload
def boolean(value: object, name: str, *, none: Literal[False] = ..., who: str = ...) -> bool: ...
@overload
def boolean(value: object, name: str, *, none: Literal[True], who: str = ...) -> bool | None: ...
def boolean(value: object, name: str, *, none: bool = False, who: str = "") -> bool | None:
    """``value`` if it is ``True`` or ``False`` (not 0 or 1); ``none=True`` lets ``None`` in."""
    if none and value is None:
        return None
    if not isinstance(value, bool):
        raise _wrong_type(value, name, "True, False or None" if none else "True or False", who)
    return value


def choice(value: T, name: str, options: Sequence[T], *, who: str = "") -> T:
    """``value`` if it is one of ``options``, else ``ValueError`` listing them."""
    if not any(value is option or _equal(value, option) for option in options):
        shown = ", ".join(repr(option) for option in options)
        raise ValueError(
            f"{_prefix(who)}{name} must be one of {shown}, got {type(value).__name__}: {value!r}"
        )
    return value


def _equal(a: object, b: object) -> bool:
    try:
        return bool(type(a) is type(b) and a == b)
    except Exception:  # an array or other odd type compares oddly: it is not an option
        return False


def _rule(
    minimum: float | None, maximum: float | None, above: float | None, below: float | None
) -> str:
    low = (minimum, "[") if minimum is not None else (above, "(") if above is not None else None
    high = (maximum, "]") if maximum is not None else (below, ")") if below is not None else None
    if low and high:
        return f"in {low[1]}{low[0]!r}, {high[0]!r}{high[1]}"
    if low:
        return f"{'at least' if low[1] == '[' else 'above'} {low[0]!r}"
    if high:
        return f"{'at most' if high[1] == ']' else 'below'} {high[0]!r}"
    return ""


def _check_bounds(
    number: float, value: object, name: str, who: str, minimum: float | None,
    maximum: float | None, above: float | None, below: float | None, finite: bool,
) -> None:  # fmt: skip
    inside = (
        (not finite or math.isfinite(number))
        and (minimum is None or minimum <= number)
        and (maximum is None or number <= maximum)
        and (above is None or above < number)
        and (below is None or number < below)
    )
    if not inside:
        rule = _rule(minimum, maximum, above, below)
        if finite:
            rule = f"finite and {rule}" if rule else "finite"
        raise ValueError(f"{_prefix(who)}{name} must be {rule}, got {value!r}")
