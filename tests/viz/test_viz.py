"""to_dot / draw_dot: the DOT text is a faithful, deterministic picture of the graph."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value
from autograd_tiny.engine import topological_order
from autograd_tiny.viz import DEFAULT_MAX_NODES, draw_dot, to_dot

VALUE_LINE = re.compile(r'^\tv(\d+) \[label="(.*)" shape=record(.*)\]$', re.M)
OP_LINE = re.compile(r'^\to(\d+) \[label="(.*)"\]$', re.M)
EDGE_LINE = re.compile(r"^\t([vo]\d+) -> ([vo]\d+)$", re.M)

OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "mul_const": lambda a, b: a * 2.5,
    "rsub_const": lambda a, b: 1.5 - a,
    "tanh": lambda a, b: a.tanh(),
    "relu": lambda a, b: a.relu(),
    "pow2": lambda a, b: a**2,
}


# A random program: each step combines earlier values (by index) with an op.
STEP = st.tuples(
    st.sampled_from(sorted(OPS)),
    st.integers(0, 1_000),
    st.integers(0, 1_000),
)
PROGRAM = st.tuples(
    st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=4),
    st.lists(STEP, min_size=1, max_size=25),
)


def build(program: tuple[list[float], list[tuple[str, int, int]]]) -> Value:
    """Run a program from scratch and return its last value."""
    inputs, steps = program
    values = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    for op, i, j in steps:
        values.append(OPS[op](values[i % len(values)], values[j % len(values)]))
    return values[-1]


@given(PROGRAM)
def test_same_graph_gives_the_same_text(program):
    first, second = build(program), build(program)
    assert to_dot(first) == to_dot(second)
    first.backward()
    second.backward()
    assert to_dot(first) == to_dot(second)
    assert draw_dot(first).source == to_dot(first)


@given(PROGRAM)
def test_one_box_per_value_one_oval_per_op_and_every_edge(program):
    root = build(program)
    text = to_dot(root)
    order = topological_order(root, trainable_only=False)
    value_ids = [int(i) for i, _, _ in VALUE_LINE.findall(text)]
    op_ids = [int(i) for i, _ in OP_LINE.findall(text)]
    assert value_ids == list(range(len(order)))  # ids follow the walk, not id()
    assert op_ids == [i for i, node in enumerate(order) if node.op]
    expected = []
    for i, node in enumerate(order):
        expected += [(f"v{order.index(p)}", f"o{i}") for p in node.parents]
        expected += [(f"o{i}", f"v{i}")] if node.op else []
    assert EDGE_LINE.findall(text) == expected  # x*x keeps both of its edges


def test_a_value_shows_its_label_data_and_grad():
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    labels = [label for _, label, _ in VALUE_LINE.findall(to_dot(y))]
    assert labels == ["{ x | data 2 | grad 4 }", "{ data 4 | grad 1 }"]
    only_data = [label for _, label, _ in VALUE_LINE.findall(to_dot(y, show_grad=False))]
    assert only_data == ["{ x | data 2 }", "{ data 4 }"]
    assert "0.3333" in to_dot(Value(1 / 3)) and "0.33333" in to_dot(Value(1 / 3), precision=5)


@pytest.mark.parametrize(
    ("make", "label"),
    [
        (lambda x: x * 2.0, "* 2"),
        (lambda x: 2.0 * x, "2 *"),
        (lambda x: 3 - x, "3 -"),
        (lambda x: x / 4, "/ 4"),
        (lambda x: x**2, "** 2"),
        (lambda x: 2**x, "2 **"),
        (lambda x: x.leaky_relu(0.1), "leaky_relu(_, 0.1)"),
        (lambda x: x.fma(3.0, 1.0), "fma(_, 3, 1)"),
        (lambda x: x.fma(x, x), "*+"),
        (lambda x: x.exp(), "exp"),
        (lambda x: -x, "-"),
    ],
)
def test_a_folded_number_is_shown_on_its_op_not_as_a_node(make, label):
    y = make(Value(1.5, label="x"))
    text = to_dot(y)
    assert OP_LINE.findall(text) == [("1", label)]
    assert len(VALUE_LINE.findall(text)) == 2  # x and the result: the number is no node


def test_zero_gradients_are_highlighted_on_request():
    w_dead, w_live, x = Value(-1.0, label="dead"), Value(1.0, label="live"), Value(2.0, label="x")
    out = (w_dead * x).relu() + (w_live * x).relu()
    out.backward()
    assert w_dead.grad == 0.0 and w_live.grad != 0.0
    filled = {
        label.split(" | ")[0][2:]: attrs
        for _, label, attrs in VALUE_LINE.findall(to_dot(out, highlight_zero_grad=True))
    }
    assert "fillcolor" in filled["dead"] and "fillcolor" not in filled["live"]
    assert all("fillcolor" not in attrs for _, _, attrs in VALUE_LINE.findall(to_dot(out)))


def test_constants_are_dashed_and_never_highlighted():
    c = Value(3.0, label="c", requires_grad=False)
    y = Value(1.0) * c
    y.backward()
    attrs = dict(
        (label, attrs)
        for _, label, attrs in VALUE_LINE.findall(to_dot(y, highlight_zero_grad=True))
    )
    assert attrs["{ c | data 3 | grad 0 }"] == ' style="dashed"'


def test_names_replace_labels_and_escape_dot_specials():
    w, x = Value(0.5, label="w"), Value(2.0)
    y = w * x
    text = to_dot(y, names={w: 'layer{0}|<w> "0"', x: "input"})
    labels = [label for _, label, _ in VALUE_LINE.findall(text)]
    assert labels[0] == '{ layer\\{0\\}\\|\\<w\\> \\"0\\" | data 0.5 | grad 0 }'
    assert labels[1].startswith("{ input |")


def test_a_ten_thousand_node_chain_needs_no_recursion():
    x = Value(1.0, label="x")
    y = x
    for _ in range(10_000):
        y = y * 1.0
    limit = sys.getrecursionlimit()
    text = to_dot(y)
    assert sys.getrecursionlimit() == limit
    assert len(VALUE_LINE.findall(text)) == 10_001 and len(OP_LINE.findall(text)) == 10_000
    assert len(draw_dot(y, max_nodes=None).body) == len(text.splitlines()) - 2


def test_draw_dot_refuses_a_graph_above_max_nodes_naming_the_count_and_the_option():
    y = Value(1.0)
    for _ in range(DEFAULT_MAX_NODES):
        y = y + 1.0
    with pytest.raises(ValueError, match=r"has 1,001 values, more than max_nodes=1,000") as err:
        draw_dot(y)
    assert "max_nodes=1001 (or None)" in str(err.value)
    assert len(draw_dot(y, max_nodes=1001).body) > DEFAULT_MAX_NODES
    with pytest.raises(ValueError, match="max_nodes=3"):
        to_dot(y, max_nodes=3)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"rankdir": "XY"},
            ValueError,
            "rankdir must be one of 'LR', 'RL', 'TB', 'BT', got str: 'XY'",
        ),
        ({"max_nodes": 0}, ValueError, "max_nodes must be at least 1"),
        ({"max_nodes": 2.5}, TypeError, "max_nodes must be an int or None, got float: 2.5"),
        ({"precision": "4"}, TypeError, "precision must be an int, got str"),
        ({"names": [1]}, TypeError, "names must be a mapping"),
        ({"names": {1: "x"}}, TypeError, "names must map Value to str, got int -> str"),
        ({"module": object()}, TypeError, "module must be an autograd_tiny.nn Module"),
    ],
)
def test_bad_options_are_named(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        to_dot(Value(1.0) * 2, **kwargs)


def test_only_a_value_can_be_drawn():
    with pytest.raises(TypeError, match=r"expected a Value to draw, got float: 1\.0"):
        draw_dot(1.0)  # type: ignore[arg-type]


def test_rankdir_is_passed_to_graphviz():
    assert "\trankdir=TB\n" in draw_dot(Value(1.0), rankdir="TB").source


class TwoParameters:
    """The part of an ``nn.Module`` that drawing uses: parameters() and state_dict()."""

    def __init__(self) -> None:
        self.w = [Value(0.5), Value(-1.0)]
        self.b = Value(0.25)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def state_dict(self) -> dict[str, float | list[float]]:
        return {"w": [p.data for p in self.w], "b": self.b.data}


def test_module_parameters_are_named_by_their_state_dict_keys():
    module = TwoParameters()
    y = module.w[0] * 3.0 + module.w[1] * module.b
    labels = [label.split(" | ")[0] for _, label, _ in VALUE_LINE.findall(to_dot(y, module=module))]
    assert {"{ w[0]", "{ w[1]", "{ b"} <= set(labels)
    x = Value(1.0, label="x")
    renamed = to_dot(x * module.b, module=module, names={module.b: "bias"})
    assert "{ bias | data 0.25" in renamed and "{ x | data 1" in renamed


def test_a_module_whose_state_dict_disagrees_with_its_parameters_is_refused():
    module = TwoParameters()
    module.parameters = lambda: [module.b]  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="1 parameters but 3 state_dict entries"):
        to_dot(module.b * 2, module=module)


def test_an_mlp_s_parameters_carry_their_state_dict_names():
    from autograd_tiny.nn import MLP

    model = MLP(2, [3, 1], seed=1)
    out = model([0.5, -1.0])
    text = to_dot(out, module=model)
    shown = {label.split(" | ")[0][2:]: label for _, label, _ in VALUE_LINE.findall(text)}
    state = model.state_dict()
    for key, value in state.items():
        for i, number in enumerate(value) if isinstance(value, list) else [(None, value)]:
            name = key if i is None else f"{key}[{i}]"
            assert shown[name].startswith(f"{{ {name} | data {format(number, '.4g')} |")
    assert len([name for name in shown if name.startswith("layers.")]) == len(model.parameters())
