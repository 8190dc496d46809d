"""What a ``Value`` accepts and how it behaves as a Python object.

Real numbers of every kind on either side of every operator, folded into one
node; ``TypeError`` naming the type for everything else; comparisons on data;
identity for ``==`` and ``hash``; ``float()`` and ``repr``.
"""

from __future__ import annotations

import decimal
import gc
import math
import operator
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, gradients
from autograd_tiny.ops import BY_NAME
from autograd_tiny.serialize import user_attributes

NUMBERS: list[Any] = [
    3,
    -2.5,
    True,
    False,
    Fraction(1, 3),
    10**400,
    np.float64(1.5),
    np.float32(0.1),
    np.float16(2.0),
    np.int64(-4),
    np.int32(7),
    np.uint8(200),
    np.bool_(True),
]
NUMBER_IDS = [f"{type(n).__name__}({n!r})"[:40] for n in NUMBERS]
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
}
COMPARISONS = (operator.lt, operator.le, operator.gt, operator.ge)
FINITE = st.floats(-1e6, 1e6)


def expected_float(n: Any) -> float:
    """How DESIGN.md says a real number is stored: as a Python float."""
    return math.inf if type(n) is int and n > 2**1024 else float(n)


@pytest.mark.parametrize("n", NUMBERS, ids=NUMBER_IDS)
def test_value_stores_any_real_number_as_a_float(n: Any) -> None:
    v = Value(n)
    assert type(v.data) is float and v.data == expected_float(n)
    assert (v.grad, v.op, v.parents, v.label, v.requires_grad) == (0.0, "", (), "", True)


@pytest.mark.parametrize("n", NUMBERS, ids=NUMBER_IDS)
@pytest.mark.parametrize("name", BINARY)
def test_a_number_on_either_side_is_folded_into_one_node(name: str, n: Any) -> None:
    prim, apply_op = BY_NAME[name], BINARY[name]
    number = expected_float(n)
    for x in (Value(1.25), Value(-0.75)):
        right, left = apply_op(x, n), apply_op(n, x)
        assert (right.op, left.op) == (name, name)
        assert right.parents == (x,) and left.parents == (x,)
        assert right.operands == (x, number) and left.operands == (number, x)
        assert type(right.operands[1]) is float and type(left.operands[0]) is float
        assert _same(right.data, prim.forward(x.data, number))
        assert _same(left.data, prim.forward(number, x.data))
        as_value = gradients(apply_op(x, Value(number)), [x])[0].data
        assert _same(gradients(right, [x])[0].data, as_value)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("n", NUMBERS, ids=NUMBER_IDS)
def test_comparisons_with_numbers_on_either_side(n: Any) -> None:
    number = expected_float(n)
    for x in (Value(-1.0), Value(0.0), Value(1.0), Value(3.0)):
        for compare in COMPARISONS:
            assert compare(x, n) is compare(x.data, number)
            assert compare(n, x) is compare(number, x.data)


@given(a=FINITE, b=FINITE)
def test_comparisons_between_values_compare_data(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    for compare in COMPARISONS:
        assert compare(x, y) is compare(a, b)


@given(data=st.lists(FINITE, min_size=1, max_size=8, unique=True))
def test_max_picks_a_node_and_the_gradient_flows_through_it(data: list[float]) -> None:
    values = [Value(d) for d in data]
    best = max(values)
    assert any(best is v for v in values) and best.data == max(data)
    assert [v.data for v in sorted(values)] == sorted(data)
    (best * 2.0).backward()
    assert [v.grad for v in values] == [2.0 if v is best else 0.0 for v in values]


@given(a=FINITE)
def test_equality_and_hash_are_identity(a: float) -> None:
    x, twin = Value(a), Value(a)
    assert x == x and x != twin and (x == twin) is False
    assert x != a and hash(x) == object.__hash__(x)  # type: ignore[comparison-overlap]
    assert len({x, twin, x}) == 2 and {x: 1}.get(twin) is None


@given(a=st.floats(allow_nan=False))
def test_float_returns_data(a: float) -> None:
    assert float(Value(a)) == a and type(float(Value(a))) is float


def test_unary_plus_is_the_value_itself() -> None:
    x = Value(2.0)
    assert +x is x


def test_repr_shows_data_grad_and_label() -> None:
    x = Value(2.5)
    y = Value(-1.0, label="weight")
    (x * y).backward()
    assert "data=2.5" in repr(x) and "grad=-1.0" in repr(x) and "label" not in repr(x)
    assert "data=-1.0" in repr(y) and "grad=2.5" in repr(y) and "label='weight'" in repr(y)
    assert repr(x).startswith("Value(")


# --- everything that is not a real number --------------------------------------------

NOT_NUMBERS: list[Any] = [
    "3",
    None,
    1j,
    [1.0],
    (1.0,),
    {1.0},
    {"a": 1.0},
    object(),
    decimal.Decimal("1.5"),  # not numbers.Real: Decimal + float raises TypeError too
    np.complex128(1.0),
    np.array([1.0]),
    np.str_("1"),
    b"1",
    Value,
]
NOT_IDS = [type(b).__name__ for b in NOT_NUMBERS]


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=NOT_IDS)
def test_value_rejects_what_is_not_a_real_number(bad: Any) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=NOT_IDS)
def test_operators_reject_what_is_not_a_real_number(bad: Any) -> None:
    x = Value(1.0)
    for name, apply_op in BINARY.items():
        with pytest.raises(TypeError) as right:
            apply_op(x, bad)
        with pytest.raises(TypeError):
            apply_op(bad, x)
        # Python's own message for `sequence * x` names the count's type, and a
        # NumPy object's reflected operator answers with NumPy's message.
        sequence_repeat = name == "mul" and isinstance(bad, (str, list, tuple, bytes))
        if not (sequence_repeat or type(bad).__module__ == "numpy"):
            assert type(bad).__name__ in str(right.value), (name, str(right.value))


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=NOT_IDS)
def test_comparisons_reject_what_is_not_a_real_number(bad: Any) -> None:
    x = Value(1.0)
    for compare in COMPARISONS:
        with pytest.raises(TypeError, match=type(bad).__name__):
            compare(x, bad)
        with pytest.raises(TypeError):
            compare(bad, x)


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=NOT_IDS)
def test_number_arguments_reject_what_is_not_a_real_number(bad: Any) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=type(bad).__name__):
        x.leaky_relu(bad)
    with pytest.raises(TypeError, match=type(bad).__name__):
        x.fma(bad, 1.0)
    with pytest.raises(TypeError, match=type(bad).__name__):
        x.fma(x, bad)
    with pytest.raises(TypeError, match=type(bad).__name__):
        (x * 2.0).backward(bad)
    if not isinstance(bad, str):
        with pytest.raises(TypeError, match=type(bad).__name__):
            Value(1.0, label=bad)
    with pytest.raises(
        TypeError, match=f"requires_grad must be True or False, got {type(bad).__name__}:"
    ):
        Value(1.0, requires_grad=bad)


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=NOT_IDS)
def test_gradients_rejects_what_is_not_a_value(bad: Any) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError):
        gradients(bad, [x])
    with pytest.raises(TypeError):
        gradients(x * x, [x, bad])


def test_a_node_refers_only_to_its_operands() -> None:
    x, w = Value(2.0), Value(-0.5)
    nodes = [x * w, (x * w).tanh(), x.fma(w, 1.0), 2.0**x, x.leaky_relu(0.1)]
    for root in nodes:
        root.backward()
        gradients(root, [x, w], create_graph=True)
    for node in [x, w, *nodes]:
        assert user_attributes(node) is None  # no dict was made for it
        referents = gc.get_referents(node)
        values = [r for r in referents if isinstance(r, Value)]
        assert all(any(v is o for o in node.operands) for v in values)
        # no closure, container or back-reference per node
        kinds = {type(r) for r in referents} - {Value, float, str, bool, int, type(None), type}
        assert kinds <= {type(node.primitive)}, kinds
