"""``Module``: the base of every network part — parameters, gradients, state dicts.

A subclass lists its own parameters in ``_entries()`` (name, ``Value`` or list
of ``Value``s) and its sub-modules in ``_children()``; ``parameters()``,
``zero_grad()``, ``state_dict()`` and ``load_state_dict()`` follow from those.

>>> from autograd_tiny import Value
>>> class Scale(Module):
...     def __init__(self) -> None:
...         self.k = Value(2.0)
...     def _entries(self):
...         return [("k", self.k)]
>>> Scale().state_dict()
{'k': 2.0}
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from ..engine import Value, as_float

__all__ = ["Module", "StateDict", "Entry"]

#: ``state_dict()``'s form: ``"….w"`` maps to a neuron's weights, ``"….b"`` to its bias.
StateDict = dict[str, float | list[float]]
Entry = Value | list[Value]


class Module:
    """Base of every network part: parameters, gradients and a state dict.

    A subclass lists its own parameters in ``_entries()`` and its sub-modules in
    ``_children()``; everything else follows from those two.
    """

    def _entries(self) -> list[tuple[str, Entry]]:
        return []

    def _children(self) -> list[tuple[str, Module]]:
        return []

    def named_entries(self) -> list[tuple[str, Entry]]:
        """``(name, Value or list of Values)`` pairs in ``parameters()`` order."""
        found: list[tuple[str, Entry]] = []
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:  # depth first, children in order, without recursion
            prefix, module = stack.pop()
            found.extend((prefix + name, entry) for name, entry in module._entries())
            stack.extend((f"{prefix}{n}.", c) for n, c in reversed(module._children()))
        return found

    def parameters(self) -> list[Value]:
        """Every trainable ``Value``, in a fixed order (see DESIGN.md)."""
        params: list[Value] = []
        for _, entry in self.named_entries():
            params.extend(entry) if isinstance(entry, list) else params.append(entry)
        return params

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to ``0.0``."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> StateDict:
        """The weights as plain floats, keyed like ``"layers.0.neurons.3.w"``."""
        return {
            name: [p.data for p in entry] if isinstance(entry, list) else entry.data
            for name, entry in self.named_entries()
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy weights from ``state`` into this module's parameters, in place.

        Checks everything first, so a bad ``state`` changes nothing: a missing
        or unexpected key, a wrong number of weights or a value that is not a
        real number raises ``ValueError`` naming the first such key.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict() takes a mapping, got {type(state).__name__}")
        entries = self.named_entries()
        names = {name for name, _ in entries}
        for key in state:
            if key not in names:
                raise ValueError(f"unexpected key {key!r} in the state dict")
        updates = [(entry, _numbers(name, entry, state)) for name, entry in entries]
        for entry, values in updates:
            for p, v in zip(entry if isinstance(entry, list) else [entry], values, strict=True):
                p.data = v

    def __call__(self, x: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")


def _numbers(name: str, entry: Entry, state: Mapping[str, Any]) -> list[float]:
    """The floats stored under ``name``, checked against the shape of ``entry``."""
    if name not in state:
        raise ValueError(f"missing key {name!r} in the state dict")
    value = state[name]
    if not isinstance(entry, list):
        return [_real(name, value)]
    if not isinstance(value, (list, tuple)) or len(value) != len(entry):
        got = f"length {len(value)}" if isinstance(value, (list, tuple)) else type(value).__name__
        raise ValueError(f"shape mismatch for {name!r}: expected {len(entry)} numbers, got {got}")
    return [_real(name, v) for v in value]


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name!r} must hold real numbers, got {type(value).__name__}")
    return as_float(value)
