"""The hunt against PyTorch (float64): values, gradients and second derivatives.

Skipped when PyTorch is not installed (``pip install torch==2.13.0``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given

from autograd_tiny import Value, gradients
from autograd_tiny.engine import topological_order
from autograd_tiny.ops import PRIMITIVES
from autograd_tiny.strategies import expressions

torch = pytest.importorskip("torch")


def _sign(x: Any) -> Any:
    # torch.sign(nan) is 0 on the CPU; ours is nan, as numpy's (DIFFERENCES["sign"]).
    # nan from a detached x, so the derivative stays torch.sign's 0 there too
    return torch.sign(x) + torch.where(torch.isnan(x), x.detach(), 0.0)


def _floor_divide(x: Any, y: Any) -> Any:
    # torch.floor_divide's values, with the zero derivative of div(rounding_mode="floor").
    return torch.div(x, y, rounding_mode="floor")


# Each primitive's PyTorch counterpart; a new op needs a line here.
TORCH: dict[str, Callable[..., Any]] = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "fma": lambda x, y, z: x * y + z,
    "neg": torch.neg,
    "pow": torch.pow,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": torch.nn.functional.softplus,
    "relu": torch.relu,
    "leaky_relu": lambda x, slope: torch.where(x > 0, x, slope * x),
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "atan2": torch.atan2,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "log1p": torch.log1p,
    "expm1": torch.expm1,
    "floor": torch.floor,
    "ceil": torch.ceil,
    "round": torch.round,
    "sign": _sign,
    "floordiv": _floor_divide,  # torch.floor_divide has no derivative at all
    "mod": torch.remainder,
    "min": torch.minimum,
    "max": torch.maximum,
}


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


def test_every_primitive_has_a_pytorch_counterpart() -> None:
    missing = [p.name for p in PRIMITIVES if p.name not in TORCH]
    assert not missing, f"map these ops to PyTorch functions in TORCH: {missing}"


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
