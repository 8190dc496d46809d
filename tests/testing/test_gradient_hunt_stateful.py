"""A stateful hunt: build a graph step by step and check every node's ``grad`` after each step.

The reference is naive and independent of the engine's backward pass: its own
record of the graph (in creation order, which is topological), and forward-mode
derivatives ``∂root/∂node`` propagated from each node to the root, from scratch.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from autograd_tiny import Value, apply, enable_grad, gradients, no_grad
from autograd_tiny.ops import PRIMITIVES, Primitive

BOUND = 1e3  # values and local derivatives stay checkable
numbers = st.floats(-2.0, 2.0, allow_nan=False)


def checkable(prim: Primitive, xs: list[float]) -> bool:
    """Inside the op's domain with a margin, with a bounded result and local derivatives."""
    if prim.domain == "positive" and min(xs) < 0.25:
        return False
    if prim.domain == "nonzero" and min(map(abs, xs)) < 0.25:
        return False
    out = prim.forward(*xs)
    values = [out, *(float(rule(*xs, out)) for rule in prim.partials)]
    return all(math.isfinite(v) and abs(v) <= BOUND for v in values)


class GradientMachine(RuleBasedStateMachine):
    """Leaves, ops (recorded or not), detach, backward, zero_grad and gradients()."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[Value] = []  # creation order: operands before their results
        self.made_from: dict[Value, tuple[Primitive, tuple[Any, ...]]] = {}  # recorded ops
        self.expected: dict[Value, float] = {}

    def _add(self, node: Value, made_from: tuple[Primitive, tuple[Any, ...]] | None) -> None:
        self.order.append(node)
        self.expected[node] = 0.0
        if made_from is not None:
            self.made_from[node] = made_from

    def _pick(self, data: st.DataObject) -> Value:
        return self.order[data.draw(st.integers(0, len(self.order) - 1))]

    @rule(x=numbers, requires_grad=st.booleans())
    def leaf(self, x: float, requires_grad: bool) -> None:
        self._add(Value(x, requires_grad=requires_grad), None)

    @precondition(lambda self: bool(self.order))
    @rule(prim=st.sampled_from(PRIMITIVES), data=st.data(), recorded=st.booleans())
    def op(self, prim: Primitive, data: st.DataObject, recorded: bool) -> None:
        operands: list[Any] = [
            self._pick(data) if k == 0 or data.draw(st.booleans()) else data.draw(numbers)
            for k in range(prim.arity)
        ]
        if not checkable(prim, [float(o) for o in operands]):
            return
        with enable_grad() if recorded else no_grad():
            node = apply(prim, *operands)
        tracked = recorded and any(type(o) is Value and o.requires_grad for o in operands)
        assert node.requires_grad == tracked and node.op == (prim.name if tracked else "")
        self._add(node, (prim, tuple(operands)) if tracked else None)

    @precondition(lambda self: bool(self.order))
    @rule(data=st.data())
    def detach(self, data: st.DataObject) -> None:
        node = self._pick(data)
        copy = node.detach()
        assert copy.data == node.data and not copy.requires_grad and copy.op == ""
        self._add(copy, None)

    @precondition(lambda self: bool(self.order))
    @rule(data=st.data(), seed=numbers)
    def backward(self, data: st.DataObject, seed: float) -> None:
        root = self._pick(data)
        if not root.requires_grad:
            with pytest.raises(RuntimeError):
                root.backward(seed)
            return
        root.backward(seed)
        for node, derivative in self._reference(root).items():
            self.expected[node] += seed * derivative

    @precondition(lambda self: bool(self.order))
    @rule(data=st.data())
    def zero_grad(self, data: st.DataObject) -> None:
        root = self._pick(data)
        root.zero_grad()
        for node in self._graph(root, trainable_only=False):
            self.expected[node] = 0.0

    @precondition(lambda self: bool(self.order))
    @rule(data=st.data())
    def functional_gradients(self, data: st.DataObject) -> None:
        root = self._pick(data)  # gradients() returns derivatives and leaves .grad alone
        reference = self._reference(root) if root.requires_grad else {}
        for node, g in zip(self.order, gradients(root, self.order), strict=True):
            assert math.isclose(g.data, reference.get(node, 0.0), rel_tol=1e-9, abs_tol=1e-9)

    @invariant()
    def every_gradient_matches_the_reference(self) -> None:
        for node in self.order:
            assert math.isclose(node.grad, self.expected[node], rel_tol=1e-9, abs_tol=1e-9)

    # --- the naive reference ------------------------------------------------------

    def _operands(self, node: Value, trainable_only: bool) -> list[Value]:
        _, operands = self.made_from.get(node, (None, ()))
        return [o for o in operands if type(o) is Value and (o.requires_grad or not trainable_only)]

    def _graph(self, root: Value, trainable_only: bool) -> set[Value]:
        graph = {root}
        for node in reversed(self.order[: self.order.index(root) + 1]):
            if node in graph:
                graph.update(self._operands(node, trainable_only))
        return graph

    def _reference(self, root: Value) -> dict[Value, float]:
        """``∂root/∂node`` for every node of root's graph, by forward mode from each node."""
        graph = self._graph(root, trainable_only=True)
        end = self.order.index(root) + 1
        result = {}
        for node in graph:
            tangent = {node: 1.0}
            for later in self.order[self.order.index(node) + 1 : end]:
                if later in graph and later in self.made_from:
                    tangent[later] = self._tangent(later, tangent)
            result[node] = tangent.get(root, 0.0)
        return result

    def _tangent(self, node: Value, tangent: dict[Value, float]) -> float:
        prim, operands = self.made_from[node]
        xs = [float(o) for o in operands]
        return sum(
            float(prim.partials[k](*xs, node.data)) * tangent.get(o, 0.0)
            for k, o in enumerate(operands)
            if type(o) is Value and o.requires_grad
        )


GradientMachine.TestCase.settings = settings(
    settings.default, stateful_step_count=25, max_examples=settings.default.max_examples
)
TestGradientMachine = GradientMachine.TestCase
