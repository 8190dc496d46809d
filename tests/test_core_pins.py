"""Promises of the core that mutation testing found unpinned (issue 10, section 5).

Each test names the mutant it kills: a change to the core that every other
core test let live.  Expected values are closed forms.
"""

from __future__ import annotations

import copy
import pickle

import pytest

from autograd_tiny import (
    Value,
    detect_anomaly,
    enable_grad,
    grad,
    gradients,
    no_grad,
    value_and_grad,
)
from autograd_tiny.backward import backpropagate, topological_order


@pytest.mark.parametrize("mode", [None, enable_grad, detect_anomaly])
def test_fma_is_recorded_whatever_mode_is_active(mode: type | None) -> None:
    """Mutant: fma recorded only when no mode is active (grad() enters enable_grad)."""
    f = lambda x: x.fma(2.0, 1.0)  # d/dx (2x + 1) = 2
    if mode is None:
        assert grad(f)(3.0) == 2.0
    else:
        with mode():
            x = Value(3.0)
            y = f(x)
            y.backward()
        assert (y.data, x.grad, y.op) == (7.0, 2.0, "fma")


def test_fma_under_no_grad_records_nothing() -> None:
    with no_grad():
        y = Value(3.0).fma(2.0, 1.0)
    assert (y.data, y.op, y.requires_grad) == (7.0, "", False)


def test_fma_takes_ints_and_numpy_scalars() -> None:
    np = pytest.importorskip("numpy")
    x = Value(3.0)
    for y, z in [(2, 1), (np.float64(2.0), np.int64(1)), (np.float32(2.0), True)]:
        out = x.fma(y, z)
        assert out.data == 7.0 and out.operands[1:] == (2.0, 1.0)
        assert gradients(out, [x])[0].data == 2.0


def test_fma_all_three_partials() -> None:
    x, y, z = Value(2.0), Value(-3.0), Value(5.0)
    assert [g.data for g in gradients(x.fma(y, z), [x, y, z])] == [-3.0, 2.0, 1.0]


def test_grad_at_a_value_that_requires_no_grad() -> None:
    """Mutant: a constant Value argument is differentiated as a constant (0.0)."""
    g = grad(lambda x: x * x)(Value(3.0, requires_grad=False))
    assert float(g) == 6.0


def test_value_and_grad_with_values_keeps_the_value_graph() -> None:
    """Mutant: the value comes back as a float, losing its graph."""
    x = Value(3.0)
    value, slope = value_and_grad(lambda a: a * a * a)(x)  # 27 and 27
    assert isinstance(value, Value) and isinstance(slope, Value)
    assert value.data == 27.0 and slope.data == 27.0
    assert gradients(value, [x])[0].data == 27.0  # d/dx x³ = 3x² at 3
    assert gradients(slope, [x])[0].data == 18.0  # d/dx 3x² = 6x


def test_leaky_relu_default_slope_is_one_hundredth() -> None:
    x = Value(-2.0)
    y = x.leaky_relu()
    y.backward()
    assert (y.data, x.grad) == (-0.02, 0.01)


def test_detach_keeps_data_and_label_and_requires_no_grad() -> None:
    d = (Value(2.0, label="w") * 3.0).detach()
    assert (d.data, d.op, d.requires_grad) == (6.0, "", False)
    assert Value(2.0, label="w").detach().label == "w"


def test_topological_order_leaves_constants_out_by_default() -> None:
    x, c = Value(2.0), Value(5.0, requires_grad=False)
    y = x * c
    assert topological_order(y) == [x, y]
    assert topological_order(y, trainable_only=False) == [x, c, y]


def test_topological_order_emits_a_shared_node_once() -> None:
    """Mutant: a visited set that stopped working emits shared nodes again and again."""
    x = Value(1.0)
    y = x
    for _ in range(20):  # a ladder of diamonds: 2^20 paths, 41 nodes
        y = y * y + y
    order = topological_order(y)
    assert len(order) == len(set(order)) == 41
    position = {node: i for i, node in enumerate(order)}
    assert all(position[p] < position[n] for n in order for p in n.parents)


def test_gradients_are_plain_leaves_unless_create_graph() -> None:
    x = Value(3.0)
    (g,) = gradients(x * x, [x])
    assert (g.data, g.op, g.parents, g.requires_grad) == (6.0, "", (), False)
    (h,) = gradients(x * x, [x], create_graph=True)
    assert h.data == 6.0 and h.requires_grad and h.op != ""


@pytest.mark.parametrize("bad", ["1.0", None, [1.0], 1j])
def test_gradients_rejects_a_grad_output_that_is_not_a_number(bad: object) -> None:
    x = Value(3.0)
    with pytest.raises(TypeError, match=type(bad).__name__):
        gradients(x * x, [x], grad_output=bad)


def test_gradients_scales_by_grad_output() -> None:
    x = Value(3.0)
    assert gradients(x * x, [x], grad_output=0.5)[0].data == 3.0


def test_backpropagate_without_targets_returns_every_node_requiring_grad() -> None:
    x, c = Value(2.0), Value(5.0, requires_grad=False)
    m = x * c
    y = m + x
    grads = backpropagate(y, 1.0, False)
    assert grads == {y: 1.0, m: 1.0, x: 6.0}
    assert set(backpropagate(y, 1.0, False, targets=[x])) == {x}


def _graph() -> tuple[Value, Value, Value]:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w + x).tanh()
    y.backward()
    return x, w, y


def _shape(root: Value) -> list[tuple[str, float, float, str, int]]:
    order = topological_order(root, trainable_only=False)
    index = {node: i for i, node in enumerate(order)}
    return [
        (n.op, n.data, n.grad, n.label, sum(index[p] for p in n.parents) + len(n.parents))
        for n in order
    ]


def test_copy_shares_the_operands_and_keeps_the_node() -> None:
    _, _, y = _graph()
    c = copy.copy(y)
    assert c is not y and (c.data, c.grad, c.op, c.parents) == (y.data, y.grad, y.op, y.parents)


def test_deepcopy_copies_the_whole_graph() -> None:
    x, _, y = _graph()
    d = copy.deepcopy(y)
    assert _shape(d) == _shape(y)
    assert not set(topological_order(d, trainable_only=False)) & set(
        topological_order(y, trainable_only=False)
    )
    d.zero_grad()
    assert x.grad != 0.0  # the original is untouched


def test_pickle_round_trips_the_graph_and_it_still_differentiates() -> None:
    _, _, y = _graph()
    p = pickle.loads(pickle.dumps(y))
    assert _shape(p) == _shape(y)
    leaves = [n for n in topological_order(p) if n.op == ""]
    p.zero_grad()
    p.backward()
    assert [leaf.grad for leaf in leaves] == [
        leaf.grad for leaf in topological_order(y) if leaf.op == ""
    ]
