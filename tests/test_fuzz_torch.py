"""A differential fuzz against PyTorch float64: random graphs, edge inputs, every order and backend.

Our own generator builds random DAGs of up to ~40 ops over the whole table of
primitives, with shared nodes (fan-out), folded constants and edge inputs (0,
±tiny, subnormals, ±huge, infinities, NaN, values at kinks), from fixed seeds.
Each graph is rebuilt from torch tensors and compared: every node's value,
first-order gradients for an upstream gradient that may be huge or infinite,
second order through ``create_graph``, and the replay backends: tape and python
give the eager engine's numbers bit for bit, numpy (a batch of rows) torch's.
Non-finite results must agree exactly (NaN equals NaN, infinities by sign);
finite ones to ``RTOL`` of a scale that says how large they could fairly differ
(see ``agree`` and ``share_scales``).  Each op's torch counterpart is
``_torch_table.TORCH``, shared with the hunt against PyTorch.  Skipped without
torch (``pip install torch==2.13.0``).

Torch evaluates each node on *our* value of its operands: a node whose value
differs by an ulp is compared, then pinned to our value (``_Pinned``, the
identity for gradients), so a rounding difference upstream never reaches a
steep op downstream, and gradients compare the derivative rules themselves.
The deliberate differences from PyTorch are listed in ``DIFFERENCES``, each
with its reason and how the comparison allows for it.  The cases are fixed;
``AUTOGRAD_TINY_FUZZ_CASES=5000`` runs more per block than the default 75.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from _torch_table import TORCH

from autograd_tiny import Value, apply, gradients
from autograd_tiny.engine import topological_order
from autograd_tiny.ops import BY_NAME, PRIMITIVES, Share
from autograd_tiny.replay import record

torch = pytest.importorskip("torch")

INF, NAN = math.inf, math.nan
RTOL = 1e-12
# Results below this are subnormal or nearly so: their rounding is absolute, not relative.
TINY = 1e-300
# A share's scale is its size plus this much of its upstream's, down to the subnormals.
PARTIAL_FLOOR = 1e-290
SECOND_ORDER = 10.0  # second derivatives: RTOL times this

F64 = torch.float64


def _tensor(x: float) -> Any:
    return torch.tensor(x, dtype=F64)


# Deliberate differences from PyTorch, each documented (README "Numerics", ops.py),
# and how the comparison allows for it. The mirrors named here are _torch_table.TORCH's.
DIFFERENCES = {
    "a branch not taken where torch multiplies": "abs'(0) = 0 and the exponent of 0 ** y "
    "(y >= 0, a constant) are branches not taken: their share is exactly 0 whatever the "
    "upstream; torch computes grad * sgn(0) and grad * 0, nan for an infinite grad (its relu "
    "and x ** 0 mask, as ours). In a graph with such a node, torch's nan may be our number.",
    "second order past a branch": "which branch an op takes is not differentiable: our "
    "partials of relu, abs and leaky_relu's x are constants, and a share down a branch not "
    "taken is the constant 0, so a second derivative gets nothing from them; torch's graph of "
    "the first derivative keeps an edge there whose derivative is 0, which it multiplies by "
    "the rest (0 * inf = nan). In a graph with such a node, torch's nan may be our number.",
    "leaky_relu": "the slope is an input here, differentiable, with exactly 0 share for "
    "x > 0; torch's leaky_relu takes a constant slope. The mirror uses torch.where.",
    "sign": "sign(nan) is nan, as numpy's and IEEE-754's propagation; torch.sign(nan) is 0 "
    "on the CPU. The mirror adds a detached nan there.",
    "tanh, sigmoid, softplus": "torch's derivatives 1 - tanh² and σ·(1 - σ) cancel in the "
    "tails (to an absolute error of an ulp of 1; ours, 4σ(2x)σ(-2x) and σ(x)σ(-x), stay "
    "relative), torch.sigmoid is 0 below -709.78 where σ is still subnormal, and torch's "
    "softplus is x (slope 1) above 20, off by up to 2e-9. The mirrors are torch.tanh, "
    "torch.logaddexp(x, 0) and the logistic function written as ours in torch's exp, with "
    "our derivatives in torch ops. So, not compared: with an infinite upstream, where "
    "torch's second derivative -2·tanh·(1 - tanh²)·grad is ±inf, ours, the derivative of a "
    "product of two sigmoids, may add two infinite terms of opposite signs (nan).",
}
# Ops whose partials are piecewise constant: DIFFERENCES["second order past a branch"].
BRANCHING = frozenset({"relu", "abs", "leaky_relu"})


def masked(node: Value) -> tuple[bool, ...]:
    """Per operand: is its branch not taken here (its share 0 even for a NaN gradient)?"""
    prim = node.primitive
    assert prim is not None
    inputs = (*(float(o) for o in node.operands), node.data)
    return tuple(isinstance(r, Share) and r.vjp(NAN, *inputs) == 0.0 for r in prim.partials)


def torch_multiplies(node: Value) -> bool:
    """DIFFERENCES["a branch not taken where torch multiplies"]: abs at 0, 0 ** y."""
    return (node.op == "abs" and masked(node)[0]) or (node.op == "pow" and masked(node)[1])


def torch_nan_only(ours: float, theirs: float) -> bool:
    """Torch says NaN where we have a number: the signature of the first two differences."""
    return math.isnan(theirs) and not math.isnan(ours)


# --- the generator -----------------------------------------------------------------

EDGES = (
    *(0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -2.5),
    *(5e-324, -5e-324, 1e-310, -1e-310, 1e-300, 1e-160, -1e-160, 1e-10),
    *(1e10, 1e154, -1e154, 1e300, -1e300, INF, -INF, NAN),
)
SEEDS = (1.0, 1.0, -0.5, 1e-10, 1e-300, 1e300, INF, -INF, NAN)

Ref = tuple[str, Any]  # ("node", index) or ("const", number)


@dataclass(frozen=True)
class Graph:
    """Leaf values and steps ``(op, operands)``; the output is the last step."""

    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple[Ref, ...]], ...]

    def build(self, leaves: Sequence[Any], make: Callable[..., Any], const: Any) -> list[Any]:
        """Every node, leaves first, each step made by ``make(op, *operands)``."""
        nodes = list(leaves)
        for op, refs in self.steps:
            nodes.append(make(op, *(nodes[r] if k == "node" else const(r) for k, r in refs)))
        return nodes

    def __str__(self) -> str:
        lines = [f"x{i} = {x!r}" for i, x in enumerate(self.leaves)]
        names = [f"x{i}" for i in range(len(self.leaves))]
        for k, (op, refs) in enumerate(self.steps):
            args = ", ".join(names[r] if kind == "node" else repr(r) for kind, r in refs)
            lines.append(f"v{k} = {op}({args})")
            names.append(f"v{k}")
        return "\n".join(lines)


def _number(rng: random.Random) -> float:
    if rng.random() < 0.35:
        return rng.choice(EDGES)
    return rng.choice((rng.uniform(-3.0, 3.0), rng.uniform(-30.0, 30.0), float(rng.randint(-3, 3))))


def random_graph(rng: random.Random, max_ops: int = 40) -> Graph:
    """A random DAG over the table: recent nodes feed the next op, older ones fan out."""
    leaves = tuple(_number(rng) for _ in range(rng.randint(1, 3)))
    n_nodes, steps, used = len(leaves), [], set()
    for _ in range(rng.randint(1, max_ops - 8)):  # and a few to join dangling nodes
        prim = rng.choice(PRIMITIVES)
        refs: list[Ref] = []
        for i in range(prim.arity):
            if i > 0 and rng.random() < 0.3:
                refs.append(("const", _number(rng)))
            else:
                recent = rng.random() < 0.6
                index = n_nodes - 1 - min(rng.randrange(3), n_nodes - 1) if recent else None
                refs.append(("node", rng.randrange(n_nodes) if index is None else index))
        if rng.random() < 0.5:  # any operand may be the node; constants in front too
            rng.shuffle(refs)
        if prim.arity == 1 or all(k == "const" for k, _ in refs):
            refs[0] = ("node", n_nodes - 1)
        used.update(r for k, r in refs if k == "node")
        steps.append((prim.name, tuple(refs)))
        n_nodes += 1
    for dangling in (i for i in range(n_nodes - 1) if i not in used):  # everything reaches out
        steps.append((rng.choice(("add", "mul", "sub")), (("node", len(leaves) + len(steps) - 1),
                                                         ("node", dangling))))  # fmt: skip
    return Graph(leaves, tuple(steps))


# --- the two sides -----------------------------------------------------------------


def ours(graph: Graph, leaves: Sequence[Value]) -> list[Any]:
    return graph.build(leaves, lambda op, *xs: apply(BY_NAME[op], *xs), float)


class _Pinned(torch.autograd.Function):  # type: ignore[misc]
    """Torch's node given our value: the identity for gradients, of any order."""

    @staticmethod
    def forward(ctx: Any, t: Any, value: Any) -> Any:
        return value.clone()

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return g, None


def theirs(graph: Graph, ours_nodes: Sequence[Value]) -> list[Any]:
    """Torch's nodes; each value compared with ours, then pinned to it."""
    xs = [torch.tensor(x, dtype=F64, requires_grad=True) for x in graph.leaves]
    made: list[Any] = list(xs)

    def make(op: str, *args: Any) -> Any:
        t, mine = TORCH[op](*args), ours_nodes[len(made)].data
        check(f"value of v{len(made) - len(xs)} = {op}", mine, t.item(), abs(mine))
        if t.item() != mine or math.copysign(1.0, t.item()) != math.copysign(1.0, mine):
            t = _Pinned.apply(t, _tensor(mine)) if t.requires_grad else _tensor(mine)
        made.append(t)
        return t

    graph.build(xs, make, _tensor)
    return made


def torch_grad(y: Any, xs: Sequence[Any], seed: float | None, create_graph: bool) -> list[Any]:
    if not y.requires_grad:
        return [_tensor(0.0) for _ in xs]
    out = torch.autograd.grad(
        y, list(xs), None if seed is None else _tensor(seed),
        allow_unused=True, create_graph=create_graph, retain_graph=True,
    )  # fmt: skip
    return [_tensor(0.0) if g is None else g for g in out]


# --- comparing ---------------------------------------------------------------------


class Mismatch(AssertionError):
    pass


def agree(a: float, b: float, scale: float) -> bool:
    """Non-finite: identical (NaN equals NaN); finite: within ``RTOL · scale`` (+ ``TINY``)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b or (math.isnan(a) and math.isnan(b))
    return not abs(a - b) > RTOL * scale + TINY  # a NaN scale (a NaN upstream) bounds nothing


def check(what: str, a: float, b: float, scale: float) -> None:
    if not agree(a, b, scale):
        raise Mismatch(f"{what}: ours {a!r}, torch {b!r} (scale {scale!r})")


def identical(what: str, a: float, b: float) -> None:
    same = a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if not (same or (math.isnan(a) and math.isnan(b))):
        raise Mismatch(f"{what}: replayed {a!r}, eager {b!r}")


def share_scales(root: Value, seed: float) -> dict[Value, float]:
    """How large each node's gradient could fairly differ: the backward pass in magnitudes.

    Every share is taken as its magnitude plus ``PARTIAL_FLOOR`` times the
    upstream's, and shares add as magnitudes (so a cancelling sum keeps its scale).
    """
    scale: dict[Value, float] = {root: abs(seed)}
    for node in reversed(topological_order(root)):
        g, prim = scale.get(node, 0.0), node.primitive
        if prim is None or g == 0.0:
            continue
        inputs = (*(float(o) for o in node.operands), node.data)
        for operand, rule in zip(node.operands, prim.partials, strict=True):
            if isinstance(operand, Value) and operand.requires_grad:
                size = (
                    abs(rule.vjp(g, *inputs)) if isinstance(rule, Share) else abs(rule(*inputs)) * g
                )
                size = INF if math.isnan(size) else size + PARTIAL_FLOOR * g
                scale[operand] = scale.get(operand, 0.0) + size
    return scale


def rounding_scale(root: Value, interior: Sequence[Value]) -> float:
    """How far ``root`` moves if each interior value is rounded another way (a replay's)."""
    if not root.requires_grad:
        return abs(root.data)
    scales = share_scales(root, 1.0)
    return abs(root.data) + sum(scales.get(v, 0.0) * abs(v.data) for v in interior)


# --- one graph ---------------------------------------------------------------------


@dataclass
class Reference:
    """Torch's value and first-order gradients at one point, with their tolerances."""

    value: float
    grads: list[float]
    value_scale: float  # for a replay, whose forward values may round another way
    grad_scales: list[float]
    torch_multiplies: bool
    # Gradients bounded under another rounding of the forward values (an op on a
    # replay's 1-ulp difference may be unboundedly steep: a gradient's sign can flip).
    stable: list[bool]


def compare(graph: Graph, seed: float, second_order: bool) -> Reference:
    """Eager against torch: every value, first order and (optionally) second order."""
    leaves = [Value(x) for x in graph.leaves]
    nodes = ours(graph, leaves)
    out, interior = nodes[-1], nodes[len(leaves) :]
    t_nodes = theirs(graph, nodes)
    t_xs = t_nodes[: len(leaves)]
    multiplied = any(torch_multiplies(node) for node in interior)
    first = gradients(out, leaves, grad_output=seed, create_graph=True)
    t_first = torch_grad(t_nodes[-1], t_xs, seed, create_graph=second_order)
    scales = share_scales(out, seed)
    for i, (g, t) in enumerate(zip(first, t_first, strict=True)):
        if not (multiplied and torch_nan_only(g.data, t.item())):
            check(f"d out / d x{i}", g.data, t.item(), scales.get(leaves[i], 0.0))
    if second_order:
        branches = multiplied or any(n.op in BRANCHING or any(masked(n)) for n in interior)
        compare_second_order(leaves, first, t_xs, t_first, branches)
    unit = gradients(out, leaves, create_graph=True) if math.isfinite(seed) else first
    return Reference(
        t_nodes[-1].item(),
        [t.item() for t in t_first],
        rounding_scale(out, interior),
        [
            scales.get(x, 0.0) + rounding_scale(g, interior)
            for x, g in zip(leaves, first, strict=True)
        ],
        multiplied,
        [math.isfinite(rounding_scale(g, interior)) for g in unit],
    )


def compare_second_order(
    leaves: list[Value], first: list[Value], t_xs: list[Any], t_first: list[Any], branches: bool
) -> None:
    """Each first derivative (a graph) differentiated again, against torch's."""
    for i, (g, t) in enumerate(zip(first, t_first, strict=True)):
        second = gradients(g, leaves)
        t_second = torch_grad(t, t_xs, None, create_graph=False)
        scales = share_scales(g, 1.0) if g.requires_grad else {}
        for j, (h, th) in enumerate(zip(second, t_second, strict=True)):
            if not (branches and torch_nan_only(h.data, th.item())):
                # A second derivative also carries the rounding of the first one's
                # graph, which its shares' magnitudes do not bound: ten times looser.
                scale = SECOND_ORDER * scales.get(leaves[j], 0.0)
                check(f"d2 out / d x{i} d x{j}", h.data, th.item(), scale)


def replayable(graph: Graph) -> tuple[list[Value], Callable[..., Value]]:
    """The first leaf as a parameter (if there are others), the rest as inputs."""
    params = [Value(graph.leaves[0])] if len(graph.leaves) > 1 else []
    return params, lambda *xs: ours(graph, [*params, *xs])[-1]


def compare_replays(graph: Graph, seed: float, rows: list[Graph], refs: list[Reference]) -> None:
    """tape and python replay the eager engine's numbers exactly; numpy, a batch, torch's."""
    params, fn = replayable(graph)
    inputs = graph.leaves[len(params) :]
    leaves = [*params, *(Value(x) for x in inputs)]
    out = fn(*leaves[len(params) :])
    eager = [g.data for g in gradients(out, leaves, grad_output=seed)]
    for backend in ("tape", "python"):
        got, g_in, g_par = record(fn, *inputs, params=params, backend=backend).value_and_grad(
            *inputs, grad_output=seed
        )
        identical(f"{backend}: value", got, out.data)
        for k, (a, b) in enumerate(zip((*g_par, *g_in), eager, strict=True)):
            identical(f"{backend}: d out / d x{k}", a, b)
    columns = [np.array(c) for c in zip(*(r.leaves[len(params) :] for r in rows), strict=True)]
    program = record(fn, *inputs, params=params, backend="numpy")
    got, g_in, g_par = program.value_and_grad(*columns, grad_output=seed)
    n = len(params)
    for r, ref in enumerate(refs):
        if ref.value_scale != INF:  # else as sensitive to rounding as a number can be
            check(f"numpy row {r}: value", float(got[r]), ref.value, ref.value_scale)
        for k, g in enumerate(g_in):
            a, b = float(g[r]), ref.grads[n + k]
            if ref.stable[n + k] and not (ref.torch_multiplies and torch_nan_only(a, b)):
                check(f"numpy row {r}: d out / d x{n + k}", a, b, ref.grad_scales[n + k])
    if params and all(ref.stable[0] and not ref.torch_multiplies for ref in refs):
        total = sum(ref.grads[0] for ref in refs)
        check("numpy: d out / d x0, summed", g_par[0], total, sum(r.grad_scales[0] for r in refs))


# --- the fuzz ----------------------------------------------------------------------

CASES = int(os.environ.get("AUTOGRAD_TINY_FUZZ_CASES", "75"))  # per block of the test
ROWS = 3  # samples in a numpy batch


def cases(first: int, count: int) -> list[tuple[int, Graph, float, list[Graph]]]:
    """Fixed seeds: a graph, an upstream gradient and the rows of a batch, per case."""
    result = []
    for case in range(first, first + count):
        rng = random.Random(case)
        graph, seed = random_graph(rng), rng.choice(SEEDS)
        others = [tuple(_number(rng) for _ in graph.leaves) for _ in range(ROWS - 1)]
        rows = [graph, *(Graph((graph.leaves[0], *row[1:]), graph.steps) for row in others)]
        result.append((case, graph, seed, rows))
    return result


def run_case(graph: Graph, seed: float, rows: list[Graph]) -> None:
    refs = [compare(row, seed, second_order=k == 0) for k, row in enumerate(rows)]
    compare_replays(graph, seed, rows, refs)


@pytest.mark.slow
@pytest.mark.parametrize("block", range(2))
def test_eager_second_order_and_replays_agree_with_torch(block: int) -> None:
    for case, graph, seed, rows in cases(block * CASES, CASES):
        try:
            run_case(graph, seed, rows)
        except Mismatch as error:
            raise AssertionError(
                f"{error}\ncase {case}, upstream gradient {seed!r}, batch rows "
                f"{[row.leaves for row in rows]}:\n{graph}"
            ) from None


def test_every_primitive_has_a_torch_counterpart_and_is_fuzzed() -> None:
    missing = [p.name for p in PRIMITIVES if p.name not in TORCH]
    assert not missing, f"map these ops to torch functions in tests/_torch_table.py: {missing}"
    assert sorted(TORCH) == sorted(p.name for p in PRIMITIVES), "TORCH has ops not in the table"
    seen = {op for _, graph, _, _ in cases(0, CASES) for op, _ in graph.steps}
    assert seen == set(TORCH)
