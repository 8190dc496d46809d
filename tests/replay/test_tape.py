"""Record once, replay fast: every backend replays exactly what the eager engine computes."""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, apply, gradients
from autograd_tiny.nn import MLP
from autograd_tiny.ops import PRIMITIVES
from autograd_tiny.replay import BACKENDS, GuardError, Program, record
from autograd_tiny.replay.tape import trace
from autograd_tiny.strategies import expressions
from autograd_tiny.testing import as_function

finite = st.floats(-3.0, 3.0, allow_nan=False)
Step = tuple[Any, list[tuple[str, Any]]]


@pytest.mark.parametrize("backend", BACKENDS)
@given(expression=expressions(), data=st.data())
def test_replay_is_eager_on_random_expressions(backend: str, expression: Any, data: Any) -> None:
    out, leaves = expression
    fn = as_function(out, leaves)
    recorded = [x.data for x in leaves]
    program = record(fn, *recorded, backend=backend)
    nearby = [x + data.draw(st.floats(-0.25, 0.25)) for x in recorded]
    equal = composed if backend == "numpy" else same
    for xs in (recorded, nearby):
        assert agree(replay(program, xs), eager(fn, xs), equal)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[Step]]:
    """A random graph over the whole op table, inputs anywhere: the IEEE edges too."""
    n_inputs = draw(st.integers(1, 3))
    steps: list[Step] = []
    for k in range(draw(st.integers(1, 8))):
        prim = draw(st.sampled_from(PRIMITIVES))
        operands: list[tuple[str, Any]] = []
        for i in range(prim.arity):
            if i > 0 and draw(st.booleans()):
                operands.append(("number", draw(finite)))
            else:
                operands.append(("node", draw(st.integers(0, n_inputs + k - 1))))
        steps.append((prim, operands))
    return n_inputs, steps


def build(steps: Sequence[Step]) -> Callable[..., Value]:
    """The function of the inputs that applies ``steps``; its output is the last node."""

    def fn(*xs: Value) -> Value:
        nodes: list[Value] = list(xs)
        for prim, operands in steps:
            nodes.append(apply(prim, *(nodes[i] if kind == "node" else i for kind, i in operands)))
        return nodes[-1]

    return fn


def eager(fn: Callable[..., Value], xs: Sequence[float], params: Sequence[Value] = ()) -> Any:
    """Output, input gradients and parameter gradients from the eager engine."""
    leaves = [Value(x) for x in xs]
    for p in params:
        p.grad = 0.0
    out = fn(*leaves)
    out.backward()
    return out.data, tuple(x.grad for x in leaves), tuple(p.grad for p in params)


def same(a: float, b: float) -> bool:
    """Bit-for-bit agreement up to the sign of zero (NaN agrees with NaN)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def close(a: float, b: float) -> bool:
    """1e-12 relative, for numpy's own exp, log, tanh…, which may differ by an ulp."""
    return same(a, b) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


def composed(a: float, b: float) -> bool:
    """For numpy through several ops: an ulp of numpy's exp or log in an intermediate
    (at most 1e3 in ``expressions()``) can grow through a later cancellation."""
    return same(a, b) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def replay(program: Program, xs: Sequence[float]) -> Any:
    """``value_and_grad`` as floats, whatever the backend (numpy: a batch of one)."""
    if program.backend != "numpy":
        return program.value_and_grad(*xs)
    out, gin, gpar = program.value_and_grad(*([x] for x in xs))
    return float(out[0]), tuple(float(g[0]) for g in gin), gpar


def agree(got: Any, want: Any, equal: Callable[[float, float], bool]) -> bool:
    flat_got = [got[0], *got[1], *got[2]]
    flat_want = [want[0], *want[1], *want[2]]
    return len(flat_got) == len(flat_want) and all(map(equal, flat_got, flat_want))


@pytest.mark.parametrize("backend", ["tape", "python"])
@given(graph=graphs(), data=st.data())
def test_replay_is_eager_bit_for_bit_on_random_graphs(backend: str, graph: Any, data: Any) -> None:
    n, steps = graph
    fn = build(steps)
    recorded = data.draw(st.lists(finite, min_size=n, max_size=n))
    program = record(fn, *recorded, backend=backend)
    for xs in (recorded, data.draw(st.lists(finite, min_size=n, max_size=n))):
        assert agree(replay(program, xs), eager(fn, xs), same)


@given(graph=graphs(), data=st.data())
def test_numpy_replay_is_eager_on_random_graphs(graph: Any, data: Any) -> None:
    n, steps = graph
    fn = build(steps)
    xs = data.draw(st.lists(finite, min_size=n, max_size=n))
    want = eager(fn, xs)
    got = replay(record(fn, *xs, backend="numpy"), xs)
    for a, b in zip([got[0], *got[1]], [want[0], *want[1]], strict=True):
        assert composed(a, b), (a, b)


def mlp_loss(model: MLP) -> Callable[..., Value]:
    def loss(*row: Value) -> Value:
        *x, y = row
        out = model(list(x))
        return (out - y) * (out - y)

    return loss


@pytest.mark.parametrize("backend", BACKENDS)
@given(
    seed=st.integers(0, 2**16),
    nouts=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    data=st.data(),
)
def test_mlp_replay_matches_eager(
    backend: str, seed: int, nouts: list[int], activation: str, data: Any
) -> None:
    model = MLP(2, [*nouts, 1], activation, seed=seed)
    loss, params = mlp_loss(model), model.parameters()
    program = record(loss, 0.5, -0.5, 1.0, params=model, backend=backend)
    row = data.draw(st.lists(finite, min_size=3, max_size=3))
    equal = composed if backend == "numpy" else same
    assert agree(replay(program, row), eager(loss, row, params), equal)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_changed_parameter_is_picked_up(backend: str) -> None:
    w = Value(2.0)
    program = record(lambda x: (w * x).tanh(), 1.0, params=[w], backend=backend)
    before = replay(program, [0.3])
    w.data = -1.5
    assert agree(replay(program, [0.3]), eager(lambda x: (w * x).tanh(), [0.3], [w]), close)
    assert not agree(replay(program, [0.3]), before, close)


@pytest.mark.parametrize("backend", ["tape", "python"])
def test_backward_accumulates_into_parameters_like_eager(backend: str) -> None:
    model = MLP(2, [3, 1], "tanh", seed=1)
    program = record(mlp_loss(model), 0.1, 0.2, 1.0, params=model, backend=backend)
    out = program.backward(0.4, -0.2, 1.0, grad_output=0.5)
    program.backward(0.4, -0.2, 1.0, grad_output=0.5)
    leaves = [Value(x) for x in (0.4, -0.2, 1.0)]
    model.zero_grad()
    eager_out = mlp_loss(model)(*leaves)
    eager_out.backward()
    want = [p.grad for p in model.parameters()]
    assert out == eager_out.data
    assert program.value_and_grad(0.4, -0.2, 1.0)[2] == tuple(want)
    model.zero_grad()
    program.backward(0.4, -0.2, 1.0, grad_output=0.5)
    assert [p.grad for p in model.parameters()] == [0.5 * g for g in want]


def branchy(x: Value) -> Value:
    """Python control flow that reads a value: the graph's shape depends on it."""
    return x * 2.0 if x > 0 else x * x


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_changed_branch_records_again(backend: str) -> None:
    program = record(branchy, 1.0, backend=backend)
    assert len(program.tape.guards) == 1
    assert replay(program, [3.0])[:2] == (6.0, (2.0,))
    assert replay(program, [-3.0])[:2] == (9.0, (-6.0,))
    assert program.recordings == 2
    assert replay(program, [4.0])[:2] == (8.0, (2.0,))  # the first recording, kept
    assert program.recordings == 2
    assert (
        repr(program) == f"<Program {backend}: 1 inputs, 0 params, 1 ops, 1 guards, 2 recording(s)>"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_strict_mode_raises_on_a_changed_branch(backend: str) -> None:
    program = record(branchy, 1.0, backend=backend, strict=True)
    with pytest.raises(
        GuardError, match=r"`x0 > 0\.0` was True when recorded \(at .*test_tape\.py:\d+\)"
    ):
        replay(program, [-1.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_over_values_is_guarded(backend: str) -> None:
    def largest(a: Value, b: Value, c: Value) -> Value:
        return max(a, b, c) * 3.0

    program = record(largest, 1.0, 5.0, 2.0, backend=backend, strict=True)
    assert replay(program, [0.0, 7.0, 1.0])[:2] == (21.0, (0.0, 3.0, 0.0))
    with pytest.raises(GuardError):
        replay(program, [9.0, 7.0, 1.0])


def test_a_guard_on_a_value_outside_the_output_graph_is_checked() -> None:
    def fn(x: Value, y: Value) -> Value:
        return x * 1.0 if (y * y) > 1.0 else x * -1.0

    program = record(fn, 2.0, 3.0, strict=True)
    assert program.run(5.0, -2.0) == 5.0
    with pytest.raises(GuardError):
        program.run(5.0, 0.5)


def test_relu_and_abs_branch_inside_the_op_without_guards() -> None:
    program = record(lambda x: abs(x).relu() + x.relu(), 1.0, strict=True)
    assert program.tape.guards == ()
    assert program.value_and_grad(-2.0) == eager(lambda x: abs(x).relu() + x.relu(), [-2.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_replaying_a_thousand_times_leaks_no_memory(backend: str) -> None:
    model = MLP(2, [4, 1], seed=3)
    program = record(mlp_loss(model), 0.1, 0.2, 1.0, params=model, backend=backend)
    args = [0.3, -0.1, 1.0] if backend != "numpy" else [np.array([0.3, 0.5])] * 3
    for _ in range(10):
        program.backward(*args)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            program.backward(*args)
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert grown < 10_000, f"{grown} bytes kept after 1,000 replays"


@pytest.mark.parametrize("backend", ["tape", "python"])
@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        ((1.0,), TypeError, "takes 2 inputs, got 1"),
        ((1.0, 2.0, 3.0), TypeError, "takes 2 inputs, got 3"),
        ((1.0, "2"), TypeError, "got str: '2'"),
        ((None, 2.0), TypeError, "got NoneType"),
        ((1.0, 2j), TypeError, "got complex"),
    ],
)
def test_bad_inputs_raise_clear_errors(backend: str, inputs: Any, error: Any, message: str) -> None:
    program = record(lambda x, y: x * y, 1.0, 2.0, backend=backend)
    with pytest.raises(error, match=message):
        program.run(*inputs)
    with pytest.raises(error, match=message):
        program.value_and_grad(*inputs)


def test_record_checks_its_arguments() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="backend must be one of"):
        record(lambda x: x, 1.0, backend="cuda")
    with pytest.raises(TypeError, match="must return a Value, got float"):
        record(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="a sequence of Values or a Module, got Value"):
        record(lambda x: x, 1.0, params=w)
    with pytest.raises(TypeError, match="params must be Values, got float"):
        record(lambda x: x, 1.0, params=[1.0])
    with pytest.raises(ValueError, match="given twice"):
        record(lambda x: x * w, 1.0, params=[w, w])
    with pytest.raises(ValueError, match="must be a leaf"):
        record(lambda x: x, 1.0, params=[w * 2.0])
    with pytest.raises(TypeError, match="real number, got str"):
        record(lambda x: x, "1.0")
    with pytest.raises(TypeError, match="grad_output"):
        record(lambda x: x * w, 1.0, params=[w]).value_and_grad(1.0, grad_output="1")


def test_other_leaves_are_constants_frozen_when_recorded() -> None:
    c = Value(3.0, requires_grad=False)
    program = record(lambda x: x * c + 1.0, 2.0)
    c.data = 100.0
    assert program.value_and_grad(2.0) == (7.0, (3.0,), ())


def test_input_gradients_can_be_skipped() -> None:
    w = Value(0.5)
    program = record(lambda x: (w * x).sin(), 1.0, params=[w], grad_inputs=False)
    out, gin, (gw,) = program.value_and_grad(2.0)
    assert gin == () and (out, gw) == (math.sin(1.0), 2.0 * math.cos(1.0))


def test_the_tape_lays_out_inputs_parameters_constants_then_results() -> None:
    w = Value(0.5, label="w")
    tape = trace(lambda x: (w * x + 1.0) * (w * x + 1.0), [Value(2.0, label="x")], [w])
    assert (tape.n_inputs, tape.n_params, tape.constants) == (1, 1, (1.0,))
    assert [i.prim.name for i in tape.instructions] == ["mul", "add", "mul", "add", "mul"]
    assert tape.output == tape.first_result + 4 == len(tape.names) - 1
    operand_slots = [s for i in tape.instructions for s in i.operands]
    assert all(
        s < tape.first_result + k for k, i in enumerate(tape.instructions) for s in i.operands
    )
    assert set(operand_slots) >= {0, 1, 2}


@pytest.mark.parametrize("backend", ["tape", "python"])
def test_a_replayed_gradient_keeps_the_sign_of_a_zero(backend: str) -> None:
    # As gradients(): a sum starts from its first share, so -0.0 stays -0.0 (1/g
    # is -inf, not inf); an input that gets no share at all has 0.0.
    def fn(x: Value, y: Value, z: Value) -> Value:
        return x * -0.0 + (y * -1e-300) * 1e-300

    leaves = [Value(v) for v in (1.0, 2.0, 3.0)]
    want = [g.data for g in gradients(fn(*leaves), leaves)]
    assert [math.copysign(1.0, g) for g in want] == [-1.0, -1.0, 1.0]
    _, got, _ = record(fn, 1.0, 2.0, 3.0, backend=backend).value_and_grad(1.0, 2.0, 3.0)
    assert [math.copysign(1.0, g) for g in got] == [-1.0, -1.0, 1.0] and list(got) == want


@pytest.mark.parametrize("backend", ["tape", "python"])
def test_output_may_be_a_leaf(backend: str) -> None:
    w = Value(4.0)
    program = record(lambda x: w, 1.0, params=[w], backend=backend)
    assert program.value_and_grad(9.0) == (4.0, (0.0,), (1.0,))


@pytest.mark.parametrize("backend", BACKENDS)
def test_aux_values_are_replayed_but_not_differentiated(backend: str) -> None:
    w = Value(2.0)

    def fn(x: Value) -> tuple[Value, list[Value]]:
        h = w * x
        return (h - 1.0) * (h - 1.0), [h, h.exp()]

    program = record(fn, 1.0, params=[w], backend=backend, has_aux=True)
    xs: Any = 3.0 if backend != "numpy" else np.array([3.0])
    (out, (h, e)), (gx,), (gw,) = program.value_and_grad(xs)
    assert [scalar(v) for v in (out, h, e, gx, gw)] == [25.0, 6.0, math.exp(6.0), 20.0, 30.0]
    run_out, run_aux = program.run(xs)
    assert scalar(run_out) == 25.0 and [scalar(v) for v in run_aux] == [6.0, math.exp(6.0)]
    single = record(lambda x: (x * x, x + 1.0), 1.0, backend=backend, has_aux=True)
    assert [scalar(v) for v in single.run(xs)] == [9.0, 4.0]


def scalar(v: Any) -> float:
    """A float, or the only element of a batch of one."""
    return float(np.ravel(v)[0])


def test_has_aux_needs_a_pair_of_values() -> None:
    with pytest.raises(TypeError, match="must return a pair"):
        record(lambda x: x, 1.0, has_aux=True)
    with pytest.raises(TypeError, match="aux must be a Value or a sequence of Values, got str"):
        record(lambda x: (x, ["a"]), 1.0, has_aux=True)
