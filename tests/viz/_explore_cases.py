"""Small graphs for the explorer's tests, and what the page must show at each step.

Each builder makes a fresh graph, so one copy can be explored and another
differentiated with ``backward()``.  ``expected_states`` says, independently
of the page's own data, what each value shows at each position: the engine's
forward data, and the gradients as the engine adds them up (each share added
in the order the trace reports it, as ``backward()`` does).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from autograd_tiny import Value
from autograd_tiny.engine import topological_order
from autograd_tiny.nn import MLP, Neuron
from autograd_tiny.viz.trace import BackwardTrace


def neuron() -> Value:
    """micrograd's neuron: two inputs, tanh."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    return n.tanh()


def diamonds() -> Value:
    """``a`` reaches the output by three paths; ``d`` by two."""
    a = Value(0.7, label="a")
    d = a.exp() * (a * 3.0) + a
    d.label = "d"
    return d.sin() * d


def square() -> Value:
    """``x*x``: one node, two edges to the same operand."""
    x = Value(-1.5, label="x")
    return x * x


def folded() -> Value:
    """Numbers folded into ops, and a constant that takes no gradient."""
    x = Value(3.0, label="x")
    k = Value(2.0, label="k", requires_grad=False)
    return ((x * 2.0 + 1.0) / 4.0 - k * x).sigmoid()


def nn_neuron() -> Value:
    """An ``nn.Neuron`` (its ``fma`` chain) of three inputs."""
    unit = Neuron(3, activation="tanh", rng=random.Random(7))
    return unit([Value(0.5, label="p"), Value(-1.0, label="q"), Value(2.0, label="r")])


def mlp_sample(seed: int = 3) -> tuple[Value, MLP]:
    """One sample through ``MLP(2, [3, 1])``: 9 + 8 + 2 values, four neurons."""
    model = MLP(2, [3, 1], activation="tanh", seed=seed)
    return model([Value(0.5, label="x0"), Value(-1.5, label="x1")]), model


CASES: dict[str, Callable[[], Value]] = {
    "neuron": neuron,
    "diamonds": diamonds,
    "square": square,
    "folded": folded,
    "nn_neuron": nn_neuron,
}


def expected_states(root: Value, trace: BackwardTrace) -> list[list[tuple[str, str]]]:
    """``(data-data, data-grad)`` of every value at every position of the page."""
    order = topological_order(root, trainable_only=False)
    data = [repr(n.data) if n.primitive is None else "" for n in order]
    grad = [""] * len(order)
    running: dict[int, float] = {}
    states = [list(zip(data, grad, strict=True))]
    for step in trace.forward:
        data[step.node] = repr(order[step.node].data)
        states.append(list(zip(data, grad, strict=True)))
    for step in trace.backward:
        grad[step.node] = repr(step.gradient)
        for passed in step.shares:
            if passed.share is None or not isinstance(passed.operand, int):
                continue
            j = passed.operand
            running[j] = passed.share if j not in running else running[j] + passed.share
            grad[j] = repr(running[j])
        states.append(list(zip(data, grad, strict=True)))
    return states
