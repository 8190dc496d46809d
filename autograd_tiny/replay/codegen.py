"""Generated straight-line source for a tape: one line per op, forward and backward.

The source is meant to be read: variables are named after labels where there
are some (else after their op), each op is one line, and the backward pass is
the chain rule written out from the output back to the leaves.  Simple ops are
inlined as Python expressions; the others call the functions of the table of
primitives (or, for the numpy dialect, their element-wise numpy versions): a
partial times the gradient, ``dtanh_dx(x, out) * g``, or for a rule in the
chain rule's form (``ops.Share``) the share itself, ``vjp_div_x(g, x, y, out)``.

>>> from autograd_tiny import Value
>>> from autograd_tiny.replay.tape import trace
>>> x, w = Value(2.0, label="x"), Value(-1.0, label="w")
>>> print(generate(trace(lambda x: (w * x).tanh(), [x], [w]), PYTHON))
def run(inputs, params):
    (x,) = inputs
    (w,) = [p.data for p in params]
    mul1 = w * x
    tanh1 = tanh(mul1)
    return tanh1
<BLANKLINE>
def value_and_grad(inputs, params, seed, into_grad=False):
    (x,) = inputs
    (w,) = [p.data for p in params]
    mul1 = w * x
    tanh1 = tanh(mul1)
    # backward: the chain rule, from the output back to the leaves
    g_tanh1 = seed
    g_mul1 = dtanh_dx(mul1, tanh1) * g_tanh1
    g_w = x * g_mul1
    g_x = w * g_mul1
    if not into_grad:
        return tanh1, (g_x,), (g_w,)
    params[0].grad += g_w
    return tanh1
<BLANKLINE>
"""

from __future__ import annotations

import keyword
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..ops import PRIMITIVES, Share
from .tape import Guard, Tape

__all__ = [
    "ARITHMETIC",
    "ARITHMETIC_PARTIALS",
    "Dialect",
    "PYTHON",
    "partial_name",
    "vjp_name",
    "slot_names",
    "generate",
]

_LETTERS = "xyz"


def partial_name(op: str, index: int) -> str:
    """The generated code's name for ``∂op/∂input``: ``dtanh_dx``, ``ddiv_dy``."""
    return f"d{op}_d{_LETTERS[index]}"


def vjp_name(op: str, index: int) -> str:
    """The generated code's name for a ``Share`` rule's chain-rule form: ``vjp_div_x``."""
    return f"vjp_{op}_{_LETTERS[index]}"


# Names the generated code uses for itself; labels never take them.
_RESERVED = {
    *("inputs", "params", "seed", "into_grad", "inf", "nan", "GuardFailed"),
    *("zeros_like", "reduce", "all_", "any_"),
    *(p.name for p in PRIMITIVES),
    *(partial_name(p.name, i) for p in PRIMITIVES for i in range(p.arity)),
    *(vjp_name(p.name, i) for p in PRIMITIVES for i in range(p.arity)),
    *keyword.kwlist,
}


@dataclass(frozen=True)
class Dialect:
    """How one kind of generated code spells forward ops, gradients and guards."""

    name: str
    forward: dict[str, str]  # op name -> format string over x, y, z
    partials: dict[str, tuple[str, ...]]  # op name -> contribution per input, over x, y, z, g
    accumulate: str = "{g} += {c}"
    guard_true: str = "not ({cond})"
    guard_false: str = "{cond}"
    zero: str = "0.0"
    reduce: str = "{grads}"
    into_grad: bool = False  # value_and_grad(..., into_grad=True) adds into .grad instead


# Ops the generated code spells as arithmetic (the same on floats and on arrays).
ARITHMETIC = {
    "add": "{x} + {y}",
    "sub": "{x} - {y}",
    "mul": "{x} * {y}",
    "fma": "{x} * {y} + {z}",
    "neg": "-{x}",
}
ARITHMETIC_PARTIALS = {
    "add": ("{g}", "{g}"),
    "sub": ("{g}", "-{g}"),
    "mul": ("{y} * {g}", "{x} * {g}"),
    "fma": ("{y} * {g}", "{x} * {g}", "{g}"),
    "neg": ("-{g}",),
}

PYTHON = Dialect(
    name="python",
    forward={**ARITHMETIC, "relu": "0.0 if {x} <= 0.0 else {x}"},
    # A branch not taken passes exactly nothing, even an infinite gradient (ops.Share).
    partials={**ARITHMETIC_PARTIALS, "relu": ("(0.0 if {x} <= 0.0 else {g})",)},
    into_grad=True,
)


def _identifier(label: str) -> str:
    # NFKC first: Python folds identifiers so, and "ｔａｎｈ" must not become tanh unseen.
    name = re.sub(r"\W", "_", unicodedata.normalize("NFKC", label.strip()))
    if not name or not name.isidentifier():
        name = f"v_{name}"
    return name


def slot_names(tape: Tape) -> list[str]:
    """A unique Python name per slot (literals for constants), from labels if any."""
    used = set(_RESERVED)
    counters: dict[str, int] = {}
    names: list[str] = []
    for slot, label in enumerate(tape.names):
        constant = tape.constant(slot)
        if constant is not None:
            names.append(repr(constant))
            continue
        if label:
            base = _identifier(label)
        elif slot < tape.n_inputs:
            base = f"x{slot}"
        elif slot < tape.n_inputs + tape.n_params:
            base = f"p{slot - tape.n_inputs}"
        else:
            op = tape.instructions[slot - tape.first_result].prim.name
            counters[op] = counters.get(op, 0) + 1
            base = f"{op}{counters[op]}"
        names.append(_unique(base, used))
    return names


def _unique(base: str, used: set[str]) -> str:
    name, k = base, 1
    while name in used:
        k += 1
        name = f"{base}_{k}"
    used.add(name)
    return name


def _forward_lines(tape: Tape, dialect: Dialect, names: Sequence[str]) -> list[str]:
    n_in, n_par = tape.n_inputs, tape.n_params
    lines = []
    if n_in:
        lines.append(f"{_tuple(names[:n_in])} = inputs")
    if n_par:
        lines.append(f"{_tuple(names[n_in : n_in + n_par])} = [p.data for p in params]")
    for k, ins in enumerate(tape.instructions):
        args = [names[s] for s in ins.operands]
        template = dialect.forward.get(ins.prim.name)
        if template is not None:
            expression = template.format(**dict(zip(_LETTERS, args, strict=False)))
        else:
            expression = f"{ins.prim.name}({', '.join(args)})"
        lines.append(f"{names[tape.first_result + k]} = {expression}")
    for index, guard in enumerate(tape.guards):
        lines.append(_guard_line(index, guard, dialect, names))
    return lines


def _guard_line(index: int, guard: Guard, dialect: Dialect, names: Sequence[str]) -> str:
    cond = f"{names[guard.left]} {guard.op} {names[guard.right]}"
    test = (dialect.guard_true if guard.outcome else dialect.guard_false).format(cond=cond)
    site = re.sub(r"[^\w.:<>\[\] -]", "_", os.path.basename(guard.site))  # one comment line
    return f"if {test}: raise GuardFailed({index})  # {site}"


def _backward_lines(tape: Tape, dialect: Dialect, names: Sequence[str]) -> list[str]:
    grad_names = [""] * len(names)
    used = set(names)
    lines = ["# backward: the chain rule, from the output back to the leaves"]

    def add(slot: int, contribution: str) -> None:
        if grad_names[slot]:
            lines.append(dialect.accumulate.format(g=grad_names[slot], c=contribution))
        else:
            grad_names[slot] = _unique(f"g_{names[slot]}", used)
            lines.append(f"{grad_names[slot]} = {contribution}")

    if tape.needs_grad[tape.output]:
        add(tape.output, "seed")
    for k in reversed(range(tape.n_backward)):
        ins, out = tape.instructions[k], tape.first_result + k
        if not grad_names[out]:
            continue
        args = dict(
            zip(_LETTERS, (names[s] for s in ins.operands), strict=False), g=grad_names[out]
        )
        templates = dialect.partials.get(ins.prim.name)
        for i, slot in enumerate(ins.operands):
            if not tape.needs_grad[slot]:
                continue
            if templates is not None:
                add(slot, templates[i].format(**args))
                continue
            call = ", ".join([*(names[s] for s in ins.operands), names[out]])
            if not isinstance(ins.prim.partials[i], Share):
                add(slot, f"{partial_name(ins.prim.name, i)}({call}) * {grad_names[out]}")
            else:
                add(slot, f"{vjp_name(ins.prim.name, i)}({grad_names[out]}, {call})")
    return lines + _return_line(tape, dialect, names, grad_names)


def _return_line(
    tape: Tape, dialect: Dialect, names: Sequence[str], grads: Sequence[str]
) -> list[str]:
    n_in, n_par = tape.n_inputs, tape.n_params
    leaf_grads = [g or dialect.zero for g in grads[: n_in + n_par]]
    inputs = leaf_grads[:n_in] if all(tape.needs_grad[:n_in]) else []
    params = dialect.reduce.format(grads=_tuple(leaf_grads[n_in:]))
    out = f"{names[tape.output]}{_aux(tape, names)}"
    returned = f"return {names[tape.output]}, {_tuple(inputs)}, {params}{_aux(tape, names)}"
    if not dialect.into_grad:
        return [returned]
    # Written out rather than a loop: this runs once per replayed sample.
    added = [f"params[{k}].grad += {g}" for k, g in enumerate(grads[n_in : n_in + n_par]) if g]
    return ["if not into_grad:", f"    {returned}", *added, f"return {out}"]


def _aux(tape: Tape, names: Sequence[str]) -> str:
    return f", [{', '.join(names[s] for s in tape.aux)}]" if tape.aux else ""


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def generate(tape: Tape, dialect: Dialect) -> str:
    """The source of ``run(inputs, params)`` and ``value_and_grad(inputs, params, seed)``.

    ``params`` are the parameter ``Value``s, read at the top.  In the python
    dialect ``value_and_grad(..., into_grad=True)`` adds the parameters'
    gradients into their ``.grad`` and returns only the output.
    """
    names = slot_names(tape)
    forward = _forward_lines(tape, dialect, names)
    run = [*forward, f"return {names[tape.output]}{_aux(tape, names)}"]
    backward = [*forward, *_backward_lines(tape, dialect, names)]
    into_grad = ", into_grad=False" if dialect.into_grad else ""
    return (
        _function("run(inputs, params)", run)
        + "\n"
        + _function(f"value_and_grad(inputs, params, seed{into_grad})", backward)
    )


def _function(signature: str, body: Sequence[str]) -> str:
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)
