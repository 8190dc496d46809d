"""The backward pass as a process: concurrent passes, and passes stopped by an error.

Passes share scratch state on the nodes they visit; whatever happens to one
pass, the next one over the same nodes must give the same numbers.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, apply, detect_anomaly, gradients
from autograd_tiny.ops import BY_NAME, Primitive


def test_passes_in_many_threads_over_shared_nodes_agree() -> None:
    shared = [Value(0.1 * i - 0.3) for i in range(6)]

    def graph(k: int) -> Value:
        y = shared[k % 6]
        for i in range(40):
            y = (y * shared[i % 6] + shared[(i + k) % 6]).tanh()
        return y

    expected = {k: [g.data for g in gradients(graph(k), shared)] for k in range(4)}
    failures: list[int] = []
    barrier = threading.Barrier(4)

    def work(k: int) -> None:
        barrier.wait(10)
        for _ in range(30):
            root = graph(k)
            if [g.data for g in gradients(root, shared)] != expected[k]:
                failures.append(k)
            (second,) = gradients(root, [shared[0]], create_graph=True)
            gradients(second, shared)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures and not any(t.is_alive() for t in threads)
    assert all(v.grad == 0.0 for v in shared)


def test_a_pass_stopped_by_an_error_leaves_the_graph_usable() -> None:
    def build() -> tuple[Value, Value, Value]:
        x, w = Value(0.0), Value(2.0)
        return x, w, (x.sqrt() * w + x * w) * 3.0

    x, w, z = build()
    tx, tw, twin = build()
    for create_graph in (False, True):
        with pytest.raises(FloatingPointError), detect_anomaly():
            gradients(z, [x, w], create_graph=create_graph)
    with pytest.raises(FloatingPointError), detect_anomaly():
        z.backward()
    z.backward()
    twin.backward()
    assert repr((x.grad, w.grad)) == repr((tx.grad, tw.grad))
    assert [g.data for g in gradients(z * z, [w])] == [g.data for g in gradients(twin * twin, [tw])]


def test_a_pass_stopped_by_a_raising_rule_leaves_the_graph_usable() -> None:
    raised: list[bool] = []

    def fails_once(x: Any, out: Any) -> Any:
        if not raised:
            raised.append(True)
            raise KeyError("a rule that fails once")
        return 2.0

    double = Primitive("double", lambda x: 2.0 * x, (fails_once,))
    x, w = Value(1.5), Value(2.0)
    y = x * w
    z = apply(double, y) + y
    with pytest.raises(KeyError):
        z.backward()
    assert (x.grad, w.grad) == (0.0, 0.0)
    z.backward()
    assert (x.grad, w.grad) == (3 * w.data, 3 * x.data)
    assert [g.data for g in gradients(z, [x, w])] == [x.grad, w.grad]


CALL_FREE = [p for p in BY_NAME.values() if any(f is not None for f in p.forms)]


@pytest.mark.parametrize("prim", CALL_FREE, ids=lambda p: p.name)
@given(data=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=4, max_size=4))
def test_a_rule_applied_without_a_call_is_the_rule(prim: Primitive, data: list[float]) -> None:
    inputs = data[: prim.arity]
    args = (*inputs, prim.forward(*inputs))
    for rule, form in zip(prim.partials, prim.forms, strict=True):
        if form is not None:
            expected = rule(*args)
            got = form if isinstance(form, float) else args[form]
            assert got == expected or (got != got and expected != expected)


def test_the_table_finds_its_call_free_rules_and_never_calls_a_users() -> None:
    assert {p.name for p in CALL_FREE} >= {"add", "sub", "mul", "fma", "neg", "exp"}
    calls: list[tuple[Any, ...]] = []
    mine = Primitive("mine", lambda x: x, (lambda x, out: calls.append((x, out)) or 1.0,))
    assert calls == [] and mine.forms == (None,)
