"""User attributes on Values (optimizers that keep state on parameters), and micrograd's names."""

from __future__ import annotations

import copy
import pickle

import pytest

from autograd_tiny import Value
from autograd_tiny.serialize import user_attributes


def test_a_value_takes_any_attribute_and_keeps_its_slots() -> None:
    p = Value(0.5)
    p.m, p.v, p.note = 0.0, [1, 2], "adam state"
    assert (p.m, p.v, p.note) == (0.0, [1, 2], "adam state")
    assert user_attributes(p) == {"m": 0.0, "v": [1, 2], "note": "adam state"}
    y = p * 2.0
    y.backward()
    assert p.grad == 2.0 and p.data == 0.5  # the slots are untouched by the attributes


def test_asking_for_the_attributes_makes_no_dict() -> None:
    x = Value(1.0)
    y = x * x
    for node in (x, y):
        assert user_attributes(node) is None
        assert user_attributes(node) is None  # still none: the first question made none


def test_a_missing_attribute_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'gard'"):
        Value(1.0).gard  # noqa: B018


def test_attributes_survive_pickle_and_copies() -> None:
    x = Value(2.0)
    x.m = {"step": 3}
    y = x * x
    loaded = pickle.loads(pickle.dumps(y))
    assert loaded.operands[0].m == {"step": 3}
    deep = copy.deepcopy(y)
    assert deep.operands[0].m == {"step": 3}
    assert deep.operands[0].m is not x.m  # a deep copy copies the attributes too
    shallow = copy.copy(x)
    assert shallow.m is x.m
    assert user_attributes(copy.deepcopy(y)) is None  # no attributes: no dict in the copy


def test_a_pickled_value_with_malformed_attributes_is_refused() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match="attributes"):
        x.__setstate__(((), 0.0, "", True, "", None, None, None, ["not", "a", "dict"]))


def test_micrograd_names_of_the_graph() -> None:
    x, w = Value(3.0), Value(-1.0)
    h = x * w
    s = h + x
    assert h._prev == {x, w} and s._prev == {h, x} and x._prev == set()
    assert (h._op, s._op, x._op) == ("*", "+", "")
    assert ((h**2)._op, (h**-1)._op, (h**0.5)._op) == ("**2", "**-1", "**0.5")
    assert (h.relu()._op, h.tanh()._op, h.exp()._op) == ("ReLU", "tanh", "exp")
