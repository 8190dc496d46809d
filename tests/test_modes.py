"""Grad modes: no_grad, enable_grad, is_grad_enabled; context managers, decorators, per thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from autograd_tiny import (
    Value,
    apply,
    enable_grad,
    is_grad_enabled,
    no_grad,
)
from autograd_tiny.ops import PRIMITIVES, Primitive

TABLE = pytest.mark.parametrize("prim", PRIMITIVES, ids=[p.name for p in PRIMITIVES])
THIS_FILE = __file__


def some_ops(x: Value) -> list[Value]:
    """Results of operators, methods and numbers on either side."""
    return [x * 2, 3 - x, x / x, x**2, 2**x, -x, abs(x), x.exp(), x.tanh(), x.fma(x, 1.0)]


@TABLE
def test_no_grad_records_nothing_for_any_primitive(prim: Primitive) -> None:
    leaves = [Value(0.5 + i) for i in range(prim.arity)]
    with no_grad():
        out = apply(prim, *leaves)
        assert not is_grad_enabled()
    assert (out.op, out.parents, out.operands, out.requires_grad) == ("", (), (), False)
    assert out.data == prim.forward(*(v.data for v in leaves))
    assert is_grad_enabled()


def test_no_grad_records_nothing_through_operators() -> None:
    x = Value(1.5)
    with no_grad():
        results = some_ops(x)
    assert all((r.op, r.parents, r.requires_grad) == ("", (), False) for r in results)
    assert all(r.op != "" and r.requires_grad for r in some_ops(x))


def test_enable_grad_inside_no_grad_records_again() -> None:
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            inner = x * x
        outer = x * x
    assert (inner.op, inner.parents, inner.requires_grad) == ("mul", (x, x), True)
    assert (outer.op, outer.requires_grad) == ("", False)


def test_modes_are_restored_after_an_exception() -> None:
    with pytest.raises(KeyError), no_grad():
        raise KeyError("boom")
    assert is_grad_enabled()
    with no_grad():
        with pytest.raises(KeyError), enable_grad():
            raise KeyError("boom")
        assert not is_grad_enabled()


def test_modes_as_decorators() -> None:
    @no_grad()
    def update(w: Value) -> Value:
        return w - 0.1 * w

    @enable_grad()
    def record(w: Value) -> Value:
        return w * w

    w = Value(1.0)
    assert not update(w).requires_grad and not update(w).requires_grad
    with no_grad():
        assert record(w).requires_grad and not is_grad_enabled()
    assert is_grad_enabled()


def in_another_thread(work: Callable[[], Any], mode: Any) -> Any:
    """Run ``work`` here while another thread sits inside ``mode``."""
    entered, done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def hold() -> None:
        with mode:
            entered.set()
            done.wait(10)
            seen.append(is_grad_enabled())

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert entered.wait(10)
        return work()
    finally:
        done.set()
        thread.join(10)
        assert not thread.is_alive() and seen


def test_no_grad_in_one_thread_does_not_affect_another() -> None:
    x = Value(3.0)
    out = in_another_thread(lambda: (is_grad_enabled(), x * x), no_grad())
    assert out[0] and out[1].op == "mul" and out[1].parents == (x, x)
    out[1].backward()
    assert x.grad == 6.0


def test_no_grad_in_threads_at_once() -> None:
    barrier = threading.Barrier(4)
    results: dict[int, Value] = {}

    def work(i: int) -> None:
        x = Value(float(i))
        if i % 2:
            with no_grad():
                barrier.wait(10)
                results[i] = x * x
                barrier.wait(10)
        else:
            barrier.wait(10)
            results[i] = x * x
            barrier.wait(10)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert [results[i].requires_grad for i in range(4)] == [True, False, True, False]


def test_a_mode_object_shared_by_threads_keeps_each_threads_setting() -> None:
    shared = no_grad()  # one decorator instance, called from two threads at once

    @shared
    def hold(entered: threading.Event, release: threading.Event) -> None:
        entered.set()
        release.wait(10)

    a_in, a_out, b_in, b_out = (threading.Event() for _ in range(4))
    seen: dict[str, bool] = {}

    def a() -> None:
        with no_grad():
            hold(a_in, a_out)
            seen["a, still inside its no_grad"] = is_grad_enabled()

    def b() -> None:
        a_in.wait(10)
        hold(b_in, b_out)
        seen["b, after the decorated call"] = is_grad_enabled()

    ta, tb = threading.Thread(target=a), threading.Thread(target=b)
    ta.start()
    tb.start()
    assert b_in.wait(10)  # both threads are inside the decorated function now
    a_out.set()
    ta.join(10)
    b_out.set()
    tb.join(10)
    assert seen == {"a, still inside its no_grad": False, "b, after the decorated call": True}
