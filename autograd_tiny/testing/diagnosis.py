"""Find the node whose local derivative rule is wrong: the diagnosis of ``gradcheck``.

Each node's rule ``partials[i](*inputs, out)`` is evaluated on that node's own
input floats and compared with finite differences of ``forward``; for second
order, the rule's graph (built from ``Value``s, as ``create_graph`` does) is
differentiated and compared with finite differences of the rule on floats.
Nodes whose inputs sit within a step of a kink or a domain edge are collected
instead of compared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ..engine import Value, apply, topological_order
from ..functional import gradients
from ..modes import enable_grad
from ..ops import Primitive
from .numerical import Estimate, derivative

__all__ = ["Finding", "scan", "describe", "differences"]


class Finding(NamedTuple):
    """One comparison on one node: rule ``rule`` (and input ``wrt`` at order 2)."""

    node: Value
    rule: int
    wrt: int
    inputs: tuple[float, ...]
    analytic: float
    numeric: Estimate


def scan(
    root: Value, order: int, atol: float, rtol: float, eps: float
) -> tuple[Finding | None, list[Finding]]:
    """The first node (operands first) whose rule disagrees, and the nodes near a kink."""
    nearby: list[Finding] = []
    for node in topological_order(root):
        prim = node.primitive
        if prim is None:
            continue
        inputs = tuple(float(o) for o in node.operands)
        live = [i for i, o in enumerate(node.operands) if type(o) is Value and o.requires_grad]
        pairs = [(i, -1) for i in live]
        if order == 2:
            pairs += [(i, j) for i in live for j in live]
        for i, j in pairs:
            found = _check(node, prim, inputs, i, j, eps)
            if found.numeric.nearby and all(n.node is not node for n in nearby):
                nearby.append(found)
            if found.numeric.trouble:
                continue
            if abs(found.analytic - found.numeric.value) > atol + rtol * abs(found.numeric.value):
                return found, nearby
    return None, nearby


def _check(
    node: Value, prim: Primitive, inputs: tuple[float, ...], i: int, j: int, eps: float
) -> Finding:
    if j < 0:
        rule = prim.forward
        analytic = float(prim.partials[i](*inputs, node.data))
        at = i
    else:
        rule = _rule_on_floats(prim, i)
        analytic = _rule_derivative(node, prim, i, j)
        at = j

    def along(t: float) -> float:
        return float(rule(*inputs[:at], t, *inputs[at + 1 :]))

    return Finding(node, i, j, inputs, analytic, derivative(along, inputs[at], eps))


def _rule_on_floats(prim: Primitive, i: int) -> Callable[..., float]:
    return lambda *xs: float(prim.partials[i](*xs, prim.forward(*xs)))


def _rule_derivative(node: Value, prim: Primitive, i: int, j: int) -> float:
    """``∂ partials[i] / ∂ input j`` through the graph the rule builds from ``Value``s."""
    with enable_grad():
        operands: list[Any] = [Value(o.data) if type(o) is Value else o for o in node.operands]
        out = apply(prim, *operands)
        result = prim.partials[i](*operands, out)
        if not isinstance(result, Value):
            return 0.0  # a constant rule: its derivative is 0
        return gradients(result, [operands[j]])[0].data


def describe(found: Finding, sites: dict[Value, str]) -> str:
    """One paragraph about a node: where it was made and what was seen there."""
    node, est = found.node, found.numeric
    label = f" {node.label!r}" if node.label else ""
    head = f"  {node.op} node{label} created at {sites.get(node, '<unknown line>')}, "
    shown = ", ".join(repr(x) for x in found.inputs)
    if est.nearby and (est.trouble or found.analytic == est.value):
        where = found.inputs[found.rule if found.wrt < 0 else found.wrt]
        what = "a domain edge" if est.nearby == "edge" else "a kink (or a steep bend)"
        return (
            f"{head}inputs ({shown}): input {found.rule} = {where!r} is within the "
            f"finite-difference step {est.nominal:.3g} of {what}; one-sided slopes "
            f"{est.left!r} and {est.right!r}"
        )
    rule = f"∂out/∂input{found.rule}"
    if found.wrt >= 0:
        return (
            f"{head}inputs ({shown}):\n  the derivative of its rule {rule} w.r.t. input "
            f"{found.wrt} is {found.analytic!r} through the rule's graph, but "
            f"{est.value!r} by finite differences of the rule"
        )
    return (
        f"{head}inputs ({shown}):\n  its rule {rule} gives {found.analytic!r}, but finite "
        f"differences of {node.op}'s forward give {est.value!r}"
    )


def differences(
    what: str, analytic: float, numeric: Estimate, tolerance: float, atol: float, rtol: float
) -> str:
    """The head of a failure message: the derivative, both values and the tolerance."""
    return (
        f"reverse mode and finite differences disagree on {what}:\n"
        f"  analytic (reverse mode): {analytic!r}\n"
        f"  numeric (finite differences): {numeric.value!r}\n"
        f"  |difference| {abs(analytic - numeric.value):.6g} > tolerance {tolerance:.6g} "
        f"= atol {atol:g} + rtol {rtol:g} * |numeric|"
    )
