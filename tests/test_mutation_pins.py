"""Promises of the core that a run of ``tools/mutation.py`` found unpinned.

Each test names the mutants it kills: mutmut's names, or the table supplement's
ids (``table.<ENTRY>.<slot>: <before> -> <after>``).  Expected values are closed
forms, PyTorch's conventions, or the messages the core promises (errors name
what went wrong and which call it was).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from autograd_tiny import Value, grad, gradients, hessian, value_and_grad


def test_leaky_relu_at_its_kink_takes_the_slope() -> None:
    """table.LEAKY_RELU.partials[0]: ``x > 0`` made ``x >= 0``.

    At 0 the forward takes the slope branch, and PyTorch's derivative there is
    the slope: ``grad * (x > 0 ? 1 : slope)``.  Its derivative in the slope is x = 0.
    """
    x, s = Value(0.0), Value(0.1)
    assert grad(lambda x: x.leaky_relu(0.1))(0.0) == 0.1
    assert [g.data for g in gradients(x.leaky_relu(0.25), [x])] == [0.25]
    assert gradients(Value(0.0).leaky_relu(0.1), [s])[0].data == 0.0


def test_gradients_names_a_wrong_output_and_wrong_inputs() -> None:
    """functional.x_gradients__mutmut_4, 5, 9, 10, 11, 12: the two messages."""
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"^gradients\(\) takes a Value output, got float$"):
        gradients(2.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^gradients\(\) takes a sequence of Values as inputs$"):
        gradients(x * x, x)  # type: ignore[arg-type]


def test_gradients_names_grad_output_when_it_is_not_a_number() -> None:
    """functional.x_gradients__mutmut_17, 19, 20, 21: the argument's name in the message."""
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"^grad_output takes a real number, got str: '1'$"):
        gradients(x * x, [x], grad_output="1")


CALLERS: list[tuple[Callable[..., Any], str]] = [
    (grad, "grad()"),
    (value_and_grad, "value_and_grad()"),
    (hessian, "hessian()"),
]


@pytest.mark.parametrize(("transform", "name"), CALLERS)
def test_a_result_that_is_not_a_number_is_named_with_the_call(
    transform: Callable[..., Any], name: str
) -> None:
    """functional.x_grad__mutmut_5, 9, 10, x_value_and_grad__mutmut_4, 8, 9,
    x__value_and_grad__mutmut_14, x_hessian__mutmut_8, 11, 12, x__output__mutmut_28, 30:
    the call's name and "the function's result" in the messages."""
    caller = re.escape(name)
    with pytest.raises(
        TypeError, match=rf"^{caller}: the function must return a Value or a real number, got bool"
    ):
        transform(lambda x: x > 0)(1.0)
    with pytest.raises(
        TypeError, match=rf"^{caller}: the function's result takes a real number, got str: 'a'$"
    ):
        transform(lambda x: "a")(1.0)


@pytest.mark.parametrize("argnums", [1, -2])
def test_argnums_out_of_range_is_named(argnums: int) -> None:
    """functional.x__check_range__mutmut_4, 5: ``i < len(args)`` made ``<=``, the message."""
    message = rf"^argnums {argnums} is out of range for 1 arguments$"
    with pytest.raises(IndexError, match=message):
        grad(lambda x: x * x, argnums=argnums)(1.0)


def test_a_constant_value_argument_keeps_its_label() -> None:
    """functional.x__leaf__mutmut_8: the fresh leaf made for it dropped the label."""
    seen = []

    def f(x: Value) -> Value:
        seen.append(x.label)
        return x * x

    g = grad(f)(Value(3.0, label="w", requires_grad=False))
    assert seen == ["w"]
    assert isinstance(g, Value) and g.data == 6.0
