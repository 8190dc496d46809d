"""The interface every engine adapter implements, with micrograd's demo as default."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .data import ALPHA, LR, Weights

__all__ = ["Engine", "Model", "flat", "relu_float", "nothing"]

Model = Callable[[Sequence[Any]], Any]


def flat(weights: Weights) -> list[float]:
    """Weights in micrograd's ``parameters()`` order: per neuron, w then b."""
    return [v for layer in weights for w, b in layer for v in (*w, b)]


def relu_float(v: float) -> float:
    """ReLU on a plain float (the plain-float engine's op)."""
    return v if v > 0.0 else 0.0


def nothing() -> None:
    """A step that does nothing (engines without an optimizer step of their own)."""
    return None


class Engine:
    """The common interface; subclasses override what differs."""

    name = ""
    forward_only = False
    mlp_kind = "hand-built"

    def version(self) -> str:
        """The engine's version string."""
        return ""

    def leaf(self, x: float) -> Any:
        """A leaf that requires a gradient."""
        raise NotImplementedError

    def inputs(self, row: Sequence[float]) -> list[Any]:
        """One sample's inputs as this engine's users pass them to a model."""
        return list(row)

    def relu(self, v: Any) -> Any:
        """max(0, v)."""
        return v.relu()

    def backward(self, root: Any) -> None:
        """Gradients of ``root`` into every leaf's ``grad``."""
        root.backward()

    def grad(self, leaf: Any) -> float:
        """A leaf's gradient as a float."""
        return float(leaf.grad)

    def value(self, v: Any) -> float:
        """A node's number."""
        return float(v.data)

    def mlp(self, weights: Weights) -> tuple[Model, list[Any]]:
        """The demo network with these weights, and its parameters in order."""
        raise NotImplementedError

    def demo_loss(self, model: Model, params: list[Any], x: Any, y: Any) -> Any:
        """micrograd's demo loss: mean of relu(1 − y·score) plus alpha·Σp²."""
        scores = [model(self.inputs(row)) for row in x]
        losses = [self.relu(1 + -yi * si) for yi, si in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + ALPHA * sum(p * p for p in params)

    def online_loss(self, model: Model, row: Sequence[float], y: float) -> Any:
        """The hinge loss of one sample, for an online (per-sample) SGD step."""
        return self.relu(1 + -y * model(self.inputs(row)))

    def sgd(self, params: list[Any]) -> tuple[Callable[[], None], Callable[[], None]]:
        """``(zero_grad, step)`` for plain SGD with the benchmark's learning rate."""

        def zero_grad() -> None:
            for p in params:
                p.grad = 0.0

        def step() -> None:
            for p in params:
                p.data -= LR * p.grad

        return zero_grad, step
