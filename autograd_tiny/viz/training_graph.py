"""One sample's loss graph as a small program the training explorer's page evaluates.

Storing every node's data and gradient for every (epoch, sample) pair would
make a page of megabytes (the default command's network has 214 nodes per
sample).  Instead the page holds the graph's *shape* once, as a ``Template``:
each node is an input, a parameter, a constant or an op of ``ops.BY_NAME``
applied to earlier nodes and constants, in the engine's topological order.
The page evaluates it forward and backward in JavaScript with the same
formulas as the table, in the same order as ``backward()``, from the
sample's inputs, the epoch's weights and the constants.

A loss may fold sample-dependent numbers into its graph (the target, or the
largest logit by which ``cross_entropy`` shifts), and may build differently
shaped graphs for different samples (``cross_entropy`` picks the target's
logit): ``programs`` finds the templates and, for each one, which constants
vary; those are kept per sample, or per (epoch, sample) when they vary with
the weights too.

>>> from autograd_tiny import Value
>>> w = Value(0.5)
>>> template, constants = trace_program(lambda x: (w * x[0] + 2.0).tanh(), [1.5], [w], ["w"])
>>> template.nodes, constants
((('input', 0, 'x[0]'), ('param', 0, 'w'), ('mul', (1, 0), ''), ('add', (2, -1), ''), \
('tanh', (3,), '')), [2.0])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..backward import topological_order
from ..engine import Value

__all__ = ["Template", "trace_program", "number"]

#: A node: ``("input", j, name)``, ``("param", k, name)``, ``("const", c, "")`` (a leaf
#: that needs no gradient, its value the c-th constant), or ``(op, operands, label)``
#: where an operand is a node's index, or ``-1 - c`` for the c-th constant.
Node = tuple[Any, ...]


@dataclass(frozen=True)
class Template:
    """The shape of one sample's loss graph: its nodes, in the engine's topological order."""

    nodes: tuple[Node, ...]

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
) -> tuple[Template, list[float]]:
    """The template of ``loss_of(inputs)`` for the sample ``x``, and its constants.

    The inputs are fresh leaves named ``x[0]``, ``x[1]``…, so the graph's shape
    does not depend on their values; ``params`` are found by identity and named
    by ``names``.
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

    def constant(value: float) -> int:
        constants.append(value)
        return -len(constants)  # -1 - c

    for node in order:
        if node.primitive is not None:
            refs = tuple(
                index[id(o)] if type(o) is Value else constant(float(o)) for o in node.operands
            )
            nodes.append((node.op, refs, node.label))
        elif id(node) in leaves and node.requires_grad:
            nodes.append(leaves[id(node)])
        else:  # a constant leaf, e.g. a target made a Value(requires_grad=False)
            nodes.append(("const", -1 - len(constants), node.label))
            constants.append(node.data)
    return Template(tuple(nodes)), constants


def graph_data(traced: Sequence[Sequence[tuple[Template, list[float]]]]) -> dict[str, Any]:
    """The page's graph data from ``traced[s][i]``, snapshot ``s``'s trace of sample ``i``.

    Returns ``{"templates": [...], "template_of": [t per sample], "constants": [...]}``
    where ``constants[t]`` lists template ``t``'s constants, ``None`` where they
    vary; and ``"per_sample"`` (varying constants by sample, when they do not
    depend on the epoch) or ``"per_snapshot"`` (by snapshot, then sample).
    A sample's shape must not change with the weights (``ValueError`` if it does).

    >>> t = Template((("input", 0, "x[0]"), ("mul", (0, -1), "")))
    >>> graph_data([[(t, [2.0]), (t, [3.0])], [(t, [2.0]), (t, [3.0])]])["per_sample"]
    [[2.0], [3.0]]
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
