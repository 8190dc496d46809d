"""autograd_tiny.micrograd.nn against micrograd 0.1.0 itself: weights, reprs, floats.

micrograd is the oracle here (skipped where it is not installed): after the same
``random.seed`` both libraries must hold the same weights and compute the same
outputs, gradients and training steps.  The floats are compared exactly where the
arithmetic is the same (the forward pass) and to 1e-12 where only the order of
summing a gradient's shares may differ (micrograd's order follows a ``set``).
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny.micrograd import nn
from autograd_tiny.micrograd.engine import Value


@pytest.fixture(scope="module")
def mg() -> Any:
    """micrograd 0.1.0's ``nn`` module (its ``Value`` is ``mg.Value``)."""
    return pytest.importorskip("micrograd.nn")


def build(module: Any, seed: int, nin: int, nouts: list[int]) -> Any:
    random.seed(seed)
    return module.MLP(nin, nouts)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


SHAPES = st.tuples(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=3))
# A hidden layer of one neuron returns a Value, which the next layer cannot read,
# in micrograd as here (test_a_hidden_layer_of_one_fails_as_in_micrograd).
CALLABLE = st.tuples(
    st.integers(1, 4),
    st.builds(lambda h, o: [*h, o], st.lists(st.integers(2, 4), max_size=2), st.integers(1, 4)),
)


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), shape=SHAPES)
def test_same_seed_same_weights_reprs_and_order(mg: Any, seed: int, shape: Any) -> None:
    nin, nouts = shape
    ours, theirs = build(nn, seed, nin, nouts), build(mg, seed, nin, nouts)
    assert repr(ours) == repr(theirs)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    layer_ours, layer_theirs = ours.layers[0], theirs.layers[0]
    assert repr(layer_ours) == repr(layer_theirs)
    assert repr(layer_ours.neurons[0]) == repr(layer_theirs.neurons[0])


@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=CALLABLE,
    xs=st.lists(st.floats(-3, 3), min_size=4, max_size=4),
)
def test_outputs_and_gradients_agree_with_micrograd(
    mg: Any, seed: int, shape: Any, xs: list[float]
) -> None:
    nin, nouts = shape
    ours, theirs = build(nn, seed, nin, nouts), build(mg, seed, nin, nouts)
    out_ours, out_theirs = ours(xs[:nin]), theirs(xs[:nin])
    single = nouts[-1] == 1  # one output: the Value itself, as micrograd
    assert isinstance(out_ours, Value) == single == (type(out_theirs) is mg.Value)
    outs_ours = [out_ours] if single else out_ours
    outs_theirs = [out_theirs] if single else out_theirs
    assert [o.data for o in outs_ours] == [o.data for o in outs_theirs]  # same sums, same order
    loss_ours = sum(o * o for o in outs_ours)
    loss_theirs = sum(o * o for o in outs_theirs)
    loss_ours.backward()
    loss_theirs.backward()
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert close(p.grad, q.grad), (p.grad, q.grad)
    ours.zero_grad()
    assert all(p.grad == 0.0 for p in ours.parameters())


def test_a_layer_of_one_returns_the_value_and_nonlin_is_passed_on(mg: Any) -> None:
    random.seed(0)
    layer = nn.Layer(3, 1, nonlin=False)
    assert repr(layer) == "Layer of [LinearNeuron(3)]"
    assert isinstance(layer([1.0, 2.0, 3.0]), Value)
    assert nn.Module().parameters() == []


def test_a_hidden_layer_of_one_fails_as_in_micrograd(mg: Any) -> None:
    for module in (nn, mg):
        with pytest.raises(TypeError, match="not iterable"):
            build(module, 0, 2, [1, 1])([1.0, 2.0])


# --- micrograd's demo, the first training steps, live ------------------------------------


def demo_steps(value: Any, module: Any, data: Any, steps: int) -> list[tuple[float, float]]:
    """micrograd's demo.ipynb training loop (full batch), as its notebook writes it."""
    X, y = data
    random.seed(1337)
    model = module.MLP(2, [16, 16, 1])
    history = []
    for k in range(steps):
        inputs = [list(map(value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        total_loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        accuracy = [(yi > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True)]
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        history.append((float(total_loss.data), sum(accuracy) / len(accuracy)))
    return history


@pytest.mark.slow
def test_the_demos_first_training_steps_match_micrograd_run_live(mg: Any) -> None:
    np = pytest.importorskip("numpy")
    datasets = pytest.importorskip("sklearn.datasets")
    np.random.seed(1337)
    data = datasets.make_moons(n_samples=100, noise=0.1)
    data = (data[0], data[1] * 2 - 1)
    ours = demo_steps(Value, nn, data, 3)
    theirs = demo_steps(mg.Value, mg, data, 3)
    assert ours[0] == theirs[0]  # before any update: the same sums in the same order
    for (loss, acc), (want, want_acc) in zip(ours, theirs, strict=True):
        assert math.isclose(loss, want, rel_tol=1e-12), (loss, want)
        assert acc == want_acc
