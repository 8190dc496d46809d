"""The ``autograd-tiny`` command (a short worked example until training lands)."""

from __future__ import annotations

from collections.abc import Sequence

from .engine import Value


def main(argv: Sequence[str] | None = None) -> int:
    """Differentiate a small formula and print the result."""
    x, w, b = Value(2.0, label="x"), Value(-0.5, label="w"), Value(1.0, label="b")
    y = (w * x + b).tanh()
    y.backward()
    print(f"y = tanh(w*x + b) = {y.data:.6f}")
    print(f"dy/dx = {x.grad:.6f}, dy/dw = {w.grad:.6f}, dy/db = {b.grad:.6f}")
    return 0
