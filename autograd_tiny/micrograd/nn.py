"""micrograd's ``nn``: ``Module``, ``Neuron``, ``Layer`` and ``MLP`` on this engine.

The weights are drawn with ``random.uniform(-1, 1)`` from Python's global
``random``, in micrograd's order (layer by layer, neuron by neuron); biases
start at 0.  A neuron adds its products to the bias one at a time, as
micrograd's ``sum(..., self.b)`` does, so after the same ``random.seed`` the
same model computes micrograd's floats bit for bit.

>>> import random
>>> random.seed(1337)
>>> model = MLP(2, [4, 1])
>>> model
MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ...], Layer of [LinearNeuron(4)]]
>>> len(model.parameters())
17
>>> out = model([1.0, -2.0])
>>> out.backward()
>>> type(out).__name__, model.parameters()[-1].grad
('Value', 1.0)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from .. import Value as _Engine

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """micrograd's base: ``parameters()`` (none here) and ``zero_grad()``."""

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0 (``0.0``: grads are floats)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[_Engine]:
        """The trainable values, in micrograd's order."""
        return []


class Neuron(Module):
    """``relu(b + Σ wᵢ·xᵢ)``, or without the ReLU when ``nonlin=False``.

    >>> random.seed(0)
    >>> n = Neuron(3, nonlin=False)
    >>> n, n.b.data, n.parameters()[:3] == n.w
    (LinearNeuron(3), 0.0, True)
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [_Engine(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = _Engine(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Any]) -> _Engine:
        act = self.b
        # Left to right from the bias, as micrograd's sum(); like micrograd's zip,
        # inputs beyond nin are ignored.
        for wi, xi in zip(self.w, x, strict=False):
            act = act + wi * xi
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[_Engine]:
        """The weights, then the bias."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons on the same inputs; one output is returned as the ``Value`` itself.

    >>> random.seed(0)
    >>> Layer(2, 2)
    Layer of [ReLUNeuron(2), ReLUNeuron(2)]
    >>> type(Layer(2, 1)([1.0, 2.0])).__name__, len(Layer(2, 3)([1.0, 2.0]))
    ('Value', 3)
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Any]) -> Any:
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self) -> list[_Engine]:
        """Neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(map(str, self.neurons))}]"


class MLP(Module):
    """ReLU layers of sizes ``nouts``, the last one linear.

    >>> random.seed(0)
    >>> MLP(3, [2, 1])
    MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3)], Layer of [LinearNeuron(2)]]
    """

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(len(nouts))]

    def __call__(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[_Engine]:
        """Layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(str, self.layers))}]"
