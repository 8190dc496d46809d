"""Stepping through backprop in a page: ``explore(root)`` and its ``Explorer``.

The page shows ``root``'s graph as ``draw_dot`` lays it out (``to_dot``'s DOT,
rendered to SVG by the project's renderer and put inline) with the buttons
*Reset*, *Previous step*, *Play* (it turns into *Pause*) and *Next step*; the
arrow keys step too while the explorer has focus.  Position 0 shows only the
leaves' data; the forward pass then computes one node per step, and the
backward pass handles one node per step in the engine's own order (from
``viz.trace``: the numbers are the engine's, to the bit), showing the gradient
the node received and from whom, each operand's local derivative (formula and
number), the share passed down and the operand's gradient so far.

Each value's element (an SVG ``g``) carries ``data-node`` (its index in forward
order), ``data-label``, ``data-data`` and ``data-grad``: Python's ``repr`` of
the float the page shows at the current step, or ``""`` while the data is not
computed yet, or while no share of a gradient has arrived (a ``Value`` that
requires no grad keeps ``data-grad=""`` to the end).  The gradients are those of
one pass from zero: ``explore`` never changes any ``.grad``.

A graph with more than ``max_nodes`` values is drawn with each neuron of
``module`` (an ``autograd_tiny.nn`` module that computed it) folded into one
box that opens on a click (see ``viz.collapse``); without ``module``, or when
even the folded drawing has more than ``max_nodes`` boxes, it is refused with a
``ValueError``.  The page is one file with its script and style inline: it
asks no server or CDN for anything.

>>> from autograd_tiny import Value
>>> x, w = Value(2.0, label="x"), Value(-0.5, label="w")
>>> explorer = explore((w * x + 1.0).tanh())
>>> explorer
<Explorer: 5 values, 3 forward and 3 backward steps>
>>> html = explorer.to_html()
>>> html.startswith("<!DOCTYPE html>"), "mountStepper(" in html, "http://" in html.split("<svg")[0]
(True, True, False)
"""

from __future__ import annotations

import html
import importlib.resources
import json
import os
import re
import secrets
import xml.etree.ElementTree as ET
from typing import Any

from .. import _atomic, _checks
from ..engine import Value, topological_order
from . import collapse
from . import explore_steps as steps
from .dot import to_dot
from .render import Drawing
from .trace import BackwardTrace, TraceNode, check_root, trace_backward

__all__ = ["DEFAULT_MAX_NODES", "Explorer", "explore"]

DEFAULT_MAX_NODES = 150
"""Graphs with more values than this are folded by neuron (or refused without a module)."""

_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_EDGE = re.compile(r"^([vnox])(\d+)->([vno])(\d+)$")
# The saved page may run inline script and style and load nothing from anywhere.
_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


class Explorer:
    """An interactive stepper through a graph's passes: inline in Jupyter, or one HTML file."""

    def __init__(self, data: dict[str, Any], trace: BackwardTrace) -> None:
        self._data = data
        self.trace = trace
        """The ``viz.trace.BackwardTrace`` the page steps through."""

    def to_data(self) -> dict[str, Any]:
        """The JSON data that the page's ``mountStepper(element, data)`` reads (a copy)."""
        copied: dict[str, Any] = json.loads(json.dumps(self._data))
        return copied

    def _repr_html_(self) -> str:
        """A fragment for Jupyter: style, the drawing and the script, under a fresh unique id."""
        uid = "agt-explore-" + secrets.token_hex(8)
        svg = self._data["svg"]
        return (
            f"<div class='agt-host'><style>{_asset('explore.css')}</style>"
            f"<div id='{uid}' class='agt-explore'>{svg}<p>Run this cell in a trusted notebook "
            "(or open the saved page) to step through the passes.</p></div>"
            f"<script>(function () {{\n{_asset('explore.js')}\n"
            f"mountStepper(document.getElementById('{uid}'), {_script_json(self._data)});\n"
            "})();</script></div>"
        )

    def to_html(self) -> str:
        """A whole HTML page that works offline: its script, style and drawing are inline."""
        title = html.escape(self._data["title"], quote=False)
        return (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n"
            f"<meta http-equiv='Content-Security-Policy' content=\"{_POLICY}\">\n"
            f"<title>{title}</title></head>\n<body>\n{self._repr_html_()}\n</body></html>\n"
        )

    def save_html(self, path: str | os.PathLike[str]) -> None:
        """Write ``to_html()`` to ``path`` atomically (a crash leaves the old file or the new).

        ``TypeError`` unless ``path`` is a ``str`` or ``os.PathLike``; ``OSError``
        naming ``path`` for a directory or a missing one, before any work.
        """
        target = _atomic.checked_path(path, "save_html()")
        _atomic.write_text(target, self.to_html(), suffix=".html")

    def __repr__(self) -> str:
        data, trace = self._data, self.trace
        return (
            f"<Explorer: {len(data['values'])} values, {len(trace.forward)} forward and "
            f"{len(trace.backward)} backward steps>"
        )


def explore(
    root: Value,
    *,
    grad_output: float = 1.0,
    module: Any = None,
    rankdir: str = "LR",
    precision: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
    play_interval: float = 0.6,
) -> Explorer:
    """An ``Explorer`` of ``root``'s forward and backward passes; no ``.grad`` changes.

    ``grad_output`` seeds the backward pass as in ``backward()``.  ``rankdir``
    and ``precision`` are ``draw_dot``'s (the page's drawing shows
    ``precision`` significant digits; ``data-data``/``data-grad`` are exact).
    ``module`` is the ``nn`` module that computed ``root``, used to fold its
    neurons when the graph has more than ``max_nodes`` values.  Play advances
    one step every ``play_interval`` seconds.
    """
    check_root(root, "explore()")
    _checks.integer(max_nodes, "max_nodes", minimum=1, who="explore")
    delay = _checks.real(play_interval, "play_interval", minimum=0.0, who="explore")
    order = topological_order(root, trainable_only=False)
    boxes: list[collapse.Box] = []
    if len(order) > max_nodes:
        boxes = collapse.neuron_boxes(order, module, max_nodes)
    trace = trace_backward(root, grad_output)
    if boxes:
        names = [node.name for node in trace.nodes]
        main, insides = collapse.dot_sources(order, boxes, names, rankdir, precision)
        svg, box_svgs = _render(main), [_render(inside) for inside in insides]
    else:
        svg, box_svgs = _render(to_dot(root, rankdir=rankdir, precision=precision)), []
    box_of = [-1] * len(order)
    for k, box in enumerate(boxes):
        for i in box.members:
            box_of[i] = k
    data = {
        "version": 1,
        "title": f"autograd_tiny: stepping through {trace.nodes[trace.root].name}",
        "svg": tag_svg(svg, trace),
        "boxes": [
            {"name": box.name, "svg": tag_svg(s, trace)}
            for box, s in zip(boxes, box_svgs, strict=True)
        ],
        "boxOf": box_of,
        "values": [steps.value(node, precision) for node in trace.nodes],
        "start": "Start: the leaves hold their data. Next step runs the forward pass.",
        "steps": steps.forward(trace, precision) + steps.backward(trace, precision),
        "interval": round(delay * 1000),
    }
    return Explorer(data, trace)


def _render(dot: str) -> str:
    """SVG from DOT source, by the renderer ``draw_dot`` uses."""
    body = dot.splitlines(keepends=True)[1:-1]  # the lines between "digraph {" and "}"
    svg: str = Drawing(body=body, format="svg").pipe(encoding="utf-8")
    return svg


def tag_svg(svg: str, trace: BackwardTrace) -> str:
    """The renderer's SVG with the explorer's attributes; ids dropped (pages hold several)."""
    tree = ET.fromstring(svg)
    for element in tree.iter():
        element.attrib.pop("id", None)
    for group in tree.iter(f"{{{_SVG}}}g"):
        title = group.find(f"{{{_SVG}}}title")
        kind = group.get("class")
        if title is None or title.text is None or kind not in ("node", "edge"):
            continue
        name = title.text
        if kind == "edge":
            match = _EDGE.match(name)
            if match and "o" in (match.group(1), match.group(3)):  # an edge of op o<i>
                group.set("data-edge", match.group(4 if match.group(3) == "o" else 2))
        elif name[0] in "vo" and name[1:].isdigit():
            i = int(name[1:])
            title.text = trace.nodes[i].name if name[0] == "v" else trace.nodes[i].expression
            _tag_node(group, name[0], trace.nodes[i])
        elif name[0] == "n" and name[1:].isdigit():
            _tag_texts(group)
            group.set("data-box", name[1:])
    return ET.tostring(tree, encoding="unicode")


def _tag_node(group: ET.Element, kind: str, node: TraceNode) -> None:
    if kind == "o":
        group.set("data-op", str(node.index))
        return
    group.set("data-node", str(node.index))
    group.set("data-label", node.label)
    group.set("data-data", "" if node.op else repr(node.data))
    group.set("data-grad", "")
    _tag_texts(group)


def _tag_texts(group: ET.Element) -> None:
    """Mark a record's last two fields (``data …`` and ``grad …``) for the script to rewrite."""
    texts = list(group.iter(f"{{{_SVG}}}text"))
    for text, role in zip(texts[-2:], ("data", "grad"), strict=True):
        if not (text.text or "").startswith(role + " "):
            raise RuntimeError(f"unexpected text {text.text!r} in the renderer's SVG")
        text.set("data-role", role)


def _asset(name: str) -> str:
    return (importlib.resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


def _script_json(data: dict[str, Any]) -> str:
    """``data`` as a JavaScript literal that cannot end the ``<script>`` element it is in."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
