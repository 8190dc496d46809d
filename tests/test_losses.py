"""losses: definitions, reductions, finite differences, stability at ±1000, errors, PyTorch."""

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, gradients
from autograd_tiny.losses import (
    binary_cross_entropy,
    cross_entropy,
    hinge,
    log_softmax,
    mse,
    softmax,
    squared_error,
)

reals = st.floats(-20, 20)
pairs = st.integers(1, 6).flatmap(
    lambda n: st.tuples(
        st.lists(reals, min_size=n, max_size=n), st.lists(reals, min_size=n, max_size=n)
    )
)
signs = st.lists(st.sampled_from([-1, 1]), min_size=1, max_size=6)
probs = st.lists(st.floats(0, 1), min_size=1, max_size=6)
logit_lists = st.lists(reals, min_size=1, max_size=6)


def values(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


# --- definitions -------------------------------------------------------------


@given(pairs)
def test_squared_error_is_half_the_sum_of_squares(pt: tuple[list[float], list[float]]) -> None:
    y, t = pt
    expected = 0.5 * sum((ti - yi) ** 2 for yi, ti in zip(y, t, strict=True))
    assert squared_error(values(y), t).data == pytest.approx(expected, rel=1e-12)


@given(pairs)
def test_mse_is_the_mean_of_squares(pt: tuple[list[float], list[float]]) -> None:
    y, t = pt
    expected = sum((ti - yi) ** 2 for yi, ti in zip(y, t, strict=True)) / len(y)
    assert mse(values(y), t).data == pytest.approx(expected, rel=1e-12)


@given(st.data(), signs)
def test_hinge_is_the_mean_margin_violation(data: st.DataObject, labels: list[int]) -> None:
    s = data.draw(st.lists(reals, min_size=len(labels), max_size=len(labels)))
    expected = sum(max(0.0, 1 - t * si) for si, t in zip(s, labels, strict=True)) / len(s)
    assert hinge(values(s), labels).data == pytest.approx(expected, rel=1e-12, abs=1e-15)


@given(st.data(), probs)
def test_binary_cross_entropy_is_the_log_loss_of_the_sigmoid(
    data: st.DataObject, t: list[float]
) -> None:
    z = data.draw(st.lists(reals, min_size=len(t), max_size=len(t)))
    terms = [
        -ti * math.log(sigmoid(zi)) - (1 - ti) * math.log(sigmoid(-zi))
        for zi, ti in zip(z, t, strict=True)
    ]
    got = binary_cross_entropy(values(z), t).data
    assert got == pytest.approx(sum(terms) / len(t), rel=1e-9, abs=1e-12)


@given(logit_lists)
def test_softmax_log_softmax_and_cross_entropy_agree_with_their_definitions(z: list[float]) -> None:
    total = sum(math.exp(zi) for zi in z)
    p = [v.data for v in softmax(values(z))]
    assert p == pytest.approx([math.exp(zi) / total for zi in z], rel=1e-12)
    assert sum(p) == pytest.approx(1.0, rel=1e-12)
    logp = [v.data for v in log_softmax(values(z))]
    assert logp == pytest.approx([zi - math.log(total) for zi in z], rel=1e-12, abs=1e-12)
    for k in range(len(z)):
        assert cross_entropy(values(z), k).data == pytest.approx(-logp[k], rel=1e-12, abs=1e-12)


def test_reductions_sequences_and_batches() -> None:
    s, labels = [0.5, -2.0, 3.0], [1, 1, -1]
    singles = [hinge(Value(si), t).data for si, t in zip(s, labels, strict=True)]
    assert hinge(values(s), labels).data == pytest.approx(sum(singles) / 3)
    assert squared_error(values(s), [0, 0, 0]).data == sum(
        squared_error(Value(si), 0).data for si in s
    )
    batch, ks = [values([1.0, 2.0]), values([0.0, -1.0])], [1, 0]
    per_sample = [cross_entropy(z, k).data for z, k in zip(batch, ks, strict=True)]
    assert cross_entropy(batch, ks).data == pytest.approx(sum(per_sample) / 2)
    assert isinstance(mse(1.0, 3.0), Value) and mse(1.0, 3.0).data == 4.0


# --- gradients against finite differences ------------------------------------

LOSSES: list[tuple[str, Callable[[list[Any]], Any]]] = [
    ("squared_error", lambda v: squared_error(v, [0.5, -1.0, 2.0])),
    ("mse", lambda v: mse(v, [0.5, -1.0, 2.0])),
    ("hinge", lambda v: hinge(v, [1, -1, 1])),
    ("binary_cross_entropy", lambda v: binary_cross_entropy(v, [1, 0, 0.25])),
    ("cross_entropy", lambda v: cross_entropy(v, 2)),
    ("log_softmax", lambda v: log_softmax(v)[0] * 1.5 + log_softmax(v)[1]),
    ("softmax", lambda v: softmax(v)[0] * 2.0 - softmax(v)[2]),
]


@pytest.mark.parametrize(("name", "loss"), LOSSES, ids=[n for n, _ in LOSSES])
@given(x=st.lists(st.floats(-4, 4), min_size=3, max_size=3))
def test_gradient_matches_central_differences(
    name: str, loss: Callable[..., Any], x: list[float]
) -> None:
    if name == "hinge":  # the kink of max(0, ·) has no derivative: stay away from it
        x = [
            xi if abs(1 - t * xi) > 1e-3 else xi + 0.01 for xi, t in zip(x, [1, -1, 1], strict=True)
        ]
    leaves = values(x)
    analytic = [g.data for g in gradients(loss(leaves), leaves)]
    h = 1e-6
    for i in range(3):
        up, down = list(x), list(x)
        up[i] += h
        down[i] -= h
        numeric = (loss(up).data - loss(down).data) / (2 * h)
        assert analytic[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


# --- stability at ±1000 -------------------------------------------------------


@pytest.mark.parametrize(("z", "t", "expected"), [(1000, 0, 1000), (-1000, 1, 1000), (1000, 1, 0)])
def test_binary_cross_entropy_is_finite_at_huge_logits(z: float, t: float, expected: float) -> None:
    logit = Value(z)
    loss = binary_cross_entropy(logit, t)
    loss.backward()
    assert loss.data == expected
    assert logit.grad == sigmoid(z) - t


@pytest.mark.parametrize("k", [0, 1, 2])
def test_softmax_family_is_finite_at_huge_logits(k: int) -> None:
    z = values([1000.0, -1000.0, 0.0])
    loss = cross_entropy(z, k)
    loss.backward()
    assert loss.data == [0.0, 2000.0, 1000.0][k]
    assert all(math.isfinite(v.grad) for v in z)
    assert [v.grad for v in z] == pytest.approx([1.0 - (k == 0), -(k == 1), -(k == 2)], abs=1e-300)
    assert [p.data for p in softmax(z)] == [1.0, 0.0, 0.0]
    assert [p.data for p in log_softmax(z)] == [0.0, -2000.0, -1000.0]


def test_non_finite_logits_give_honest_non_finite_losses() -> None:
    assert math.isnan(cross_entropy(values([math.nan, 0.0]), 0).data)
    assert cross_entropy(values([math.inf, 0.0]), 1).data == math.inf


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse(values([1, 2]), [1]), ValueError, "2 predictions but 1 targets"),
        (lambda: squared_error([], []), ValueError, "empty"),
        (lambda: hinge(Value(1.0), 0), ValueError, "labels must be ±1, got 0.0 at index 0"),
        (lambda: binary_cross_entropy(Value(1.0), 2), ValueError, r"in \[0, 1\], got 2.0"),
        (lambda: cross_entropy(values([1, 2]), 2), ValueError, "class index 2 out of range"),
        (lambda: cross_entropy(values([1, 2]), -1), ValueError, "out of range"),
        (lambda: cross_entropy(values([1, 2]), 1.0), TypeError, "must be an int, got float"),
        (lambda: cross_entropy(values([1, 2]), [0, 1]), TypeError, "must be a batch"),
        (lambda: cross_entropy([values([1, 2])], [0, 1]), ValueError, "1 samples but 2"),
        (lambda: mse("ab", "cd"), TypeError, "got str"),
        (lambda: mse([Value(1.0)], [None]), TypeError, "NoneType"),
        (lambda: hinge(Value(1.0), Value(1.0)), TypeError, "plain numbers"),
        (lambda: softmax({1: 2}), TypeError, "got dict"),
    ],
)
def test_bad_input_raises_clear_errors(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


# --- PyTorch, when installed ---------------------------------------------------


def test_losses_and_gradients_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z, t = [1.5, -0.25, 3.0, 1000.0], [1.0, 0.0, 0.25, 0.0]
    cases = [
        (lambda v: mse(v, t), lambda a: F.mse_loss(a, torch.tensor(t, dtype=torch.float64))),
        (
            lambda v: binary_cross_entropy(v, t),
            lambda a: F.binary_cross_entropy_with_logits(a, torch.tensor(t, dtype=torch.float64)),
        ),
        (lambda v: cross_entropy(v, 1), lambda a: F.cross_entropy(a[None], torch.tensor([1]))),
        (lambda v: log_softmax(v)[2], lambda a: F.log_softmax(a, 0)[2]),
        (lambda v: softmax(v)[0], lambda a: F.softmax(a, 0)[0]),
        (
            lambda v: hinge(v, [1, -1, 1, -1]),
            lambda a: F.relu(1 - torch.tensor([1.0, -1, 1, -1], dtype=torch.float64) * a).mean(),
        ),
    ]
    for ours, theirs in cases:
        leaves = values(z)
        loss = ours(leaves)
        loss.backward()
        a = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        reference = theirs(a)
        reference.backward()
        assert loss.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-12)
        assert [v.grad for v in leaves] == pytest.approx(a.grad.tolist(), rel=1e-12, abs=1e-12)
