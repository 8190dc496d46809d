"""Check gradients against finite differences: ``gradcheck``, ``gradgradcheck``.

Standard library only.  When reverse mode and finite differences disagree,
the graph is walked operands first and every primitive's local derivative rule
is checked on that node's own inputs, so the error names the node whose rule
is wrong: its op, label and the line of code that created it.

>>> from autograd_tiny.testing import gradcheck, numerical_grad
>>> [round(d, 9) for d in numerical_grad(lambda x, y: x * y.exp(), 2.0, 0.0)]
[1.0, 2.0]
>>> gradcheck(lambda x, y: (x * y).tanh() + x.log(), 0.5, -1.5)
True

At a kink (``relu``, ``abs`` at 0) or a domain edge (``log``, ``sqrt`` near
0) finite differences are not a derivative: a disagreement there is not
reported as a failure but skipped with a ``NonDifferentiableWarning`` that
names the node and the reason.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from .. import _checks
from ..engine import Value, apply, as_float, topological_order
from ..functional import gradients
from ..modes import creation_site, enable_grad, no_grad, record_sites
from .diagnosis import Finding, describe, differences, scan
from .numerical import DEFAULT_EPS, Estimate, derivative

__all__ = [
    "numerical_grad",
    "gradcheck",
    "gradgradcheck",
    "as_function",
    "NonDifferentiableWarning",
]


class NonDifferentiableWarning(UserWarning):
    """A comparison skipped: finite differences straddle a kink or a domain edge."""


def numerical_grad(f: Callable[..., Any], *xs: Any, eps: float = DEFAULT_EPS) -> list[float]:
    """``∂f/∂x`` for each argument by Richardson-extrapolated central differences.

    ``f`` receives ``Value``s that require no grad and returns a ``Value`` or a
    number.  ``eps`` is the largest step, relative to ``max(1, |x|)``; where a
    kink is close the step shrinks, and exactly at a kink the result is the
    mean of the one-sided slopes.

    >>> round(numerical_grad(lambda x: x ** 3, 2.0)[0], 9)
    12.0
    """
    return [e.value for e in _estimates(_at_floats(f), _check_args(f, xs, eps), eps)]


def gradcheck(
    f: Callable[..., Any], *xs: Any, atol: float = 1e-7, rtol: float = 1e-6,
    eps: float = DEFAULT_EPS,
) -> bool:  # fmt: skip
    """Compare reverse mode with finite differences; ``AssertionError`` on a mismatch.

    Passes when ``|analytic - numeric| <= atol + rtol * |numeric|`` for every
    argument.  Returns ``True``.

    >>> gradcheck(lambda x: x.sin() * x, 1.25)
    True
    """
    points = _check_args(f, xs, eps)
    _check_tolerances(atol, rtol)
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(points)]
    with enable_grad(), record_sites():
        out = _output(f(*leaves))
        analytic = [g.data for g in gradients(out, leaves)]
        sites = _sites(out)
    numeric = _estimates(_at_floats(f), points, eps)
    rows = [
        (f"∂f/∂x{i} (argument {i})", a, e)
        for i, (a, e) in enumerate(zip(analytic, numeric, strict=True))
    ]
    _compare(rows, out, sites, 1, atol, rtol, eps)
    return True


def gradgradcheck(
    f: Callable[..., Any], *xs: Any, atol: float = 1e-6, rtol: float = 1e-5,
    eps: float = DEFAULT_EPS,
) -> bool:  # fmt: skip
    """Compare second derivatives from ``create_graph`` with finite differences of the gradient.

    ``∂²f/∂xi∂xj`` by reverse mode over reverse mode is compared with the
    numerical derivative in ``xj`` of the (first-order) reverse-mode ``∂f/∂xi``.

    >>> gradgradcheck(lambda x, y: x * x * y.exp(), 0.5, 0.25)
    True
    """
    points = _check_args(f, xs, eps)
    _check_tolerances(atol, rtol)
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(points)]
    with enable_grad(), record_sites():
        out = _output(f(*leaves))
        first = gradients(out, leaves, create_graph=True)
        analytic = [[g.data for g in gradients(d, leaves)] for d in first]
        sites = _sites(out)
    gradient = _memo(_first_order(f))
    rows = []
    for i, row in enumerate(analytic):
        numeric = _estimates(lambda *a, i=i: gradient(*a)[i], points, eps)
        rows += [
            (f"∂²f/∂x{i}∂x{j} (arguments {i} and {j})", a, e)
            for j, (a, e) in enumerate(zip(row, numeric, strict=True))
        ]
    _compare(rows, out, sites, 2, atol, rtol, eps)
    return True


def as_function(output: Value, leaves: Sequence[Value]) -> Callable[..., Value]:
    """A function of the leaves' values that rebuilds ``output``'s graph.

    Turns a graph you already have (e.g. drawn by ``strategies.expressions``)
    into the ``f`` that ``gradcheck`` wants.  Other leaves are constants.

    >>> x = Value(2.0)
    >>> f = as_function(x * x + 1.0, [x])
    >>> f(3.0).data, gradcheck(f, 3.0)
    (10.0, True)
    """
    order = topological_order(output, trainable_only=False)
    position = {leaf: i for i, leaf in enumerate(leaves)}

    def rebuilt(*xs: Any) -> Value:
        if len(xs) != len(position):
            raise TypeError(f"this function takes {len(position)} arguments, got {len(xs)}")
        made: dict[Value, Value] = {}
        for node in order:
            if node in position:
                x = xs[position[node]]
                made[node] = x if isinstance(x, Value) else Value(x, label=node.label)
            elif node.primitive is None:
                made[node] = Value(node.data, label=node.label, requires_grad=False)
            else:
                operands = [made[o] if type(o) is Value else o for o in node.operands]
                made[node] = apply(node.primitive, *operands)
                made[node].label = node.label
        return made[output]

    return rebuilt


# --- helpers -------------------------------------------------------------------


def _check_args(f: Any, xs: tuple[Any, ...], eps: Any) -> list[float]:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}: {f!r}")
    _checks.real(eps, "eps", above=0.0, finite=True)
    points = [as_float(x.data if isinstance(x, Value) else x, "gradcheck") for x in xs]
    for i, x in enumerate(points):
        if not math.isfinite(x):
            raise ValueError(f"argument {i} must be finite to differentiate at, got {x!r}")
    return points


def _check_tolerances(atol: Any, rtol: Any) -> None:
    _checks.real(atol, "atol", minimum=0.0)
    _checks.real(rtol, "rtol", minimum=0.0)


def _output(out: Any) -> Value:
    value = (
        out if isinstance(out, Value) else Value(as_float(out, "f's result"), requires_grad=False)
    )
    if not math.isfinite(value.data):
        raise ValueError(f"f returned {value.data!r}: gradcheck needs a point where f is finite")
    return value


def _sites(out: Value) -> dict[Value, str]:
    return {node: creation_site(node) or "<unknown line>" for node in topological_order(out)}


def _at_floats(f: Callable[..., Any]) -> Callable[..., float]:
    def evaluate(*xs: float) -> float:
        with no_grad():
            out = f(*(Value(x, requires_grad=False) for x in xs))
        return out.data if isinstance(out, Value) else as_float(out, "f's result")

    return evaluate


def _first_order(f: Callable[..., Any]) -> Callable[..., list[float]]:
    def gradient(*xs: float) -> list[float]:
        leaves = [Value(x) for x in xs]
        with enable_grad():
            out = f(*leaves)
            if not isinstance(out, Value):
                return [0.0] * len(xs)
            return [g.data for g in gradients(out, leaves)]

    return gradient


def _memo(g: Callable[..., list[float]]) -> Callable[..., list[float]]:
    cache: dict[tuple[float, ...], list[float]] = {}
    return lambda *xs: cache[xs] if xs in cache else cache.setdefault(xs, g(*xs))


def _estimates(g: Callable[..., float], points: list[float], eps: float) -> list[Estimate]:
    def partial(i: int) -> Callable[[float], float]:
        return lambda t: g(*points[:i], t, *points[i + 1 :])

    return [derivative(partial(i), x, eps) for i, x in enumerate(points)]


def _compare(
    rows: list[tuple[str, float, Estimate]], out: Value, sites: dict[Value, str],
    order: int, atol: float, rtol: float, eps: float,
) -> None:  # fmt: skip
    scanned: tuple[Finding | None, list[Finding]] | None = None
    for what, analytic, numeric in rows:
        tolerance = atol + rtol * abs(numeric.value)
        if abs(analytic - numeric.value) <= tolerance:
            continue
        scanned = scanned or scan(out, order, atol, rtol, eps)  # once, and only on a mismatch
        finding, nearby = scanned
        head = differences(what, analytic, numeric, tolerance, atol, rtol)
        if finding is None and (nearby or numeric.nearby):
            explained = "\n".join(describe(n, sites) for n in nearby) or _outside(numeric)
            warnings.warn(f"{head}\nskipped, not a failure:\n{explained}",
                          NonDifferentiableWarning, stacklevel=3)  # fmt: skip
            continue
        raise AssertionError(f"{head}\n{_blame(finding, sites)}")


def _outside(numeric: Estimate) -> str:
    return (
        f"  f is not smooth within the step {numeric.nominal:.3g} (one-sided slopes "
        f"{numeric.left!r} and {numeric.right!r}), through code outside the graph"
    )


def _blame(finding: Finding | None, sites: dict[Value, str]) -> str:
    if finding is not None:
        return "first node whose local derivative disagrees (operands first):\n" + describe(
            finding, sites
        )
    return (
        "every node's local derivative rule agrees with finite differences, so the "
        "graph does not compute f: look for a value taken out of it (float(x), x.data, "
        "detach(), no_grad()) or a branch on data"
    )
