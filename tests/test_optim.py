"""optim: SGD and Adam by hand, against PyTorch, schedules and bad input."""

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value
from autograd_tiny.optim import SGD, Adam, Optimizer


def square_step(opt: Optimizer, w: Value) -> None:
    opt.zero_grad()
    (w * w).backward()  # grad = 2w
    opt.step()


def test_sgd_by_hand() -> None:
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    square_step(opt, w)
    assert w.data == pytest.approx(0.8, abs=1e-15)  # 1 − 0.1·2
    square_step(opt, w)
    assert w.data == pytest.approx(0.64, abs=1e-15)  # 0.8 − 0.1·1.6


def test_sgd_momentum_and_weight_decay_by_hand() -> None:
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5)
    square_step(opt, w)  # g = 2 + 0.5 = 2.5, b = g, w = 1 − 0.25
    assert w.data == pytest.approx(0.75, abs=1e-15)
    square_step(opt, w)  # g = 1.5 + 0.375 = 1.875, b = 0.9·2.5 + 1.875 = 4.125
    assert w.data == pytest.approx(0.75 - 0.4125, abs=1e-15)


def test_adam_by_hand() -> None:
    w = Value(1.0)
    opt = Adam([w], lr=0.1, eps=0.0)
    square_step(opt, w)  # m̂ = g, v̂ = g²: the first step is lr · sign(g)
    assert w.data == pytest.approx(0.9, abs=1e-15)
    square_step(opt, w)  # g = 1.8: m = 0.36, v = 0.007236; m̂ = 0.36/0.19, v̂ = 0.007236/0.001999
    assert w.data == pytest.approx(0.9 - 0.1 * (0.36 / 0.19) / math.sqrt(0.007236 / 0.001999))


def test_adam_with_weight_decay_by_hand() -> None:
    w = Value(1.0)
    opt = Adam([w], lr=0.1, eps=0.0, weight_decay=0.5)
    square_step(opt, w)  # g = 2 + 0.5·1 = 2.5; still lr · sign(g) on the first step
    assert w.data == pytest.approx(0.9, abs=1e-15)
    square_step(opt, w)  # g = 1.8 + 0.45 = 2.25: m = 0.45, v = 0.00624375 + 0.0050625
    m_hat, v_hat = 0.45 / 0.19, (0.00624375 + 0.0050625) / 0.001999
    assert w.data == pytest.approx(0.9 - 0.1 * m_hat / math.sqrt(v_hat), abs=1e-14)


@given(g=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3), lr=st.floats(1e-4, 1.0))
def test_adam_first_step_moves_each_weight_by_lr(g: float, lr: float) -> None:
    w = Value(0.0)
    opt = Adam([w], lr=lr, eps=0.0)
    w.grad = g
    opt.step()
    assert w.data == pytest.approx(-math.copysign(lr, g), rel=1e-12)


def test_the_learning_rate_may_change_between_steps() -> None:
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    square_step(opt, w)
    opt.lr = 0.25
    square_step(opt, w)
    assert w.data == pytest.approx(0.8 - 0.25 * 1.6, abs=1e-15)
    with pytest.raises(ValueError, match=r"lr must be finite and at least 0\.0, got -1\.0"):
        opt.lr = -1.0


def test_zero_grad_clears_the_gradients() -> None:
    params = [Value(1.0), Value(2.0)]
    opt = Adam(params)
    for p in params:
        p.grad = 3.0
    opt.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: SGD([], lr=0.1), ValueError, "empty"),
        (lambda: SGD([1.0], lr=0.1), TypeError, "got float"),
        (lambda: SGD(Value(1.0), lr=0.1), TypeError, "iterable of Values"),
        (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, "lr must be a real number, got str"),
        (
            lambda: SGD([Value(1.0)], lr=math.nan),
            ValueError,
            "lr must be finite and at least 0.0, got nan",
        ),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (
            lambda: Adam([Value(1.0)], betas=(0.9, 1.0)),
            ValueError,
            r"betas\[1\] must be in \[0\.0, 1\.0\)",
        ),
        (lambda: Adam([Value(1.0)], betas=0.9), TypeError, "betas must be a pair"),
        (lambda: Adam([Value(1.0)], eps=-1.0), ValueError, "eps"),
    ],
)
def test_bad_arguments(call, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        call()


def test_a_parameter_listed_twice_is_refused() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        SGD([w, w], lr=0.1)


# --- PyTorch, when installed: the same problem, independently, to 1e-12 ---------

START = [0.5, -1.2, 2.0, 0.1]
CENTRES = [1.0, 0.5, -0.5, 2.0]


def objective(w: list[Any], tanh: Any) -> Any:
    """A small non-quadratic problem, written once for both libraries."""
    total = w[0] * w[1] * 0.3
    for wi, ci in zip(w, CENTRES, strict=True):
        total = total + (tanh(wi) * 2.0 - ci) ** 2
    return total


CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS)
def test_matches_pytorch_over_several_steps(name: str, kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    ours = [Value(x) for x in START]
    theirs = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = {"SGD": SGD, "Adam": Adam}[name](ours, **kwargs)
    reference = getattr(torch.optim, name)([theirs], **kwargs)
    for step in range(6):
        if step == 3:  # a schedule: change lr on both
            opt.lr = reference.param_groups[0]["lr"] = kwargs["lr"] / 2
        opt.zero_grad()
        objective(ours, Value.tanh).backward()
        reference.zero_grad()
        objective(theirs, torch.tanh).backward()
        opt.step()
        reference.step()
        assert [w.data for w in ours] == pytest.approx(theirs.tolist(), rel=1e-12, abs=1e-12)
