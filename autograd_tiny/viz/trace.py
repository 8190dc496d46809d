"""The forward and backward passes of a graph as plain data: ``trace_backward``.

The backward steps are recorded while the engine's own pass runs (through a
``backward.BackwardObserver``, with ``accumulate=False``, so no ``.grad``
changes): the order is the engine's and every share is the number the engine
added, bit for bit.  Nothing here applies the chain rule.  ``viz.explain``
writes a trace as text and ``viz.explore`` steps through one; everything in it
is a ``float``, ``int``, ``str``, ``bool``, ``None`` or a tuple of them, and
``BackwardTrace.to_json_dict()`` is ready for ``json.dumps``.

>>> from autograd_tiny import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> t = trace_backward(a * b + a)
>>> [(n.name, n.op, n.consumers) for n in t.nodes]
[('a', '', 2), ('b', '', 1), ('v2', 'mul', 1), ('v3', 'add', 0)]
>>> step = t.backward[1]
>>> t.nodes[step.node].expression, step.gradient
('a*b', 1.0)
>>> [(s.formula, s.local, s.share, s.pending) for s in step.shares]
[('∂(a*b)/∂a = b', -3.0, -3.0, 0), ('∂(a*b)/∂b = a', 2.0, 2.0, 0)]
>>> [(t.nodes[leaf.node].name, leaf.grad) for leaf in t.leaves]
[('a', -2.0), ('b', 2.0)]
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..engine import Value, as_float, backpropagate, topological_order
from .formulas import derivative_template, number_text

__all__ = [
    "BackwardStep",
    "BackwardTrace",
    "ForwardStep",
    "LeafGradient",
    "PassedShare",
    "Received",
    "TraceNode",
    "trace_backward",
]

JSON_FORMAT = "autograd_tiny.trace/1"
"""The ``format`` entry of ``to_json_dict()``; the number changes only if a field does."""


@dataclass(frozen=True, slots=True)
class TraceNode:
    """A ``Value`` of the graph; ``index`` is its place in forward (topological) order.

    ``name`` is the label, or a generated ``v<index>`` when there is none (a
    label that several nodes share gets ``#<index>``): unique in the trace.
    ``operands`` holds, per input of the op, a node's index (an ``int``) or a
    number folded into the op (a ``float``).  ``expression`` is the op applied
    to the operands' names (``a*b``, ``tanh(h)``; a leaf's is its name).
    ``consumers`` counts the edges through which a share reaches the node in
    the backward pass (``x*x`` counts twice): what it waits for.
    """

    index: int
    name: str
    label: str
    op: str
    symbol: str
    data: float
    operands: tuple[int | float, ...]
    requires_grad: bool
    expression: str
    consumers: int


@dataclass(frozen=True, slots=True)
class ForwardStep:
    """One interior node computed: the op's inputs (see ``TraceNode.operands``) and output."""

    node: int
    op: str
    inputs: tuple[int | float, ...]
    input_data: tuple[float, ...]
    output: float


@dataclass(frozen=True, slots=True)
class Received:
    """A share that arrived: from ``consumer``, which has the node at ``position``."""

    consumer: int
    position: int
    share: float


@dataclass(frozen=True, slots=True)
class PassedShare:
    """What a step's node passes to its operand at ``position``.

    ``local`` is ``∂out/∂operand`` from the op's rule and ``formula`` the same
    rule written on the names (``∂(a*b)/∂a = b``; only ``∂(a*b)/∂a`` when the
    rule cannot be written out).  ``share`` is the number the engine added into
    the operand's gradient: ``local × gradient`` for most rules, computed as a
    quotient or a mask for some (``ops.Share``), so compare with it, not with
    the product.  ``total`` is the operand's gradient so far, this share
    included; ``pending`` how many of its consumers have still to pass theirs.
    For a folded number or a ``Value`` that requires no grad nothing is passed,
    and every field after ``operand`` is ``None``.
    """

    position: int
    operand: int | float
    local: float | None
    formula: str | None
    share: float | None
    total: float | None
    pending: int | None


@dataclass(frozen=True, slots=True)
class BackwardStep:
    """The engine takes ``node`` with its complete ``gradient`` and passes shares on.

    ``received`` lists the shares that made up ``gradient``, in the order they
    arrived (empty for the root, whose gradient is ``grad_output``).
    """

    index: int
    node: int
    gradient: float
    received: tuple[Received, ...]
    shares: tuple[PassedShare, ...]


@dataclass(frozen=True, slots=True)
class LeafGradient:
    """A leaf's gradient once the pass is over: ``grad_output · ∂root/∂leaf``.

    It is the number ``backward()`` adds into ``.grad`` (so a ``-0.0`` here is
    ``0.0`` in a ``.grad`` that was zero).
    """

    node: int
    grad: float


@dataclass(frozen=True, slots=True)
class BackwardTrace:
    """A graph's forward pass and the engine's backward pass through it, step by step."""

    root: int
    grad_output: float
    nodes: tuple[TraceNode, ...]
    forward: tuple[ForwardStep, ...]
    backward: tuple[BackwardStep, ...]
    leaves: tuple[LeafGradient, ...]

    def waiting_after(self, step: int) -> dict[int, int]:
        """``{node: consumers still to report}`` after backward step ``step``.

        Only nodes that have some of their shares and wait for more; a leaf
        waits for every consumer, then gets its gradient when the pass ends.
        """
        waiting: dict[int, int] = {}
        for backward_step in self.backward[: step + 1]:
            for passed in backward_step.shares:
                if passed.pending is not None and type(passed.operand) is int:
                    waiting[passed.operand] = passed.pending
        return {node: count for node, count in waiting.items() if count}

    def to_json_dict(self) -> dict[str, Any]:
        """The trace as lists, dicts, strs, ints, floats, bools and ``None`` for JSON.

        A non-finite float is the string ``"NaN"``, ``"Infinity"`` or
        ``"-Infinity"`` (strict JSON has no such numbers; JavaScript's
        ``Number()`` and Python's ``float()`` read these back).  An operand is
        ``{"node": index}`` or ``{"number": x}``.

        >>> import json
        >>> from autograd_tiny import Value
        >>> d = trace_backward(Value(0.0, label="x").log()).to_json_dict()
        >>> d["backward"][0]["shares"][0]["share"], d["nodes"][1]["operands"]
        ('Infinity', [{'node': 0}])
        >>> json.loads(json.dumps(d, allow_nan=False)) == d
        True
        """
        return {
            "format": JSON_FORMAT,
            "root": self.root,
            "grad_output": _json_float(self.grad_output),
            "nodes": [_node_json(n) for n in self.nodes],
            "forward": [_forward_json(s) for s in self.forward],
            "backward": [_backward_json(s) for s in self.backward],
            "leaves": [{"node": x.node, "grad": _json_float(x.grad)} for x in self.leaves],
        }


def trace_backward(root: Value, grad_output: float = 1.0) -> BackwardTrace:
    """The forward and backward passes of ``root``'s graph; no ``.grad`` changes.

    Raises ``TypeError`` for anything but a ``Value`` and ``ValueError`` for a
    ``Value`` that requires no grad (no graph was recorded).  Graphs of any
    depth: nothing here recurses.
    """
    check_root(root, "trace_backward")
    grad = as_float(grad_output, "trace_backward(grad_output=...)")
    order = topological_order(root, trainable_only=False)
    index = {node: i for i, node in enumerate(order)}
    consumers = _consumer_counts(root)
    names = _names(order)
    nodes = tuple(_trace_node(n, index, names, consumers.get(n, 0)) for n in order)
    recorder = _Recorder(index)
    results = backpropagate(root, grad, False, observer=recorder)
    return BackwardTrace(
        root=index[root],
        grad_output=grad,
        nodes=nodes,
        forward=tuple(_forward_step(n, nodes) for n in nodes if n.op),
        backward=tuple(recorder.steps(order, nodes)),
        leaves=tuple(
            LeafGradient(index[n], float(g)) for n, g in results.items() if n.primitive is None
        ),
    )


def check_root(root: Any, caller: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{caller} takes a Value, got {type(root).__name__}: {root!r}")
    if not root.requires_grad:
        raise ValueError(
            f"{caller}: the Value does not require grad (it was computed under no_grad() "
            "or from constants only), so it has no backward pass"
        )


def _consumer_counts(root: Value) -> Counter[Value]:
    """How many shares each node receives: the engine's count, taken from the graph."""
    counts: Counter[Value] = Counter()
    for node in topological_order(root):  # the nodes the backward pass visits
        counts.update(o for o in node.parents if o.requires_grad)
    return counts


def _names(order: list[Value]) -> list[str]:
    """Each node's label, or ``v<index>``; unique (a shared label gets ``#<index>``)."""
    labels = Counter(n.label for n in order if n.label)
    names = []
    for i, node in enumerate(order):
        if node.label:
            names.append(node.label if labels[node.label] == 1 else f"{node.label}#{i}")
            continue
        name = f"v{i}"
        while name in labels:  # a label that looks generated keeps its name
            name += "'"
        names.append(name)
    return names


def _trace_node(
    node: Value, index: dict[Value, int], names: list[str], consumers: int
) -> TraceNode:
    i = index[node]
    operands = tuple(index[o] if isinstance(o, Value) else o for o in node.operands)
    prim = node.primitive
    texts = [names[o] if type(o) is int else number_text(o) for o in operands]
    return TraceNode(
        index=i,
        name=names[i],
        label=node.label,
        op=node.op,
        symbol="" if prim is None else prim.symbol,
        data=node.data,
        operands=operands,
        requires_grad=node.requires_grad,
        expression=names[i] if prim is None else _expression(prim.name, prim.symbol, texts),
        consumers=consumers,
    )


def _expression(name: str, symbol: str, texts: list[str]) -> str:
    if symbol and len(texts) == 2:
        return f"{texts[0]}{symbol}{texts[1]}"
    if symbol == "-" and len(texts) == 1:
        return f"-{texts[0]}"
    if symbol == "*+" and len(texts) == 3:
        return f"{texts[0]}*{texts[1]}+{texts[2]}"
    return f"{name}({', '.join(texts)})"


def _forward_step(node: TraceNode, nodes: tuple[TraceNode, ...]) -> ForwardStep:
    data = tuple(nodes[o].data if type(o) is int else o for o in node.operands)
    return ForwardStep(node.index, node.op, node.operands, data, node.data)


class _Recorder:
    """The observer: what the engine does, in its order, with its numbers."""

    def __init__(self, index: dict[Value, int]) -> None:
        self.index = index
        self.visits: list[tuple[int, float]] = []
        self.shares: list[list[tuple[int, int, float, int | None]]] = []

    def on_node(self, node: Value, gradient: Any) -> None:
        self.visits.append((self.index[node], float(gradient)))
        self.shares.append([])

    def on_share(
        self, node: Value, position: int, operand: Value, share: Any, pending: int | None
    ) -> None:
        self.shares[-1].append((position, self.index[operand], float(share), pending))

    def steps(self, order: list[Value], nodes: tuple[TraceNode, ...]) -> list[BackwardStep]:
        """The steps, with what each node received and each operand's running total."""
        received: dict[int, list[Received]] = {}
        totals: dict[int, float] = {}
        steps = []
        for k, ((i, gradient), shares) in enumerate(zip(self.visits, self.shares, strict=True)):
            passed: dict[int, _Passed] = {}
            for position, operand, share, pending in shares:
                received.setdefault(operand, []).append(Received(i, position, share))
                total = totals.get(operand)
                totals[operand] = share if total is None else total + share  # the engine's sum
                if pending is None:  # a leaf: the engine does not count, the graph does
                    pending = nodes[operand].consumers - len(received[operand])
                passed[position] = (share, totals[operand], pending)
            shares_of = _passed(order[i], nodes[i], nodes, passed)
            steps.append(BackwardStep(k, i, gradient, tuple(received.pop(i, ())), shares_of))
        return steps


_Passed = tuple[float, float, int]  # a share, the operand's total after it, its pending count


def _passed(
    node: Value, me: TraceNode, nodes: tuple[TraceNode, ...], passed: dict[int, _Passed]
) -> tuple[PassedShare, ...]:
    """One entry per operand of ``node``: the rule's number and formula, the share."""
    prim = node.primitive
    if prim is None:
        return ()
    inputs = [nodes[o].data if type(o) is int else o for o in me.operands]
    result = []
    for position, operand in enumerate(me.operands):
        if position not in passed:
            result.append(PassedShare(position, operand, None, None, None, None, None))
            continue
        share, total, pending = passed[position]
        rule = prim.partials[position]
        local = float(rule(*inputs, node.data))
        formula = f"∂{_wrapped(me.expression, me.op)}/∂{nodes[operand].name}"  # type: ignore[index]
        derivative = _derivative(rule, me, nodes)
        if derivative is not None:
            formula += f" = {derivative}"
        result.append(PassedShare(position, operand, local, formula, share, total, pending))
    return tuple(result)


def _wrapped(expression: str, op: str) -> str:
    return expression if expression.startswith(op + "(") else f"({expression})"


def _derivative(
    rule: Callable[..., Any], me: TraceNode, nodes: tuple[TraceNode, ...]
) -> str | None:
    """The rule evaluated on the operands' names (numbers stay numbers), or ``None``."""
    pattern = tuple(None if type(o) is int else repr(o) for o in me.operands)
    template = derivative_template(rule, pattern)
    if template is None:
        return None
    names = [nodes[o].name if type(o) is int else "" for o in me.operands]
    return template.format(*names, out=me.name)


def _json_float(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")


def _json_operand(o: int | float) -> dict[str, float | str]:
    return {"node": o} if type(o) is int else {"number": _json_float(o)}


def _optional(x: float | None) -> float | str | None:
    return None if x is None else _json_float(x)


def _node_json(n: TraceNode) -> dict[str, Any]:
    return {
        "index": n.index,
        "name": n.name,
        "label": n.label,
        "op": n.op,
        "symbol": n.symbol,
        "data": _json_float(n.data),
        "operands": [_json_operand(o) for o in n.operands],
        "requires_grad": n.requires_grad,
        "expression": n.expression,
        "consumers": n.consumers,
    }


def _forward_json(s: ForwardStep) -> dict[str, Any]:
    return {
        "node": s.node,
        "op": s.op,
        "inputs": [_json_operand(o) for o in s.inputs],
        "input_data": [_json_float(x) for x in s.input_data],
        "output": _json_float(s.output),
    }


def _backward_json(s: BackwardStep) -> dict[str, Any]:
    return {
        "index": s.index,
        "node": s.node,
        "gradient": _json_float(s.gradient),
        "received": [
            {"consumer": r.consumer, "position": r.position, "share": _json_float(r.share)}
            for r in s.received
        ],
        "shares": [
            {
                "position": p.position,
                "operand": _json_operand(p.operand),
                "local": _optional(p.local),
                "formula": p.formula,
                "share": _optional(p.share),
                "total": _optional(p.total),
                "pending": p.pending,
            }
            for p in s.shares
        ],
    }
