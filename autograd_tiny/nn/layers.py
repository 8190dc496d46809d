"""Layers on ``Value``: ``Neuron``, ``Layer`` and ``MLP``.

A neuron computes ``φ(b + Σ wᵢ·xᵢ)``.  Its weighted sum is a chain of
multiply-adds, one ``fma`` node per input (a plain-number input is folded into
the node), so a neuron costs exactly ``nin`` nodes plus one for a non-linear
activation.  Initialisation is seeded (``random.Random``, pure Python): the
same seed gives bit-identical weights on every platform.

>>> from autograd_tiny.nn import MLP
>>> model = MLP(2, [4, 1], seed=0)
>>> model
MLP(2, [4, 1], activation='relu', output_activation='linear')
>>> len(model.parameters())
17
>>> y = model([1.0, -2.0])
>>> y.backward()
>>> type(y).__name__, model.layers[0].neurons[0].b.grad == model.parameters()[2].grad
('Value', True)
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Sequence
from typing import Any

from .. import _checks
from ..engine import Value, as_float
from .module import Entry, Module, StateDict

__all__ = [
    "ACTIVATIONS",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "StateDict",
    "init_bound",
]

ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "linear")
_PHI: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,  # the identity: no node at all
}


def _check_activation(activation: Any) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    return str(activation)


def init_bound(activation: str, nin: int, nout: int = 1) -> float:
    """The half-width of the uniform initial weights for a layer.

    He for ``relu`` (variance 2/nin); Glorot for ``tanh``, ``sigmoid`` and
    ``linear`` (variance 2/(nin+nout)).  The four times wider range sometimes
    advised for ``sigmoid`` saturated small networks: a logistic 2-2-1 net
    learned XOR from far fewer seeds with it.

    >>> init_bound("relu", 6), init_bound("tanh", 2, 1)
    (1.0, 1.4142135623730951)
    """
    if activation == "relu":
        return math.sqrt(6.0 / nin)
    return math.sqrt(6.0 / (nin + nout))


def _inputs(x: Any, nin: int, who: str) -> list[Any]:
    """``x`` as a list of ``nin`` Values or floats; a lone number when ``nin == 1``."""
    if isinstance(x, (Value, numbers.Real)):
        x = [x]
    try:
        n = len(x)
    except TypeError:
        raise TypeError(f"{who} takes a sequence of numbers, got {type(x).__name__}") from None
    if n != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {n}")
    return [v if type(v) is Value or type(v) is float else as_float(v, f"{who} input") for v in x]


class Neuron(Module):
    """``φ(b + Σ wᵢ·xᵢ)``: weights uniform in ``±scale``, the bias uniform in ``±1/√nin``.

    The bias is drawn after the weights.  A non-zero bias matters for inputs of
    few dimensions: with zero biases every ReLU boundary would start through
    the origin.  (``±1/√nin`` is also PyTorch's default for a bias.)

    ``scale`` defaults to ``init_bound(activation, nin)``.  ``rng`` (a
    ``random.Random``) makes the weights reproducible; ``None`` means seed 0.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        rng: random.Random | None = None,
        scale: float | None = None,
    ) -> None:
        self.nin = _checks.integer(nin, "nin", minimum=1)
        self.activation = _check_activation(activation)
        rng = random.Random(0) if rng is None else rng
        bound = init_bound(self.activation, nin) if scale is None else as_float(scale, "scale")
        self.w = [Value(rng.uniform(-bound, bound), label=f"w{i}") for i in range(nin)]
        self.b = Value(rng.uniform(-1.0, 1.0) / math.sqrt(nin), label="b")
        self._phi = _PHI[self.activation]

    def _entries(self) -> list[tuple[str, Entry]]:
        return [("w", self.w), ("b", self.b)]

    def forward(self, x: Sequence[Any]) -> Value:
        """The output for inputs already checked: one ``fma`` node per input."""
        acc = self.b
        for w, xi in zip(self.w, x, strict=True):
            acc = w.fma(xi, acc)
        phi = self._phi
        return acc if phi is None else phi(acc)

    def __call__(self, x: Any) -> Value:
        return self.forward(_inputs(x, self.nin, "Neuron"))

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; calling it returns a list."""

    def __init__(
        self, nin: int, nout: int, activation: str = "relu", *, rng: random.Random | None = None
    ) -> None:
        self.nin = _checks.integer(nin, "nin", minimum=1)
        self.nout = _checks.integer(nout, "nout", minimum=1)
        self.activation = _check_activation(activation)
        rng = random.Random(0) if rng is None else rng
        bound = init_bound(self.activation, nin, nout)
        self.neurons = [Neuron(nin, activation, rng=rng, scale=bound) for _ in range(nout)]

    def _children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """The outputs for inputs already checked."""
        return [n.forward(x) for n in self.neurons]

    def __call__(self, x: Any) -> list[Value]:
        return self.forward(_inputs(x, self.nin, "Layer"))

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multilayer perceptron: ``activation`` on hidden layers, ``output_activation`` last.

    Returns a single ``Value`` when the last layer has one output, else a list.
    ``seed`` (an int; ``None`` means 0) fixes the initial weights.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        seed: int | None = None,
    ) -> None:
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts must be a non-empty list of ints, got {nouts!r}")
        seed = _checks.integer(seed, "seed", none=True)
        self.nin = _checks.integer(nin, "nin", minimum=1)
        self.nouts = [_checks.integer(n, "each of nouts", minimum=1) for n in nouts]
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation)
        rng = random.Random(0 if seed is None else seed)
        sizes = [self.nin, *self.nouts]
        acts = [self.activation] * (len(nouts) - 1) + [self.output_activation]
        self.layers = [Layer(sizes[i], sizes[i + 1], acts[i], rng=rng) for i in range(len(acts))]

    def _children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def __call__(self, x: Any) -> Any:
        h: list[Any] = _inputs(x, self.nin, "MLP")
        for layer in self.layers:
            h = layer.forward(h)
        return h[0] if len(h) == 1 else h

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r})"
        )
