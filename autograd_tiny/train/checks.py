"""``fit``'s checks: its arguments and data before training, the first sample's output.

Everything a wrong argument would otherwise break deep inside training (a
``TypeError`` from ``metrics``, a loss of 0 on a model with too few outputs,
weights that silently turn NaN) is refused here, before the first update,
with a message naming the argument, the row or the count that is wrong.

>>> check_data([[0.0, 1.0], [2.0, float("inf")]], [0, 1])
Traceback (most recent call last):
    ...
ValueError: fit: X[1][1] is inf (row 1, column 1): every input must be a finite number; ...
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .. import _checks, losses
from ..engine import Value, as_float
from .judges import Judge, check_judged

__all__ = ["check_arguments", "check_data", "check_model", "check_labels", "checked_loss"]

MODES: tuple[str, ...] = ("online", "stochastic", "batch", "minibatch")
_ONE_TO_ONE = (losses.squared_error, losses.mse, losses.hinge, losses.binary_cross_entropy)


def _kind(x: Any) -> str:
    return f"the class {x.__name__}" if isinstance(x, type) else type(x).__name__


def check_arguments(model: Any, loss: Any, **options: Any) -> None:
    """Refuse nonsense in ``fit``'s arguments other than the data, naming the argument."""
    if isinstance(model, type) or not callable(model):
        raise TypeError(f"fit: model must be a model such as nn.MLP(2, [8, 1]), got {_kind(model)}")
    if isinstance(loss, type) or not callable(loss):
        raise TypeError(
            f"fit: loss must be a function (output, target) -> Value such as losses.mse, "
            f"got {_kind(loss)}"
        )
    mode, batch_size = options["mode"], options["batch_size"]
    _checks.choice(mode, "mode", MODES, who="fit")
    if (mode == "minibatch") != (batch_size is not None):
        raise ValueError("fit: batch_size is required by mode='minibatch' and only by it")
    _checks.integer(options["epochs"], "epochs", minimum=1, who="fit")
    _checks.integer(batch_size, "batch_size", minimum=1, none=True, who="fit")
    _checks.integer(options["seed"], "seed", who="fit")
    _checks.real(options["l2"], "l2", minimum=0.0, finite=True, who="fit")
    target_loss = _checks.real(options["target_loss"], "target_loss", none=True, who="fit")
    if target_loss is not None and math.isnan(target_loss):
        raise ValueError("fit: target_loss must be a number, not nan")
    for name in ("stop_when_all_correct", "record_updates"):
        _checks.boolean(options[name], name, who="fit")
    _checks.boolean(options["progress"], "progress", none=True, who="fit")
    callback = options["callback"]
    if callback is not None and not callable(callback):
        raise TypeError(f"fit: callback must be a function (epoch, history), got {_kind(callback)}")
    needs = "l2" if options["l2"] else "compiled" if options["compiled"] is not None else ""
    if needs and parameters_of(model) is None:
        raise TypeError(f"fit: {needs} needs a model with parameters(), such as an nn module")


def parameters_of(model: Any) -> list[Value] | None:
    """``model.parameters()``, or None for a model without them (a plain function)."""
    parameters: Any = getattr(model, "parameters", None)
    return list(parameters()) if callable(parameters) else None


def trained_parameters(model: Any, optimizer: Any) -> list[Value]:
    """The parameters an update changes: the optimizer's, else the model's, else none known."""
    held = getattr(optimizer, "params", None)
    if isinstance(held, (list, tuple)) and all(isinstance(p, Value) for p in held):
        return list(held)
    return parameters_of(model) or []


def check_model(model: Any, optimizer: Any, width: int | None) -> None:
    """The optimizer is one and holds the model's parameters; the model takes rows this wide."""
    step, zero_grad = getattr(optimizer, "step", None), getattr(optimizer, "zero_grad", None)
    if isinstance(optimizer, type) or not (callable(step) and callable(zero_grad)):
        raise TypeError(
            "fit: optimizer must be an optimizer such as optim.SGD(model.parameters(), lr=0.1), "
            f"got {_kind(optimizer)}"
        )
    mine, held = parameters_of(model), getattr(optimizer, "params", None)
    if mine is not None and isinstance(held, (list, tuple)):
        ids = {id(p) for p in mine}
        if not any(id(p) in ids for p in held):
            raise ValueError(
                "fit: the optimizer holds none of the model's parameters, so training would "
                "change nothing; make it from this model: optim.SGD(model.parameters(), lr=...)"
            )
    nin = getattr(model, "nin", None)
    if type(nin) is int and (width or 1) != nin:
        rows = "single numbers" if width is None else f"{width} numbers"
        raise ValueError(f"fit: the model takes {nin} inputs, but the rows of X hold {rows}")


def _is_sequence(x: Any) -> bool:
    """Lists, tuples, NumPy arrays: anything with a length and indexing, but not text."""
    if isinstance(x, (str, bytes, Mapping)):
        return False
    return hasattr(x, "__len__") and hasattr(x, "__getitem__")


def check_data(X: Any, y: Any) -> int | None:
    """Refuse data ``fit`` cannot learn from; return the width of X's rows (None: numbers)."""
    for name, seq in (("X", X), ("y", y)):
        if not _is_sequence(seq):
            raise TypeError(f"fit: {name} must be a sequence, got {type(seq).__name__}")
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit: X and y must be non-empty and as long, got {len(X)} and {len(y)}")
    width = _check_rows("X", X, "input")
    _check_rows("y", y, "target")
    return width


def _check_rows(name: str, data: Any, what: str) -> int | None:
    """Check each row; all rows hold as many numbers: return that (None: single numbers)."""
    first: int | None = None
    for row in range(len(data)):
        item = data[row]
        _check_row(name, row, item, what)
        width = len(item) if _is_sequence(item) else None
        if row == 0:
            first = width
        elif width != first:
            raise ValueError(
                f"fit: the rows of {name} differ: {name}[0] holds {_shape(first)}, "
                f"{name}[{row}] {_shape(width)}"
            )
    return first


def _shape(width: int | None) -> str:
    return "a single number" if width is None else f"{width} number{'' if width == 1 else 's'}"


def _check_row(name: str, row: int, item: Any, what: str) -> None:
    """Every number of one sample is a finite real number (nested sequences allowed)."""
    stack: list[tuple[tuple[int, ...], Any]] = [((row,), item)]
    while stack:
        path, item = stack.pop()
        where = name + "".join(f"[{i}]" for i in path)
        if _is_sequence(item):
            stack.extend(reversed([((*path, i), item[i]) for i in range(len(item))]))
            continue
        try:
            number = item.data if isinstance(item, Value) else as_float(item)
        except TypeError:
            shown = repr(item) if len(repr(item)) <= 40 else repr(item)[:40] + "…"
            raise TypeError(
                f"fit: {where} must be a number, got {type(item).__name__}: {shown}"
            ) from None
        if not math.isfinite(number):
            at = f"row {row}" + (f", column {path[1]}" if len(path) > 1 else "")
            raise ValueError(
                f"fit: {where} is {number!r} ({at}): every {what} must be a finite number; "
                "fix or drop that sample"
            )


def check_labels(y: Sequence[Any], loss: Any) -> None:
    """The targets are what the library's loss takes: class indices, ±1 or [0, 1]."""
    name = getattr(loss, "__name__", "the loss")
    for row in range(len(y)):
        target = y[row]
        if loss is losses.cross_entropy:
            integral = _checks.is_integer(target)
            if not integral or int(target) < 0:
                raise (TypeError if not integral else ValueError)(
                    f"fit: cross_entropy takes one class index (0, 1, 2, …) per sample, got "
                    f"y[{row}] = {target!r} ({type(target).__name__})"
                )
            continue
        numbers_ = [float(t) for t in target] if _is_sequence(target) else [float(target)]
        if loss is losses.hinge and any(t not in (-1.0, 1.0) for t in numbers_):
            raise ValueError(
                f"fit: hinge takes labels -1 and 1, got y[{row}] = {target!r}; datasets' "
                "labels=(-1, 1) gives them, or use losses.binary_cross_entropy for labels 0 and 1"
            )
        if loss is losses.binary_cross_entropy and any(not 0 <= t <= 1 for t in numbers_):
            raise ValueError(
                f"fit: {name} takes targets in [0, 1], got y[{row}] = {target!r}; "
                "for labels -1 and 1 use losses.hinge"
            )


def _outputs(out: Any) -> int | None:
    """How many outputs a model's (or a target's) value holds; None if not plain numbers."""
    if isinstance(out, (Value, numbers.Real)):
        return 1
    if _is_sequence(out) and all(isinstance(o, (Value, numbers.Real)) for o in out):
        return len(out)
    return None


def _check_first(out: Any, target: Any, loss: Any, y: Sequence[Any], judge: Judge | None) -> None:
    """The model's outputs suit the loss and the labels (checked on the first sample)."""
    if out is None or isinstance(out, (str, bytes)):
        raise TypeError(f"fit: the model returned {out!r}, not a Value or a list of Values")
    n, name = _outputs(out), getattr(loss, "__name__", "the loss")
    s = "" if n == 1 else "s"
    if loss is losses.cross_entropy and n is not None:
        top = max(int(t) for t in y)
        if n < max(top + 1, 2):
            hint = "; for two classes, one output: losses.binary_cross_entropy" if n == 1 else ""
            raise ValueError(
                f"fit: cross_entropy needs one output per class (the labels have {top + 1} "
                f"class{'es' if top else ''}, 0 to {top}) but the model has {n} output{s}{hint}"
            )
    m = _outputs(target)
    if loss in _ONE_TO_ONE and n is not None and m is not None and n != m:
        raise ValueError(
            f"fit: {name} compares each output with its target, but the model has {n} output{s} "
            f"and each target holds {m} number{'' if m == 1 else 's'}"
        )
    check_judged(judge, out, target)


def checked_loss(loss: Callable[[Any, Any], Value], y: Sequence[Any], judge: Judge | None) -> Any:
    """``loss``, checking the first output it is given and that it returns ``Value``s."""
    first = [True]

    def checked(out: Any, target: Any) -> Value:
        if first:
            _check_first(out, target, loss, y, judge)
            first.clear()
        result = loss(out, target)
        if not isinstance(result, Value):
            name = getattr(loss, "__name__", "the loss")
            kind = type(result).__name__
            raise TypeError(f"fit: {name} must return a Value, got {kind}: {result!r}")
        return result

    return checked
