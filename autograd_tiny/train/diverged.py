"""What ``fit`` says when training diverges: a loss or a gradient that is not finite.

The error names the epoch and the sample, and is raised before the update
that would spread the value into the weights.  It blames the learning rate
only once an update has been made: ``fit`` has checked that the data are
finite, so a non-finite value before any update comes from the model, the
loss or the scale of the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..engine import Value

__all__ = ["non_finite_loss", "finite_gradients", "non_finite_gradient"]


def _advice(updated: bool) -> str:
    """Blame the learning rate only once it has had a say: after an update."""
    if updated:
        return "lower the learning rate, or find the op with autograd_tiny.detect_anomaly()"
    return (
        "no update had been made, so not the learning rate: look for inputs or targets too "
        "large for the model or the loss, or find the op with autograd_tiny.detect_anomaly()"
    )


def non_finite_loss(
    value: float, losses_: Sequence[float], indices: Sequence[int], epoch: int, *, updated: bool
) -> FloatingPointError:
    """The error for an update whose loss is ``value``, naming the first bad sample."""
    bad = [i for loss, i in zip(losses_, indices, strict=True) if not math.isfinite(loss)]
    where = f"sample {bad[0]}" if bad else f"the L2 term or the sum over samples {list(indices)}"
    return FloatingPointError(
        f"fit: the loss became {value!r} at epoch {epoch}, {where}; {_advice(updated)}"
    )


def finite_gradients(params: Sequence[Value]) -> bool:
    """Every ``p.grad`` is finite (one sum in the common case, exact when it overflows)."""
    return math.isfinite(sum(p.grad for p in params)) or all(math.isfinite(p.grad) for p in params)


def non_finite_gradient(
    setup: tuple[Any, Sequence[Any], Sequence[Any], Any],
    params: Sequence[Value],
    indices: Sequence[int],
    epoch: int,
    *,
    updated: bool,
) -> FloatingPointError:
    """The error for an update whose gradient is not finite, naming the sample that made it.

    ``setup`` is ``(model, X, y, loss)``.  With several samples, each one's
    gradient is computed again on its own to find the first that is not finite;
    the parameters' ``.grad`` then hold that sample's gradient.
    """
    value = next(p.grad for p in params if not math.isfinite(p.grad))
    bad = indices[0] if len(indices) == 1 else _first_bad_sample(setup, params, indices)
    where = f"sample {bad}" if bad is not None else f"the L2 term or the sum over {list(indices)}"
    return FloatingPointError(
        f"fit: a gradient became {value!r} at epoch {epoch}, {where}, and the weights were not "
        f"updated with it; {_advice(updated)}"
    )


def _first_bad_sample(
    setup: tuple[Any, Sequence[Any], Sequence[Any], Any], params: Sequence[Value], indices: Any
) -> int | None:
    model, X, y, loss = setup
    for i in indices:
        for p in params:
            p.grad = 0.0
        loss(model(X[i]), y[i]).backward()
        if not finite_gradients(params):
            return int(i)
    return None
