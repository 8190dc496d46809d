"""Deep and large graphs: no recursion, no reference cycles, copies that keep sharing.

Every test runs at Python's default recursion limit (1000), so a recursive walk
anywhere (topological order, zero_grad, deepcopy, pickle) fails here.
"""

from __future__ import annotations

import copy
import gc
import pickle
import sys
from collections.abc import Callable, Iterator

import pytest

from autograd_tiny import Value, gradients
from autograd_tiny.engine import topological_order

DEFAULT_RECURSION_LIMIT = 1000


@pytest.fixture(autouse=True)
def default_recursion_limit() -> Iterator[None]:
    """Python's default limit, whatever the test runner set."""
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(saved)


@pytest.mark.slow
def test_a_million_node_chain() -> None:
    n = 1_000_000
    x = Value(0.5, label="x")
    y = x
    for i in range(n):
        y = y + 1.0
        if i == n // 2:
            middle = y
    assert y.data == 0.5 + n and y.op == "add" and y.operands[1] == 1.0
    y.backward()
    assert (x.grad, middle.grad, y.grad) == (1.0, 1.0, 1.0)
    y.zero_grad()
    assert (x.grad, middle.grad) == (0.0, 0.0)
    assert sys.getrecursionlimit() == DEFAULT_RECURSION_LIMIT


def count_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def without_the_cyclic_collector(build: Callable[[Value], None]) -> tuple[int, int]:
    """Live ``Value``s before and after ``build(w)`` with gc off; ``w`` survives."""
    gc.collect()
    gc.disable()
    try:
        w = Value(0.999, label="w")
        before = count_values()
        build(w)
        return before, count_values()
    finally:
        gc.enable()


def test_a_dropped_graph_is_freed_by_reference_counting() -> None:
    alive: list[int] = []

    def build(w: Value) -> None:
        y = w
        for _ in range(34_000):  # a diamond per step: 102,000 nodes
            y = (y * w + y) * 0.5
        y.backward()
        alive.append(count_values())

    before, after = without_the_cyclic_collector(build)
    assert alive[0] >= before + 100_000
    assert after == before


def test_a_gradient_graph_is_freed_too() -> None:
    def build(w: Value) -> None:
        y = w
        for _ in range(5_000):
            y = (y * w).sin() + y
        (first,) = gradients(y, [w], create_graph=True)
        (second,) = gradients(first, [w], create_graph=True)
        second.backward()

    before, after = without_the_cyclic_collector(build)
    assert after == before


def test_pickling_nodes_of_one_graph_keeps_nothing_alive() -> None:
    pickled: list[bytes] = []

    def build(w: Value) -> None:
        nodes = [w * 1.0]
        for _ in range(20_000):
            nodes.append(nodes[-1] * 1.0)
        # the second root's ancestors are all in pickle's memo already
        pickled.append(pickle.dumps([nodes[-2], nodes[-1]]))
        # and a node of the first pickle, pickled again, must not recurse per node
        pickled.append(pickle.dumps(nodes[-2]))

    before, after = without_the_cyclic_collector(build)
    assert after == before
    assert pickle.loads(pickled[1]).data == 0.999
    first, second = pickle.loads(pickled[0])
    assert second.parents == (first,)


def chain(n: int) -> Value:
    """A ``n``-node graph with every kind of operand: shared, constant, folded, labelled."""
    x, c = Value(0.3, label="x"), Value(2.0, label="c", requires_grad=False)
    steps: list[Callable[[Value], Value]] = [
        lambda y: y + x,
        lambda y: y * 0.5,
        lambda y: y.fma(x, c),
        lambda y: y.tanh(),
        lambda y: 1.5 ** (y - c),
        lambda y: x * y,
    ]
    y = x
    for i in range(n):
        y = steps[i % len(steps)](y)
        if i % 997 == 0:
            y.label = f"node {i}"
    y.backward()
    return y


def check_same_graph(original: Value, twin: Value) -> None:
    """Same data, grads, ops, labels and shape; no node shared between the two."""
    a = topological_order(original, trainable_only=False)
    b = topological_order(twin, trainable_only=False)
    assert len(a) == len(b)
    index_a = {id(n): i for i, n in enumerate(a)}
    index_b = {id(n): i for i, n in enumerate(b)}
    assert not index_a.keys() & index_b.keys()
    for m, n in zip(a, b, strict=True):
        assert (m.data, m.grad, m.label, m.op, m.requires_grad) == (
            n.data,
            n.grad,
            n.label,
            n.op,
            n.requires_grad,
        )
        shape_m = [index_a[id(o)] if isinstance(o, Value) else o for o in m.operands]
        shape_n = [index_b[id(o)] if isinstance(o, Value) else o for o in n.operands]
        assert shape_m == shape_n


@pytest.fixture(scope="module")
def long_chain() -> Value:
    return chain(100_000)


def test_deepcopy_of_a_100_000_node_graph(long_chain: Value) -> None:
    check_same_graph(long_chain, copy.deepcopy(long_chain))


@pytest.mark.slow
def test_pickle_of_a_100_000_node_graph(long_chain: Value) -> None:
    check_same_graph(long_chain, pickle.loads(pickle.dumps(long_chain, pickle.HIGHEST_PROTOCOL)))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_of_a_small_graph_with_every_protocol(protocol: int) -> None:
    small = chain(300)
    check_same_graph(small, pickle.loads(pickle.dumps(small, protocol)))


@pytest.mark.parametrize(
    "round_trip",
    [
        copy.deepcopy,
        lambda o: pickle.loads(pickle.dumps(o)),
        lambda o: pickle.loads(pickle.dumps(o, 0)),
    ],
    ids=["deepcopy", "pickle", "pickle protocol 0"],
)
def test_round_trips_keep_shared_nodes_shared(round_trip: Callable[[object], object]) -> None:
    a = Value(1.5, label="a")
    b = a * 2
    c = b + a
    loaded = round_trip([a, b, c, a])
    assert isinstance(loaded, list)
    la, lb, lc, la2 = loaded
    assert la is la2 and lb.parents == (la,) and lc.parents == (lb, la)
    assert la is not a and (la.label, lb.op, lc.data) == ("a", "mul", 4.5)
    lc.backward()
    assert la.grad == 3.0 and a.grad == 0.0


def test_a_copied_graph_is_independent() -> None:
    small = chain(50)
    twin = copy.deepcopy(small)
    twin.zero_grad()
    assert small.grad == 1.0 and twin.grad == 0.0
    shallow = copy.copy(small)
    assert shallow is not small and shallow.parents == small.parents
