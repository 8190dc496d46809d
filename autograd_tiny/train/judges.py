"""Deciding whether a prediction is correct, for ``fit``'s accuracy.

A *judge* takes a model output (a float, or a list of floats) and a target,
and says whether the prediction is right.  ``judge_for`` picks one from the
labels and the loss (``accuracy="auto"``):

- ``cross_entropy``, or targets that are sequences (one-hot): the largest
  output names the class (the target's class index, or its largest entry);
- labels ``±1``: the sign of the output (``hinge``, a tanh output);
- labels ``0``/``1``: the output is above 0 for ``binary_cross_entropy``
  (a logit), above 0.5 otherwise (a sigmoid or a regression on 0/1);
- anything else is regression: no accuracy.

>>> judge = judge_for([-1, 1, 1], None, "auto")
>>> judge(0.3, 1), judge(0.3, -1)
(True, False)
>>> judge_for([0.5, 2.0], None, "auto") is None
True
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .. import losses
from ..engine import Value
from ..modes import no_grad

__all__ = ["Judge", "judge_for", "check_judged", "argmax", "output_data", "evaluate"]

#: ``judge(output, target) -> bool``: is the prediction right?
Judge = Callable[[Any, Any], bool]


def argmax(xs: Sequence[float]) -> int:
    """The index of the largest entry (the first, on a tie).

    >>> argmax([0.1, 0.7, 0.2])
    1
    """
    return max(range(len(xs)), key=xs.__getitem__)


def _by_class(output: Any, target: Any) -> bool:
    check_judged(_by_class, output, target)
    wanted = argmax(target) if isinstance(target, Sequence) else target
    return bool(argmax(output) == wanted)


def check_judged(judge: Judge | None, output: Any, target: Any) -> None:
    """``ValueError`` if ``judge`` cannot judge this output: by class, with one output.

    >>> check_judged(judge_for([0, 2, 1], losses.cross_entropy, "auto"), 0.7, 2)
    Traceback (most recent call last):
        ...
    ValueError: accuracy by the largest output needs one output per class, but the model has ...
    """
    if judge is not _by_class:
        return
    if isinstance(output, (Value, numbers.Real)):
        n = 1
    elif isinstance(target, Sequence) and len(output) != len(target):
        n = len(output)
    else:
        return
    per_class = f"one output per class ({len(target)})" if n > 1 else "one output per class"
    raise ValueError(
        f"accuracy by the largest output needs {per_class}, but the model has {n} "
        f"output{'s' if n > 1 else ''}; pass accuracy=None or a function (output, target) -> bool"
    )


def _by_sign(output: float, target: Any) -> bool:
    return bool((output > 0.0) == (target > 0))


def _by_threshold(threshold: float) -> Judge:
    return lambda output, target: (output > threshold) == (target > 0.5)


def judge_for(y: Sequence[Any], loss: Any, accuracy: Judge | str | None) -> Judge | None:
    """The judge for ``fit(accuracy=...)``: ``"auto"``, ``None`` or your own function."""
    if accuracy is None:
        return None
    if callable(accuracy):
        return accuracy
    if accuracy != "auto":
        raise ValueError(f"accuracy must be 'auto', None or a function, got {accuracy!r}")
    if loss is losses.cross_entropy or all(isinstance(t, Sequence) for t in y):
        return _by_class
    if not all(isinstance(t, numbers.Real) for t in y):
        return None
    labels = {float(t) for t in y}
    if labels == {-1.0, 1.0}:
        return _by_sign
    if labels == {0.0, 1.0}:
        return _by_threshold(0.0 if loss is losses.binary_cross_entropy else 0.5)
    return None


def output_data(output: Any) -> Any:
    """A model output as plain numbers: a float, or a list of floats."""
    if isinstance(output, (Value, numbers.Real)):
        return float(output)
    return [float(o) for o in output]


def evaluate(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    loss: Callable[[Any, Any], Value] | None = None,
    accuracy: Judge | str | None = "auto",
) -> tuple[float | None, float | None]:
    """``(mean loss, accuracy)`` of ``model`` on ``(X, y)`` as it is now, recording no graph.

    Each is ``None`` when not asked for (no ``loss``) or not defined (regression).

    >>> evaluate(lambda x: x[0], [[0.2], [0.9]], [0, 1])  # 0/1 labels: threshold 0.5
    (None, 1.0)
    """
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"evaluate: X and y must be non-empty and as long, got {len(X)}, {len(y)}")
    judge = judge_for(y, loss, accuracy)
    with no_grad():
        outputs = [model(x) for x in X]
        losses_ = [] if loss is None else [loss(o, t).data for o, t in zip(outputs, y, strict=True)]
    mean = sum(losses_) / len(y) if losses_ else None
    if judge is None:
        return mean, None
    return mean, sum(judge(output_data(o), t) for o, t in zip(outputs, y, strict=True)) / len(y)
