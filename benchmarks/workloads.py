"""The workloads, written once for every engine through its adapter.

A workload is built by ``prepare(engine, name, size)`` into a function that
runs one iteration: one demo step, one online step, one chain or one sum,
forward and backward, the graph dropped at the end (as in a training loop).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from .data import DIVPOW_C, DIVPOW_P, chain_leaves, divpow_leaves, mlp_weights, moons
from .engines import Engine

__all__ = ["WORKLOADS", "chain", "chain_divpow", "check", "prepare", "sum_of_products"]

#: name -> what one iteration is, for the table
WORKLOADS: dict[str, str] = {
    "demo": "demo MLP step: MLP(2,[16,16,1]), {size} moons, hinge + 1e-4 L2, fwd+bwd+SGD",
    "online": "one-sample online SGD step, same network",
    "chain": "chain of {size:,} mixed ops (x·a, +0.01, relu, −b), fwd+bwd",
    "divpow": "chain of {size:,} ops (x·a, +0.01, relu, −b, /d, **0.999), fwd+bwd",
    "sum": "sum of {size:,} products Σ xᵢ·yᵢ (twice as many ops), fwd+bwd",
}


def chain(engine: Engine, n: int, leaves: Sequence[Any]) -> Any:
    """``n`` ops cycling through ``x·a, x+0.01, relu(x), x−b``; returns the last."""
    x, a, b = leaves
    relu = engine.relu
    for _ in range(n // 4):
        x = relu(x * a + 0.01) - b
    remainder: list[Callable[[Any], Any]] = [lambda v: v * a, lambda v: v + 0.01, relu]
    for op in remainder[: n % 4]:
        x = op(x)
    return x


def chain_divpow(engine: Engine, n: int, leaves: Sequence[Any]) -> Any:
    """``n`` ops cycling through ``x·a, x+c, relu(x), x−b, x/d, x**p``; returns the last.

    Division by a leaf and a power with a number exponent, as micrograd's users
    write them (micrograd itself makes ``x/d`` two nodes, ``x * d**-1``).
    """
    x, a, b, d = leaves
    relu, c, p = engine.relu, DIVPOW_C, DIVPOW_P
    for _ in range(n // 6):
        x = ((relu(x * a + c) - b) / d) ** p
    steps: list[Callable[[Any], Any]] = [
        lambda v: v * a, lambda v: v + c, relu, lambda v: v - b, lambda v: v / d
    ]  # fmt: skip
    for op in steps[: n % 6]:
        x = op(x)
    return x


def sum_of_products(xs: Sequence[Any], ys: Sequence[Any]) -> Any:
    """Σ xᵢ·yᵢ with Python's ``sum``: a left-leaning chain of additions."""
    return sum(x * y for x, y in zip(xs, ys, strict=True))


def _pair_data(n: int) -> tuple[list[float], list[float]]:
    rng = random.Random(3)
    return [rng.uniform(-1, 1) for _ in range(n)], [rng.uniform(-1, 1) for _ in range(n)]


def _train_step(engine: Engine, loss: Callable[[], Any], params: list[Any]) -> Callable[[], Any]:
    zero_grad, step = engine.sgd(params)

    def run() -> Any:
        root = loss()
        if not engine.forward_only:
            zero_grad()
            engine.backward(root)
            step()
        return root

    return run


def prepare(engine: Engine, name: str, size: int = 0) -> Callable[[], Any]:
    """One iteration of workload ``name``; returns its root (for the check)."""
    if name in ("demo", "online"):
        model, params = engine.mlp(mlp_weights())
        x, y = moons(size or 100)
        if name == "demo":
            return _train_step(engine, lambda: engine.demo_loss(model, params, x, y), params)
        sample = iter(range(10**12))
        return _train_step(
            engine, lambda: engine.online_loss(model, *_nth(x, y, next(sample))), params
        )
    if name == "chain":
        leaves = [engine.leaf(v) for v in chain_leaves()]
        return _forward_backward(engine, lambda: chain(engine, size, leaves))
    if name == "divpow":
        leaves = [engine.leaf(v) for v in divpow_leaves()]
        return _forward_backward(engine, lambda: chain_divpow(engine, size, leaves))
    if name == "sum":
        xs, ys = ([engine.leaf(v) for v in vs] for vs in _pair_data(size))
        return _forward_backward(engine, lambda: sum_of_products(xs, ys))
    raise ValueError(f"unknown workload {name!r}; choose from {sorted(WORKLOADS)}")


def _nth(x: list[list[float]], y: list[float], i: int) -> tuple[list[float], float]:
    return x[i % len(x)], y[i % len(y)]


def _forward_backward(engine: Engine, build: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        root = build()
        engine.backward(root)
        return root

    return run


def check(
    engine: Engine, chain_size: int = 400, sum_size: int = 50, samples: int = 100
) -> dict[str, list[float]]:
    """Losses and gradients of one iteration of each workload, for the cross-check.

    The first number is the forward result; gradients follow (none for floats).
    """
    results: dict[str, list[float]] = {}
    model, params = engine.mlp(mlp_weights())
    x, y = moons(samples)
    for name, root in (
        ("demo", engine.demo_loss(model, params, x, y)),
        ("online", engine.online_loss(model, x[0], y[0])),
    ):
        engine.sgd(params)[0]()
        engine.backward(root)
        results[name] = _result(engine, root, params)
    leaves = [engine.leaf(v) for v in chain_leaves()]
    root = chain(engine, chain_size, leaves)
    engine.backward(root)
    results["chain"] = _result(engine, root, leaves)
    leaves = [engine.leaf(v) for v in divpow_leaves()]
    root = chain_divpow(engine, chain_size, leaves)
    engine.backward(root)
    results["divpow"] = _result(engine, root, leaves)
    xs, ys = ([engine.leaf(v) for v in vs] for vs in _pair_data(sum_size))
    root = sum_of_products(xs, ys)
    engine.backward(root)
    results["sum"] = _result(engine, root, xs + ys)
    return results


def _result(engine: Engine, root: Any, leaves: list[Any]) -> list[float]:
    grads = [] if engine.forward_only else [engine.grad(v) for v in leaves]
    return [engine.value(root), *grads]
