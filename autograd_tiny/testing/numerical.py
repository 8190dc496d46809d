"""Finite differences that notice kinks: the numerical core of ``testing``.

A derivative is estimated from central differences at four steps (``h``,
``h/2``, ``h/4``, ``h/8``) combined by Richardson extrapolation, which cancels
the error terms in ``h²``, ``h⁴`` and ``h⁶``.  Before trusting a stencil, the
second differences are checked: on a smooth function they halve with the
step, while a kink (relu, abs at 0) or a domain edge (log, sqrt near 0) inside
the stencil breaks that pattern or gives a non-finite value.  The step then
shrinks tenfold and the check is repeated, so a kink close to (but not at)
the point is stepped around.  Standard library only.

>>> import math
>>> est = derivative(math.sin, 0.5)
>>> abs(est.value - math.cos(0.5)) < 1e-12, est.trouble
(True, '')
>>> derivative(abs, 0.0).trouble
'kink'
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from itertools import pairwise
from typing import NamedTuple

__all__ = ["Estimate", "derivative", "DEFAULT_EPS"]

DEFAULT_EPS = 1e-3
_LEVELS = 4  # central differences at h, h/2, h/4, h/8
_SHRINKS = 7  # tries with h, h/10, ..., h/10**6 before giving up
_ULP = sys.float_info.epsilon


class Estimate(NamedTuple):
    """A numerical derivative and what was noticed while computing it.

    ``trouble`` is ``""`` for a trustworthy value, else ``"kink"`` or
    ``"edge"`` (a non-finite value in every stencil tried); ``nearby`` is
    what the first, nominal stencil ran into even if a smaller one was fine.
    ``left`` and ``right`` are the one-sided slopes of the nominal stencil,
    whose step is ``nominal``; ``step`` is the one finally used.
    """

    value: float
    trouble: str
    nearby: str
    left: float
    right: float
    step: float
    nominal: float


def derivative(g: Callable[[float], float], a: float, eps: float = DEFAULT_EPS) -> Estimate:
    """The derivative of ``g`` at ``a``, stepping around kinks where it can."""
    h = eps * max(1.0, abs(a))
    g0, plus, minus = _sample(g, a, h)
    trouble = _trouble(g0, plus, minus, h)
    left, right = (g0 - minus[0]) / h, (plus[0] - g0) / h
    # If no stencil is smooth, the nominal one's mean slope is the answer: the
    # least spoiled by rounding (a kink exactly at ``a`` gives the mean of the sides).
    first = Estimate((left + right) / 2.0, trouble, trouble, left, right, h, h)
    for _ in range(_SHRINKS - 1):
        if not trouble:
            return first._replace(value=_richardson(plus, minus, h), trouble="", step=h)
        h /= 10.0
        g0, plus, minus = _sample(g, a, h)
        trouble = _trouble(g0, plus, minus, h)
    if not trouble:
        return first._replace(value=_richardson(plus, minus, h), trouble="", step=h)
    return first


def _sample(
    g: Callable[[float], float], a: float, h: float
) -> tuple[float, list[float], list[float]]:
    steps = [h / 2.0**k for k in range(_LEVELS)]
    return _safe(g, a), [_safe(g, a + s) for s in steps], [_safe(g, a - s) for s in steps]


def _safe(g: Callable[[float], float], t: float) -> float:
    try:
        return float(g(t))
    except (ArithmeticError, ValueError):  # a user's math.log(-1): outside the domain
        return math.nan


def _trouble(g0: float, plus: list[float], minus: list[float], h: float) -> str:
    """``"edge"``, ``"kink"`` or ``""`` for the stencil of step ``h``."""
    if not all(map(math.isfinite, (g0, *plus, *minus))):
        return "edge"
    # Second differences c_k = (g(a+s) - 2g(a) + g(a-s)) / s are ≈ g''·s on a
    # smooth function, so each is twice the next; a kink in the stencil is not.
    steps = [h / 2.0**k for k in range(_LEVELS)]
    second = [(p - 2.0 * g0 + m) / s for p, m, s in zip(plus, minus, steps, strict=True)]
    slope = abs(plus[0] - minus[0]) / (2.0 * h)
    size = max(map(abs, (g0, *plus, *minus)))
    floor = 1e-7 * (1.0 + slope) + 64.0 * _ULP * size / steps[-1]
    for k in range(_LEVELS - 1):
        if abs(second[k] - 2.0 * second[k + 1]) > 0.25 * abs(second[k]) + floor:
            return "kink"
    # On a smooth function central differences converge with an error in h², so
    # their changes shrink fourfold per halving (sixteenfold over two halvings).
    # Across a jump (the derivative of abs) they grow instead, and where only the
    # second derivative jumps (x / (1 + |x|) at 0) they shrink merely twofold, an
    # error in h that Richardson's extrapolation would not cancel.
    central = [(p - m) / (2.0 * s) for p, m, s in zip(plus, minus, steps, strict=True)]
    if abs(central[-1] - central[-2]) > 0.125 * abs(central[1] - central[0]) + floor:
        return "kink"
    return ""


def _richardson(plus: list[float], minus: list[float], h: float) -> float:
    table = [(p - m) / (2.0 * h / 2.0**k) for k, (p, m) in enumerate(zip(plus, minus, strict=True))]
    for j in range(1, _LEVELS):
        factor = 4.0**j - 1.0
        table = [fine + (fine - coarse) / factor for coarse, fine in pairwise(table)]
    return table[0]
