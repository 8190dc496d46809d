"""Derivatives as functions: ``gradients``, ``grad``, ``value_and_grad``, ``hessian``.

None of these touch ``.grad``.  Higher order comes from nesting: a gradient
computed with ``create_graph=True`` is itself a graph that can be
differentiated again.

>>> from autograd_tiny import grad
>>> f = lambda x: x ** 3
>>> grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)
(12.0, 12.0, 6.0)

An inner call keeps its dependence on an outer call's ``Value``s, whether they
reach it through a closure or through its other arguments:

>>> grad(lambda x: x * grad(lambda y: x * y)(2.0))(1.0)  # d/dx [x · x]
2.0

Each call differentiates with respect to fresh nodes of its own, so two levels
never confuse their perturbations (Siskind and Pearlmutter): below, the inner
derivative is ``x``, not ``2x``, although ``y`` is given the outer ``x``.

>>> grad(lambda x: grad(lambda y: x * y)(x))(3.0)
1.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from . import _checks
from .engine import Value, as_float, backpropagate, topological_order
from .modes import STATE, enable_grad

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
    given = grad_output if isinstance(grad_output, Value) else as_float(grad_output, "grad_output")
    grads: dict[Value, Any] = {}
    if output.requires_grad:
        with enable_grad():
            grads = backpropagate(output, given, create_graph, targets=set(inputs))
    return [_as_value(grads.get(x, 0.0)) for x in inputs]


def _as_value(g: Any) -> Value:
    return g if isinstance(g, Value) else Value(g, requires_grad=False)


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """``f``'s value and its derivative in the arguments ``argnums``.

    Floats in, floats out.  ``Value``s in, or a call nested in another
    differentiation that the result depends on: ``Value``s out, so that the
    outer call can differentiate them again.

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    return _value_and_grad(f, argnums, "value_and_grad()")


def _value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int], caller: str
) -> Callable[..., tuple[Any, Any]]:
    positions = _positions(argnums)

    def wrapper(*args: Any) -> tuple[Any, Any]:
        _check_range(positions, args)
        leaves = list(args)
        for i in positions:
            leaves[i] = _leaf(args[i])
        own = [leaves[i] for i in positions]
        with enable_grad(), _level():
            out = _output(f(*leaves), caller)
            nested = _is_nested(args, positions, out, own)
            derivatives = gradients(out, own, create_graph=nested)
        results = [_returned(g, nested) for g in derivatives]
        return _returned(out, nested), results[0] if isinstance(argnums, int) else tuple(results)

    return wrapper


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The derivative of ``f`` in the arguments ``argnums`` (an int or a tuple).

    >>> grad(lambda x: x.sin())(0.0)
    1.0
    >>> grad(lambda x, y: x * y * y, argnums=(0, 1))(2.0, 3.0)
    (9.0, 12.0)
    """
    both = _value_and_grad(f, argnums, "grad()")
    return lambda *args: both(*args)[1]


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[Any]]]:
    """The matrix of second derivatives of ``f`` as a list of lists of floats.

    Nested in another differentiation that it depends on, the entries are
    ``Value``s, as for ``grad``.

    >>> hessian(lambda x, y: x * x * y)(1.0, 2.0)
    [[4.0, 2.0], [2.0, 0.0]]
    """

    def wrapper(*xs: Any) -> list[list[Any]]:
        leaves = [_leaf(x) for x in xs]
        everything = tuple(range(len(xs)))
        with enable_grad(), _level():
            out = _output(f(*leaves), "hessian()")
            nested = _is_nested(xs, everything, out, leaves)
            first = gradients(out, leaves, create_graph=True)
            rows = [gradients(g, leaves, create_graph=nested) for g in first]
        return [[_returned(h, nested) for h in row] for row in rows]

    return wrapper


# --- helpers -----------------------------------------------------------------


def _positions(argnums: Any) -> tuple[int, ...]:
    """``argnums`` as a tuple of ints; ``TypeError`` for anything else."""
    many = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    for i in many:
        if not _checks.is_integer(i):
            raise TypeError(f"argnums takes an int or a tuple of ints, got {argnums!r}")
    return tuple(many)


def _check_range(positions: tuple[int, ...], args: tuple[Any, ...]) -> None:
    for i in positions:
        if not -len(args) <= i < len(args):
            raise IndexError(f"argnums {i} is out of range for {len(args)} arguments")


def _leaf(arg: Any) -> Value:
    """A node of this call's own to differentiate with respect to.

    A ``Value`` that requires grad (an outer call's variable) gets a fresh
    node ``arg * 1.0`` that depends on it: the outer call still sees the
    dependence, and this call's derivative is taken through the fresh node
    only, not through other uses of ``arg``.
    """
    if isinstance(arg, Value):
        return arg * 1.0 if arg.requires_grad else Value(arg.data, label=arg.label)
    return Value(arg)


def _output(out: Any, caller: str) -> Value:
    """The function's result as a ``Value``; ``TypeError`` unless it is a real number."""
    if isinstance(out, Value):
        return out
    if isinstance(out, bool) or getattr(getattr(out, "dtype", None), "kind", "") == "b":
        raise TypeError(
            f"{caller}: the function must return a Value or a real number, "
            f"got {type(out).__name__}: {out!r}"
        )
    return Value(as_float(out, f"{caller}: the function's result"), requires_grad=False)


@contextmanager
def _level() -> Iterator[None]:
    """Count the differentiations in progress in this thread (for nesting)."""
    local = STATE.local
    local.nesting += 1
    try:
        yield
    finally:
        local.nesting -= 1


def _is_nested(
    args: Sequence[Any], positions: Sequence[int], out: Value, own: Sequence[Value]
) -> bool:
    """Whether results must stay ``Value``s: ``Value``s in, or an outer call to serve.

    Inside another differentiation (or when an argument is a ``Value``), the
    result must keep its graph if it depends on any variable but this call's
    own: a ``Value`` reached through a closure or another argument.
    """
    if any(isinstance(args[i], Value) for i in positions):
        return True
    if STATE.local.nesting <= 1 and not any(isinstance(a, Value) for a in args):
        return False  # the outermost call, floats in: floats out
    mine = set(own)
    return any(
        node._prim is None and node.requires_grad and node not in mine
        for node in topological_order(out)
    )


def _returned(x: Value, nested: bool) -> Any:
    return x if nested else x.data
