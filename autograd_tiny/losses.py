"""Loss functions on ``Value``s, numerically stable, with clear errors.

Reduction rules: ``pred`` and ``target`` are either one number (a ``Value``
or a plain number) each, or two sequences of the same length, compared
element by element — the outputs of one sample, or one scalar output over a
batch.  ``squared_error`` *sums* (it is the classic ``E = ½ Σ (t − y)²`` of
one pattern); ``mse``, ``hinge`` and ``binary_cross_entropy`` take the *mean*
over the elements.  ``cross_entropy`` takes one sample's logits and a class
index, or a batch (a sequence of logit lists and one of indices) and then
takes the mean.  Every loss returns a ``Value``.

>>> from autograd_tiny import Value
>>> from autograd_tiny.losses import squared_error, hinge, cross_entropy
>>> squared_error([Value(1.0), Value(2.0)], [0.0, 0.0]).data
2.5
>>> hinge([Value(0.5), Value(-2.0)], [1, -1]).data
0.25
>>> loss = cross_entropy([Value(1000.0), Value(-1000.0)], 1)
>>> loss.backward()
>>> loss.data
2000.0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from . import _checks
from .engine import Value, as_float

__all__ = [
    "squared_error",
    "mse",
    "hinge",
    "binary_cross_entropy",
    "softmax",
    "log_softmax",
    "cross_entropy",
]

Scalar = Value | float


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (Value, numbers.Real))


def _scalar(x: Any, what: str) -> Scalar:
    if type(x) is Value:
        return x
    return as_float(x, what)


def _elements(x: Any, what: str) -> list[Any]:
    if _is_scalar(x):
        return [x]
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{what} must be a number, a Value or a sequence, got {type(x).__name__}")
    if not x:
        raise ValueError(f"{what} is empty")
    return list(x)


def _pairs(pred: Any, target: Any, name: str) -> list[tuple[Scalar, Scalar]]:
    """``pred`` and ``target`` paired element by element, checked."""
    ps, ts = _elements(pred, f"{name}: pred"), _elements(target, f"{name}: target")
    if len(ps) != len(ts):
        raise ValueError(f"{name}: {len(ps)} predictions but {len(ts)} targets")
    return [
        (_scalar(p, f"{name}: pred"), _scalar(t, f"{name}: target"))
        for p, t in zip(ps, ts, strict=True)
    ]


def _total(terms: list[Any]) -> Value:
    """The sum of ``terms`` (at least one) as a ``Value``: ``n − 1`` nodes."""
    acc = terms[0]
    for term in terms[1:]:
        acc = acc + term
    return acc if type(acc) is Value else Value(acc, requires_grad=False)


def squared_error(pred: Any, target: Any) -> Value:
    """``½ Σ (t − y)²``: the error of the classic backpropagation derivation.

    >>> squared_error(Value(3.0), 1.0).data
    2.0
    """
    diffs = [p - t for p, t in _pairs(pred, target, "squared_error")]
    return _total([d * d for d in diffs]) * 0.5


def mse(pred: Any, target: Any) -> Value:
    """The mean of ``(t − y)²`` over the elements.

    >>> mse([Value(1.0), Value(3.0)], [0.0, 0.0]).data
    5.0
    """
    diffs = [p - t for p, t in _pairs(pred, target, "mse")]
    return _total([d * d for d in diffs]) * (1.0 / len(diffs))


def _labels(pairs: list[tuple[Scalar, Scalar]], allowed: str, name: str) -> list[float]:
    labels = []
    for i, (_, t) in enumerate(pairs):
        if type(t) is Value:
            raise TypeError(f"{name}: labels must be plain numbers, got a Value at {i}")
        ok = t in (-1.0, 1.0) if allowed == "±1" else 0.0 <= t <= 1.0
        if not ok:
            raise ValueError(f"{name}: labels must be {allowed}, got {t!r} at index {i}")
        labels.append(t)
    return labels


def hinge(score: Any, label: Any) -> Value:
    """The max-margin loss ``max(0, 1 − label · score)``, labels ``±1``; mean over elements.

    >>> hinge(Value(0.25), -1).data
    1.25
    """
    pairs = _pairs(score, label, "hinge")
    labels = _labels(pairs, "±1", "hinge")
    terms = [_as_value(s).fma(-t, 1.0).relu() for (s, _), t in zip(pairs, labels, strict=True)]
    return _total(terms) * (1.0 / len(terms))


def binary_cross_entropy(logit: Any, target: Any) -> Value:
    """``−t·log σ(z) − (1−t)·log(1−σ(z))`` from logits ``z``; targets in [0, 1]; mean.

    Computed as ``softplus(z) − t·z``: finite for any finite logit, and its
    gradient ``σ(z) − t`` too.

    >>> binary_cross_entropy(Value(0.0), 1).data == math.log(2.0)
    True
    """
    pairs = _pairs(logit, target, "binary_cross_entropy")
    targets = _labels(pairs, "in [0, 1]", "binary_cross_entropy")
    logits = [_as_value(z) for z, _ in pairs]
    terms = [z.fma(-t, z.softplus()) for z, t in zip(logits, targets, strict=True)]
    return _total(terms) * (1.0 / len(terms))


def _as_value(x: Scalar) -> Value:
    return x if type(x) is Value else Value(x, requires_grad=False)


def _logits(logits: Any, name: str) -> list[Value]:
    values = _elements(logits, f"{name}: logits")
    return [_as_value(_scalar(z, f"{name}: logits")) for z in values]


def _shifted(zs: list[Value]) -> tuple[list[Value], Value]:
    """``z − m`` for each logit and ``log Σ exp(z − m)``, ``m`` the largest logit.

    Shifting by the largest logit keeps every ``exp`` at most 1, so nothing
    overflows.  The shift is a plain number: the results do not depend on it,
    so no gradient needs to flow through it.
    """
    m = _shift(zs)
    shifted = [z - m for z in zs]
    return shifted, _total([s.exp() for s in shifted]).log()


def _shift(zs: list[Value]) -> float:
    """The largest logit, or 0 when it is not finite (then IEEE gives inf or nan honestly)."""
    m = max(z.data for z in zs)
    return m if math.isfinite(m) else 0.0


def softmax(logits: Any) -> list[Value]:
    """``exp(zᵢ) / Σ exp(z)``, stable for logits of any size.

    >>> [round(p.data, 4) for p in softmax([Value(0.0), Value(math.log(3.0))])]
    [0.25, 0.75]
    """
    zs = _logits(logits, "softmax")
    m = _shift(zs)
    exps = [(z - m).exp() for z in zs]
    inverse = 1.0 / _total(exps)
    return [e * inverse for e in exps]


def log_softmax(logits: Any) -> list[Value]:
    """``zᵢ − log Σ exp(z)``, stable for logits of any size.

    >>> [p.data for p in log_softmax([Value(1000.0), Value(1000.0)])] == [-math.log(2)] * 2
    True
    """
    shifted, log_total = _shifted(_logits(logits, "log_softmax"))
    return [s - log_total for s in shifted]


def cross_entropy(logits: Any, target: Any) -> Value:
    """``−log softmax(logits)[target]`` for a class index; the mean over a batch.

    A batch is a sequence of logit sequences with a sequence of class indices.

    >>> batch = [[Value(0.0), Value(0.0)], [Value(5.0), Value(5.0)]]
    >>> cross_entropy(batch, [0, 1]).data == math.log(2.0)
    True
    """
    if isinstance(target, Sequence) and not isinstance(target, (str, bytes)):
        samples = _elements(logits, "cross_entropy: logits")
        if len(samples) != len(target):
            raise ValueError(f"cross_entropy: {len(samples)} samples but {len(target)} targets")
        if any(_is_scalar(z) for z in samples):
            raise TypeError("cross_entropy: with a sequence of targets, logits must be a batch")
        terms = [cross_entropy(z, k) for z, k in zip(samples, target, strict=True)]
        return _total(terms) * (1.0 / len(terms))
    zs = _logits(logits, "cross_entropy")
    k = _checks.integer(target, "the class index", who="cross_entropy")
    if not 0 <= k < len(zs):
        raise ValueError(f"cross_entropy: class index {k} out of range for {len(zs)} logits")
    shifted, log_total = _shifted(zs)
    return log_total - shifted[k]
