"""Record a function's graph once, as a flat program over numbered slots.

A ``Tape`` lists slots in a fixed layout: the inputs, then the parameters,
then constants (leaves that are neither, and numbers folded into ops), then one
slot per instruction, in an order where every operand comes first.  Each
ordering comparison made while recording becomes a ``Guard``: replaying is only
valid while every comparison still comes out the same way.

>>> from autograd_tiny import Value
>>> w = Value(0.5, label="w")
>>> tape = trace(lambda x: (w * x + 1.0).tanh(), [Value(2.0, label="x")], [w])
>>> [(i.prim.name, i.operands) for i in tape.instructions]
[('mul', (1, 0)), ('add', (3, 2)), ('tanh', (4,))]
>>> tape.constants, tape.output, tape.names[:2]
((1.0,), 5, ('x', 'w'))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value, as_float, backpropagate, topological_order
from ..modes import enable_grad, user_site, watch_comparisons
from ..ops import Primitive

__all__ = ["Instruction", "Guard", "Tape", "GuardError", "GuardFailed", "trace"]


@dataclasses.dataclass(frozen=True, slots=True)
class Instruction:
    """One op of a tape: a primitive applied to operand slots."""

    prim: Primitive
    operands: tuple[int, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Guard:
    """A comparison seen while recording: ``slot[left] op slot[right]`` was ``outcome``."""

    op: str
    left: int
    right: int
    outcome: bool
    site: str

    def describe(self, names: Sequence[str]) -> str:
        """The comparison in words, for error messages."""
        return f"{names[self.left]} {self.op} {names[self.right]}"


@dataclasses.dataclass(frozen=True)
class Tape:
    """A recorded graph: slot layout, instructions, output slot and guards.

    ``needs_grad[s]`` says whether slot ``s`` leads to a leaf whose gradient is
    wanted; only the first ``n_backward`` instructions feed the output (the
    rest compute auxiliary values and values that guards compare).
    """

    n_inputs: int
    n_params: int
    constants: tuple[float, ...]
    instructions: tuple[Instruction, ...]
    output: int
    guards: tuple[Guard, ...]
    names: tuple[str, ...]
    needs_grad: tuple[bool, ...]
    n_backward: int
    aux: tuple[int, ...] = ()
    aux_single: bool = False  # aux was one Value, not a sequence

    @property
    def first_result(self) -> int:
        """The slot of the first instruction's result."""
        return self.n_inputs + self.n_params + len(self.constants)

    def constant(self, slot: int) -> float | None:
        """The number in ``slot`` if it holds a constant, else ``None``."""
        index = slot - self.n_inputs - self.n_params
        return self.constants[index] if 0 <= index < len(self.constants) else None


class GuardError(RuntimeError):
    """A replay took a branch other than the recorded one (raised in strict mode)."""


class GuardFailed(Exception):
    """Internal signal from a backend: guard number ``index`` did not hold."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _observed_call(
    fn: Callable[..., Any], inputs: Sequence[Value]
) -> tuple[Any, list[tuple[str, Value, Any, bool, str]]]:
    """``fn(*inputs)``, and the comparisons it made in this thread."""
    seen: list[tuple[str, Value, Any, bool, str]] = []

    def observe(op: str, value: Value, other: Any, result: bool) -> None:
        seen.append((op, value, other, result, user_site()))

    with enable_grad(), watch_comparisons(observe):
        out = fn(*inputs)
    return out, seen


class _Builder:
    """Numbers nodes: leaves get slots first, constants and results are staged."""

    def __init__(self, inputs: Sequence[Value], params: Sequence[Value]) -> None:
        self.leaf: dict[Value, int] = {}
        for value in (*inputs, *params):
            if value in self.leaf:
                raise ValueError(f"{value!r} is given twice as an input or parameter")
            self.leaf[value] = len(self.leaf)
        self.constants: list[float] = []
        self.constant_index: dict[str, int] = {}
        self.nodes: dict[Value, int] = {}
        self.staged: list[tuple[Primitive, tuple[tuple[int, int], ...], str]] = []

    def ref(self, operand: Value | float) -> tuple[int, int]:
        """``(kind, index)``: kind 0 a leaf slot, 1 a constant, 2 a result."""
        if type(operand) is Value:
            if operand in self.leaf:
                return 0, self.leaf[operand]
            if operand in self.nodes:
                return 2, self.nodes[operand]
            operand = operand.data  # a leaf that is neither: a constant
        key = repr(operand)
        if key not in self.constant_index:
            self.constant_index[key] = len(self.constants)
            self.constants.append(float(operand))
        return 1, self.constant_index[key]

    def add_graph(self, root: Value, *, as_backward: bool = False) -> None:
        """Stage every instruction of ``root``'s graph not staged yet.

        ``as_backward`` stages them in the reverse of the order in which the
        eager backward pass visits them, so that a replayed backward adds each
        node's shares up in the same order: the same floats to the last bit.
        """
        if as_backward and root.requires_grad:
            visited = backpropagate(root, 1.0, False)  # in visiting order, consumers first
            nodes = [node for node in reversed(visited) if node.primitive is not None]
        else:
            nodes = topological_order(root, trainable_only=False)
        for node in nodes:
            prim = node.primitive
            if prim is None or node in self.nodes or node in self.leaf:
                continue
            operands = tuple(self.ref(o) for o in node.operands)
            self.nodes[node] = len(self.staged)
            self.staged.append((prim, operands, node.label))

    def slot(self, ref: tuple[int, int]) -> int:
        """The final slot number of a staged reference."""
        kind, index = ref
        base = 0 if kind == 0 else len(self.leaf) + (0 if kind == 1 else len(self.constants))
        return base + index


def trace(
    fn: Callable[..., Any],
    inputs: Sequence[Value],
    params: Sequence[Value],
    *,
    grad_inputs: bool = True,
    names: Sequence[str] | None = None,
    has_aux: bool = False,
) -> Tape:
    """Call ``fn(*inputs)`` and record its graph and comparisons as a ``Tape``.

    ``names`` name the parameters (default: their labels).  With ``has_aux``,
    ``fn`` returns ``(output, aux)``: ``aux`` (a ``Value`` or a sequence of
    them) is computed on replay too, but not differentiated.
    """
    result, comparisons = _observed_call(fn, inputs)
    out, aux = _split(result, has_aux)
    builder = _Builder(inputs, params)
    builder.add_graph(out, as_backward=True)
    n_backward, output = len(builder.staged), builder.ref(out)
    for value in aux:
        builder.add_graph(value)
    aux_refs = [builder.ref(value) for value in aux]
    staged_guards = []
    for op, value, other, outcome, site in comparisons:
        if type(other) is Value:
            builder.add_graph(other)
        builder.add_graph(value)
        left, right = (
            builder.ref(value),
            builder.ref(other if type(other) is Value else as_float(other)),
        )
        if left[0] != 1 or right[0] != 1:  # constants compare the same way every time
            staged_guards.append((op, left, right, outcome, site))
    tape = _finish(builder, output, staged_guards, n_backward, len(inputs), grad_inputs)
    labels = tape.names
    if names is not None:
        n = len(inputs)
        labels = (*labels[:n], *names, *labels[n + len(names) :])
    aux_slots = tuple(builder.slot(r) for r in aux_refs)
    single = has_aux and type(result[1]) is Value
    return dataclasses.replace(tape, names=labels, aux=aux_slots, aux_single=single)


def _split(result: Any, has_aux: bool) -> tuple[Value, list[Value]]:
    """The output to differentiate and the auxiliary values, checked."""
    out, aux = (
        result if has_aux and isinstance(result, tuple) and len(result) == 2 else (result, [])
    )
    if has_aux and out is result:
        raise TypeError("with has_aux=True the function must return a pair (output, aux)")
    if type(out) is not Value:
        raise TypeError(f"the recorded function must return a Value, got {type(out).__name__}")
    values = [aux] if type(aux) is Value else list(aux)
    for value in values:
        if type(value) is not Value:
            raise TypeError(
                f"aux must be a Value or a sequence of Values, got {type(value).__name__}"
            )
    return out, values


def _finish(
    builder: _Builder,
    output: tuple[int, int],
    staged_guards: list[tuple[str, tuple[int, int], tuple[int, int], bool, str]],
    n_backward: int,
    n_inputs: int,
    grad_inputs: bool,
) -> Tape:
    slot = builder.slot
    instructions = tuple(
        Instruction(prim, tuple(slot(r) for r in refs)) for prim, refs, _ in builder.staged
    )
    leaves = [v.label for v in builder.leaf]
    names = (*leaves, *(repr(c) for c in builder.constants), *(s[2] for s in builder.staged))
    needs = [grad_inputs] * n_inputs + [True] * (len(leaves) - n_inputs)
    needs += [False] * len(builder.constants)
    for instruction in instructions:
        needs.append(any(needs[s] for s in instruction.operands))
    guards = tuple(
        Guard(op, slot(lt), slot(rt), res, site) for op, lt, rt, res, site in staged_guards
    )
    return Tape(
        n_inputs=n_inputs,
        n_params=len(leaves) - n_inputs,
        constants=tuple(builder.constants),
        instructions=instructions,
        output=slot(output),
        guards=guards,
        names=tuple(names),
        needs_grad=tuple(needs),
        n_backward=n_backward,
    )
