"""Grad modes and anomaly detection: context managers, decorators, per thread."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import (
    Value,
    apply,
    detect_anomaly,
    enable_grad,
    gradients,
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


def test_anomaly_mode_in_one_thread_does_not_affect_another() -> None:
    out = in_another_thread(lambda: Value(-1.0).log(), detect_anomaly())
    assert out.data != out.data  # nan, and no FloatingPointError here


# --- detect_anomaly ---------------------------------------------------------------------


def next_line() -> str:
    """``file:line`` of the caller's next line."""
    frame = sys._getframe(1)
    return f"{THIS_FILE}:{frame.f_lineno + 1}"


def test_anomaly_on_a_forward_nan_names_op_inputs_and_line() -> None:
    x = Value(-1.0)
    with detect_anomaly(), pytest.raises(FloatingPointError) as error:
        site = next_line()
        x.log()
    message = str(error.value)
    assert "log" in message and "-1.0" in message and site in message


def test_anomaly_on_a_forward_infinity_of_a_binary_op() -> None:
    x, y = Value(2.5), Value(0.0)
    with detect_anomaly(), pytest.raises(FloatingPointError) as error:
        site = next_line()
        x / y
    message = str(error.value)
    assert "div" in message and "2.5" in message and "0.0" in message and site in message


def test_anomaly_on_a_backward_infinity_names_op_inputs_and_line() -> None:
    with detect_anomaly():
        x = Value(0.0)
        site = next_line()
        root = x.sqrt()
        with pytest.raises(FloatingPointError) as error:
            root.backward()
    message = str(error.value)
    assert "sqrt" in message and "0.0" in message and "inf" in message and site in message


def test_anomaly_on_a_backward_overflow_from_finite_values() -> None:
    with detect_anomaly():
        x = Value(1e-200, label="x")
        y = Value(1.0)
        site = next_line()
        q = y / x
        loss = q * 2.0
        with pytest.raises(FloatingPointError) as error:
            loss.backward()
    message = str(error.value)
    assert "div" in message and "1e-200" in message and site in message
    assert x.grad == 0.0  # nothing was accumulated


def test_anomaly_in_a_create_graph_backward_names_the_op_and_its_line() -> None:
    with detect_anomaly():
        x = Value(0.0)
        site = next_line()
        root = x.sqrt()
        with pytest.raises(FloatingPointError) as error:
            gradients(root, [x], create_graph=True)
    message = str(error.value)
    assert "sqrt" in message and "0.0" in message and site in message


def test_anomaly_on_a_backward_nan_names_the_op() -> None:
    with detect_anomaly():
        x = Value(0.0)
        site = next_line()
        root = x.sqrt()
        with pytest.raises(FloatingPointError) as error:
            (root * 0.0).backward()  # sqrt'(0) * 0 = inf * 0 = nan
    message = str(error.value)
    assert "sqrt" in message and "nan" in message and site in message


@given(x=st.floats(-3.0, 3.0), y=st.floats(0.5, 3.0))
def test_anomaly_mode_changes_nothing_on_finite_values(x: float, y: float) -> None:
    def run() -> tuple[float, float, float]:
        a, b = Value(x), Value(y)
        out = (a * b + a.tanh()) / b + b.log()
        out.backward()
        return out.data, a.grad, b.grad

    plain = run()
    with detect_anomaly():
        watched = run()
    assert watched == plain


def test_anomaly_mode_ends_with_its_block() -> None:
    with detect_anomaly():
        pass
    assert Value(-1.0).sqrt().data != Value(-1.0).sqrt().data
    Value(0.0).sqrt().backward()
