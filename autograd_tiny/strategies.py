"""Hypothesis strategies for property tests of gradients: values, expressions, MLPs.

Needs ``hypothesis`` (the core package never imports it).  Once the package is
installed, ``st.from_type(Value)`` draws leaf ``Value``s, through hypothesis'
entry point.

>>> import warnings
>>> from hypothesis import given
>>> from autograd_tiny.strategies import expressions
>>> from autograd_tiny.testing import NonDifferentiableWarning, as_function, gradcheck
>>> @given(expressions())
... def test_gradients(expression):
...     out, leaves = expression
...     with warnings.catch_warnings():  # kinks are skipped with an explanation
...         warnings.simplefilter("ignore", NonDifferentiableWarning)
...         assert gradcheck(as_function(out, leaves), *(x.data for x in leaves))
>>> test_gradients()
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from . import _checks
from .engine import Value, apply
from .ops import PRIMITIVES, Primitive

if TYPE_CHECKING:
    from .nn.layers import MLP

__all__ = ["values", "expressions", "mlps"]

MARGIN = 0.25  # how far guarded inputs stay from a domain's edge


def values(
    min_value: float | None = None,
    max_value: float | None = None,
    *,
    label: str = "",
    requires_grad: bool = True,
) -> st.SearchStrategy[Value]:
    """Leaf ``Value``s holding finite floats in ``[min_value, max_value]``.

    >>> from hypothesis import given
    >>> @given(values(-1.0, 1.0))
    ... def test(x):
    ...     assert -1.0 <= x.data <= 1.0 and x.op == ""
    >>> test()
    """
    floats = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    return floats.map(lambda x: Value(x, label=label, requires_grad=requires_grad))


def expressions(
    leaves: st.SearchStrategy[Value] | None = None,
    *,
    max_leaves: int = 3,
    max_depth: int = 4,
    max_ops: int = 8,
    ops: Sequence[Primitive] = PRIMITIVES,
    max_magnitude: float = 1e3,
) -> st.SearchStrategy[tuple[Value, list[Value]]]:
    """Random expression graphs over the op table: ``(output, leaves)``.

    Draws 1 to ``max_leaves`` leaves (default: ``values(-2.0, 2.0)``, labelled
    ``x0, x1, …``), then up to ``max_ops`` ops from ``ops``, each on earlier
    nodes (so nodes are shared) or on plain-number constants.  Each input is
    kept inside the op's ``domain`` (``ops.Primitive``): a "positive" input
    below ``0.25`` becomes ``e*e + 0.25``, a "nonzero" one near 0 becomes
    ``e ± 1``, an input near a jump of floor moves by ``0.5`` (the dividend of
    ``%`` by half the divisor), one near a tie of min the other way.  An op whose
    result or local derivative would exceed ``max_magnitude`` (or not be
    finite) is left out.  No path from a leaf to the output is longer than
    ``max_depth`` ops, guards included.  Shrinks toward fewer leaves and ops.
    """
    if not ops or not all(isinstance(p, Primitive) for p in ops):
        raise TypeError("ops must be a non-empty sequence of ops.Primitive")
    max_leaves = _checks.integer(max_leaves, "max_leaves", minimum=1)
    max_depth = _checks.integer(max_depth, "max_depth", minimum=1)
    max_ops = _checks.integer(max_ops, "max_ops", minimum=0)
    leaf = values(-2.0, 2.0) if leaves is None else leaves
    return _graphs(leaf, max_leaves, max_depth, max_ops, tuple(ops), max_magnitude)


@st.composite
def _graphs(
    draw: st.DrawFn, leaf: st.SearchStrategy[Value], max_leaves: int, max_depth: int,
    max_ops: int, ops: tuple[Primitive, ...], bound: float,
) -> tuple[Value, list[Value]]:  # fmt: skip
    xs = [draw(leaf) for _ in range(draw(st.integers(1, max_leaves)))]
    for i, x in enumerate(xs):
        x.label = x.label or f"x{i}"
    depth: dict[Value, int] = {x: 0 for x in xs}
    nodes = list(xs)
    for _ in range(draw(st.integers(0, max_ops))):
        prim = draw(st.sampled_from(ops))
        usable = [n for n in nodes if depth[n] < max_depth]
        operands = [_operand(draw, usable, k) for k in range(prim.arity)]
        guarded = [_guard(o, prim.domain, depth) for o in operands]
        if prim.arity == 2:
            _guard_jointly(guarded, prim.domain, depth)
        node = _apply(prim, guarded, depth, bound)
        if node is not None and depth[node] <= max_depth:
            node.label = f"n{len(nodes) - len(xs)}"
            nodes.append(node)
    return nodes[-1], xs


def _operand(draw: st.DrawFn, usable: list[Value], k: int) -> Value | float:
    """A node (often the newest, so graphs grow deep) or, after the first, a number."""
    if k > 0 and draw(st.booleans()):  # a plain number folded into the op
        return draw(st.floats(-2.0, 2.0, allow_nan=False))
    if k == 0 and not draw(st.booleans()):
        return usable[-1]
    return usable[-1 - draw(st.integers(0, len(usable) - 1))]


# Where floor and ceil jump (the integers) and where round does (the integers + 1/2).
_JUMPS = {"noninteger": 0.0, "off_half_integers": 0.5}


def _distance_to_integers(t: float) -> float:
    return abs(t - math.floor(t + 0.5))


def _guard(x: Value | float, domain: str, depth: dict[Value, int]) -> Value | float:
    """``x`` moved inside ``domain`` with a margin, by a smooth map when it must be.

    The maps are sums and products with constants (``x*x + 0.25``, ``x + 0.5``,
    ``x * c``): a jump or a pole at most ``MARGIN`` away is left at least
    ``MARGIN`` behind.
    """
    data = float(x)
    guarded: Value | float = x
    if domain == "positive" and data < MARGIN:
        guarded = x * x + MARGIN
    elif domain in ("nonzero", "noninteger_quotient") and abs(data) < MARGIN:
        guarded = x + math.copysign(1.0, data)  # a quotient's divisor; its dividend: _guard_jointly
    elif domain == "unit" and abs(data) > 1.0 - MARGIN:
        guarded = x * (0.5 / abs(data))  # to ±0.5
    elif domain == "above_minus_one" and data < MARGIN - 1.0:
        guarded = x * x + (MARGIN - 1.0)
    elif domain == "cos_nonzero" and _distance_to_integers(data / math.pi - 0.5) * math.pi < MARGIN:
        guarded = x + math.pi / 2  # a pole becomes a zero of tan
    elif domain in _JUMPS and _distance_to_integers(data - _JUMPS[domain]) < MARGIN:
        guarded = x + 0.5
    _settle_depth(guarded, depth)
    return guarded


def _guard_jointly(operands: list[Value | float], domain: str, depth: dict[Value, int]) -> None:
    """The first operand moved off a kink or a jump that depends on both (``x = y``, ``x / y``)."""
    x, y = operands[0], float(operands[1])
    if domain == "distinct" and abs(float(x) - y) < MARGIN:
        operands[0] = x + math.copysign(2.0 * MARGIN, float(x) - y)
    elif domain == "noninteger_quotient" and _distance_to_integers(float(x) / y) < MARGIN:
        operands[0] = x + 0.5 * operands[1]  # the quotient moves by 1/2
    else:
        return
    _settle_depth(operands[0], depth)


def _settle_depth(node: Value | float, depth: dict[Value, int]) -> None:
    """The depth of a guard's new nodes: one more than their deepest operand's."""
    stack = [node] if isinstance(node, Value) and node not in depth else []
    while stack:
        top = stack[-1]
        missing = [p for p in top.parents if p not in depth]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        depth[top] = 1 + max((depth[p] for p in top.parents), default=-1)


def _apply(
    prim: Primitive, operands: list[Value | float], depth: dict[Value, int], bound: float
) -> Value | None:
    """The node, or ``None`` if its value or a local derivative is too large to check."""
    live = [o for o in operands if isinstance(o, Value)]
    if not live:
        return None
    node: Value = apply(prim, *operands)
    inputs = [float(o) for o in operands]
    checked = [node.data, *inputs] + [
        float(prim.partials[i](*inputs, node.data))
        for i, o in enumerate(operands)
        if isinstance(o, Value)
    ]
    if not all(math.isfinite(v) and abs(v) <= bound for v in checked):
        return None
    depth[node] = 1 + max(depth[o] for o in live)
    return node


@st.composite
def mlps(
    draw: st.DrawFn,
    max_inputs: int = 3,
    max_layers: int = 2,
    max_width: int = 4,
    activations: Sequence[str] | None = None,
) -> tuple[MLP, list[float]]:
    """Small ``nn.MLP``s with an input vector: ``(model, x)``.

    ``activations`` (default: all of ``nn.ACTIVATIONS``) are drawn for the
    hidden and the output layers; the seed is drawn too.

    >>> from hypothesis import given
    >>> @given(mlps())
    ... def test(network):
    ...     model, x = network
    ...     assert len(x) == model.nin
    >>> test()
    """
    from . import nn  # here, so that hypothesis' entry point loads only the engine

    choices = tuple(nn.ACTIVATIONS if activations is None else activations)
    nin = draw(st.integers(1, max_inputs))
    nouts = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers))
    activation = draw(st.sampled_from(choices))
    output_activation = draw(st.sampled_from(choices))
    model = nn.MLP(nin, nouts, activation, output_activation, seed=draw(st.integers(0, 2**16)))
    x = draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=nin, max_size=nin))
    return model, x
