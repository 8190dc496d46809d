"""Walking a graph without recursion, and the chain rule.

``topological_order`` is a depth-first search with an explicit stack, for any
walk of a graph (copies, drawings, checks).  ``backpropagate`` is the backward
pass itself: Kahn's algorithm from the root.  It first counts each node's
consumers, then hands a node its gradient once every consumer has passed its
share down, so a node is processed exactly when its gradient is complete.  The
counts and the gradients in flight live in two scratch slots of each node
(``_pending`` and ``_upstream``), which are back to ``0`` and ``None`` after
every pass: no dict lookups on the hot path.  A ``BackwardObserver`` watches
the pass as it runs (``viz.explain`` and ``viz.explore`` are built on it): it
sees the engine's own numbers, and costs nothing when there is none.

>>> from autograd_tiny import Value
>>> x = Value(3.0)
>>> y = x * x + x
>>> [n.op or "leaf" for n in topological_order(y)]
['leaf', 'mul', 'add']
>>> backpropagate(y, 1.0, False)[x]
7.0
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, Final, Protocol

from .modes import STATE, creation_site

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["BackwardObserver", "backpropagate", "topological_order"]

_EMIT: Final = object()
# Passes share the scratch slots of the nodes they visit: one pass at a time.
_PASS_LOCK = threading.RLock()


class BackwardObserver(Protocol):
    """What watches a backward pass: told of each node handled and each share passed.

    The pass calls ``on_node`` when it takes a node from its ready stack, with
    the node's complete gradient (the root's is ``grad_output``), then
    ``on_share`` for each share that node passes to an operand: its
    ``position`` among the node's operands, the operand, the ``share`` (the
    very number or node the pass adds into the operand's gradient) and
    ``pending``, how many of the operand's consumers still have to pass their
    share after this one; the operand is handled when that reaches 0.  A leaf
    is never scheduled (it passes nothing on), so its ``pending`` is ``None``.
    An observer only watches: it must not change the graph nor run a pass.
    """

    def on_node(self, node: Value, gradient: Any) -> None:
        """``node`` was taken from the ready stack with its complete ``gradient``."""

    def on_share(
        self, node: Value, position: int, operand: Value, share: Any, pending: int | None
    ) -> None:
        """``node`` passes ``share`` to its operand at ``position``."""


def topological_order(root: Value, *, trainable_only: bool = True) -> list[Value]:
    """The nodes of ``root``'s graph, each after all of its operands; root last.

    Iterative depth-first search: graphs of any depth, at any recursion limit.
    With ``trainable_only`` only nodes that require grad are visited.
    """
    value_type = type(root)  # Value, bound once (the loops below are hot; no import of engine)
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Any] = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _EMIT:  # all operands of the node below the marker are placed
            order.append(pop())
        elif node not in visited:
            visited.add(node)
            push(node)
            push(_EMIT)
            if node._prim is not None:
                for operand in (node._c, node._b, node._a):  # _a is popped first
                    if (
                        type(operand) is value_type
                        and (operand.requires_grad or not trainable_only)
                        and operand not in visited
                    ):
                        push(operand)
    return order


def backpropagate(
    root: Value,
    grad_output: Any,
    create_graph: bool,
    *,
    accumulate: bool = False,
    targets: Collection[Value] | None = None,
    observer: BackwardObserver | None = None,
) -> dict[Value, Any]:
    """The chain rule: ``{node: grad_output · ∂root/∂node}`` for the nodes in ``targets``.

    ``targets=None`` returns every node of the graph that requires grad, in
    the order the pass visits them: interior nodes, each after all of its
    consumers, then the leaves (``replay`` records graphs in this order).  Each
    operand's share is its partial times the node's gradient, or, for an op
    with a rule in the chain rule's form (``ops.Share``), what its ``vjps``
    make of the gradient: a quotient, or exactly 0 down a branch not taken.  Shares are floats, or
    ``Value``s forming a graph of the gradient when ``create_graph`` is true.
    With ``accumulate`` each node's gradient is also added into its ``.grad``
    (that is ``backward()``).  An ``observer`` is told of every node handled
    and every share passed, as they happen (see ``BackwardObserver``).  This is
    the only place the chain rule lives.
    """
    with _PASS_LOCK:
        _count_consumers(root)
        leaves: list[Value] = []
        try:
            results = _chain_rule(
                root, grad_output, create_graph, accumulate, targets, leaves, observer
            )
            check = bool(STATE.active) and STATE.local.anomaly
            for leaf in leaves:  # a leaf's gradient is complete only once the pass is over
                leaf_grad, leaf._upstream = leaf._upstream, None
                if check:
                    _check_leaf(leaf, leaf_grad)
                if accumulate:
                    leaf.grad += leaf_grad
                if targets is None or leaf in targets:
                    results[leaf] = leaf_grad
        except BaseException:  # leave no stale scratch state for the next pass
            for node in topological_order(root) + leaves:
                node._upstream, node._pending = None, 0
            raise
        return results


def _count_consumers(root: Value) -> None:
    """Set each interior node's ``_pending`` to its number of consumers.

    Leaves are not counted: they have nothing to pass on, so the chain rule
    hands them their gradient at once instead of scheduling them.
    """
    value_type = type(root)  # Value, bound once (the loops below are hot; no import of engine)
    stack = [root]
    while stack:
        node = stack.pop()
        for operand in (node._a, node._b, node._c):
            if type(operand) is value_type and operand.requires_grad and operand._prim is not None:
                if operand._pending == 0:  # first time seen
                    stack.append(operand)
                operand._pending += 1


def _chain_rule(
    root: Value,
    grad_output: Any,
    create_graph: bool,
    accumulate: bool,
    targets: Collection[Value] | None,
    leaves: list[Value],
    observer: BackwardObserver | None,
) -> dict[Value, Any]:
    """The pass over the interior nodes, consumers first.

    A leaf passes nothing on, so it is never scheduled: its shares add up in
    its ``_upstream`` and it is listed in ``leaves`` for the caller to finish.
    Anomaly checks and the observer take the slow path, tested once per node
    and once per share; without them the float path is the fast one.
    """
    value_type = type(root)  # Value, bound once (the loops below are hot; no import of engine)
    results: dict[Value, Any] = {}
    check = bool(STATE.active) and STATE.local.anomaly
    slow = check or observer is not None
    position = -1  # the slow path's cursor over the node's operands, for the observer
    every = targets is None
    wanted: Collection[Value] = () if targets is None else targets  # backward(): none, no lookup
    root._upstream = grad_output
    ready = [root]
    while ready:
        node = ready.pop()
        upstream, node._upstream = node._upstream, None
        if slow:
            position = -1
            if observer is not None:
                observer.on_node(node, upstream)
        if accumulate:
            node.grad += upstream
        if every or (wanted and node in wanted):
            results[node] = upstream
        prim = node._prim
        if prim is None:  # only a root can be a leaf here
            continue
        a, b, c = operands = (node._a, node._b, node._c)
        if create_graph:
            inputs = _graph_inputs(node, prim.arity)
        elif prim.arity == 1:  # the float path, written out: it runs once per node
            inputs = (a.data if type(a) is value_type else a, node.data)
        elif prim.arity == 2:
            inputs = (
                a.data if type(a) is value_type else a,
                b.data if type(b) is value_type else b,
                node.data,
            )
        else:
            inputs = (
                a.data if type(a) is value_type else a,
                b.data if type(b) is value_type else b,
                c.data if type(c) is value_type else c,
                node.data,
            )
        # An op with a rule that divides or masks (ops.Share) has every rule in the
        # chain rule's form, which takes the upstream first: its arguments are built
        # once per node, and so ((g,) + inputs), for a call f(g, *inputs) is slower.
        rules, vjps = prim.chain
        args = (upstream,) + inputs if vjps else inputs  # noqa: RUF005
        for operand, rule, form in zip(operands, rules, prim.forms):  # noqa: B905
            if type(operand) is value_type and operand.requires_grad:
                if slow:
                    if check:
                        contribution = _checked_contribution(node, rule, vjps, args, upstream)
                    else:
                        contribution = rule(*args) if vjps else rule(*args) * upstream
                    if observer is not None:
                        position = _observe_share(
                            observer, node, operands, rules, position, operand, rule, contribution
                        )
                elif vjps:
                    contribution = rule(*args)
                elif form is None:
                    contribution = rule(*args) * upstream
                elif isinstance(form, float):  # a constant rule (add's 1.0): no call
                    contribution = form * upstream
                else:  # a rule that is one of its arguments (mul's y): no call
                    contribution = inputs[form] * upstream
                previous = operand._upstream
                operand._upstream = contribution if previous is None else previous + contribution
                if operand._prim is None:  # a leaf passes nothing on: no need to schedule it
                    if previous is None:
                        leaves.append(operand)
                    continue
                operand._pending -= 1
                if operand._pending == 0:  # every consumer has passed its share
                    ready.append(operand)
    return results


def _observe_share(
    observer: BackwardObserver,
    node: Value,
    operands: tuple[Any, ...],
    rules: tuple[Any, ...],
    after: int,
    operand: Value,
    rule: Any,
    share: Any,
) -> int:
    """Tell ``observer`` of ``share``, about to be passed; returns the operand's position.

    The pass visits the operands in order, so the position is the first one
    after ``after`` holding this operand and this rule.  ``pending`` is what
    the pass leaves in the operand's count once the share is added.
    """
    position = after + 1
    while operands[position] is not operand or rules[position] is not rule:
        position += 1
    pending = None if operand._prim is None else operand._pending - 1
    observer.on_share(node, position, operand, share, pending)
    return position


def _graph_inputs(node: Value, arity: int) -> tuple[Any, ...]:
    """The arguments of the node's partial rules as nodes: its inputs, then itself."""
    operands = (node._a, node._b, node._c)[:arity]
    return (*operands, node)


def _checked_contribution(
    node: Value, rule: Any, is_vjp: bool, args: tuple[Any, ...], upstream: Any
) -> Any:
    """The operand's share of ``upstream``, blaming a non-finite result on ``node``.

    ``args`` are the rule's: the upstream first when it ``is_vjp``, the op's
    inputs, then its output.
    """
    local = STATE.local
    local.anomaly = False  # ops recorded by the rule itself are part of node's backward
    try:
        contribution = rule(*args) if is_vjp else rule(*args) * upstream
    finally:
        local.anomaly = True
    if math.isfinite(float(contribution)):
        return contribution
    shown = ", ".join(repr(float(i)) for i in args[is_vjp:-1])
    site = creation_site(node) or "<not recorded: create the node inside detect_anomaly()>"
    raise FloatingPointError(
        f"detect_anomaly: the backward pass of {node.op}({shown}) produced the "
        f"gradient {float(contribution)!r}; the node was created at {site}"
    )


def _check_leaf(leaf: Value, total: Any) -> None:
    """Anomaly mode: each share reaching a leaf was finite; is their sum?"""
    if math.isfinite(float(total)):
        return
    name = repr(leaf.label) if leaf.label else f"Value(data={leaf.data!r})"
    raise FloatingPointError(
        f"detect_anomaly: the gradient of the leaf {name} is {float(total)!r}: every share "
        "that reached it was finite, but their sum is not (the shares overflow together)"
    )
