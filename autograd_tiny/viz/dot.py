"""Drawing computation graphs: DOT text (``to_dot``) and a Graphviz drawing (``draw_dot``).

Each ``Value`` is a box showing its label (if any), its data and its grad; each
op is a separate oval showing its symbol and any number folded into it, with
edges from the operands into the op and from the op to its result.  Node ids
come from the order of the graph walk (``v0, v1, …`` operands first), never from
``id()``, so the same graph always gives the same text.

>>> from autograd_tiny import Value
>>> x = Value(3.0, label="x")
>>> y = x * 2.0
>>> print(to_dot(y, show_grad=False))
digraph {
        rankdir=LR
        node [fontname=Helvetica fontsize=11]
        v0 [label="{ x | data 3 }" shape=record]
        v1 [label="{ data 6 }" shape=record]
        o1 [label="* 2"]
        v0 -> o1
        o1 -> v1
}
<BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import _checks
from ..engine import Value, topological_order
from .labels import names_of, op_label, value_label
from .render import Drawing, RendererNotFound, find_renderer

__all__ = ["to_dot", "draw_dot", "find_renderer", "RendererNotFound", "DEFAULT_MAX_NODES"]

DEFAULT_MAX_NODES = 1000
"""``draw_dot`` refuses graphs with more ``Value``s than this unless told otherwise."""

_RANKDIRS = ("LR", "RL", "TB", "BT")
_ZERO_GRAD_FILL = "#f4b6b6"  # light red: no gradient reaches this node
_NAMED_FILL = "#cfe2f3"  # light blue: a named parameter
_STYLE = "\tnode [fontname=Helvetica fontsize=11]\n"


def to_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight_zero_grad: bool = False,
    names: Mapping[Value, str] | None = None,
    module: Any = None,
    precision: int = 4,
    max_nodes: int | None = None,
) -> str:
    """The DOT source of ``root``'s graph; needs no renderer.

    ``show_grad=False`` shows only the data.  ``highlight_zero_grad`` fills the
    nodes whose gradient is exactly zero (after ``backward()``: dead ReLUs and
    whatever lies behind them).  ``names`` maps ``Value``s to the names to show
    instead of their labels; ``module`` names an ``nn`` module's parameters by
    their ``state_dict`` keys.  Numbers show ``precision`` significant digits.
    ``max_nodes`` (default: no limit) refuses graphs with more ``Value``s.
    """
    options = _Options(rankdir, show_grad, highlight_zero_grad, precision, max_nodes)
    return "digraph {\n" + "".join(_body(root, options, names, module)) + "}\n"


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    highlight_zero_grad: bool = False,
    names: Mapping[Value, str] | None = None,
    module: Any = None,
    precision: int = 4,
    format: str = "svg",
) -> Drawing:
    """A ``graphviz.Digraph`` of ``root``'s graph, shown inline (SVG) in Jupyter.

    Options as for ``to_dot``.  A graph with more than ``max_nodes`` ``Value``s
    is refused with a ``ValueError`` giving its size (laying out thousands of
    nodes takes minutes); pass a larger ``max_nodes`` or ``None`` to draw it.
    Rendering (``.pipe()``, ``.render()``, display) uses ``find_renderer()``.
    ``format`` is what ``.render()`` writes (micrograd's keyword, as is
    ``rankdir``): svg by default, which every renderer writes, or e.g. png;
    ``.render()`` writes ``graph.gv.svg`` and leaves no ``.gv`` source file.

    >>> from autograd_tiny import Value
    >>> drawing = draw_dot(Value(2.0) * 3.0, format="png", rankdir="TB")
    >>> drawing.format, "rankdir=TB" in drawing.source
    ('png', True)
    """
    options = _Options(rankdir, show_grad, highlight_zero_grad, precision, max_nodes)
    if not isinstance(format, str):
        raise TypeError(f"format must be a str such as 'svg', got {type(format).__name__}")
    body = _body(root, options, names, module)
    return Drawing(body=body, format=format)


@dataclass(frozen=True)
class _Options:
    rankdir: str
    show_grad: bool
    highlight_zero_grad: bool
    precision: int
    max_nodes: int | None


def _body(
    root: Value, options: _Options, names: Mapping[Value, str] | None, module: Any
) -> list[str]:
    """The lines between ``digraph {`` and ``}``: one pass over the nodes, in order."""
    _check(root, options)
    order = topological_order(root, trainable_only=False)
    if options.max_nodes is not None and len(order) > options.max_nodes:
        raise ValueError(
            f"the graph has {len(order):,} values, more than max_nodes={options.max_nodes:,}; "
            f"pass max_nodes={len(order)} (or None) to draw it anyway - laying out a graph "
            "this large can take minutes - or draw a smaller part of the computation"
        )
    shown = names_of(names, module)
    index = {node: i for i, node in enumerate(order)}
    lines = [f"\trankdir={options.rankdir}\n", _STYLE]
    for i, node in enumerate(order):
        name = shown.get(node, node.label)
        attrs = _value_attrs(node, node in shown, options.highlight_zero_grad)
        label = value_label(name, node, options.show_grad, options.precision)
        lines.append(f'\tv{i} [label="{label}" shape=record{attrs}]\n')
        if node.primitive is not None:
            lines.append(f'\to{i} [label="{op_label(node, options.precision)}"]\n')
            lines.extend(f"\tv{index[p]} -> o{i}\n" for p in node.parents)
            lines.append(f"\to{i} -> v{i}\n")
    return lines


def _value_attrs(node: Value, named: bool, highlight_zero_grad: bool) -> str:
    fill = None
    if highlight_zero_grad and node.grad == 0.0 and node.requires_grad:
        fill = _ZERO_GRAD_FILL
    elif named:
        fill = _NAMED_FILL
    styles = ["filled"] if fill else []
    if not node.requires_grad:  # a constant: no gradient flows into it
        styles.append("dashed")
    attrs = f' style="{",".join(styles)}"' if styles else ""
    return f'{attrs} fillcolor="{fill}"' if fill else attrs


def _check(root: Any, options: _Options) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value to draw, got {type(root).__name__}: {root!r}")
    _checks.choice(options.rankdir, "rankdir", _RANKDIRS)
    _checks.integer(options.precision, "precision", minimum=1)
    _checks.integer(options.max_nodes, "max_nodes", minimum=1, none=True)
