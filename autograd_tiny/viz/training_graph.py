"""One sample's loss graph as a small program the training explorer's page evaluates.

Storing every node's data and gradient for every (epoch, sample) pair would
make a page of megabytes (the default command's network has 214 nodes per
sample).  Instead the page holds the graph's *shape* once, as a ``Template``:
each node is an input, a parameter, a constant or an op of the table applied
to earlier nodes and constants, in the engine's topological order.  With it
goes the template's *schedule*, the engine's own backward pass over that
shape, recorded as data (``backward.backpropagate``'s observer): the nodes in
the order the pass takes them, each with the positions of the operands it
passes a share to.  That order depends only on the shape, so it is recorded
once per template.  The page runs the forward of each op and then the
schedule, straight-line, adding each share into its operand's gradient in
the engine's order; the ops' forwards and shares are the table's rules
written in JavaScript (``viz.js_rules``).  The page itself holds no chain rule.

A loss may fold sample-dependent numbers into its graph (the target, or the
largest logit by which ``cross_entropy`` shifts), and may build differently
shaped graphs for different samples (``cross_entropy`` picks the target's
logit): ``graph_data`` finds the templates and, for each one, which constants
vary; those are kept per sample, or per (epoch, sample) when they vary with
the weights too.

>>> from autograd_tiny import Value
>>> w = Value(0.5)
>>> schedules = {}
>>> template, constants = trace_program(
...     lambda x: (w * x[0] + 2.0).tanh(), [1.5], [w], ["w"], schedules)
>>> template.nodes, constants
((('param', 0, 'w'), ('input', 0, 'x[0]'), ('mul', (0, 1), ''), ('add', (2, -1), ''), \
('tanh', (3,), '')), [2.0])
>>> schedules[template]  # tanh passes to its operand 0, add to 0 (2.0 is folded), mul to 0 and 1
((4, 0), (3, 0), (2, 0, 1))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..backward import backpropagate, topological_order
from ..engine import Value
from ..ops import Primitive

__all__ = ["Template", "Schedule", "trace_program", "graph_data", "primitives_of", "number"]

#: A node: ``("input", j, name)``, ``("param", k, name)``, ``("const", c, "")`` (a leaf
#: that needs no gradient, its value the c-th constant), or ``(op, operands, label)``
#: where an operand is a node's index, or ``-1 - c`` for the c-th constant.
Node = tuple[Any, ...]
#: The engine's backward pass over a template: per node it takes, in its order,
#: ``(node, position, position, …)``, the operands it passes a share to.
Schedule = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Template:
    """The shape of one sample's loss graph: its nodes, in the engine's topological order.

    ``primitives`` are its ops' entries (of the table, or a user's), each once.
    """

    nodes: tuple[Node, ...]
    primitives: tuple[Primitive, ...] = ()

    def to_json(self) -> list[list[Any]]:
        """The nodes as JSON lists."""
        return [
            [kind, list(ref) if isinstance(ref, tuple) else ref, name]
            for kind, ref, name in self.nodes
        ]


def number(x: float) -> float | str:
    """A float for JSON: itself if finite, else ``"nan"``, ``"inf"`` or ``"-inf"``.

    >>> number(0.1), number(float("-inf"))
    (0.1, '-inf')
    """
    return x if math.isfinite(x) else repr(x)


def trace_program(
    loss_of: Callable[[list[Value]], Value],
    x: Sequence[float],
    params: Sequence[Value],
    names: Sequence[str],
    schedules: dict[Template, Schedule] | None = None,
) -> tuple[Template, list[float]]:
    """The template of ``loss_of(inputs)`` for the sample ``x``, and its constants.

    The inputs are fresh leaves named ``x[0]``, ``x[1]``…, so the graph's shape
    does not depend on their values; ``params`` are found by identity and named
    by ``names``.  A template not yet in ``schedules`` gets its schedule there,
    recorded from the engine's backward pass over this graph (no ``.grad`` changes).
    """
    inputs = [Value(v, label=f"x[{j}]") for j, v in enumerate(x)]
    root = loss_of(inputs)
    if type(root) is not Value:
        raise TypeError(f"the loss must return a Value, got {type(root).__name__}")
    leaves = {id(v): ("input", j, v.label) for j, v in enumerate(inputs)}
    leaves.update({id(p): ("param", k, names[k]) for k, p in enumerate(params)})
    order = topological_order(root, trainable_only=False)
    index = {id(node): i for i, node in enumerate(order)}
    nodes: list[Node] = []
    constants: list[float] = []
    primitives: dict[str, Primitive] = {}

    def constant(value: float) -> int:
        constants.append(value)
        return -len(constants)  # -1 - c

    for node in order:
        if node.primitive is not None:
            _add_primitive(primitives, node.primitive)
            refs = tuple(
                index[id(o)] if type(o) is Value else constant(float(o)) for o in node.operands
            )
            nodes.append((node.op, refs, node.label))
        elif id(node) in leaves and node.requires_grad:
            nodes.append(leaves[id(node)])
        else:  # a constant leaf, e.g. a target made a Value(requires_grad=False)
            nodes.append(("const", -1 - len(constants), node.label))
            constants.append(node.data)
    template = Template(tuple(nodes), tuple(primitives.values()))
    if schedules is not None and template not in schedules:
        schedules[template] = _schedule(root, index)
    return template, constants


def _add_primitive(primitives: dict[str, Primitive], prim: Primitive) -> None:
    known = primitives.setdefault(prim.name, prim)
    if known is not prim:
        raise ValueError(
            f"two different ops are named {prim.name!r} in the loss's graph; "
            "the training explorer tells ops apart by name: rename one"
        )


class _Scheduler:
    """``backward.BackwardObserver``: the nodes the pass takes, and where each passes shares."""

    def __init__(self, index: dict[int, int]) -> None:
        self.index = index
        self.steps: list[list[int]] = []

    def on_node(self, node: Value, gradient: Any) -> None:
        self.steps.append([self.index[id(node)]])

    def on_share(
        self, node: Value, position: int, operand: Value, share: Any, pending: int | None
    ) -> None:
        self.steps[-1].append(position)


def _schedule(root: Value, index: dict[int, int]) -> Schedule:
    """The engine's backward pass over ``root``'s graph, as the steps it takes."""
    scheduler = _Scheduler(index)
    backpropagate(root, 1.0, False, observer=scheduler)
    return tuple(tuple(step) for step in scheduler.steps)


def primitives_of(templates: Sequence[Template]) -> list[Primitive]:
    """Every op of the templates, each once (``ValueError`` if two share a name)."""
    primitives: dict[str, Primitive] = {}
    for template in templates:
        for prim in template.primitives:
            _add_primitive(primitives, prim)
    return list(primitives.values())


def graph_data(
    traced: Sequence[Sequence[tuple[Template, list[float]]]],
    schedules: dict[Template, Schedule],
) -> dict[str, Any]:
    """The page's graph data from ``traced[s][i]``, snapshot ``s``'s trace of sample ``i``.

    Returns ``{"templates": [...], "schedules": [...], "template_of": [t per sample],
    "constants": [...]}`` where ``schedules[t]`` is template ``t``'s (from
    ``schedules``) and ``constants[t]`` lists its constants, ``None`` where they
    vary; and ``"per_sample"`` (varying constants by sample, when they do not
    depend on the epoch) or ``"per_snapshot"`` (by snapshot, then sample).
    A sample's shape must not change with the weights (``ValueError`` if it does).

    >>> t = Template((("input", 0, "x[0]"), ("mul", (0, -1), "")))
    >>> data = graph_data([[(t, [2.0]), (t, [3.0])], [(t, [2.0]), (t, [3.0])]], {t: ((1, 0),)})
    >>> data["per_sample"], data["schedules"]
    ([[2.0], [3.0]], [[[1, 0]]])
    """
    templates: dict[Template, int] = {}
    template_of = [templates.setdefault(t, len(templates)) for t, _ in traced[0]]
    for row in traced[1:]:
        if [templates.get(t) for t, _ in row] != template_of:
            raise ValueError("a sample's loss graph changed shape between epochs")
    fixed: list[list[float | None]] = [[] for _ in templates]
    for t in range(len(templates)):
        members = [
            c for row in traced for (_, c), m in zip(row, template_of, strict=True) if m == t
        ]
        fixed[t] = [
            members[0][k] if all(_same(m[k], members[0][k]) for m in members) else None
            for k in range(len(members[0]))
        ]
    varying = [
        [
            [number(v) for v, f in zip(c, fixed[m], strict=True) if f is None]
            for (_, c), m in zip(row, template_of, strict=True)
        ]
        for row in traced
    ]
    data: dict[str, Any] = {
        "templates": [t.to_json() for t in templates],
        "schedules": [[list(step) for step in schedules[t]] for t in templates],
        "template_of": template_of,
        "constants": [[None if f is None else number(f) for f in c] for c in fixed],
    }
    if all(row == varying[0] for row in varying):
        data["per_sample"] = varying[0]
    else:
        data["per_snapshot"] = varying
    return data


def _same(a: float, b: float) -> bool:
    """Equal, or both nan; 0.0 and -0.0 differ (a graph can tell them apart)."""
    return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)
