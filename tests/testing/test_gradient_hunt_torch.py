"""The hunt against PyTorch (float64): values, gradients and second derivatives.

Each op's torch counterpart is ``_torch_table.TORCH``, shared with the fuzz
(``test_fuzz_torch.py``, which also checks that it covers the table). Skipped
when PyTorch is not installed (``pip install torch==2.13.0``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from _torch_table import TORCH
from hypothesis import given

from autograd_tiny import Value, gradients
from autograd_tiny.engine import topological_order
from autograd_tiny.ops import PRIMITIVES
from autograd_tiny.strategies import expressions

torch = pytest.importorskip("torch")


def close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=1e-7, abs_tol=1e-9)


def in_torch(out: Value, leaves: list[Value]) -> tuple[Any, list[Any]]:
    """The same graph rebuilt from PyTorch float64 tensors."""
    xs = [torch.tensor(x.data, dtype=torch.float64, requires_grad=True) for x in leaves]
    made: dict[Value, Any] = dict(zip(leaves, xs, strict=True))
    for node in topological_order(out, trainable_only=False):
        if node in made:
            continue
        if node.primitive is None:
            made[node] = torch.tensor(node.data, dtype=torch.float64)
            continue
        args = [made[o] if type(o) is Value else torch.tensor(o, dtype=torch.float64)
                for o in node.operands]  # fmt: skip
        made[node] = TORCH[node.op](*args)
    return made[out], xs


def torch_grad(y: Any, xs: list[Any], create_graph: bool) -> list[Any]:
    if not y.requires_grad:
        return [None] * len(xs)
    grads = torch.autograd.grad(
        y, xs, allow_unused=True, create_graph=create_graph, retain_graph=True
    )
    return list(grads)


def as_float(t: Any) -> float:
    return 0.0 if t is None else float(t.item())


# The shared mirrors of tanh, sigmoid, softplus and leaky_relu compute ours in torch
# ops (test_fuzz_torch.DIFFERENCES). Where torch's own functions (and leaky_relu's
# plain form, slope * x) are accurate, the mirrors agree with them to this hunt's
# tolerance, to second order: so the hunt still checks against PyTorch's own there.
OWN: dict[str, Callable[..., Any]] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": torch.nn.functional.softplus,  # x itself above 20
    "leaky_relu": lambda x, slope: torch.where(x > 0, x, slope * x),
}
POINTS = (-15.0, -3.5, -1.0, -1e-8, 0.0, 1e-8, 0.3, 1.0, 2.5, 15.0)
SLOPES = (0.01, 0.2, -1.5, 3.0)


def _derivatives(f: Callable[..., Any], args: tuple[float, ...]) -> list[float]:
    """f's value, its first derivatives and its second derivatives at args."""
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    y = f(*xs)
    first = torch_grad(y, xs, create_graph=True)
    second = [
        torch_grad(g, xs, create_graph=False) if g is not None else [None] * len(xs) for g in first
    ]
    return [y.item(), *map(as_float, first), *(as_float(h) for row in second for h in row)]


@pytest.mark.parametrize("op", sorted(OWN))
def test_the_shared_mirrors_agree_with_pytorchs_own(op: str) -> None:
    arity = next(p.arity for p in PRIMITIVES if p.name == op)
    points = [(x,) for x in POINTS] if arity == 1 else [(x, s) for x in POINTS for s in SLOPES]
    for args in points:
        mirror, own = _derivatives(TORCH[op], args), _derivatives(OWN[op], args)
        assert all(close(a, b) for a, b in zip(mirror, own, strict=True)), (args, mirror, own)


@given(expressions(max_depth=5, max_ops=10))
def test_values_and_gradients_match_pytorch(expr: Any) -> None:
    out, leaves = expr
    t_out, t_xs = in_torch(out, leaves)
    assert close(out.data, t_out.item())
    ours = gradients(out, leaves)
    theirs = torch_grad(t_out, t_xs, create_graph=False)
    assert all(close(g.data, as_float(t)) for g, t in zip(ours, theirs, strict=True))


@given(expressions(max_leaves=2, max_depth=4, max_ops=8))
def test_second_derivatives_match_pytorch(expr: Any) -> None:
    out, leaves = expr
    t_out, t_xs = in_torch(out, leaves)
    first = gradients(out, leaves, create_graph=True)
    t_first = torch_grad(t_out, t_xs, create_graph=True)
    for g, t in zip(first, t_first, strict=True):
        theirs = [None] * len(t_xs) if t is None else torch_grad(t, t_xs, create_graph=False)
        ours = gradients(g, leaves)
        assert all(close(a.data, as_float(b)) for a, b in zip(ours, theirs, strict=True))
