"""micrograd's engine tests, ported to autograd_tiny.

Source: karpathy/micrograd, ``test/test_engine.py`` (commit c911406): two tests,
``test_sanity_check`` and ``test_more_ops``, each building one expression with
micrograd and with PyTorch in float64 and comparing the output and the gradients.
The expressions and the comparison are theirs; the code is ours. Here each expression
is written once, as a function that runs unchanged on autograd_tiny's ``Value``, on a
float64 ``torch.Tensor`` and on micrograd 0.1.0's ``Value``, so every library computes
the same graph. PyTorch (float64) is the oracle; micrograd itself is a second oracle
for first-order values. Nothing expected is computed by autograd_tiny.

Ported: both tests at micrograd's points, with micrograd's checks (the sanity check's
value and gradient exactly equal, ``test_more_ops`` within its 1e-6, and here also within
1e-12 relative).

Added in the same spirit: both expressions at random points (hypothesis) to first order
against PyTorch and micrograd, and to second order against PyTorch's double backward
(micrograd has no higher order); and every unary op of the engine against PyTorch to
first and second order, a table that generalises the ``tanh``/``exp`` check that some
copies of micrograd's test file carry (not upstream's c911406).

Left out: nothing of ``test_engine.py``. micrograd's ``nn`` has no tests upstream.
Torch-based tests are skipped where torch is absent; micrograd-based ones where
micrograd is absent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, grad, hessian

Fn = Callable[..., Any]


@pytest.fixture(scope="module")
def torch() -> Any:
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def MValue() -> Any:
    """micrograd 0.1.0's ``Value`` class, under its own name."""
    return pytest.importorskip("micrograd.engine").Value


# --- the two expressions, written once for every library -------------------------------


def sanity_check(x: Any) -> Any:
    """micrograd's ``test_sanity_check`` expression."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def more_ops(a: Any, b: Any) -> Any:
    """micrograd's ``test_more_ops`` expression (``+=`` rebinds, as on a ``Value``)."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


# --- oracles ------------------------------------------------------------------------------


def torch_first(torch: Any, fn: Fn, *xs: float) -> tuple[float, list[float]]:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.item(), [leaf.grad.item() for leaf in leaves]


def torch_hessian(torch: Any, fn: Fn, *xs: float) -> list[list[float]]:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*leaves)
    first = torch.autograd.grad(out, leaves, create_graph=True)
    rows = []
    for g in first:
        if g.requires_grad:
            second = torch.autograd.grad(g, leaves, retain_graph=True, allow_unused=True)
            rows.append([0.0 if s is None else s.item() for s in second])
        else:  # g is a constant: its derivatives are 0
            rows.append([0.0] * len(leaves))
    return rows


def micrograd_first(MValue: Any, fn: Fn, *xs: float) -> tuple[float, list[float]]:
    leaves = [MValue(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return float(out.data), [float(leaf.grad) for leaf in leaves]


def engine_first(fn: Fn, *xs: float) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# --- micrograd's two tests ------------------------------------------------------------------


def test_sanity_check(torch: Any) -> None:
    y, (dx,) = engine_first(sanity_check, -4.0)
    y_pt, (dx_pt,) = torch_first(torch, sanity_check, -4.0)
    assert y == y_pt  # forward pass
    assert dx == dx_pt  # backward pass


def test_sanity_check_against_micrograd(MValue: Any) -> None:
    y, (dx,) = engine_first(sanity_check, -4.0)
    y_mg, (dx_mg,) = micrograd_first(MValue, sanity_check, -4.0)
    assert y == y_mg
    assert dx == dx_mg


def test_more_ops(torch: Any) -> None:
    g, (da, db) = engine_first(more_ops, -4.0, 2.0)
    g_pt, (da_pt, db_pt) = torch_first(torch, more_ops, -4.0, 2.0)
    tol = 1e-6  # micrograd's
    assert abs(g - g_pt) < tol
    assert abs(da - da_pt) < tol
    assert abs(db - db_pt) < tol
    assert close(g, g_pt) and close(da, da_pt) and close(db, db_pt), (g, da, db, g_pt, da_pt, db_pt)


def test_more_ops_against_micrograd(MValue: Any) -> None:
    g, grads = engine_first(more_ops, -4.0, 2.0)
    g_mg, grads_mg = micrograd_first(MValue, more_ops, -4.0, 2.0)
    assert close(g, g_mg)
    assert all(close(a, b) for a, b in zip(grads, grads_mg, strict=True)), (grads, grads_mg)


# --- the same expressions at random points, and to second order -----------------------------

REALS = st.floats(-6.0, 6.0)


@settings(max_examples=20)
@given(x=REALS)
def test_sanity_check_property(torch: Any, MValue: Any, x: float) -> None:
    y, (dx,) = engine_first(sanity_check, x)
    for oracle in (torch_first(torch, sanity_check, x), micrograd_first(MValue, sanity_check, x)):
        assert close(y, oracle[0], 1e-12, 1e-9), (y, oracle)
        assert close(dx, oracle[1][0], 1e-12, 1e-9), (dx, oracle)
    want = torch_hessian(torch, sanity_check, x)[0][0]
    assert close(grad(grad(sanity_check))(x), want, 1e-12, 1e-9)
    assert close(hessian(sanity_check)(x)[0][0], want, 1e-12, 1e-9)


def _more_ops_defined(a: float, b: float) -> bool:
    c = 4 * (a + b) + 3 - a
    d = 12 * (a * b + b**3) + 4 * max(a + b, 0.0) + max(b - a, 0.0)
    return abs(c - d) > 1e-2  # f = (c - d)² is divided into 10


@settings(max_examples=20)
@given(a=st.floats(-3.0, 3.0), b=st.floats(-3.0, 3.0))
def test_more_ops_property(torch: Any, MValue: Any, a: float, b: float) -> None:
    assume(_more_ops_defined(a, b))
    g, grads = engine_first(more_ops, a, b)
    for oracle in (torch_first(torch, more_ops, a, b), micrograd_first(MValue, more_ops, a, b)):
        assert close(g, oracle[0], 1e-10, 1e-9), (g, oracle)
        for got, want in zip(grads, oracle[1], strict=True):
            assert close(got, want, 1e-10, 1e-9), (grads, oracle)
    want_h = torch_hessian(torch, more_ops, a, b)
    got_h = hessian(more_ops)(a, b)
    for i in range(2):
        for j in range(2):
            assert close(got_h[i][j], want_h[i][j], 1e-10, 1e-9), (i, j, got_h, want_h)
            nested = grad(grad(more_ops, i), j)(a, b)
            assert close(nested, want_h[i][j], 1e-10, 1e-9), (i, j, nested, want_h)


# --- every unary op of the engine against PyTorch -----------------------------------------

# name: (engine spelling, torch spelling given the torch module, points)
UNARY: dict[str, tuple[Fn, Callable[[Any], Fn], list[float]]] = {
    "tanh": (lambda v: v.tanh(), lambda t: t.tanh, [-1.0, 0.123, 2.0]),
    "exp": (lambda v: v.exp(), lambda t: t.exp, [-1.0, 0.123, 2.0]),
    "log": (lambda v: v.log(), lambda t: t.log, [0.123, 1.0, 2.0]),
    "sqrt": (lambda v: v.sqrt(), lambda t: t.sqrt, [0.123, 1.0, 2.0]),
    "sigmoid": (lambda v: v.sigmoid(), lambda t: t.sigmoid, [-1.0, 0.0, 2.0]),
    "softplus": (
        lambda v: v.softplus(),
        lambda t: t.nn.functional.softplus,
        [-1.0, 0.123, 2.0],
    ),
    # relu'(0) = 0 and abs'(0) = 0: PyTorch's conventions, which the engine documents.
    "relu": (lambda v: v.relu(), lambda t: t.relu, [-1.0, 0.0, 2.0]),
    "leaky_relu": (
        lambda v: v.leaky_relu(),
        lambda t: lambda x: t.nn.functional.leaky_relu(x, 0.01),
        [-1.0, 0.0, 2.0],
    ),
    "abs": (lambda v: abs(v), lambda t: t.abs, [-1.0, 0.0, 2.0]),
    "neg": (lambda v: -v, lambda t: t.neg, [-1.0, 0.123]),
    "sin": (lambda v: v.sin(), lambda t: t.sin, [-1.0, 0.123, 2.0]),
    "cos": (lambda v: v.cos(), lambda t: t.cos, [-1.0, 0.123, 2.0]),
    "square": (lambda v: v**2, lambda t: lambda x: x**2, [-1.0, 0.123, 2.0]),
    "cube": (lambda v: v**3, lambda t: lambda x: x**3, [-1.0, 0.123, 2.0]),
    "reciprocal": (lambda v: 1.0 / v, lambda t: t.reciprocal, [-1.0, 0.123, 2.0]),
    "rpow": (lambda v: 2.0**v, lambda t: lambda x: 2.0**x, [-1.0, 0.123, 2.0]),
}
UNARY_POINTS = [(name, x) for name, (_, _, xs) in sorted(UNARY.items()) for x in xs]


@pytest.mark.parametrize(("name", "x"), UNARY_POINTS)
def test_unary_op_against_torch(torch: Any, name: str, x: float) -> None:
    fn, torch_fn, _ = UNARY[name]
    tfn = torch_fn(torch)
    y, (dx,) = engine_first(fn, x)
    y_pt, (dx_pt,) = torch_first(torch, tfn, x)
    assert close(y, y_pt, 1e-14), (y, y_pt)
    assert close(dx, dx_pt, 1e-14), (dx, dx_pt)
    d2_pt = torch_hessian(torch, tfn, x)[0][0]
    assert close(grad(grad(fn))(x), d2_pt, 1e-13), (grad(grad(fn))(x), d2_pt)
