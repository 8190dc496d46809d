"""The backward pass told as text: ``explain``.

One step per node, in the order the engine handles them, with each local
derivative (its formula and its number) and each share passed on.  The
numbers are the engine's own (see ``viz.trace``): ``explain`` watches a real
backward pass, without touching any ``.grad``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from .. import _checks
from ..engine import Value
from .labels import number
from .trace import BackwardStep, BackwardTrace, PassedShare, TraceNode, check_root, trace_backward

__all__ = ["Explanation", "explain", "DEFAULT_MAX_STEPS"]

T = TypeVar("T")

DEFAULT_MAX_STEPS = 40
"""``explain`` shows at most this many steps (the first and the last) unless told otherwise."""

_SHORT = 16  # a derivative longer than this is named ∂out/∂x in a share's line


class Explanation:
    """The text of ``explain``; ``print()`` it, or let Jupyter show it.

    ``str()`` is the text and so is ``repr()`` (it is what one wants to read at
    a prompt); ``trace`` is the ``BackwardTrace`` it was written from.
    """

    __slots__ = ("text", "trace")

    def __init__(self, text: str, trace: BackwardTrace) -> None:
        self.text, self.trace = text, trace

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text)


def explain(
    root: Value,
    *,
    grad_output: float = 1.0,
    max_steps: int | None = DEFAULT_MAX_STEPS,
    precision: int | None = None,
) -> Explanation:
    """``root``'s backward pass, step by step, as the engine runs it.

    Each step is a node taken by the engine: the gradient it received and from
    which consumers, then for each operand the local derivative (formula and
    number) and the share passed, ``a.grad += 1.0 × b = -3.0``, with how many
    consumers the operand still waits for.  Operands are named by their label,
    else ``v<index>`` (their place in forward order).  With more than
    ``max_steps`` steps (``None``: no limit) only the first and the last are
    shown, and the text says how many were left out; the same goes for the
    leaves.  Numbers are exact (``repr``) unless ``precision`` asks for that
    many significant digits.  No ``.grad`` changes.

    >>> from autograd_tiny import Value
    >>> x, w, b = Value(2.0, label="x"), Value(1.5, label="w"), Value(-1.0, label="b")
    >>> h = x * w
    >>> z = h + b
    >>> r, s = z.relu(), z * 0.5
    >>> y = r + s
    >>> loss = y * y
    >>> for node, name in [(h, "h"), (z, "z"), (r, "r"), (s, "s"), (y, "y")]:
    ...     node.label = name
    >>> print(explain(loss))
    Backward pass of v8 = y*y with gradient 1.0: 9 nodes, 6 steps.
    <BLANKLINE>
    Step 1: v8 = y*y = 9.0
      gradient 1.0 (the output gradient)
      ∂(y*y)/∂y = y = 3.0
      y.grad += 1.0 × y = 3.0   (y waits for 1 more consumer)
      ∂(y*y)/∂y = y = 3.0
      y.grad += 1.0 × y = 3.0   (so far 6.0; y has all its shares)
    <BLANKLINE>
    Step 2: y = r+s = 3.0
      gradient 6.0 = 3.0 from v8 + 3.0 from v8
      ∂(r+s)/∂r = 1.0
      r.grad += 6.0 × 1.0 = 6.0   (r has all its shares)
      ∂(r+s)/∂s = 1.0
      s.grad += 6.0 × 1.0 = 6.0   (s has all its shares)
    <BLANKLINE>
    Step 3: s = z*0.5 = 1.0
      gradient 6.0 from y
      ∂(z*0.5)/∂z = 0.5
      z.grad += 6.0 × 0.5 = 3.0   (z waits for 1 more consumer)
    <BLANKLINE>
    Step 4: r = relu(z) = 2.0
      gradient 6.0 from y
      ∂relu(z)/∂z = 0.0 if (z <= 0.0) else 1.0 = 1.0
      z.grad += 6.0 × ∂relu(z)/∂z = 6.0   (so far 9.0; z has all its shares)
    <BLANKLINE>
    Step 5: z = h+b = 2.0
      gradient 9.0 = 3.0 from s + 6.0 from r
      ∂(h+b)/∂h = 1.0
      h.grad += 9.0 × 1.0 = 9.0   (h has all its shares)
      ∂(h+b)/∂b = 1.0
      b.grad += 9.0 × 1.0 = 9.0   (b has all its shares; a leaf)
    <BLANKLINE>
    Step 6: h = x*w = 3.0
      gradient 9.0 from z
      ∂(x*w)/∂x = w = 1.5
      x.grad += 9.0 × w = 13.5   (x has all its shares; a leaf)
      ∂(x*w)/∂w = x = 2.0
      w.grad += 9.0 × x = 18.0   (w has all its shares; a leaf)
    <BLANKLINE>
    Leaves, their gradients once the pass is over:
      b.grad = 9.0
      x.grad = 13.5
      w.grad = 18.0
    >>> x.grad  # explain ran the engine's pass, but left .grad alone
    0.0
    """
    check_root(root, "explain")
    limit = _checks.integer(max_steps, "max_steps", minimum=1, none=True, who="explain")
    digits = _checks.integer(precision, "precision", minimum=1, none=True, who="explain")
    trace = trace_backward(root, grad_output)
    return Explanation(_Writer(trace, digits).text(limit), trace)


class _Writer:
    """Writes a trace as text: a header, the steps, the leaves."""

    def __init__(self, trace: BackwardTrace, precision: int | None) -> None:
        self.trace, self.nodes, self.precision = trace, trace.nodes, precision

    def number(self, x: float) -> str:
        return repr(x) if self.precision is None else number(x, self.precision)

    def text(self, limit: int | None) -> str:
        trace = self.trace
        root = self.nodes[trace.root]
        leaves = trace.leaves
        lines = [
            f"Backward pass of {self.defined(root)} with gradient "
            f"{self.number(trace.grad_output)}: {_count(len(self.nodes), 'node')}, "
            f"{_count(len(trace.backward), 'step')}."
        ]
        for part in _shown(trace.backward, limit, "steps"):
            lines.append("")
            lines.extend([part] if isinstance(part, str) else self.step(part))
        if leaves:
            lines += ["", "Leaves, their gradients once the pass is over:"]
            for leaf in _shown(leaves, limit, "leaves"):
                if isinstance(leaf, str):
                    lines.append(f"  {leaf}")
                else:
                    lines.append(f"  {self.nodes[leaf.node].name}.grad = {self.number(leaf.grad)}")
        return "\n".join(lines)

    def defined(self, node: TraceNode) -> str:
        """``name = expression`` for an interior node, the name for a leaf."""
        return f"{node.name} = {node.expression}" if node.op else node.name

    def step(self, step: BackwardStep) -> list[str]:
        node = self.nodes[step.node]
        kind = "" if node.op else " (a leaf)"
        lines = [f"Step {step.index + 1}: {self.defined(node)} = {self.number(node.data)}{kind}"]
        lines.append(f"  gradient {self.number(step.gradient)} {self.received(step)}")
        for passed in step.shares:
            lines.extend(self.share(node, step.gradient, passed))
        return lines

    def received(self, step: BackwardStep) -> str:
        if not step.received:
            return "(the output gradient)"
        parts = [
            f"{self.number(r.share)} from {self.nodes[r.consumer].name}" for r in step.received
        ]
        return (
            f"= {' + '.join(parts)}"
            if len(parts) > 1
            else f"from {self.nodes[step.received[0].consumer].name}"
        )

    def share(self, node: TraceNode, gradient: float, passed: PassedShare) -> list[str]:
        if type(passed.operand) is not int:
            return []  # a number folded into the op: it has no gradient
        operand = self.nodes[passed.operand]
        if passed.share is None or passed.local is None or passed.formula is None:  # a constant
            return [f"  {operand.name} requires no grad: nothing passed"]
        head, _, derivative = passed.formula.partition(" = ")
        local = self.number(passed.local)
        is_number = _is_number_text(derivative)
        shown = passed.formula if is_number else f"{passed.formula} = {local}"
        factor = derivative if derivative and len(derivative) <= _SHORT else head
        if " " in factor or factor.startswith("-"):
            factor = f"({factor})"
        total, pending, so_far = passed.total, passed.pending, ""
        if total is not None and pending is not None and operand.consumers - pending > 1:
            so_far = f"so far {self.number(total)}; "  # not its first share
        return [
            f"  {shown if derivative else f'{head} = {local}'}",
            f"  {operand.name}.grad += {self.number(gradient)} × {factor} = "
            f"{self.number(passed.share)}   ({so_far}{self.waits(operand, passed.pending)})",
        ]

    def waits(self, operand: TraceNode, pending: int | None) -> str:
        if pending:
            return f"{operand.name} waits for {_count(pending, 'more consumer')}"
        return f"{operand.name} has all its shares" + ("" if operand.op else "; a leaf")


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" if n == 1 else f"{n:,} {what}s"


def _shown(items: Sequence[T], limit: int | None, plural: str) -> Iterator[T | str]:
    """The items, or the first and the last of ``limit`` with a note of what is left out."""
    if limit is None or len(items) <= limit:
        yield from items
        return
    head, tail = (limit + 1) // 2, limit // 2
    yield from items[:head]
    left_out = len(items) - head - tail
    yield (
        f"... {left_out:,} of {len(items):,} {plural} left out ({plural} {head + 1:,} "
        f"to {head + left_out:,}); explain(..., max_steps=None) shows them all."
    )
    yield from items[len(items) - tail :]
