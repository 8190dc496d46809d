"""micrograd's ``Value`` on this engine: ``Value(data, _children=(), _op='')``.

Calling ``Value`` makes an ``autograd_tiny.Value``, not an object of a class of
its own, so everything of this package works on what micrograd code builds:
graphs far deeper than the recursion limit, higher order
(``autograd_tiny.gradients``), ``draw_dot``, ``explain`` and replay.  The class
exists for micrograd's spellings only: its metaclass makes the call, answers
``isinstance(v, Value)`` (true for every ``autograd_tiny.Value``) and hands
other class attributes (``Value.relu``) on to ``autograd_tiny.Value``.

>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + a
>>> c.backward()
>>> c.data, a.grad, b.grad, c._op
(-4.0, -2.0, 2.0, '+')
>>> import autograd_tiny
>>> type(c) is autograd_tiny.Value, isinstance(autograd_tiny.Value(1.0), Value)
(True, True)

A node made by hand with ``_children`` and ``_op`` carries them as its
``_prev`` and ``_op``, for code that draws or traces graphs.  Like a
micrograd node built this way (whose ``_backward`` is still the default that
does nothing) it is a leaf to ``backward()``: it passes no gradient to them.

>>> x = Value(3.0)
>>> made = Value(x.data * 2, (x,), "*2", label="made")
>>> made._prev == {x}, made._op, made.label
(True, '*2', 'made')
>>> made.backward()
>>> made.grad, x.grad
(1.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import Value as _Engine

__all__ = ["Value"]


class _MicrogradValue(type):
    """The metaclass of ``Value``: a call makes an engine node; instance checks ask the engine."""

    def __call__(
        cls, data: Any, _children: Iterable[Any] = (), _op: str = "", label: str = ""
    ) -> _Engine:
        node = _Engine(data, label=label)
        children = set(_children)
        if children:
            vars(node)["_prev"] = children  # a user attribute: found before Value.__getattr__
        if _op:
            vars(node)["_op"] = _op
        return node

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, _Engine)

    def __subclasscheck__(cls, subclass: Any) -> bool:
        return isinstance(subclass, type) and issubclass(subclass, _Engine)

    def __getattr__(cls, name: str) -> Any:
        return getattr(_Engine, name)


class Value(metaclass=_MicrogradValue):
    """micrograd's ``Value(data, _children=(), _op='')``; also takes ``label=`` (the lecture's).

    Returns an ``autograd_tiny.Value``: ``data`` and ``grad`` are floats,
    ``_prev`` is the set of its ``Value`` operands and ``_op`` micrograd's
    symbol for the op that made it.  Numbers in an op are folded into the node
    rather than wrapped in a ``Value`` of their own, so ``(x * 2)._prev`` is
    ``{x}``.

    >>> x = Value(-4.0)
    >>> y = (x * 2 + 1).relu()
    >>> y, y._op, [v._op for v in y._prev]
    (Value(data=0.0, grad=0.0), 'ReLU', ['+'])
    >>> isinstance(y, Value), issubclass(type(y), Value)
    (True, True)
    """
