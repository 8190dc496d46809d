"""The numpy backend: each op element-wise as the table, a batch as many samples."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, apply, gradients
from autograd_tiny.nn import MLP
from autograd_tiny.ops import PRIMITIVES, Primitive
from autograd_tiny.replay import GuardError, record
from autograd_tiny.replay.numpy_backend import import_numpy

special = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 1e-300, 1e300, math.inf, -math.inf, math.nan])
numbers = st.floats(-30.0, 30.0, allow_nan=False) | special


def close(a: float, b: float) -> bool:
    """Equal, both NaN, or within 1e-12 relative (numpy's libm may differ by an ulp)."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return math.isclose(a, b, rel_tol=1e-12)


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
@given(data=st.data())
def test_every_op_agrees_with_the_table_elementwise(prim: Primitive, data: st.DataObject) -> None:
    rows = data.draw(st.lists(st.tuples(*[numbers] * prim.arity), min_size=1, max_size=8))
    program = record(lambda *v: apply(prim, *v), *rows[0], backend="numpy")
    columns = [np.array(c) for c in zip(*rows, strict=True)]
    out, grads, _ = program.value_and_grad(*columns)
    for k, row in enumerate(rows):
        want = prim.forward(*row)
        assert close(float(out[k]), want), (row, out[k], want)
        for i, g in enumerate(grads):
            assert close(float(g[k]), prim.partials[i](*row, want)), (row, i, g[k])


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
@given(data=st.data(), seed=st.sampled_from([math.inf, -math.inf, math.nan, 1e300, 1e-300]))
def test_every_op_passes_any_gradient_as_the_eager_engine(
    prim: Primitive, data: st.DataObject, seed: float
) -> None:
    """Shares of a huge, tiny or non-finite gradient: divided, masked, as eager."""
    rows = data.draw(st.lists(st.tuples(*[numbers] * prim.arity), min_size=1, max_size=8))
    program = record(lambda *v: apply(prim, *v), *rows[0], backend="numpy")
    _, grads, _ = program.value_and_grad(
        *(np.array(c) for c in zip(*rows, strict=True)), grad_output=seed
    )
    for k, row in enumerate(rows):
        leaves = [Value(x) for x in row]
        eager = gradients(apply(prim, *leaves), leaves, grad_output=seed)
        for i, g in enumerate(grads):
            assert close(float(g[k]), eager[i].data), (row, i, seed, g[k], eager[i].data)


def hinge(model: MLP) -> Any:
    def loss(x0: Value, x1: Value, y: Value) -> Value:
        return (1.0 - y * model([x0, x1])).relu()

    return loss


@given(seed=st.integers(0, 1000), size=st.integers(1, 12), data=st.data())
def test_a_batch_is_every_sample_and_parameter_gradients_are_summed(
    seed: int, size: int, data: st.DataObject
) -> None:
    model = MLP(2, [4, 1], "tanh", seed=seed)
    loss, params = hinge(model), model.parameters()
    rows = data.draw(st.lists(st.tuples(*[st.floats(-2, 2)] * 3), min_size=size, max_size=size))
    program = record(loss, *rows[0], params=model, backend="numpy")
    out, grads, param_grads = program.value_and_grad(
        *(np.array(c) for c in zip(*rows, strict=True))
    )
    totals, scales = [0.0] * len(params), [0.0] * len(params)
    for k, row in enumerate(rows):
        model.zero_grad()
        leaves = [Value(x) for x in row]
        result = loss(*leaves)
        result.backward()
        assert close(float(out[k]), result.data)
        assert all(close(float(g[k]), leaf.grad) for g, leaf in zip(grads, leaves, strict=True))
        for i, p in enumerate(params):
            totals[i] += p.grad
            scales[i] += abs(p.grad)
    for got, want, scale in zip(param_grads, totals, scales, strict=True):
        assert abs(got - want) <= 1e-12 * scale  # a sum in another order


def test_backward_adds_the_batch_gradients_into_the_parameters() -> None:
    model = MLP(2, [3, 1], seed=2)
    program = record(hinge(model), 0.0, 0.0, 1.0, params=model, backend="numpy")
    batch = [np.array([0.5, -0.5]), np.array([1.0, 0.2]), np.array([1.0, -1.0])]
    _, _, want = program.value_and_grad(*batch, grad_output=0.5)
    model.zero_grad()
    program.backward(*batch, grad_output=0.5)
    assert [p.grad for p in model.parameters()] == list(want)


def test_a_number_is_shared_by_the_whole_batch() -> None:
    program = record(lambda x, y: x * y, 1.0, 1.0, backend="numpy")
    out, (gx, gy), _ = program.value_and_grad(np.array([1.0, 2.0, 3.0]), 10)
    assert out.tolist() == [10.0, 20.0, 30.0]
    assert gx.tolist() == [10.0] * 3 and gy.tolist() == [1.0, 2.0, 3.0]


def test_samples_that_branch_differently_are_replayed_one_by_one() -> None:
    def fn(x: Value) -> Value:
        return x * 2.0 if x > 0 else x * x

    batch = np.array([1.0, -3.0, 2.0])
    out, (g,), _ = record(fn, 1.0, backend="numpy").value_and_grad(batch)
    assert out.tolist() == [2.0, 9.0, 4.0] and g.tolist() == [2.0, -6.0, 2.0]
    assert record(fn, 1.0, backend="numpy").run(-2.0).tolist() == [4.0]  # a number, one sample
    with pytest.raises(GuardError, match=r"x0 > 0\.0"):
        record(fn, 1.0, backend="numpy", strict=True).run(batch)


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        ((np.zeros((2, 2)), 1.0), ValueError, r"1-D batch, got shape \(2, 2\)"),
        ((["a", "b"], 1.0), TypeError, "real numbers, got list of dtype <U1"),
        ((None, 1.0), TypeError, "real numbers, got NoneType"),
        (([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, r"different sizes: \[2, 3\]"),
        (([1.0],), TypeError, "takes 2 inputs, got 1"),
    ],
)
def test_bad_batches_raise_clear_errors(inputs: Any, error: Any, message: str) -> None:
    program = record(lambda x, y: x + y, 1.0, 1.0, backend="numpy")
    with pytest.raises(error, match=message):
        program.run(*inputs)


def test_a_users_op_replays_with_no_numpy_version_of_its_own() -> None:
    cube = Primitive("cube", lambda x: x**3, (lambda x, out: 3.0 * x * x,))
    program = record(lambda x: apply(cube, x), 1.0, backend="numpy")
    out, (gx,), _ = program.value_and_grad(np.array([1.0, -2.0]))
    assert out.tolist() == [1.0, -8.0] and gx.tolist() == [3.0, 12.0]


def test_missing_numpy_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match=r"pip install 'autograd-tiny\[numpy\]'"):
        import_numpy()


@pytest.mark.parametrize(
    ("batch", "expected"),
    [
        ([1e308, -1.0, 1e308], math.inf),  # 1e308 + 1e308 overflows (math.fsum raised)
        ([math.inf, -1.0, -math.inf], math.nan),  # inf - inf (math.fsum raised)
        ([1.5, -2.0, 0.25], 1.5 + 2.0 * -2.0 + 0.25),
    ],
)
def test_samples_replayed_one_by_one_sum_parameter_gradients_as_eager(
    batch: list[float], expected: float
) -> None:
    p = Value(1.0)

    def fn(x: Value) -> Value:
        return p * x if x > 0 else p * x * 2.0  # the rows take different branches

    _, _, (gp,) = record(fn, 1.0, params=[p], backend="numpy").value_and_grad(np.array(batch))
    eager = 0.0
    for x in batch:
        eager += gradients(fn(Value(x)), [p])[0].data
    assert close(gp, expected) and close(gp, eager)


def test_per_sample_replay_keeps_aux_values() -> None:
    def fn(x: Value) -> tuple[Value, Value]:
        y = x * 2.0 if x > 0 else x * x
        return y, y + 1.0

    program = record(fn, 1.0, backend="numpy", has_aux=True)
    (out, aux), (g,), _ = program.value_and_grad(np.array([1.0, -3.0]))
    assert out.tolist() == [2.0, 9.0] and aux.tolist() == [3.0, 10.0] and g.tolist() == [2.0, -6.0]


@pytest.mark.parametrize("label", ["all_", "any_", "zeros_like", "reduce", "grad_output", "where"])
def test_a_label_never_takes_a_name_the_generated_numpy_code_uses(label: str) -> None:
    x = Value(1.0, label=label)
    program = record(lambda v: (v * v).relu() if v > 0 else -v, x, backend="numpy")
    out, (gx,), _ = program.value_and_grad(np.array([2.0, 3.0]))
    assert out.tolist() == [4.0, 9.0] and gx.tolist() == [4.0, 6.0]


def test_a_parameter_whose_every_share_is_a_constant_sums_it_over_the_batch() -> None:
    # floor's derivative is the constant 0, and a share through x * 0.0 + p is 1.0
    # for every sample: one number for the whole batch, counted once per sample.
    p = Value(0.3)
    batch = np.array([1.0, 2.0, 3.0, 4.0])
    zero = record(lambda x: (x * p).floor(), 1.2, params=[p], backend="numpy")
    assert zero.value_and_grad(batch)[2] == (0.0,)
    ones = record(lambda x: x * 0.0 + p, 1.2, params=[p], backend="numpy")
    assert ones.value_and_grad(batch)[2] == (4.0,)
    per_sample = [record(lambda x: x * 0.0 + p, 1.2, params=[p]).value_and_grad(x) for x in batch]
    assert sum(r[2][0] for r in per_sample) == 4.0
