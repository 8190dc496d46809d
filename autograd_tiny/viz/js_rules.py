"""The table's forwards and derivative rules as JavaScript, for a page that evaluates graphs.

The training explorer's page evaluates one sample's graph in the browser.  Its
ops are not written by hand: each forward and each partial rule of
``ops.Primitive`` is evaluated on symbols (``replay.symbolic``) in a
JavaScript spelling, as the code generators do for Python and numpy.
Arithmetic, comparisons and ``ops.where`` come out as JavaScript; every helper
a rule calls (``exp``, ``sigmoid``, ``div`` …) becomes a call ``R.name(…)`` of
the page's small runtime of IEEE-754 functions (``assets/training_runtime.js``,
named as the ops).  An op that cannot be written so (a rule that branches on a
number in Python, or calls a function the runtime lacks) raises ``ValueError``
naming it: never a page that computes something else.

Each op becomes ``name: {f: forward, share: [vjp per input]}`` where
``share[k](g, inputs…, out)`` is the k-th input's share of the upstream ``g``:
a ``Share`` rule as written, any other rule times ``g`` (as the engine
multiplies it).

>>> from autograd_tiny.ops import RELU
>>> print(js_ops([RELU]))
var TRAINING_OPS = (function (R) {
  "use strict";
  return {
  "relu": {f: function (x) { return ((x <= 0.0) ? 0.0 : x); },
    share: [function (g, x, out) { return ((x <= 0.0) ? 0.0 : g); }]}
  };
})(TRAINING_RUNTIME);
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..ops import Primitive, Share
from ..replay.symbolic import JS_WHERE, inline

__all__ = ["js_ops", "runtime_source", "runtime_names"]

_LETTERS = "xyz"
_CALL = re.compile(r"\b([A-Za-z_]\w*)\(")
# Python's spellings of numbers and of & | on the booleans of a condition, and JavaScript's.
_SPELLING = {"inf": "Infinity", "nan": "NaN", "True": "true", "False": "false"}
_WORD = re.compile(r"\b(inf|nan|True|False)\b")


@functools.cache
def runtime_source() -> str:
    """The page's runtime: ``var TRAINING_RUNTIME = {name: function, …}``."""
    assets = importlib.resources.files(__package__ or "autograd_tiny.viz") / "assets"
    return (assets / "training_runtime.js").read_text(encoding="utf-8")


@functools.cache
def runtime_names() -> frozenset[str]:
    """The names the runtime defines (one entry a line, ``  name: …``)."""
    return frozenset(re.findall(r"^  (\w+): ", runtime_source(), re.MULTILINE))


def js_ops(primitives: Sequence[Primitive]) -> str:
    """``var TRAINING_OPS = {…}``: each op's forward and shares, from its rules.

    ``ValueError`` naming the op if one of its rules cannot be written in JavaScript.
    """
    entries = [f"  {json.dumps(p.name)}: {_entry(p)}" for p in primitives]
    body = ",\n".join(entries)
    return (
        'var TRAINING_OPS = (function (R) {\n  "use strict";\n'
        f"  return {{\n{body}\n  }};\n}})(TRAINING_RUNTIME);\n"
    )


def _entry(prim: Primitive) -> str:
    letters = _LETTERS[: prim.arity]
    forward = _written(prim, "forward", prim.forward, letters)
    shares = []
    for k, rule in enumerate(prim.partials):
        what = f"rule for input {k}"
        if isinstance(rule, Share):
            share = _written(prim, what, rule.vjp, ("g", *letters, "out"))
        else:
            share = f"({_written(prim, what, rule, (*letters, 'out'))}) * g"
        shares.append(f"function (g, {', '.join((*letters, 'out'))}) {{ return {share}; }}")
    return (
        f"{{f: function ({', '.join(letters)}) {{ return {forward}; }},\n"
        f"    share: [{', '.join(shares)}]}}"
    )


def _written(prim: Primitive, what: str, fn: Callable[..., Any], params: Sequence[str]) -> str:
    """``fn`` on symbols named ``params``, in JavaScript, its helpers called on ``R``."""
    template = inline(fn, tuple(params), JS_WHERE)
    if template is None:
        raise ValueError(
            f"the training explorer's page cannot evaluate op {prim.name!r}: its {what} "
            "cannot be followed on symbols (it branches on a number in Python or leaves "
            "ops.py's helpers); write it with the helpers (ops.where …)"
        )
    missing = sorted(set(_CALL.findall(template)) - runtime_names())
    if missing:
        raise ValueError(
            f"the training explorer's page cannot evaluate op {prim.name!r}: its {what} "
            f"calls {', '.join(missing)}, which the page's runtime "
            "(viz/assets/training_runtime.js) does not define"
        )
    text = _CALL.sub(r"R.\1(", template)
    text = _WORD.sub(lambda m: _SPELLING[m.group(1)], text)
    text = text.replace(" & ", " && ").replace(" | ", " || ")
    return text.format(**{name: name for name in params})
