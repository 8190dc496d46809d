"""Derivatives as functions: ``gradients``, ``grad``, ``value_and_grad``, ``hessian``.

None of these touch ``.grad``.  Higher order comes from nesting: a gradient
computed with ``create_graph=True`` is itself a graph that can be
differentiated again.

>>> from autograd_tiny import grad
>>> f = lambda x: x ** 3
>>> grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)
(12.0, 12.0, 6.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, as_float, backpropagate
from .modes import enable_grad

__all__ = ["gradients", "grad", "value_and_grad", "hessian"]


def gradients(
    output: Value,
    inputs: Sequence[Value],
    *,
    grad_output: Any = 1.0,
    create_graph: bool = False,
) -> list[Value]:
    """``grad_output · ∂output/∂x`` for each ``x`` in ``inputs``, as ``Value``s.

    An input that ``output`` does not depend on gets ``0.0``.  With
    ``create_graph=True`` the results are nodes of a graph and can be
    differentiated again.

    >>> x = Value(3.0)
    >>> [g.data for g in gradients(x * x, [x])]
    [6.0]
    """
    if not isinstance(output, Value):
        raise TypeError(f"gradients() takes a Value output, got {type(output).__name__}")
    if isinstance(inputs, Value) or not all(isinstance(x, Value) for x in inputs):
        raise TypeError("gradients() takes a sequence of Values as inputs")
    seed = grad_output if isinstance(grad_output, Value) else as_float(grad_output, "grad_output")
    grads: dict[Value, Any] = {}
    if output.requires_grad:
        with enable_grad():
            grads = backpropagate(output, seed, create_graph, targets=set(inputs))
    return [_as_value(grads.get(x, 0.0)) for x in inputs]


def _as_value(g: Any) -> Value:
    return g if isinstance(g, Value) else Value(g, requires_grad=False)


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """``f``'s value and its derivative in the arguments ``argnums``.

    Floats in, floats out; ``Value``s in (as when nesting), ``Value``s out.

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    positions = _positions(argnums)

    def wrapper(*args: Any) -> tuple[Any, Any]:
        for i in positions:
            if not -len(args) <= i < len(args):
                raise IndexError(f"argnums {i} is out of range for {len(args)} arguments")
        nested = any(isinstance(args[i], Value) for i in positions)
        leaves = list(args)
        for i in positions:
            leaves[i] = _leaf(args[i])
        with enable_grad():
            out = f(*leaves)
            if not isinstance(out, Value):
                out = Value(as_float(out, "the function's result"), requires_grad=False)
            derivatives = gradients(out, [leaves[i] for i in positions], create_graph=nested)
        results: list[Any] = derivatives if nested else [g.data for g in derivatives]
        value = out if nested else out.data
        return value, results[0] if isinstance(argnums, int) else tuple(results)

    return wrapper


def _positions(argnums: Any) -> tuple[int, ...]:
    """``argnums`` as a tuple of ints; ``TypeError`` for anything else."""
    many = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    for i in many:
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"argnums takes an int or a tuple of ints, got {argnums!r}")
    return tuple(many)


def _leaf(arg: Any) -> Value:
    if isinstance(arg, Value):
        return arg if arg.requires_grad else Value(arg.data)
    return Value(arg)


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The derivative of ``f`` in the arguments ``argnums`` (an int or a tuple).

    >>> import math
    >>> grad(lambda x: x.sin())(0.0)
    1.0
    """
    both = value_and_grad(f, argnums)
    return lambda *args: both(*args)[1]


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """The matrix of second derivatives of ``f`` as a list of lists of floats.

    >>> hessian(lambda x, y: x * x * y)(1.0, 2.0)
    [[4.0, 2.0], [2.0, 0.0]]
    """

    def wrapper(*xs: Any) -> list[list[float]]:
        leaves = [Value(x.data if isinstance(x, Value) else x) for x in xs]
        with enable_grad():
            out = f(*leaves)
            if not isinstance(out, Value):  # a constant function: all zeros
                out = Value(as_float(out, "the function's result"), requires_grad=False)
            first = gradients(out, leaves, create_graph=True)
        return [[g.data for g in gradients(row, leaves)] for row in first]

    return wrapper
