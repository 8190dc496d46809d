"""datasets: sizes, labels, geometry, determinism and input checks."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny.datasets import circles, moons, spirals, xor

BINARY = [moons, circles]


def test_xor_labels_are_the_truth_table() -> None:
    X, y = xor()
    assert y == [int(a) ^ int(b) for a, b in X]
    assert xor(labels=(-1, 1))[1] == [2 * label - 1 for label in y]


@pytest.mark.parametrize("make", BINARY)
@given(n=st.integers(2, 60), seed=st.integers(0, 2**40))
def test_binary_sets_have_n_points_split_evenly(make, n: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    X, y = make(n, 0.1, seed)
    assert len(X) == len(y) == n
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)
    assert abs(y.count(0) - y.count(1)) <= 1 and y.count(0) + y.count(1) == n


@pytest.mark.parametrize("make", [*BINARY, spirals])
def test_same_seed_same_data_other_seed_other_data(make) -> None:  # type: ignore[no-untyped-def]
    assert make(40, noise=0.1, seed=5) == make(40, noise=0.1, seed=5)
    assert make(40, noise=0.1, seed=5) != make(40, noise=0.1, seed=6)


@pytest.mark.parametrize("make", BINARY)
def test_labels_option_renames_the_classes_only(make) -> None:  # type: ignore[no-untyped-def]
    X, y = make(30, 0.1, 2)
    X2, y2 = make(30, 0.1, 2, labels=(-1, 1))
    assert X2 == X and y2 == [2 * label - 1 for label in y]


def test_noiseless_moons_lie_on_their_half_circles() -> None:
    X, y = moons(50, 0.0, 3)
    for (a, b), label in zip(X, y, strict=True):
        cx, cy = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - cx, b - cy) == pytest.approx(1.0, abs=1e-12)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)


def test_noiseless_circles_have_radius_one_and_factor() -> None:
    X, y = circles(40, 0.0, 3, factor=0.3)
    for (a, b), label in zip(X, y, strict=True):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3, abs=1e-12)


@given(n=st.integers(1, 80), classes=st.integers(2, 6), seed=st.integers(0, 999))
def test_spirals_label_classes_by_index_inside_the_unit_disc(
    n: int, classes: int, seed: int
) -> None:
    X, y = spirals(n, classes, 0.2, seed)
    assert len(X) == n and set(y) <= set(range(classes))
    assert max(y.count(c) for c in range(classes)) - min(y.count(c) for c in range(classes)) <= 1
    assert all(math.hypot(a, b) <= 1.0 + 1e-12 for a, b in X)


def test_points_are_shuffled_so_online_training_sees_both_classes() -> None:
    _, y = moons(100, 0.1, 0)
    assert y[:50] != [y[0]] * 50


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: moons(1), ValueError, "n must be at least 2"),
        (lambda: moons(10.0), TypeError, "n must be an int, got float"),
        (lambda: circles(10, -0.1), ValueError, "noise"),
        (lambda: circles(10, "0.1"), TypeError, "noise must be a real number, got str"),
        (lambda: moons(10, 0.1, seed=None), TypeError, "seed must be an int, got NoneType"),
        (lambda: spirals(10, 1), ValueError, "classes must be at least 2"),
        (lambda: xor(labels=(1, 1)), ValueError, "must differ"),
        (lambda: xor(labels=[0, 1]), TypeError, "pair of numbers"),
        (lambda: circles(10, 0.1, factor=1.5), ValueError, "factor"),
    ],
)
def test_bad_arguments_raise_builtin_errors(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()
