"""The shared inputs of every engine: moons data, initial weights, sizes.

Everything is generated here from fixed seeds in pure Python, so that every
engine, in its own process, starts from bit-identical numbers.
"""

from __future__ import annotations

import itertools
import math
import random

__all__ = [
    "ALPHA",
    "LR",
    "SIZES",
    "Weights",
    "moons",
    "mlp_weights",
    "chain_leaves",
    "divpow_leaves",
    "DIVPOW_C",
    "DIVPOW_P",
]

SIZES: tuple[int, ...] = (2, 16, 16, 1)  # MLP(2, [16, 16, 1]), as micrograd's demo
ALPHA = 1e-4  # the demo's L2 coefficient
LR = 0.05  # a fixed SGD step; the weights' values do not change the graph's size

#: ``weights[layer][neuron] = (w, b)``
Weights = list[list[tuple[list[float], float]]]


def moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    """Two interleaved half circles with Gaussian noise; labels ±1, shuffled."""
    rng = random.Random(seed)
    upper = n // 2
    points: list[tuple[list[float], float]] = []
    for i in range(n):
        lower = i >= upper
        count = n - upper if lower else upper
        t = math.pi * (i - upper if lower else i) / max(count - 1, 1)
        x, y = (1 - math.cos(t), 0.5 - math.sin(t)) if lower else (math.cos(t), math.sin(t))
        points.append(([x + rng.gauss(0, noise), y + rng.gauss(0, noise)], 1.0 if lower else -1.0))
    rng.shuffle(points)
    return [p for p, _ in points], [label for _, label in points]


def mlp_weights(sizes: tuple[int, ...] = SIZES, seed: int = 2) -> Weights:
    """micrograd's initialisation, seeded: weights uniform in [-1, 1], biases 0."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in itertools.pairwise(sizes)
    ]


def chain_leaves() -> tuple[float, float, float]:
    """``x0, a, b`` of the mixed chain ``x*a, x+0.01, relu(x), x-b`` (stays near 5)."""
    return 1.0, 0.999, 0.005


DIVPOW_C, DIVPOW_P = 0.01, 0.999  # the number operands of the chain that divides and powers


def divpow_leaves() -> tuple[float, float, float, float]:
    """``x0, a, b, d`` of ``x*a, x+c, relu(x), x-b, x/d, x**p`` (stays near 1: a contraction)."""
    return 1.0, 0.999, 0.005, 1.001
