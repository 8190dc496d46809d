"""Generated straight-line source for a tape: one line per op, forward and backward.

The source is meant to be read: variables are named after labels where there
are some (else after their op), each op is one line, and the backward pass is
the chain rule written out from the output back to the leaves.  Every line
comes from the table of primitives: a forward or a rule that can be followed
on symbols (``replay.symbolic``) is written inline, as the expression it
computes (``relu``'s ``where`` becomes a conditional expression, or
``numpy.where`` in the numpy dialect); any other is called by name, a partial
times the gradient, ``dX_dx(x, out) * g``, or for a rule in the chain rule's
form (``ops.Share``) the share itself, ``vjp_X_x(g, x, out)``.

>>> from autograd_tiny import Value
>>> from autograd_tiny.replay.tape import trace
>>> x, w = Value(2.0, label="x"), Value(-1.0, label="w")
>>> print(generate(trace(lambda x: (w * x).relu(), [x], [w]), PYTHON))
def run(inputs, params):
    (x,) = inputs
    (w,) = [p.data for p in params]
    mul1 = w * x
    relu1 = 0.0 if (mul1 <= 0.0) else mul1
    return relu1
<BLANKLINE>
def value_and_grad(inputs, params, grad_output, into_grad=False):
    (x,) = inputs
    (w,) = [p.data for p in params]
    mul1 = w * x
    relu1 = 0.0 if (mul1 <= 0.0) else mul1
    # backward: the chain rule, from the output back to the leaves
    g_relu1 = grad_output
    g_mul1 = (0.0 if (mul1 <= 0.0) else g_relu1)
    g_w = x * g_mul1
    g_x = w * g_mul1
    if not into_grad:
        return relu1, (g_x,), (g_w,)
    params[0].grad += g_w
    return relu1
<BLANKLINE>
"""

from __future__ import annotations

import keyword
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..ops import PRIMITIVES, Primitive, Share
from .symbolic import PYTHON_WHERE, inline
from .tape import Guard, Tape

__all__ = [
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
    *("inputs", "params", "grad_output", "into_grad", "inf", "nan", "GuardFailed"),
    *("zeros_like", "reduce", "all_", "any_", "where"),
    *(p.name for p in PRIMITIVES),
    *(partial_name(p.name, i) for p in PRIMITIVES for i in range(p.arity)),
    *(vjp_name(p.name, i) for p in PRIMITIVES for i in range(p.arity)),
    *keyword.kwlist,
}


@dataclass(frozen=True)
class Dialect:
    """How one kind of generated code spells ``where``, sums of gradients and guards.

    Every op is spelled by its own rules: each forward and derivative rule of
    the table is evaluated on symbols (``symbolic.inline``) and written inline
    when it can be followed so; otherwise the line calls the table's function.
    """

    name: str
    where: str = PYTHON_WHERE  # ops.where, over cond, a, b
    accumulate: str = "{g} += {c}"
    guard_true: str = "not ({cond})"
    guard_false: str = "{cond}"
    zero: str = "0.0"
    reduce: str = "{grads}"
    into_grad: bool = False  # value_and_grad(..., into_grad=True) adds into .grad instead


PYTHON = Dialect(name="python", into_grad=True)


def _identifier(label: str) -> str:
    # NFKC first: Python folds identifiers so, and "ｔａｎｈ" must not become tanh unseen.
    name = re.sub(r"\W", "_", unicodedata.normalize("NFKC", label.strip()))
    if not name or not name.isidentifier():
        name = f"v_{name}"
    return name


def slot_names(tape: Tape) -> list[str]:
    """A unique Python name per slot (literals for constants), from labels if any."""
    used = set(_RESERVED) | {
        name
        for prim in {ins.prim for ins in tape.instructions}
        for i in range(prim.arity)
        for name in (prim.name, partial_name(prim.name, i), vjp_name(prim.name, i))
    }
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
        template = inline(ins.prim.forward, tuple(_LETTERS[: len(args)]), dialect.where)
        if template is not None:
            expression = _bare(template.format(**dict(zip(_LETTERS, args, strict=False))))
        else:
            expression = f"{ins.prim.name}({', '.join(args)})"
        lines.append(f"{names[tape.first_result + k]} = {expression}")
    for index, guard in enumerate(tape.guards):
        lines.append(_guard_line(index, guard, dialect, names))
    return lines


def _bare(expression: str) -> str:
    """``expression`` without the parentheses around the whole of it, if it has them."""
    depth = 0
    for k, char in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return expression[1:-1] if k == len(expression) - 1 and k > 0 else expression
    return expression


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
        add(tape.output, "grad_output")
    for k in reversed(range(tape.n_backward)):
        ins, out = tape.instructions[k], tape.first_result + k
        if not grad_names[out]:
            continue
        for i, slot in enumerate(ins.operands):
            if tape.needs_grad[slot]:
                args = [names[s] for s in (*ins.operands, out)]
                add(slot, _share(ins.prim, i, args, grad_names[out], dialect))
    return lines + _return_line(tape, dialect, names, grad_names)


def _share(prim: Primitive, i: int, args: Sequence[str], g: str, dialect: Dialect) -> str:
    """Input ``i``'s share of gradient ``g``: the rule inlined, or a call of it."""
    rule, letters = prim.partials[i], (*_LETTERS[: prim.arity], "out")
    values = dict(zip(letters, args, strict=True), g=g)
    if isinstance(rule, Share):
        template = inline(rule.vjp, ("g", *letters), dialect.where)
        if template is not None:
            return template.format(**values)
        return f"{vjp_name(prim.name, i)}({g}, {', '.join(args)})"
    template = inline(rule, letters, dialect.where)
    if template == "1.0":
        return g
    if template == "(-1.0)":  # -1.0 * g and -g are the same number, to the bit
        return f"-{g}"
    if template is not None:
        return f"{template.format(**values)} * {g}"
    return f"{partial_name(prim.name, i)}({', '.join(args)}) * {g}"


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
    """The source of ``run(inputs, params)`` and ``value_and_grad(inputs, params, grad_output)``.

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
        + _function(f"value_and_grad(inputs, params, grad_output{into_grad})", backward)
    )


def _function(signature: str, body: Sequence[str]) -> str:
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)
