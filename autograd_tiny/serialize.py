"""Pickling a graph of any depth at the default recursion limit.

Pickle saves an object's operands before finishing it, recursing once per
level of the graph.  So the first node pickled (the root) puts all of its
ancestors, operands first, at the head of its state: each of them is then
saved while its own operands are already in pickle's memo, and the recursion
never goes deeper than one level.  Identity is kept: a node shared by two
pickled roots is one node after loading.

>>> import pickle
>>> from autograd_tiny import Value
>>> x = Value(2.0)
>>> y = x
>>> for _ in range(5000):
...     y = y * 1.0
>>> pickle.loads(pickle.dumps(y)).data
2.0
"""

from __future__ import annotations

import gc
import threading
from typing import TYPE_CHECKING, Any

from .backward import topological_order
from .ops import BY_NAME

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["reduce_value", "restore_state", "user_attributes"]


class _Scheduled(threading.local):
    def __init__(self) -> None:
        # id -> node: ancestors whose operands precede them in the pickle stream.
        self.nodes: dict[int, Value] = {}


_SCHEDULED = _Scheduled()


class _Ancestors:
    """A root's ancestors, scheduled while pickle holds on to this object.

    Pickle keeps every object it saved in its memo until it is done, so when
    this is freed the pickling is over: nodes that were never reached (saved
    earlier in the same stream) are unscheduled, and nothing is left behind.
    It is saved as a plain tuple.
    """

    __slots__ = ("nodes",)

    def __init__(self, nodes: tuple[Value, ...]) -> None:
        self.nodes = nodes
        _SCHEDULED.nodes.update((id(n), n) for n in nodes)

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self.nodes,))

    def __del__(self) -> None:
        scheduled = _SCHEDULED.nodes
        for node in self.nodes:
            if scheduled.get(id(node)) is node:
                del scheduled[id(node)]


def user_attributes(node: Value) -> dict[str, Any] | None:
    """The node's user attributes, or ``None`` when it has none (without making a dict).

    Reading ``node.__dict__`` would make a dict for every node it is asked of;
    ``object.__getstate__`` hands over the node's dict only if it has one.

    >>> from autograd_tiny import Value
    >>> x = Value(1.0)
    >>> user_attributes(x) is None
    True
    >>> x.m = 0.5
    >>> user_attributes(x)
    {'m': 0.5}
    """
    if _GETSTATE is not None:
        attributes = _GETSTATE(node)[0]  # (the dict or None, the slots)
    else:  # Python 3.10: the collector sees the node's dict only once it is made
        attributes = next((r for r in gc.get_referents(node) if type(r) is dict), None)
    return attributes or None


_GETSTATE = getattr(object, "__getstate__", None)  # Python 3.11 and later


def reduce_value(node: Value) -> tuple[Any, ...]:
    """``Value.__reduce__``: a constructor call and a state that names no code."""
    ancestors: _Ancestors | tuple[()] = ()
    if _SCHEDULED.nodes.pop(id(node), None) is not node:
        ancestors = _Ancestors(tuple(topological_order(node, trainable_only=False)[:-1]))
    prim = node.primitive
    name = prim.name if prim else ""
    state = (ancestors, node.grad, node.label, node.requires_grad, name, node._a, node._b, node._c)
    attributes = user_attributes(node)
    return (type(node), (node.data,), (*state, attributes) if attributes else state)


def restore_state(node: Value, state: tuple[Any, ...]) -> None:
    """``Value.__setstate__``: the inverse of ``reduce_value``."""
    if not (isinstance(state, tuple) and len(state) in (8, 9)):
        raise ValueError("malformed pickled Value")
    _, grad, label, requires_grad, name, a, b, c, *attributes = state
    if attributes and not isinstance(attributes[0], dict):
        raise ValueError("malformed pickled Value: its attributes are not a dict")
    if name and name not in BY_NAME:
        raise ValueError(f"pickled Value names an unknown primitive: {name!r}")
    if attributes:  # checked above: nothing is restored from a malformed state
        node.__dict__.update(attributes[0])
    node.grad, node.label, node.requires_grad = float(grad), str(label), bool(requires_grad)
    node._prim = BY_NAME[name] if name else None
    node._a, node._b, node._c = a, b, c
