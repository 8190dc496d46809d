"""trace_backward: the engine's own pass as data, with the engine's numbers to the last bit."""

from __future__ import annotations

import json
import math
import struct
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value
from autograd_tiny.backward import backpropagate, topological_order
from autograd_tiny.engine import apply
from autograd_tiny.ops import PRIMITIVES, Primitive
from autograd_tiny.replay.symbolic import PYTHON_WHERE, inline
from autograd_tiny.strategies import expressions
from autograd_tiny.viz.trace import BackwardTrace, trace_backward


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def same(a: float, b: float) -> bool:
    """Equal to the last bit (a nan equals a nan)."""
    return bits(a) == bits(b) or (a != a and b != b)


def backward_grads(root: Value, grad_output: float = 1.0) -> dict[Value, float]:
    """``backward()``'s gradients of every node, the graph's ``.grad`` restored after."""
    nodes = topological_order(root, trainable_only=False)
    saved = [n.grad for n in nodes]
    root.zero_grad()
    root.backward(grad_output)
    grads = {n: n.grad for n in nodes if n.requires_grad}
    for n, g in zip(nodes, saved, strict=True):
        n.grad = g
    return grads


def consumer_counts(root: Value) -> dict[Value, int]:
    """Shares each node receives, counted from the graph's edges alone."""
    counts: Counter[Value] = Counter()
    for node in topological_order(root):
        for operand in node.operands:
            if isinstance(operand, Value) and operand.requires_grad:
                counts[operand] += 1
    return counts


def check_against_engine(root: Value, grad_output: float = 1.0) -> BackwardTrace:
    """Every law of a trace, checked against backward() and the graph."""
    order = topological_order(root, trainable_only=False)
    before = [n.grad for n in order]
    trace = trace_backward(root, grad_output)
    assert [n.grad for n in order] == before  # .grad untouched
    assert [n.index for n in trace.nodes] == list(range(len(order)))
    assert [n.data for n in trace.nodes] == [n.data for n in order]
    engine = backward_grads(root, grad_output)
    # The order: the engine's visit order (its result dict: interior nodes, then leaves).
    visited = [n for n in backpropagate(root, grad_output, False) if n.primitive or n is root]
    assert [order[s.node] for s in trace.backward] == visited
    counts = consumer_counts(root)
    assert [n.consumers for n in trace.nodes] == [counts.get(n, 0) for n in order]
    received: Counter[int] = Counter()
    for step in trace.backward:
        node = order[step.node]
        assert same(0.0 + step.gradient, engine[node])  # backward() adds into a zeroed .grad
        assert received[step.node] == counts.get(node, 0)  # every consumer has reported
        assert [(r.consumer, r.position) for r in step.received] == [
            (c.node, p.position)
            for c in trace.backward[: step.index]
            for p in c.shares
            if p.operand == step.node and p.share is not None
        ]
        total = None
        for r in step.received:
            total = r.share if total is None else total + r.share
        assert total is None or same(total, step.gradient)
        check_shares(node, step, trace, order, received, counts)
    engine_leaves = [n for n in backpropagate(root, grad_output, False) if n.primitive is None]
    assert [order[leaf.node] for leaf in trace.leaves] == engine_leaves
    for leaf in trace.leaves:
        assert same(0.0 + leaf.grad, engine[order[leaf.node]])
    assert {order[leaf.node] for leaf in trace.leaves} == {n for n in engine if n.primitive is None}
    return trace


def check_shares(node, step, trace, order, received, counts) -> None:  # type: ignore[no-untyped-def]
    """Each share: the rule's number, the engine's share, the running total, the count."""
    prim = node.primitive
    if prim is None:
        assert step.shares == ()
        return
    inputs = [o.data if isinstance(o, Value) else o for o in node.operands]
    assert [p.position for p in step.shares] == list(range(prim.arity))
    for passed, operand in zip(step.shares, node.operands, strict=True):
        if not (isinstance(operand, Value) and operand.requires_grad):
            assert (passed.share, passed.local, passed.pending) == (None, None, None)
            continue
        assert order[passed.operand] is operand  # type: ignore[index]
        i = passed.position
        assert same(passed.local, prim.partials[i](*inputs, node.data))  # type: ignore[arg-type]
        if prim.vjps:
            expected = prim.vjps[i](step.gradient, *inputs, node.data)
        else:
            expected = prim.partials[i](*inputs, node.data) * step.gradient
        assert same(passed.share, expected)  # type: ignore[arg-type]
        received[passed.operand] += 1  # type: ignore[index]
        assert passed.pending == counts[operand] - received[passed.operand]  # type: ignore[index]
        name = trace.nodes[passed.operand].name  # type: ignore[index]
        assert passed.formula is not None and passed.formula.startswith("∂")
        assert passed.formula.partition(" = ")[0].endswith(f"/∂{name}")


def test_a_product_and_a_sum() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    trace = check_against_engine(c + a)
    assert [(n.name, n.expression) for n in trace.nodes] == [
        ("a", "a"),
        ("b", "b"),
        ("v2", "a*b"),
        ("v3", "v2+a"),
    ]
    mul = trace.backward[1]
    assert [p.formula for p in mul.shares] == ["∂(a*b)/∂a = b", "∂(a*b)/∂b = a"]
    assert [(r.consumer, r.position, r.share) for r in mul.received] == [(3, 0, 1.0)]


def test_a_diamond_waits_for_both_branches() -> None:
    x = Value(0.5, label="x")
    h = x.tanh()
    y = h.exp() * h.sin()
    trace = check_against_engine(y)
    h_index = next(n.index for n in trace.nodes if n.op == "tanh")
    pending = [p.pending for s in trace.backward for p in s.shares if p.operand == h_index]
    assert pending == [1, 0]
    assert trace.nodes[h_index].consumers == 2


def test_x_times_x_is_two_edges() -> None:
    x = Value(3.0, label="x")
    trace = check_against_engine(x * x)
    (step,) = trace.backward
    assert [(p.position, p.operand, p.share, p.total, p.pending) for p in step.shares] == [
        (0, 0, 3.0, 3.0, 1),
        (1, 0, 3.0, 6.0, 0),
    ]
    assert trace.leaves[0].grad == 6.0


def test_folded_numbers_and_constants_get_nothing() -> None:
    x, c = Value(1.5, label="x"), Value(4.0, label="c", requires_grad=False)
    trace = check_against_engine((2.0 - x) * c + x**2.0)
    sub = next(n for n in trace.nodes if n.op == "sub")
    assert sub.operands == (2.0, 0) and sub.expression == "2.0-x"
    mul_step = next(s for s in trace.backward if trace.nodes[s.node].op == "mul")
    assert mul_step.shares[1].share is None
    pow_step = next(s for s in trace.backward if trace.nodes[s.node].op == "pow")
    assert pow_step.shares[0].formula == "∂(x**2.0)/∂x = 2.0 * (x ** 1.0)"
    assert pow_step.shares[1].operand == 2.0 and pow_step.shares[1].share is None


def test_a_leaf_root_is_one_step() -> None:
    x = Value(2.0, label="x")
    trace = check_against_engine(x, 3.0)
    assert [(s.node, s.gradient, s.shares) for s in trace.backward] == [(0, 3.0, ())]
    assert [(leaf.node, leaf.grad) for leaf in trace.leaves] == [(0, 3.0)]


def _inputs(prim: Primitive) -> list[Value]:
    return [Value(v, label=n) for v, n in zip((0.7, 1.3, 0.4), "xyz", strict=False)][: prim.arity]


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_every_op_of_the_table(prim: Primitive) -> None:
    leaves = _inputs(prim)
    out = apply(prim, *leaves)
    trace = check_against_engine(out.tanh() + out * out)
    step = next(s for s in trace.backward if trace.nodes[s.node].op == prim.name)
    for passed in step.shares:
        params = (*("x", "y", "z")[: prim.arity], "out")
        writable = inline(prim.partials[passed.position], params, PYTHON_WHERE)
        assert passed.formula is not None
        assert (" = " in passed.formula) == (writable is not None)


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_every_op_with_numbers_folded_in(prim: Primitive) -> None:
    for k in range(prim.arity):  # one Value operand, the others folded numbers
        args: list[Value | float] = [0.7, 1.3, 0.4][: prim.arity]
        args[k] = Value(args[k], label="x")  # type: ignore[arg-type]
        out = apply(prim, *args)
        if out is NotImplemented or not out.requires_grad:
            continue
        check_against_engine(out)


@given(expressions(), st.sampled_from([1.0, -0.5, 3.0]))
def test_generated_expressions(expression: tuple[Value, list[Value]], grad_output: float) -> None:
    root, _ = expression
    if root.requires_grad:
        check_against_engine(root, grad_output)


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
@given(data=st.data())
def test_generated_expressions_of_each_op(prim: Primitive, data: st.DataObject) -> None:
    root, _ = data.draw(expressions(ops=(prim,), max_ops=4))
    if root.requires_grad:
        check_against_engine(root)


def test_non_finite_numbers_survive_json() -> None:
    x, z = Value(0.0, label="x"), Value(-1.0, label="z")
    trace = check_against_engine(x.log() + z.sqrt() * -math.inf)
    d = trace.to_json_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back == d and back["format"] == "autograd_tiny.trace/1"
    shares = [p["share"] for s in back["backward"] for p in s["shares"] if p["share"] is not None]
    assert "Infinity" in shares or "-Infinity" in shares or "NaN" in shares
    decoded = [float(s) for s in shares]
    original = [p.share for s in trace.backward for p in s.shares if p.share is not None]
    assert all(same(a, b) for a, b in zip(decoded, original, strict=True))
    log_node = next(n for n in back["nodes"] if n["op"] == "log")
    assert log_node["data"] == "-Infinity" and log_node["operands"] == [{"node": 0}]
    sqrt_node = next(n for n in back["nodes"] if n["op"] == "sqrt")
    assert sqrt_node["data"] == "NaN"


def test_json_operands_say_node_or_number() -> None:
    x = Value(1.0, label="x")
    d = trace_backward(x * 2.0).to_json_dict()
    assert d["nodes"][1]["operands"] == [{"node": 0}, {"number": 2.0}]
    assert d["forward"] == [
        {"node": 1, "op": "mul", "inputs": [{"node": 0}, {"number": 2.0}],
         "input_data": [1.0, 2.0], "output": 2.0}
    ]  # fmt: skip


def test_waiting_after_a_step() -> None:
    x = Value(1.0, label="x")
    h = x.exp()
    trace = trace_backward(h * h.sin() + x)
    assert trace.waiting_after(0) == {0: 1}  # x has the add's share, waits for exp's
    assert trace.waiting_after(1) == {0: 1, 1: 1}  # h has the product's, waits for sin's
    assert trace.waiting_after(len(trace.backward) - 1) == {}


def test_names_are_unique() -> None:
    a, b, c = Value(1.0, label="w"), Value(2.0, label="w"), Value(3.0, label="v2")
    trace = trace_backward(a * b + c)
    names = [n.name for n in trace.nodes]
    assert names == ["w#0", "w#1", "v2'", "v2", "v4"]  # a*b is node 2, c is labelled v2


def test_a_deep_chain_needs_no_recursion() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0
    trace = trace_backward(y)
    assert len(trace.backward) == 20_000 and trace.leaves[0].grad == 1.0


@pytest.mark.parametrize("bad", [3.0, None, "x"])
def test_not_a_value_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="trace_backward takes a Value"):
        trace_backward(bad)  # type: ignore[arg-type]


def test_a_value_without_grad_is_refused() -> None:
    with pytest.raises(ValueError, match="does not require grad"):
        trace_backward(Value(1.0, requires_grad=False) * 2.0)
