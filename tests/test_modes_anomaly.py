"""detect_anomaly: the first NaN or infinity, forward or backward, named with its line.

Each message must name the op, its input values and ``file:line`` of the line
in this file that created the node.
"""

from __future__ import annotations

import sys
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, detect_anomaly, grad, gradients, no_grad

THIS_FILE = __file__


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


@pytest.mark.parametrize("create_graph", [False, True])
def test_anomaly_when_finite_shares_overflow_at_a_leaf(create_graph: bool) -> None:
    with detect_anomaly():
        x = Value(1e-10, label="x")
        y = x * 1.5e308 + x * 1.5e308  # each path's gradient is finite, their sum is not
        with pytest.raises(FloatingPointError, match="the leaf 'x' is inf"):
            y.backward()
        with pytest.raises(FloatingPointError, match="the leaf 'x' is inf"):
            gradients(y, [x], create_graph=create_graph)
    assert x.grad == 0.0
    assert gradients(y * 1e-300, [x])[0].data == 3e8  # the pass left no stale state behind


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


def test_detect_anomaly_as_a_decorator() -> None:
    @detect_anomaly()
    def fails() -> Value:
        return Value(2.0).log() + Value(-1.0).sqrt()

    with pytest.raises(FloatingPointError, match="sqrt"):
        fails()
    assert Value(-1.0).sqrt().data != Value(-1.0).sqrt().data  # nan, and no error after it


def test_anomaly_mode_in_one_thread_does_not_affect_another() -> None:
    entered, done = threading.Event(), threading.Event()

    def hold() -> None:
        with detect_anomaly():
            entered.set()
            done.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert entered.wait(10)
        out = Value(-1.0).log()
        Value(0.0).sqrt().backward()
    finally:
        done.set()
        thread.join(10)
    assert out.data != out.data  # nan, and no FloatingPointError in this thread


def test_anomaly_under_no_grad_still_checks_the_forward() -> None:
    with no_grad(), detect_anomaly(), pytest.raises(FloatingPointError, match="log"):
        Value(-1.0).log()


def test_anomaly_names_the_line_inside_a_function_given_to_grad() -> None:
    sites: list[str] = []

    def f(x: Value) -> Value:
        sites.append(next_line())
        return (x - 1.0).sqrt() * 2.0

    with detect_anomaly(), pytest.raises(FloatingPointError) as error:
        grad(f)(1.0)
    assert "sqrt" in str(error.value) and sites[0] in str(error.value)
