"""``fit(..., compiled=backend)``: the training step replayed from recorded programs.

One sample's loss is recorded once per distinct target (targets are constants
of the loss: a class label, a ±1), with the model's output as an auxiliary
value, and then replayed for every sample and every epoch.  The update is the
eager step's: the mean of the samples' losses, the L2 term's gradient added
to each parameter's ``.grad``, then ``optimizer.step()``.

>>> from autograd_tiny import nn, losses, optim, datasets
>>> from autograd_tiny.train import fit
>>> X, y = datasets.xor(labels=(-1, 1))
>>> model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
>>> history = fit(model, X, y, loss=losses.hinge, optimizer=optim.SGD(model.parameters(), lr=0.2),
...               epochs=200, stop_when_all_correct=True, progress=False, compiled="python")
>>> history.stopped_by, history.accuracy[-1]
('all_correct', 1.0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import Value
from ..replay.program import BACKENDS, Program, record
from . import checks, diverged

__all__ = ["make_replayed_step"]


def _row(x: Any) -> list[Any]:
    """A sample's inputs as a flat list (a single number is a row of one)."""
    return [x] if isinstance(x, numbers.Real) else list(x)


def _key(target: Any) -> Any:
    try:
        hash(target)
    except TypeError:  # a list target: its numbers make the key
        return repr(target)
    return target


def make_replayed_step(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: Callable[[Any, Any], Value],
    optimizer: Any,
    l2: float,
    backend: Any,
) -> Callable[[Sequence[int], int], tuple[float, list[Any]]]:
    """``fit``'s step, forward and backward replayed by ``backend`` (see ``replay.BACKENDS``)."""
    if backend not in BACKENDS:
        raise ValueError(f"fit: compiled must be None or one of {BACKENDS}, got {backend!r}")
    params = model.parameters()
    trained, updates = checks.trained_parameters(model, optimizer), [0]
    programs: dict[Any, Program] = {}

    def program_for(i: int) -> Program:
        key = _key(y[i])
        if key not in programs:
            programs[key] = _record_sample(model, loss, X[i], y[i], params, backend)
        return programs[key]

    def step(indices: Sequence[int], epoch: int) -> tuple[float, list[Any]]:
        optimizer.zero_grad()
        seed = 1.0 / len(indices)
        if backend == "numpy":
            losses, outputs = _numpy_pass(program_for, X, indices, seed)
        else:
            pairs = [program_for(i).backward(*_row(X[i]), grad_output=seed) for i in indices]
            losses, outputs = [p[0] for p in pairs], [p[1] for p in pairs]
        value = sum(losses) / len(indices)
        if l2:
            value += l2 * sum(p.data * p.data for p in params)
        if not math.isfinite(value):
            raise diverged.non_finite_loss(value, losses, indices, epoch, updated=updates[0] > 0)
        if l2:
            for p in params:
                p.grad += 2.0 * l2 * p.data
        if not diverged.finite_gradients(trained):
            setup, updated = (model, X, y, loss), updates[0] > 0
            raise diverged.non_finite_gradient(setup, trained, indices, epoch, updated=updated)
        optimizer.step()
        updates[0] += 1
        return value, outputs

    return step


def _record_sample(
    model: Any, loss: Callable[[Any, Any], Value], x: Any, target: Any, params: Any, backend: str
) -> Program:
    single = isinstance(x, numbers.Real)

    def sample(*inputs: Value) -> tuple[Value, Any]:
        out = model(inputs[0] if single else list(inputs))
        return loss(out, target), out

    return record(sample, *_row(x), params=params, backend=backend, grad_inputs=False, has_aux=True)


def _numpy_pass(
    program_for: Callable[[int], Program], X: Sequence[Any], indices: Sequence[int], seed: float
) -> tuple[list[float], list[Any]]:
    """One numpy batch per distinct target; losses and outputs back in sample order."""
    groups: dict[int, list[int]] = {}
    for i in indices:
        groups.setdefault(id(program_for(i)), []).append(i)
    losses: dict[int, float] = {}
    outputs: dict[int, Any] = {}
    for members in groups.values():
        columns = list(zip(*(_row(X[i]) for i in members), strict=True))
        out, aux = program_for(members[0]).backward(*columns, grad_output=seed)
        for k, i in enumerate(members):
            losses[i] = float(out[k])
            outputs[i] = float(aux[k]) if not isinstance(aux, list) else [float(a[k]) for a in aux]
    return [losses[i] for i in indices], [outputs[i] for i in indices]
