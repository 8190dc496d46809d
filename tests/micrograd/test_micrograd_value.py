"""autograd_tiny.micrograd.engine.Value: micrograd's constructor on this engine's nodes."""

from __future__ import annotations

import pickle
import sys

import pytest

import autograd_tiny
from autograd_tiny import gradients
from autograd_tiny.micrograd import engine, nn
from autograd_tiny.micrograd.engine import Value
from autograd_tiny.viz import to_dot


def test_a_call_makes_an_engine_value_holding_a_float() -> None:
    v = Value(3)
    assert type(v) is autograd_tiny.Value
    assert (v.data, v.grad, v.label, v.op) == (3.0, 0.0, "", "")
    assert type(v.data) is float


def test_every_engine_value_is_an_instance_and_nothing_else_is() -> None:
    assert isinstance(autograd_tiny.Value(1.0), Value)
    assert isinstance(Value(1.0) * 2 + 1, Value)
    assert issubclass(autograd_tiny.Value, Value)
    for other in (1.0, 1, "1", None, object()):
        assert not isinstance(other, Value)
    assert not issubclass(float, Value)
    assert not issubclass(int, Value)


def test_class_attributes_are_the_engines() -> None:
    assert Value.relu is autograd_tiny.Value.relu
    assert Value.relu(Value(-2.0)).data == 0.0
    with pytest.raises(AttributeError):
        _ = Value.no_such_thing


def test_label_as_in_the_lecture() -> None:
    assert Value(2.0, label="a").label == "a"
    assert repr(Value(2.0, label="a")) == "Value(data=2.0, grad=0.0, label='a')"


def test_a_number_that_is_not_real_is_refused_naming_its_type() -> None:
    with pytest.raises(TypeError, match="str"):
        Value("2")


def test_explicit_children_and_op_are_carried_and_get_no_gradient() -> None:
    a, b = Value(2.0), Value(3.0)
    made = Value(a.data * b.data, (a, b, a), "*")
    assert made._prev == {a, b} and made._op == "*"
    assert made.parents == () and made.op == ""  # a leaf to the engine
    made.backward()
    assert (made.grad, a.grad, b.grad) == (1.0, 0.0, 0.0)
    out = made * 2.0
    out.backward()
    assert made.grad == 3.0 and a.grad == 0.0


def test_only_an_op_or_only_children() -> None:
    a = Value(1.0)
    only_op = Value(5.0, _op="input")
    only_children = Value(5.0, [a])
    assert (only_op._op, only_op._prev) == ("input", set())
    assert (only_children._op, only_children._prev) == ("", {a})


def test_carried_children_survive_pickling() -> None:
    a = Value(2.0)
    made = Value(4.0, (a,), "**2")
    copy = pickle.loads(pickle.dumps(made))
    assert copy._op == "**2"
    assert [v.data for v in copy._prev] == [2.0]


def test_a_graph_far_deeper_than_micrograds_recursion_limit() -> None:
    x = Value(0.5)
    y = x
    depth = 4 * sys.getrecursionlimit()
    for _ in range(depth):
        y = y * 1.0 + 0.0
    y.backward()
    assert y.data == 0.5 and x.grad == 1.0


def test_higher_order_through_the_engine() -> None:
    x = Value(3.0)
    y = x**3  # y' = 3x² = 27, y'' = 6x = 18
    (dy,) = gradients(y, [x], create_graph=True)
    (d2y,) = gradients(dy, [x])
    assert (dy.data, d2y.data) == (27.0, 18.0)


def test_drawing_a_micrograd_neuron() -> None:
    n = nn.Neuron(2)
    y = n([Value(1.0, label="x1"), Value(-2.0, label="x2")])
    source = to_dot(y)
    assert "x1" in source and "x2" in source


def test_the_module_exports() -> None:
    assert engine.__all__ == ["Value"]
    assert nn.__all__ == ["Module", "Neuron", "Layer", "MLP"]
