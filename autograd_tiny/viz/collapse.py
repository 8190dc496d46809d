"""Folding each neuron into one box, for graphs too large for ``explore`` to draw whole.

A neuron of ``autograd_tiny.nn`` computes ``φ(b + Σ wᵢ·xᵢ)`` as a chain of
``fma`` nodes, ``wᵢ.fma(xᵢ, acc)`` starting from its bias, then one node for a
non-linear ``φ``.  Given the module that built the graph, each application of
a neuron is found exactly: the chain that starts at ``w₀.fma(x₀, b)`` and goes
on through ``w₁``, ``w₂``, … in order, then ``φ``.  Its box holds those nodes
and the neuron's parameters that nothing outside the box uses (in a graph of
one sample: all of them; in a batch the shared weights stay outside).
Only ``nn.Neuron``s are recognised, through an ``MLP``, a ``Layer`` or a
``Neuron`` passed as ``module``; everything else is drawn as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import Value
from ..nn import MLP, Layer, Neuron
from .labels import op_label, value_label

__all__ = ["Box", "dot_sources", "neuron_boxes"]

_STYLE = "\tnode [fontname=Helvetica fontsize=11]\n"


@dataclass(frozen=True)
class Box:
    """One application of a neuron: its name, its values (forward indices) and its output."""

    name: str
    members: tuple[int, ...]
    output: int


def neuron_boxes(order: Sequence[Value], module: Any, max_nodes: int) -> list[Box]:
    """The boxes of ``module``'s neurons in a graph of ``len(order)`` values.

    Raises ``ValueError`` when there is no module to fold by, or when the
    folded drawing still has more than ``max_nodes`` boxes and values (or a
    single neuron has more), before anything is laid out.
    """
    size = len(order)
    if module is None:
        raise ValueError(
            f"explore: the graph has {size:,} values, more than max_nodes={max_nodes:,}; "
            "pass module= (the nn MLP, Layer or Neuron that computed it) to fold each "
            "neuron into a box, or a larger max_nodes"
        )
    index = {node: i for i, node in enumerate(order)}
    consumers: list[list[int]] = [[] for _ in order]
    for i, node in enumerate(order):
        for parent in dict.fromkeys(node.parents):
            consumers[index[parent]].append(i)
    boxes: list[Box] = []
    for name, neuron in _neurons(module):
        found = _applications(neuron, order, index, consumers)
        for m, (members, output) in enumerate(found):
            boxes.append(Box(name if len(found) == 1 else f"{name} #{m}", members, output))
    shown = size - sum(len(box.members) for box in boxes) + len(boxes)
    largest = max((len(box.members) for box in boxes), default=0)
    if shown > max_nodes or largest > max_nodes:
        raise ValueError(
            f"explore: the graph has {size:,} values; with each neuron folded into a box "
            f"it still shows {max(shown, largest):,}, more than max_nodes={max_nodes:,}: "
            "explore a smaller graph (one sample, a smaller model) or pass a larger max_nodes"
        )
    return boxes


def _neurons(module: Any) -> list[tuple[str, Neuron]]:
    if isinstance(module, Neuron):
        return [("neuron", module)]
    if isinstance(module, Layer):
        return [(f"neurons.{j}", n) for j, n in enumerate(module.neurons)]
    if isinstance(module, MLP):
        return [
            (f"layers.{i}.neurons.{j}", n)
            for i, layer in enumerate(module.layers)
            for j, n in enumerate(layer.neurons)
        ]
    raise TypeError(f"module must be an nn MLP, Layer or Neuron, got {type(module).__name__}")


def _applications(
    neuron: Neuron, order: Sequence[Value], index: dict[Value, int], consumers: list[list[int]]
) -> list[tuple[tuple[int, ...], int]]:
    """Each chain ``w₀.fma(x₀, b)``, ``w₁.fma(x₁, ·)``, … (then ``φ``) found in the graph."""
    weights, bias = list(neuron.w), neuron.b
    if bias not in index:
        return []
    found = []
    for start in consumers[index[bias]]:
        if not _is_fma(order[start], weights[0], bias):
            continue
        chain = [start]
        for w in weights[1:]:
            acc = order[chain[-1]]
            step = next((c for c in consumers[chain[-1]] if _is_fma(order[c], w, acc)), None)
            if step is None:
                break
            chain.append(step)
        if len(chain) < len(weights):
            continue
        if neuron.activation != "linear":
            last = order[chain[-1]]
            phi = next(
                (c for c in consumers[chain[-1]] if order[c].op == neuron.activation
                 and order[c].operands[0] is last),
                None,
            )  # fmt: skip
            if phi is None:
                continue
            chain.append(phi)
        members = set(chain)
        params = [
            index[p] for p in (*weights, bias) if p in index and set(consumers[index[p]]) <= members
        ]
        found.append((tuple(sorted(members | set(params))), chain[-1]))
    return found


def _is_fma(node: Value, weight: Value, acc: Value) -> bool:
    """Whether ``node`` is ``weight.fma(x, acc)`` for some input ``x``."""
    operands = node.operands
    return node.op == "fma" and operands[0] is weight and operands[2] is acc


def dot_sources(
    order: Sequence[Value],
    boxes: Sequence[Box],
    names: Sequence[str],
    rankdir: str,
    precision: int,
) -> tuple[str, list[str]]:
    """The DOT of the folded graph (box ``k`` is node ``n<k>``) and of each box's inside."""
    index = {node: i for i, node in enumerate(order)}
    box_of = {i: k for k, box in enumerate(boxes) for i in box.members}

    def source(i: int) -> str:
        return f"n{box_of[i]}" if i in box_of else f"v{i}"

    lines = [f"\trankdir={rankdir}\n", _STYLE]
    for i, node in enumerate(order):
        if i in box_of:
            continue
        lines += _value_lines(i, node, precision)
        lines += [f"\t{source(index[p])} -> o{i}\n" for p in node.parents]
    for k, box in enumerate(boxes):
        label = value_label(box.name, order[box.output], True, precision)
        lines.append(f'\tn{k} [label="{label}" shape=Mrecord penwidth=2]\n')
        inputs = {
            source(index[p]): None
            for i in box.members
            for p in order[i].parents
            if box_of.get(index[p]) != k
        }
        lines += [f"\t{src} -> n{k}\n" for src in inputs]
    return _digraph(lines), [_inside(box, order, index, names, rankdir, precision) for box in boxes]


def _inside(
    box: Box,
    order: Sequence[Value],
    index: dict[Value, int],
    names: Sequence[str],
    rankdir: str,
    precision: int,
) -> str:
    members = set(box.members)
    lines = [f"\trankdir={rankdir}\n", _STYLE]
    stubs: dict[int, None] = {}
    for i in box.members:
        node = order[i]
        lines += _value_lines(i, node, precision)
        for p in node.parents:
            j = index[p]
            if j in members:
                lines.append(f"\tv{j} -> o{i}\n")
            else:
                stubs[j] = None
                lines.append(f"\tx{j} -> o{i}\n")
    for j in stubs:
        lines.append(f'\tx{j} [label="{_quoted(names[j])}" shape=plaintext]\n')
    return _digraph(lines)


def _value_lines(i: int, node: Value, precision: int) -> list[str]:
    style = "" if node.requires_grad else " style=dashed"
    label = value_label(node.label, node, True, precision)
    lines = [f'\tv{i} [label="{label}" shape=record{style}]\n']
    if node.primitive is not None:
        lines += [f'\to{i} [label="{op_label(node, precision)}"]\n', f"\to{i} -> v{i}\n"]
    return lines


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _digraph(lines: list[str]) -> str:
    return "digraph {\n" + "".join(lines) + "}\n"
