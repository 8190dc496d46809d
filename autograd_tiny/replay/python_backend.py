"""The python backend: a tape's generated straight-line Python, compiled once.

``codegen`` writes the source; this module compiles it (our own text, never
user data) with the functions of the table of primitives in scope, so the
replayed numbers are the eager engine's.

>>> from autograd_tiny import Value
>>> from autograd_tiny.replay.tape import trace
>>> w = Value(3.0)
>>> replay = PythonBackend(trace(lambda x: w * x * x, [Value(1.0)], [w]))
>>> replay.value_and_grad([2.0], [w], 1.0)
(12.0, (12.0,), (4.0,))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value
from ..ops import PRIMITIVES, Share
from .backend import Backend
from .codegen import PYTHON, generate, partial_name, vjp_name
from .tape import GuardFailed, Tape

__all__ = ["PythonBackend", "namespace", "table_namespace", "compile_source"]


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


def table_namespace(tape: Tape) -> dict[str, Any]:
    """The globals of a tape's generated code: the table's functions and the tape's own ops.

    The table's forwards are also the helpers that inlined rules call
    (``sigmoid``, ``div``, ``pow``); a user's ``Primitive`` brings its own.
    """
    prims = {p.name: p for p in (*PRIMITIVES, *(ins.prim for ins in tape.instructions))}
    return namespace(
        {name: p.forward for name, p in prims.items()},
        {name: p.partials for name, p in prims.items()},
    )


def compile_source(source: str, scope: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """Compile generated source (ours, never user data) into its functions, by name."""
    code = compile(source, "<autograd_tiny generated>", "exec")
    exec(code, scope)
    return {name: scope[name] for name in ("run", "value_and_grad")}


class PythonBackend(Backend):
    """Generated straight-line Python for a tape: ``run`` and ``value_and_grad``."""

    name = "python"

    def __init__(self, tape: Tape) -> None:
        super().__init__(tape)
        self.source = generate(tape, PYTHON)
        functions = compile_source(self.source, table_namespace(tape))
        self._run, self._value_and_grad = functions["run"], functions["value_and_grad"]

    def run(self, inputs: Sequence[float], params: Sequence[Any]) -> Any:
        """The output (and the aux values, if any)."""
        return self._run(inputs, params)

    def value_and_grad(
        self, inputs: Sequence[float], params: Sequence[Any], grad_output: float
    ) -> tuple[Any, ...]:
        """The output, its gradients for the inputs and for the parameters (then any aux)."""
        return self._value_and_grad(inputs, params, grad_output)  # type: ignore[no-any-return]

    def backward(self, inputs: Sequence[float], params: Sequence[Value], grad_output: float) -> Any:
        """The generated code adds the parameters' gradients into ``.grad`` itself."""
        return self._value_and_grad(inputs, params, grad_output, True)
