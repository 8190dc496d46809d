"""``backward()`` on random graphs: every node's gradient, accumulation, constants.

A graph is drawn as a recipe (leaves, then steps that apply a primitive of the
table to earlier nodes or to numbers), so nodes are reused at random: ``x*x``,
diamonds, nodes outside the root's graph.  Replaying the recipe on floats with
one node nudged gives a finite difference for *any* node, interior or leaf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_tiny import Value, apply, gradients, no_grad
from autograd_tiny.engine import topological_order
from autograd_tiny.ops import BY_NAME, Primitive

SMOOTH = tuple(
    BY_NAME[n]
    for n in ("add", "sub", "mul", "fma", "neg", "tanh", "sigmoid", "softplus", "sin", "cos")
)
SMALL = st.floats(-2.0, 2.0)
Operand = tuple[str, Any]  # ("node", index) or ("number", value)


@dataclass(frozen=True)
class Recipe:
    """Leaves ``(value, requires_grad)``, then steps ``(primitive, operands)``."""

    leaves: tuple[tuple[float, bool], ...]
    steps: tuple[tuple[Primitive, tuple[Operand, ...]], ...]

    def build(self) -> list[Value]:
        """The graph as ``Value``s, leaves first; the root is the last node."""
        nodes = [Value(x, requires_grad=rg, label=f"n{i}") for i, (x, rg) in enumerate(self.leaves)]
        for prim, operands in self.steps:
            nodes.append(apply(prim, *(nodes[i] if k == "node" else i for k, i in operands)))
        return nodes

    def replay(self, nudged: int = -1, h: float = 0.0, root: int = -1) -> float:
        """Node ``root``'s value on floats, with node ``nudged`` moved by ``h``."""
        values = [x for x, _ in self.leaves]
        if 0 <= nudged < len(values):
            values[nudged] += h
        for prim, operands in self.steps:
            values.append(prim.forward(*(values[i] if k == "node" else i for k, i in operands)))
            if len(values) - 1 == nudged:
                values[-1] += h
        return values[root]


@st.composite
def recipes(draw: st.DrawFn, max_steps: int = 10, constants: bool = True) -> Recipe:
    """Random graphs over SMOOTH, reusing nodes; some leaves are constants."""
    n = draw(st.integers(1, 4))
    requires = st.booleans() if constants else st.just(True)
    leaves = tuple((draw(SMALL), draw(requires)) for _ in range(n))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        prim = draw(st.sampled_from(SMOOTH))
        node = st.tuples(st.just("node"), st.integers(0, n + k - 1))
        number = st.tuples(st.just("number"), SMALL)
        operands = draw(st.tuples(*([st.one_of(node, node, number)] * prim.arity)))
        if all(kind == "number" for kind, _ in operands):
            operands = (draw(node), *operands[1:])
        steps.append((prim, operands))
    return Recipe(leaves, tuple(steps))


def finite_difference(recipe: Recipe, j: int, root: int) -> float:
    """``∂node_root/∂node_j`` by a central difference of the replay."""
    h = 1e-6
    return (recipe.replay(j, h, root) - recipe.replay(j, -h, root)) / (2 * h)


@given(recipe=recipes(), pick=st.integers(0, 20))
def test_every_node_gets_its_gradient(recipe: Recipe, pick: int) -> None:
    nodes = recipe.build()
    # the root is the last node, or an interior one that other nodes consume too
    at = -1 if pick >= len(recipe.steps) else len(recipe.leaves) + pick
    root = nodes[at]
    assume(root.requires_grad)
    functional = [g.data for g in gradients(root, nodes)]
    root.backward()
    assert [n.grad for n in nodes] == functional
    for j, node in enumerate(nodes):
        if node.requires_grad:
            fd = finite_difference(recipe, j, at)
            assert abs(node.grad - fd) <= 1e-5 * max(1.0, abs(fd)), (j, node.grad, fd)
        else:  # a constant: a requires_grad=False leaf or computed from those only
            assert node.grad == 0.0, j


def grads_of(nodes: list[Value]) -> list[float]:
    return [n.grad for n in nodes]


@given(recipe=recipes(), seed=st.sampled_from((2.0, 0.5, -1.0, 0.0)))
def test_gradients_accumulate_scale_with_the_seed_and_clear(recipe: Recipe, seed: float) -> None:
    nodes = recipe.build()
    root = nodes[-1]
    assume(root.requires_grad)
    root.backward()
    once = grads_of(nodes)
    root.backward()
    assert grads_of(nodes) == [2 * g for g in once]  # a second backward doubles
    root.zero_grad()
    assert all(n.grad == 0.0 for n in topological_order(root, trainable_only=False))
    root.backward(seed)
    # exact but for rounding where a product underflows to a subnormal
    scaled = zip(grads_of(nodes), once, strict=True)
    assert all(abs(g - seed * g1) <= 1e-15 * abs(g) + 1e-300 for g, g1 in scaled)


@given(x=SMALL)
def test_a_square_has_two_edges(x: float) -> None:
    v = Value(x)
    y = v * v
    assert y.parents == (v, v) and y.operands == (v, v)
    y.backward()
    assert v.grad == 2 * x


@given(a=SMALL)
def test_reused_nodes_accumulate(a: float) -> None:
    x = Value(a)
    b = x + x
    c = b + b
    assert c.parents == (b, b) and b.parents == (x, x)
    c.backward()
    assert (c.data, c.grad, b.grad, x.grad) == (4 * a, 1.0, 2.0, 4.0)


@given(a=SMALL)
def test_a_diamond(a: float) -> None:
    x = Value(a)
    left, right = x.sin(), x * 3.0
    top = left * right
    top.backward()
    expected = math.cos(a) * 3.0 * a + math.sin(a) * 3.0
    assert math.isclose(x.grad, expected, rel_tol=1e-12, abs_tol=1e-12)
    assert (left.grad, right.grad) == (right.data, left.data)


@given(a=SMALL)
def test_backward_on_a_leaf(a: float) -> None:
    x = Value(a)
    x.backward(3.0)
    assert x.grad == 3.0


@given(a=SMALL, b=SMALL)
def test_detach_is_a_constant_leaf(a: float, b: float) -> None:
    x = Value(a, label="x")
    d = (x * b).detach()
    assert (d.data, d.op, d.parents, d.requires_grad, d.grad) == (a * b, "", (), False, 0.0)
    y = x * d
    y.backward()
    assert x.grad == d.data and d.grad == 0.0


def test_requires_grad_false_leaves_keep_a_zero_grad() -> None:
    w, c = Value(2.0), Value(3.0, requires_grad=False)
    y = (w * c + c * c).tanh()
    y.backward()
    assert c.grad == 0.0 and w.grad != 0.0
    assert not (c * c).requires_grad and (c * c).op == ""


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value(1.0, requires_grad=False),
        lambda: Value(1.0, requires_grad=False) * 2.0 + Value(3.0, requires_grad=False),
        lambda: Value(1.0).detach().exp(),
    ],
    ids=["constant leaf", "constants only", "detached"],
)
def test_backward_without_a_graph_raises(make: Any) -> None:
    with pytest.raises(RuntimeError, match="grad"):
        make().backward()


def test_backward_on_a_value_made_under_no_grad_raises() -> None:
    x = Value(1.0)
    with no_grad():
        y = x * 2.0
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()
