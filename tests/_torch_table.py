"""The table of primitives mirrored in PyTorch: each op's name -> a torch function.

Shared by the differential fuzz (``test_fuzz_torch.py``) and the hunt against
PyTorch (``testing/test_gradient_hunt_torch.py``); ``test_fuzz_torch.py`` checks
that it covers every op of ``autograd_tiny.ops.PRIMITIVES``, so a new op needs a
line in ``TORCH``. Where this engine differs from PyTorch on purpose (listed with
their reasons in ``test_fuzz_torch.DIFFERENCES``), the mirror computes ours in
torch ops; how each test allows for what remains stays in that test.

Importing it skips the importing test module when PyTorch is not installed
(``pip install torch==2.13.0``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

__all__ = ["TORCH"]


def _leaky_relu(x: Any, slope: Any) -> Any:
    # The slope is an input, as ours (torch's leaky_relu takes a constant), and x <= 0
    # is tested as ours: nan takes the identity branch. The inner where keeps x's share
    # exactly g for x > 0 (a bare slope * x would add 0 * slope, nan for an infinite
    # slope): JAX's double-where idiom.
    return torch.where(x <= 0, slope * torch.where(x <= 0, x, 0.0), x)


class _Expit(torch.autograd.Function):  # type: ignore[misc]
    """The logistic function, computed as ours, with σ' = σ(x)·σ(-x) (any order)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        e = torch.exp(-x.abs())  # never overflows (torch.sigmoid is 0 below -709.78)
        return torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return _Expit.apply(x) * _Expit.apply(-x) * g


class _Tanh(torch.autograd.Function):  # type: ignore[misc]
    """torch.tanh, with the derivative 4·σ(2x)·σ(-2x), as ours."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return torch.tanh(x)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 4.0 * _Expit.apply(2.0 * x) * _Expit.apply(-2.0 * x) * g


class _Softplus(torch.autograd.Function):  # type: ignore[misc]
    """Softplus as torch.logaddexp(x, 0), to double precision, with the derivative σ(x)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return torch.logaddexp(x, torch.zeros_like(x))

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return _Expit.apply(x) * g


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
    "tanh": _Tanh.apply,  # DIFFERENCES["tanh, sigmoid, softplus"]
    "sigmoid": _Expit.apply,
    "softplus": _Softplus.apply,
    "relu": torch.relu,
    "leaky_relu": _leaky_relu,  # DIFFERENCES["leaky_relu"]
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
    "trunc": torch.trunc,
    "round": torch.round,
    "sign": _sign,  # DIFFERENCES["sign"]
    "floordiv": _floor_divide,  # torch.floor_divide has no derivative at all
    "mod": torch.remainder,
    "min": torch.minimum,
    "max": torch.maximum,
}
