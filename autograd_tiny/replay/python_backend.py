"""The python backend: a tape's generated straight-line Python, compiled once.

``codegen`` writes the source; this module compiles it (our own text, never
user data) with the functions of the table of primitives in scope, so the
replayed numbers are the eager engine's.

>>> from autograd_tiny import Value
>>> from autograd_tiny.replay.tape import trace
>>> w = Value(3.0)
>>> replay = PythonReplay(trace(lambda x: w * x * x, [Value(1.0)], [w]))
>>> replay.value_and_grad([2.0], [w], 1.0)
(12.0, (12.0,), (4.0,))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..ops import PRIMITIVES, Share
from .codegen import PYTHON, generate, partial_name, vjp_name
from .tape import GuardFailed, Tape

__all__ = ["PythonReplay", "namespace", "compile_source"]


def namespace(
    forwards: dict[str, Callable[..., Any]], partials: dict[str, tuple[Callable[..., Any], ...]]
) -> dict[str, Any]:
    """The globals of generated code: op forwards and partials under their names.

    A ``Share`` rule goes in under its chain-rule form's name (``vjp_div_x``).
    """
    scope: dict[str, Any] = {"GuardFailed": GuardFailed, "inf": math.inf, "nan": math.nan}
    scope.update(forwards)
    for op, rules in partials.items():
        for i, rule in enumerate(rules):
            if isinstance(rule, Share):
                scope[vjp_name(op, i)] = rule.vjp
            else:
                scope[partial_name(op, i)] = rule
    return scope


def _python_namespace() -> dict[str, Any]:
    """The globals for the python dialect: the table of primitives itself."""
    return namespace(
        {p.name: p.forward for p in PRIMITIVES}, {p.name: p.partials for p in PRIMITIVES}
    )


def compile_source(source: str, scope: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """Compile generated source (ours, never user data) into its functions, by name."""
    code = compile(source, "<autograd_tiny generated>", "exec")
    exec(code, scope)
    return {name: scope[name] for name in ("run", "value_and_grad")}


class PythonReplay:
    """Generated straight-line Python for a tape: ``run`` and ``value_and_grad``."""

    def __init__(self, tape: Tape) -> None:
        self.tape = tape
        self.source = generate(tape, PYTHON)
        functions = compile_source(self.source, _python_namespace())
        self.run, self.value_and_grad = functions["run"], functions["value_and_grad"]
