"""``fit(..., compiled=...)``: replayed training steps are the eager ones."""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_tiny import Value, datasets, losses, nn, optim
from autograd_tiny.replay import BACKENDS
from autograd_tiny.train import fit


def train(compiled: str | None, **options: Any) -> tuple[Any, list[float]]:
    """A few epochs on a small problem; the history and the final parameters."""
    X, y = options.pop("data", datasets.moons(16, noise=0.1, seed=1, labels=(-1, 1)))
    model = options.pop("model", None) or nn.MLP(2, [5, 1], activation="tanh", seed=4)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    loss = options.pop("loss", losses.hinge)
    history = fit(
        model, X, y, loss=loss, optimizer=optimizer, epochs=3,
        compiled=compiled, **options,
    )  # fmt: skip
    return history, [p.data for p in model.parameters()]


def near(a: list[float], b: list[float]) -> bool:
    """Equal but for the order of a sum: 1e-9 relative."""
    return len(a) == len(b) and all(
        math.isclose(x, z, rel_tol=1e-9, abs_tol=1e-12) for x, z in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "options",
    [{"mode": "batch"}, {"mode": "online", "l2": 1e-3}, {"mode": "minibatch", "batch_size": 5}],
    ids=["batch", "online-l2", "minibatch"],
)
def test_compiled_training_is_eager_training(backend: str, options: dict[str, Any]) -> None:
    eager_history, eager_params = train(None, **dict(options))
    history, params = train(backend, **dict(options))
    assert near(history.loss, eager_history.loss)
    assert history.accuracy == eager_history.accuracy
    assert near(params, eager_params)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_several_outputs_and_class_indices(backend: str) -> None:
    data = datasets.spirals(15, classes=3, seed=2)
    options = {"data": data, "loss": losses.cross_entropy, "mode": "minibatch", "batch_size": 4}
    model = nn.MLP(2, [6, 3], activation="relu", seed=5)
    eager_history, eager_params = train(None, model=model, **dict(options))
    model = nn.MLP(2, [6, 3], activation="relu", seed=5)
    history, params = train(backend, model=model, **dict(options))
    assert near(history.loss, eager_history.loss) and near(params, eager_params)
    assert history.accuracy == eager_history.accuracy


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match=r"compiled must be None or one of \('tape'"):
        train("fast")


@pytest.mark.parametrize("backend", ["tape", "numpy"])
def test_a_non_finite_loss_names_the_sample(backend: str) -> None:
    def log_loss(out: Value, target: Any) -> Value:
        return (out * 0.0 - 1.0).sqrt() if target == 1 else out * 0.0

    with pytest.raises(FloatingPointError, match=r"loss became nan at epoch 1, sample \d+"):
        train(backend, loss=log_loss)
