"""Toy classification data sets, generated in pure Python: no downloads.

Each function returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` points (floats),
``y`` a list of labels.  The binary sets (``xor``, ``moons``, ``circles``)
label their two classes ``labels[0]`` and ``labels[1]``: ``(0, 1)`` by
default, the form ``binary_cross_entropy`` and a sigmoid output take; pass
``labels=(-1, 1)`` for ``hinge`` or a tanh output.  ``spirals`` labels its
classes ``0 … classes-1``, the class indices ``cross_entropy`` takes.
Points are shuffled (seeded), so online training sees the classes mixed.
The same seed gives the same data every time.

>>> from autograd_tiny.datasets import moons, xor
>>> xor()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
>>> X, y = moons(100, noise=0.1, seed=1, labels=(-1, 1))
>>> len(X), sorted(set(y)), moons(100, noise=0.1, seed=1, labels=(-1, 1)) == (X, y)
(100, [-1, 1], True)
"""

from __future__ import annotations

import math
import random
from typing import Any

from . import _checks

__all__ = ["Dataset", "xor", "moons", "circles", "spirals"]

#: ``(X, y)``: the points and their labels.
Dataset = tuple[list[list[float]], list[Any]]


def _count(n: Any, what: str, least: int) -> int:
    return _checks.integer(n, what, minimum=least)


def _noise(noise: Any) -> float:
    return _checks.real(noise, "noise", minimum=0.0, finite=True)


def _rng(seed: Any) -> random.Random:
    return random.Random(_checks.integer(seed, "seed"))


def _labels(labels: Any) -> tuple[Any, Any]:
    ok = isinstance(labels, tuple) and len(labels) == 2
    if not ok or not all(_checks.is_real(v) for v in labels):
        raise TypeError(f"labels must be a pair of numbers such as (0, 1), got {labels!r}")
    if labels[0] == labels[1]:
        raise ValueError(f"the two labels must differ, got {labels!r}")
    return labels[0], labels[1]


def _finish(points: list[tuple[float, float, Any]], rng: random.Random) -> Dataset:
    rng.shuffle(points)
    return [[x1, x2] for x1, x2, _ in points], [label for _, _, label in points]


def _spread(k: int, n: int) -> float:
    """The k-th of n evenly spaced fractions from 0 to 1."""
    return k / (n - 1) if n > 1 else 0.0


def xor(labels: tuple[Any, Any] = (0, 1)) -> Dataset:
    """The four corners of the unit square, labelled by ``x1 XOR x2`` (not shuffled)."""
    off, on = _labels(labels)
    return [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [off, on, on, off]


def moons(
    n: int = 100, noise: float = 0.1, seed: int = 0, *, labels: tuple[Any, Any] = (0, 1)
) -> Dataset:
    """Two interleaving half circles, ``n`` points, Gaussian ``noise`` on each coordinate.

    The upper moon is ``labels[0]``, the lower one ``labels[1]``; sizes differ by at most one.
    """
    n, noise, rng, (a, b) = _count(n, "n", 2), _noise(noise), _rng(seed), _labels(labels)
    upper, lower = n - n // 2, n // 2
    points = []
    for k in range(upper):
        t = math.pi * _spread(k, upper)
        points.append((math.cos(t), math.sin(t), a))
    for k in range(lower):
        t = math.pi * _spread(k, lower)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), b))
    noisy = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise), c) for x, y, c in points]
    return _finish(noisy, rng)


def circles(
    n: int = 100,
    noise: float = 0.05,
    seed: int = 0,
    *,
    factor: float = 0.5,
    labels: tuple[Any, Any] = (0, 1),
) -> Dataset:
    """A unit circle (``labels[0]``) around a circle of radius ``factor`` (``labels[1]``)."""
    n, noise, rng, (a, b) = _count(n, "n", 2), _noise(noise), _rng(seed), _labels(labels)
    factor = _checks.real(factor, "factor", above=0.0, below=1.0)
    outer, inner = n - n // 2, n // 2
    points = []
    for size, radius, label in ((outer, 1.0, a), (inner, float(factor), b)):
        for k in range(size):
            t = 2.0 * math.pi * k / size
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    noisy = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise), c) for x, y, c in points]
    return _finish(noisy, rng)


def spirals(n: int = 150, classes: int = 3, noise: float = 0.2, seed: int = 0) -> Dataset:
    """``classes`` interleaved spiral arms, ``n`` points in all, labelled ``0 … classes-1``.

    Each arm winds 4 radians out from the centre, the arms turned ``2π/classes``
    apart; ``noise`` is the standard deviation of a jitter of the angle, in radians.
    """
    n, classes = _count(n, "n", 1), _count(classes, "classes", 2)
    noise, rng = _noise(noise), _rng(seed)
    points = []
    for c in range(classes):
        size = n // classes + (1 if c < n % classes else 0)
        for k in range(size):
            r = _spread(k, size)
            t = 2.0 * math.pi * c / classes + 4.0 * r + rng.gauss(0.0, noise)
            points.append((r * math.sin(t), r * math.cos(t), c))
    return _finish(points, rng)
