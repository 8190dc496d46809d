"""The interpreted backend: a tape replayed by one loop forward and one backward.

Values live in a list of floats indexed by slot.  The commonest ops of a
network are written out (fma in both loops, mul and add in the backward
loop); every other op calls its entry of the table (each rule in its own
form, see ``ops.Share``), so the results are those of the eager engine.

>>> from autograd_tiny import Value
>>> from autograd_tiny.replay.tape import trace
>>> w = Value(3.0)
>>> replay = TapeBackend(trace(lambda x: w * x * x, [Value(1.0)], [w]))
>>> replay.value_and_grad([2.0], [w.data], 1.0)
(12.0, (12.0,), (4.0,))
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value
from ..ops import Share
from .backend import Backend
from .tape import GuardFailed, Instruction, Tape

__all__ = ["TapeBackend"]

Rule = Callable[..., float]
# (gradient slot, partial, vjp): the share is partial(*args) * g, or vjp(g, *args)
_Share = tuple[int, Rule, Rule | None]

_FMA, _MUL, _ADD, _UNARY, _BINARY, _TERNARY = range(6)
_SPECIAL = {"fma": _FMA, "mul": _MUL, "add": _ADD}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class TapeBackend(Backend):
    """Replays a ``Tape`` on lists of floats."""

    name = "tape"

    def __init__(self, tape: Tape) -> None:
        super().__init__(tape)
        self._constants = list(tape.constants)
        self._forward = tuple(_forward_entry(ins) for ins in tape.instructions)
        backward = [
            _backward_entry(tape, k, ins)
            for k, ins in enumerate(tape.instructions[: tape.n_backward])
        ]
        self._backward = tuple(reversed(backward))
        self._unreached = _unreached_leaves(tape)
        self._guards = tuple((_COMPARE[g.op], g.left, g.right, g.outcome) for g in tape.guards)

    def _run(self, inputs: Sequence[float], params: Sequence[float]) -> list[float]:
        values = [*inputs, *params, *self._constants]
        append = values.append
        for kind, f, a, b, c in self._forward:
            if kind == _FMA:
                append(values[a] * values[b] + values[c])
            elif kind == _UNARY:
                append(f(values[a]))
            elif kind == _TERNARY:
                append(f(values[a], values[b], values[c]))
            else:
                append(f(values[a], values[b]))
        for index, (compare, left, right, outcome) in enumerate(self._guards):
            if bool(compare(values[left], values[right])) is not outcome:
                raise GuardFailed(index)
        return values

    @staticmethod
    def param_args(params: Sequence[Value]) -> list[float]:
        """The parameters' current values: the tape works on floats."""
        return [p.data for p in params]

    def run(self, inputs: Sequence[float], params: Sequence[float]) -> Any:
        """The output for these inputs and parameter values (and the aux values, if any)."""
        values = self._run(inputs, params)
        if self.tape.aux:
            return values[self.tape.output], [values[s] for s in self.tape.aux]
        return values[self.tape.output]

    def value_and_grad(
        self, inputs: Sequence[float], params: Sequence[float], grad_output: float
    ) -> tuple[Any, ...]:
        """The output, its gradients for the inputs and for the parameters (then any aux)."""
        values = self._run(inputs, params)
        # Each sum starts at -0.0, the identity of IEEE addition (0.0 + -0.0 is 0.0),
        # so it is the eager pass's bit for bit, whose first share starts it.
        grads = [-0.0] * (len(values) + 1)
        grads[self.tape.output] = grad_output
        for kind, out, a, b, c, ga, gb, gc, rules in self._backward:
            g = grads[out]
            if kind == _FMA:
                grads[ga] += values[b] * g
                grads[gb] += values[a] * g
                grads[gc] += g
            elif kind == _MUL:
                grads[ga] += values[b] * g
                grads[gb] += values[a] * g
            elif kind == _ADD:
                grads[ga] += g
                grads[gb] += g
            else:
                if kind == _UNARY:
                    args: tuple[float, ...] = (values[a], values[out])
                else:
                    args = _args(values, kind, a, b, c, out)
                for slot, partial, vjp in rules:
                    grads[slot] += partial(*args) * g if vjp is None else vjp(g, *args)
        for slot in self._unreached:
            grads[slot] = 0.0
        n_in, n_par = self.tape.n_inputs, self.tape.n_params
        wanted_inputs = tuple(grads[:n_in]) if all(self.tape.needs_grad[:n_in]) else ()
        result = (values[self.tape.output], wanted_inputs, tuple(grads[n_in : n_in + n_par]))
        if self.tape.aux:
            return (*result, [values[s] for s in self.tape.aux])
        return result


_Forward = tuple[int, Callable[..., float], int, int, int]
_Backward = tuple[int, int, int, int, int, int, int, int, tuple[_Share, ...]]


def _kind(ins: Instruction) -> int:
    return _SPECIAL.get(ins.prim.name, (_UNARY, _BINARY, _TERNARY)[ins.prim.arity - 1])


def _forward_entry(ins: Instruction) -> _Forward:
    a, b, c = (*ins.operands, 0, 0)[:3]
    return _kind(ins), ins.prim.forward, a, b, c


def _backward_entry(tape: Tape, k: int, ins: Instruction) -> _Backward:
    """Operands whose gradient nobody wants send it to a spare slot past the end."""
    trash = len(tape.names)
    wanted = [s if tape.needs_grad[s] else trash for s in ins.operands]
    rules = tuple(
        (s, rule, rule.vjp if isinstance(rule, Share) else None)
        for s, rule in zip(wanted, ins.prim.partials, strict=True)
        if s != trash
    )
    a, b, c = (*ins.operands, 0, 0)[:3]
    ga, gb, gc = (*wanted, trash, trash)[:3]
    return _kind(ins), tape.first_result + k, a, b, c, ga, gb, gc, rules


def _unreached_leaves(tape: Tape) -> tuple[int, ...]:
    """Input and parameter slots that get no share: their gradient is 0.0, as eager's."""
    reached = {tape.output}
    for ins in tape.instructions[: tape.n_backward]:
        reached.update(s for s in ins.operands if tape.needs_grad[s])
    return tuple(s for s in range(tape.n_inputs + tape.n_params) if s not in reached)


def _args(values: list[float], kind: int, a: int, b: int, c: int, out: int) -> tuple[float, ...]:
    if kind == _TERNARY:
        return values[a], values[b], values[c], values[out]
    return values[a], values[b], values[out]
