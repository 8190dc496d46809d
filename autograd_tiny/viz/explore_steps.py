"""The steps of ``explore``'s page, as data: what changes and what the panel says.

Each step names its node, a title and lines of text, a table of the shares
passed (backward), and ``set``: the changes ``[node, "d" or "g", repr, shown]``
the page applies, ``shown`` rounded to ``precision`` significant digits as
``draw_dot`` shows numbers.  A gradient shown is the engine's running sum of
the shares received so far (``PassedShare.total``).

>>> from autograd_tiny import Value
>>> from autograd_tiny.viz.trace import trace_backward
>>> x = Value(3.0, label="x")
>>> trace = trace_backward(x * x)
>>> [step["set"] for step in forward(trace, 4) + backward(trace, 4)]
[[[1, 'd', '9.0', '9']], [[1, 'g', '1.0', '1'], [0, 'g', '3.0', '3'], [0, 'g', '6.0', '6']]]
"""

from __future__ import annotations

from typing import Any

from .labels import number
from .trace import BackwardStep, BackwardTrace, ForwardStep, TraceNode

__all__ = ["backward", "forward", "value"]


def value(node: TraceNode, precision: int) -> dict[str, str]:
    """What the page knows of a value at the start: its names, and a leaf's data."""
    leaf = not node.op
    return {
        "name": node.name,
        "label": node.label,
        "data": repr(node.data) if leaf else "",
        "shown": number(node.data, precision) if leaf else "",
    }


def forward(trace: BackwardTrace, precision: int) -> list[dict[str, Any]]:
    """One step per interior node: its data appears, with the expression that made it."""
    steps = []
    for k, step in enumerate(trace.forward, 1):
        node = trace.nodes[step.node]
        steps.append(
            {
                "phase": "forward",
                "node": step.node,
                "title": f"Forward pass, step {k} of {len(trace.forward)}: {node.name}",
                "lines": [
                    f"{node.name} = {node.expression} = {step.output!r}",
                    _inputs(trace, step),
                ],
                "set": [[step.node, "d", repr(step.output), number(step.output, precision)]],
            }
        )
    return steps


def _inputs(trace: BackwardTrace, step: ForwardStep) -> str:
    shown = [
        f"{trace.nodes[o].name} = {trace.nodes[o].data!r}"
        for o in step.inputs
        if isinstance(o, int)
    ]
    return "where " + ", ".join(shown) if shown else "(numbers only)"


def backward(trace: BackwardTrace, precision: int) -> list[dict[str, Any]]:
    """One step per node the engine handles: its gradient, and a row per share it passes."""
    nodes, steps = trace.nodes, []
    for step in trace.backward:
        node = nodes[step.node]
        changes = [[step.node, "g", repr(step.gradient), number(step.gradient, precision)]]
        rows = [["operand", "local derivative", "local", "× upstream", "= share", "grad so far"]]
        targets = []
        for passed in step.shares:
            if passed.share is None or passed.total is None or not isinstance(passed.operand, int):
                continue
            operand = nodes[passed.operand]
            waits = f" (waits for {passed.pending} more)" if passed.pending else ""
            rows.append(
                [
                    operand.name,
                    passed.formula or "",
                    repr(passed.local),
                    repr(step.gradient),
                    repr(passed.share),
                    repr(passed.total) + waits,
                ]
            )
            changes.append(
                [passed.operand, "g", repr(passed.total), number(passed.total, precision)]
            )
            targets.append(passed.operand)
        steps.append(
            {
                "phase": "backward",
                "node": step.node,
                "title": (
                    f"Backward pass, step {step.index + 1} of {len(trace.backward)}: "
                    f"{node.name} = {node.expression}"
                ),
                "lines": [_received(trace, step), _waiting(trace, step.index)],
                "rows": rows if len(rows) > 1 else [],
                "set": changes,
                "targets": targets,
            }
        )
    return steps


def _received(trace: BackwardTrace, step: BackwardStep) -> str:
    name = trace.nodes[step.node].name
    if not step.received:
        return f"{name}.grad = {step.gradient!r} (the output: backward starts with grad_output)"
    parts = [f"{r.share!r} from {trace.nodes[r.consumer].name}" for r in step.received]
    return f"{name}.grad = {step.gradient!r}, complete: " + " + ".join(parts)


def _waiting(trace: BackwardTrace, index: int) -> str:
    waiting = trace.waiting_after(index)
    if not waiting:
        return "no node is waiting for more shares"
    shown = [f"{trace.nodes[i].name} ({n} more)" for i, n in sorted(waiting.items())]
    return "still waiting for consumers: " + ", ".join(shown)
