"""One table serves every backend: a user's primitive, and every primitive of the table."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autograd_tiny import Value, apply, gradients
from autograd_tiny.ops import PRIMITIVES, Primitive, div, power
from autograd_tiny.replay import BACKENDS, record
from autograd_tiny.testing import gradcheck, gradgradcheck

# softsign, built from the table's helpers only: no backend knows it.
SOFTSIGN = Primitive(
    "softsign",
    lambda x: div(x, 1.0 + abs(x)),
    (lambda x, out: div(1.0, power(1.0 + abs(x), 2.0)),),
)
POINTS = [-3.0, -0.5, 0.0, 0.25, 2.0, 1e-300, -1e300]


def softsign(x: Any) -> Any:
    return apply(SOFTSIGN, x)


def closed_form(x: float) -> tuple[float, float, float]:
    """softsign, its first and second derivatives."""
    a = 1.0 + abs(x)
    second = -2.0 * math.copysign(1.0, x) / (a * a * a) if x != 0.0 else 0.0
    return x / a, 1.0 / (a * a), second


@pytest.mark.parametrize("x", POINTS)
def test_softsign_runs_eagerly_to_second_order(x: float) -> None:
    v = Value(x)
    (g,) = gradients(softsign(v), [v], create_graph=True)
    value, first, second = closed_form(x)
    assert math.isclose(softsign(v).data, value, rel_tol=1e-15)
    assert math.isclose(g.data, first, rel_tol=1e-15)
    if x != 0.0:  # the kink: |x| has no second derivative at 0
        (gg,) = gradients(g, [v])
        assert math.isclose(gg.data, second, rel_tol=1e-12, abs_tol=1e-300)


def test_softsign_passes_gradcheck_and_gradgradcheck() -> None:
    for x in (-1.5, -0.3, 0.7, 2.0):
        assert gradcheck(softsign, x)
        assert gradgradcheck(softsign, x)


@pytest.mark.parametrize("backend", BACKENDS)
def test_softsign_replays_on_every_backend(backend: str) -> None:
    program = record(lambda x: softsign(x) * 3.0, 0.5, backend=backend)
    for x in POINTS:
        arg: Any = np.array([x, x]) if backend == "numpy" else x
        out, (gx,), _ = program.value_and_grad(arg, grad_output=2.0)
        value, first, _ = closed_form(x)
        assert math.isclose(float(np.ravel(out)[0]), 3.0 * value, rel_tol=1e-15)
        assert math.isclose(float(np.ravel(gx)[0]), 6.0 * first, rel_tol=1e-15)


# kinks (0, ±0), edges (tiny, huge, inf, nan) and ordinary points
EDGES = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -2.5, 1e-300, 1e300, -1e300, math.inf, -math.inf, math.nan]


def same(a: float, b: float) -> bool:
    """Equal, both nan, or within 1e-12 (numpy's libm may differ from math's by an ulp)."""
    return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)


def rows(prim: Primitive) -> list[tuple[float, ...]]:
    picks = [EDGES[(k * 7 + i * 3) % len(EDGES)] for k in range(len(EDGES)) for i in range(1)]
    if prim.arity == 1:
        return [(x,) for x in EDGES]
    return [
        tuple(EDGES[(k + i * 5) % len(EDGES)] for i in range(prim.arity))
        for k in range(3 * len(EDGES))
    ] + [tuple(p for _ in range(prim.arity)) for p in picks]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_every_primitive_replays_as_the_eager_engine(prim: Primitive, backend: str) -> None:
    data = rows(prim)
    program = record(lambda *v: apply(prim, *v), *data[0], backend=backend)
    if backend == "numpy":
        columns = [np.array(c) for c in zip(*data, strict=True)]
        out, grads, _ = program.value_and_grad(*columns, grad_output=1.5)
        got = [(float(out[k]), [float(g[k]) for g in grads]) for k in range(len(data))]
    else:
        got = []
        for row in data:
            o, g, _ = program.value_and_grad(*row, grad_output=1.5)
            got.append((o, list(g)))
    for row, (o, g) in zip(data, got, strict=True):
        leaves = [Value(x) for x in row]
        node = apply(prim, *leaves)
        want = gradients(node, leaves, grad_output=1.5)
        assert same(o, node.data), (prim.name, backend, row, o, node.data)
        for i, w in enumerate(want):
            assert same(g[i], w.data), (prim.name, backend, row, i, g[i], w.data)
