"""One adapter per engine: leaves, ReLU, backward, the demo's MLP, loss and SGD.

Each adapter is imported only in its own worker process, so an engine's
imports and garbage-collector state never touch another's.  Each engine runs
the demo the way its users write it: autograd_tiny with ``nn.MLP`` (one ``fma``
node per multiply-add), ``losses.hinge`` and ``optim.SGD``; micrograd with its
own ``nn.MLP`` exactly as its demo notebook; PyTorch with 0-d float64 tensors
in micrograd's structure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from .data import ALPHA, LR, Weights
from .engine_base import Engine, Model, flat, nothing, relu_float

__all__ = ["ENGINES", "Engine", "load_engine"]


class AutogradTiny(Engine):
    """This project."""

    name = "autograd_tiny"

    def __init__(self) -> None:
        import autograd_tiny

        self._module = autograd_tiny
        self.Value = autograd_tiny.Value

    def version(self) -> str:
        return str(self._module.__version__)

    def leaf(self, x: float) -> Any:
        return self.Value(x)

    def order(self, root: Any) -> list[Any]:
        """The engine's topological sort, alone (for the profile)."""
        from autograd_tiny.engine import topological_order

        return topological_order(root)

    def demo_loss(self, model: Model, params: list[Any], x: Any, y: Any) -> Any:
        from autograd_tiny.losses import hinge

        l2 = 0.0
        for p in params:  # Σp² as one fma node per parameter
            l2 = p.fma(p, l2)
        return hinge([model(row) for row in x], y) + ALPHA * l2

    def online_loss(self, model: Model, row: Sequence[float], y: float) -> Any:
        from autograd_tiny.losses import hinge

        return hinge(model(row), y)

    def sgd(self, params: list[Any]) -> tuple[Callable[[], None], Callable[[], None]]:
        from autograd_tiny.optim import SGD

        optimizer = SGD(params, lr=LR)
        return optimizer.zero_grad, optimizer.step

    def mlp(self, weights: Weights) -> tuple[Model, list[Any]]:
        from autograd_tiny.nn import MLP

        self.mlp_kind = "autograd_tiny.nn.MLP"
        sizes = [len(weights[0][0][0])] + [len(layer) for layer in weights]
        model = MLP(sizes[0], sizes[1:], seed=0)
        params = model.parameters()
        for p, v in zip(params, flat(weights), strict=True):
            p.data = v
        return model, params


class Micrograd(Engine):
    """Karpathy's micrograd 0.1.0 from PyPI, used as its demo notebook uses it."""

    name = "micrograd"
    mlp_kind = "micrograd.nn.MLP"

    def __init__(self) -> None:
        import micrograd.engine  # type: ignore[import-untyped]
        import micrograd.nn  # type: ignore[import-untyped]

        self._engine, self._nn = micrograd.engine, micrograd.nn

    def version(self) -> str:
        from importlib.metadata import version

        return version("micrograd")

    def raise_recursion_limit(self) -> None:
        """micrograd's topological sort is recursive: deep graphs need this."""
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000_000))

    def leaf(self, x: float) -> Any:
        return self._engine.Value(x)

    def inputs(self, row: Sequence[float]) -> list[Any]:
        return [self._engine.Value(v) for v in row]  # as the demo: list(map(Value, xrow))

    def mlp(self, weights: Weights) -> tuple[Model, list[Any]]:
        sizes = [len(weights[0][0][0])] + [len(layer) for layer in weights]
        model = self._nn.MLP(sizes[0], sizes[1:])
        params = model.parameters()
        for p, v in zip(params, flat(weights), strict=True):
            p.data = v
        return model, params


class Torch(Engine):
    """PyTorch on 0-d float64 tensors, one thread, the MLP built as micrograd's."""

    name = "torch"

    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch

    def version(self) -> str:
        return str(self.torch.__version__)

    def leaf(self, x: float) -> Any:
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=True)

    def grad(self, leaf: Any) -> float:
        return 0.0 if leaf.grad is None else float(leaf.grad)

    def value(self, v: Any) -> float:
        return float(v.detach())

    def mlp(self, weights: Weights) -> tuple[Model, list[Any]]:
        layers = [[([self.leaf(v) for v in w], self.leaf(b)) for w, b in lay] for lay in weights]
        return _sum_of_products_mlp(layers, self.relu), _params(layers)

    def sgd(self, params: list[Any]) -> tuple[Callable[[], None], Callable[[], None]]:
        no_grad = self.torch.no_grad

        def zero_grad() -> None:
            for p in params:
                p.grad = None

        def step() -> None:
            with no_grad():
                for p in params:
                    p -= LR * p.grad

        return zero_grad, step


class Floats(Engine):
    """Plain Python floats, forward only: the floor no engine can go below."""

    name = "floats"
    forward_only = True

    def version(self) -> str:
        return sys.version.split()[0]

    def leaf(self, x: float) -> Any:
        return x

    def relu(self, v: Any) -> Any:
        return relu_float(v)

    def backward(self, root: Any) -> None:
        return None

    def value(self, v: Any) -> float:
        return float(v)

    def sgd(self, params: list[Any]) -> tuple[Callable[[], None], Callable[[], None]]:
        return nothing, nothing

    def mlp(self, weights: Weights) -> tuple[Model, list[Any]]:
        layers = [[(list(w), b) for w, b in layer] for layer in weights]
        return _sum_of_products_mlp(layers, relu_float), _params(layers)


def _params(layers: list[list[tuple[list[Any], Any]]]) -> list[Any]:
    return [p for layer in layers for ws, b in layer for p in (*ws, b)]


def _sum_of_products_mlp(layers: list[list[tuple[list[Any], Any]]], relu: Any) -> Model:
    """micrograd's neuron, ``b + w0*x0 + w1*x1 + …``, for any number type."""
    last = len(layers) - 1

    def model(x: Sequence[Any]) -> Any:
        for depth, layer in enumerate(layers):
            outs = []
            for ws, acc in layer:
                for w, xi in zip(ws, x, strict=True):
                    acc = acc + w * xi
                outs.append(acc if depth == last else relu(acc))
            x = outs
        return x[0]

    return model


ENGINES: dict[str, type[Engine]] = {
    "autograd_tiny": AutogradTiny,
    "micrograd": Micrograd,
    "torch": Torch,
    "floats": Floats,
}


def load_engine(name: str) -> Engine:
    """Import and set up one engine (raises ImportError when it is not installed)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose from {sorted(ENGINES)}")
    return ENGINES[name]()
