"""The laws of ``_checks``: one message style for every argument check of the package."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import _checks

NOT_NUMBERS: list[Any] = [None, "1", b"1", [1], (1,), {1: 1}, object(), 1j]


@pytest.mark.parametrize("flag", [True, False])
def test_a_bool_is_never_an_int_nor_a_real_number(flag: bool) -> None:
    assert not _checks.is_integer(flag) and not _checks.is_real(flag)
    with pytest.raises(TypeError, match=rf"^n must be an int, got bool: {flag}$"):
        _checks.integer(flag, "n")
    with pytest.raises(TypeError, match=rf"^x must be a real number, got bool: {flag}$"):
        _checks.real(flag, "x")


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=lambda bad: type(bad).__name__)
def test_a_wrong_type_is_a_type_error_naming_the_argument_and_the_type(bad: Any) -> None:
    got = re.escape(f"got {type(bad).__name__}: {bad!r}")
    for check, wanted in ((_checks.integer, "an int"), (_checks.real, "a real number")):
        with pytest.raises(TypeError, match=f"^fit: epochs must be {wanted}, {got}$"):
            check(bad, "epochs", who="fit")
    with pytest.raises(TypeError, match=f"^flag must be True or False, {got}$"):
        _checks.boolean(bad, "flag")


@pytest.mark.parametrize("number", [0, 1, 0.0, 1.0, 0.5, math.nan])
def test_boolean_takes_only_true_and_false(number: float) -> None:
    with pytest.raises(
        TypeError, match=f"^flag must be True or False, got {type(number).__name__}"
    ):
        _checks.boolean(number, "flag")
    assert _checks.boolean(True, "flag") is True and _checks.boolean(False, "flag") is False


def test_none_passes_only_when_allowed_and_the_message_says_so() -> None:
    assert _checks.integer(None, "seed", none=True) is None
    assert _checks.real(None, "target", none=True) is None
    assert _checks.boolean(None, "progress", none=True) is None
    with pytest.raises(TypeError, match=r"^seed must be an int or None, got str: 'a'$"):
        _checks.integer("a", "seed", none=True)
    with pytest.raises(TypeError, match=r"^progress must be True, False or None, got int: 1$"):
        _checks.boolean(1, "progress", none=True)
    with pytest.raises(TypeError, match=r"^seed must be an int, got NoneType: None$"):
        _checks.integer(None, "seed")


@given(low=st.integers(-50, 50), span=st.integers(0, 50), data=st.data())
def test_integer_bounds_are_inclusive(low: int, span: int, data: st.DataObject) -> None:
    high = low + span
    inside = data.draw(st.integers(low, high))
    assert _checks.integer(inside, "n", minimum=low, maximum=high) == inside
    assert _checks.integer(low, "n", minimum=low) == low
    assert _checks.integer(high, "n", maximum=high) == high
    with pytest.raises(ValueError, match=rf"^n must be in \[{low}, {high}\], got {low - 1}$"):
        _checks.integer(low - 1, "n", minimum=low, maximum=high)
    with pytest.raises(ValueError, match=rf"^n must be at least {low}, got {low - 1}$"):
        _checks.integer(low - 1, "n", minimum=low)
    with pytest.raises(ValueError, match=rf"^n must be at most {high}, got {high + 1}$"):
        _checks.integer(high + 1, "n", maximum=high)


def test_real_bounds_inclusive_and_strict() -> None:
    assert _checks.real(0, "b", minimum=0.0, below=1.0) == 0.0
    assert type(_checks.real(1, "b")) is float
    with pytest.raises(ValueError, match=r"^b must be in \[0\.0, 1\.0\), got 1\.0$"):
        _checks.real(1.0, "b", minimum=0.0, below=1.0)
    with pytest.raises(ValueError, match=r"^f must be in \(0\.0, 1\.0\), got 0$"):
        _checks.real(0, "f", above=0.0, below=1.0)
    with pytest.raises(ValueError, match=r"^eps must be above 0\.0, got -1e-300$"):
        _checks.real(-1e-300, "eps", above=0.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 10**400])
def test_finite_refuses_inf_nan_and_ints_too_large_for_a_float(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"^lr must be finite and at least 0\.0, got "):
        _checks.real(bad, "lr", minimum=0.0, finite=True)
    assert math.isinf(_checks.real(10**400, "x"))


def test_nan_is_outside_every_bound() -> None:
    assert math.isnan(_checks.real(math.nan, "x"))  # no bound, no rule broken
    for bound in ("minimum", "maximum", "above", "below"):
        with pytest.raises(ValueError, match="got nan"):
            _checks.real(math.nan, "x", **{bound: 0.0})


def test_other_number_types_are_accepted_and_converted() -> None:
    np = pytest.importorskip("numpy")
    assert _checks.integer(np.int64(3), "n") == 3 and type(_checks.integer(np.int64(3), "n")) is int
    assert _checks.real(Fraction(1, 2), "x") == 0.5
    assert _checks.real(np.float32(0.5), "x") == 0.5
    with pytest.raises(TypeError, match=r"got bool: np\.True_$"):
        _checks.integer(np.bool_(True), "n")
    with pytest.raises(TypeError, match=r"^n must be an int, got float: 2\.0$"):
        _checks.integer(2.0, "n")


def test_choice_lists_the_options_and_names_what_it_got() -> None:
    assert _checks.choice("TB", "rankdir", ("LR", "TB")) == "TB"
    with pytest.raises(ValueError, match=r"^fit: mode must be one of 'a', 'b', got str: 'c'$"):
        _checks.choice("c", "mode", ("a", "b"), who="fit")
    with pytest.raises(ValueError, match=r"got bool: True$"):
        _checks.choice(True, "n", (1, 2))  # True == 1, but it is not the option 1
    with pytest.raises(ValueError, match=r"got list: \['a'\]$"):
        _checks.choice(["a"], "mode", ("a",))
