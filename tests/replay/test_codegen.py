"""Generated straight-line Python: readable, compiled once, the eager engine's numbers."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, apply, gradients
from autograd_tiny.nn import MLP
from autograd_tiny.ops import PRIMITIVES, Primitive
from autograd_tiny.replay import record
from autograd_tiny.replay.codegen import PYTHON, generate, slot_names
from autograd_tiny.replay.tape import trace

special = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, math.inf, -math.inf, math.nan])
numbers = st.floats(-5.0, 5.0, allow_nan=False) | special


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
@given(data=st.data())
def test_every_op_is_the_tables_forward_and_partials(prim: Primitive, data: st.DataObject) -> None:
    xs = [data.draw(numbers) for _ in range(prim.arity)]
    program = record(lambda *v: apply(prim, *v), *xs, backend="python")
    out, grads, _ = program.value_and_grad(*xs, grad_output=1.0)
    want = prim.forward(*xs)
    assert same(out, want)
    for i, g in enumerate(grads):
        assert same(g, prim.partials[i](*xs, want) * 1.0)


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
@given(data=st.data(), seed=st.sampled_from([math.inf, -math.inf, math.nan, 1e300, 1e-300]))
def test_every_op_passes_any_gradient_as_the_eager_engine(
    prim: Primitive, data: st.DataObject, seed: float
) -> None:
    """Bit for bit the eager shares: divided, masked down a branch not taken, or products."""
    xs = [data.draw(numbers) for _ in range(prim.arity)]
    _, grads, _ = record(lambda *v: apply(prim, *v), *xs, backend="python").value_and_grad(
        *xs, grad_output=seed
    )
    leaves = [Value(x) for x in xs]
    eager = gradients(apply(prim, *leaves), leaves, grad_output=seed)
    assert all(same(g, e.data) for g, e in zip(grads, eager, strict=True)), (xs, grads, eager)


def test_a_rule_that_divides_or_masks_is_written_as_its_share() -> None:
    x, y = Value(2.0, label="x"), Value(4.0, label="y")
    program = record(lambda x, y: (x / y).relu() + x.log(), x, y, backend="python")
    for line in (
        "    g_x = div(g_log1, x)",  # g / x, not (1 / x) * g: the table's share, inlined
        "    g_div1 = (0.0 if (div1 <= 0.0) else g_relu1)",  # a branch not taken passes 0
        "    g_x += div(g_div1, y)",
        "    g_y = (-div(div1, y)) * g_div1",  # a plain partial times the gradient
    ):
        assert line in program.source, line
    numpy_source = record(lambda x, y: (x / y).relu(), x, y, backend="numpy").source
    assert "g_div1 = where((div1 <= 0.0), 0.0, g_relu1)" in numpy_source


def test_the_source_has_one_line_per_op_and_named_variables() -> None:
    x, w, b = Value(1.0, label="x"), Value(0.5, label="w"), Value(0.1, label="b")
    program = record(lambda x: (w * x + b).tanh(), x, params=[w, b], backend="python")
    run = program.source.split("\n\n")[0].splitlines()
    assert run == [
        "def run(inputs, params):",
        "    (x,) = inputs",
        "    (w, b) = [p.data for p in params]",
        "    mul1 = w * x",
        "    add1 = mul1 + b",
        "    tanh1 = tanh(add1)",
        "    return tanh1",
    ]
    assert "    g_add1 = ((4.0 * sigmoid((2.0 * add1))) * sigmoid(((-2.0) * add1))) * g_tanh1" in (
        program.source
    )
    assert "    return tanh1, (g_x,), (g_w, g_b)" in program.source


def test_a_network_reads_as_its_layers() -> None:
    model = MLP(2, [3, 1], seed=0)
    program = record(lambda a, b: model([a, b]), 1.0, 2.0, params=model, backend="python")
    body = program.source.split("\n\n")[1]
    assert "(w0_0_0, w0_0_1, b0_0, w0_1_0" in body
    statements = [line for line in body.strip().splitlines()[1:] if "#" not in line]
    one_statement = r" +(\(?[\w, ]+\)? \+?= (?!.* = )[^;]+|return .+|if not into_grad:|\S+ \+= \S+)"
    assert all(re.fullmatch(one_statement, s) for s in statements)
    forward = body.split("# backward")[0].strip().splitlines()[3:]
    assert len(forward) == len(program.tape.instructions)
    assert "g_w1_0_2 = relu" in body


@pytest.mark.parametrize(
    "label",
    [
        *("tanh", "ｔａｎｈ", "grad_output", "params", "into_grad", "all_", "any_", "class", "1st"),
        *("a b", 'x"); import os; ("', "g_x", "x", "vjp_div_x", "dtanh_dx"),
    ],
)
def test_any_label_becomes_a_safe_unique_name(label: str) -> None:
    x, y = Value(1.0, label=label), Value(2.0, label="x")
    program = record(lambda x, y: x * y + x, x, y, backend="python")
    names = slot_names(program.tape)
    assert all(n.isidentifier() or _is_number(n) for n in names)
    assert len(set(names)) == len(names)
    assert program.value_and_grad(3.0, 4.0) == (15.0, (5.0, 3.0), ())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_non_finite_constants_are_spelled_as_names() -> None:
    program = record(lambda x: x * math.inf + math.nan * x - (-math.inf), 1.0, backend="python")
    assert "inf" in program.source and "nan" in program.source
    out, (g,), _ = program.value_and_grad(2.0)
    assert math.isnan(out) and math.isnan(g)


def test_a_strange_file_name_stays_inside_its_comment() -> None:
    scope: dict[str, object] = {}
    exec(compile("def f(x):\n    return x * 2.0 if x > 0 else x", "a\nimport os\n", "exec"), scope)
    program = record(scope["f"], 1.0, backend="python")  # type: ignore[arg-type]
    guard_line = next(line for line in program.source.splitlines() if "GuardFailed" in line)
    assert guard_line.endswith("# a_import os_:2") and program.run(3.0) == 6.0


def test_compile_cost_is_reported() -> None:
    program = record(lambda x: x.exp(), 1.0, backend="python")
    assert 0.0 < program.compile_seconds < 60.0


def test_guards_appear_in_the_source_with_the_line_that_compared() -> None:
    def fn(x: Value) -> Value:
        return x.sin() if x < 1.0 else x.cos()

    source = generate(trace(fn, [Value(0.0, label="x")], []), PYTHON)
    assert "if not (x < 1.0): raise GuardFailed(0)  # test_codegen.py:" in source


def test_the_tape_backend_has_no_source() -> None:
    with pytest.raises(ValueError, match="generates no source"):
        _ = record(lambda x: x, 1.0).source
