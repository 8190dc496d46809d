"""nn: Neuron, Layer, MLP — structure, order, seeding, forward values, gradients, state dicts."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, gradients
from autograd_tiny.engine import topological_order
from autograd_tiny.nn import ACTIVATIONS, MLP, Layer, Module, Neuron, init_bound

PHI = {
    "relu": lambda s: max(s, 0.0),
    "tanh": math.tanh,
    "sigmoid": lambda s: 1.0 / (1.0 + math.exp(-s)),
    "linear": lambda s: s,
}
inputs = st.lists(st.floats(-3, 3), min_size=3, max_size=3)


def test_parameters_come_layer_by_layer_neuron_by_neuron_weights_then_bias() -> None:
    model = MLP(2, [3, 2, 1], seed=4)
    expected = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    params = model.parameters()
    assert len(params) == 3 * 3 + 2 * 4 + 1 * 3
    assert all(a is b for a, b in zip(params, expected, strict=True))


def test_micrograd_demo_architecture_has_337_parameters() -> None:
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_layer_returns_a_list_and_mlp_unwraps_a_single_output() -> None:
    assert isinstance(Layer(2, 1)([1.0, 2.0]), list)
    assert isinstance(MLP(2, [16, 1, 1])([1.0, 2.0]), Value)
    out = MLP(2, [4, 3])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    a, b, c = MLP(3, [5, 2], seed=7), MLP(3, [5, 2], seed=7), MLP(3, [5, 2], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    assert MLP(3, [5, 2]).state_dict() == MLP(3, [5, 2], seed=0).state_dict()


def test_weights_follow_the_documented_recipe_exactly() -> None:
    # One random.Random(seed); per neuron, weights uniform(±bound), then the bias uniform(±1/√nin).
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=11)
    rng = random.Random(11)
    for layer in model.layers:
        bound = init_bound(layer.activation, layer.nin, layer.nout)
        for neuron in layer.neurons:
            assert [w.data for w in neuron.w] == [rng.uniform(-bound, bound) for _ in neuron.w]
            assert neuron.b.data == rng.uniform(-1.0, 1.0) / math.sqrt(layer.nin)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_initial_weights_lie_within_the_bound(activation: str) -> None:
    layer = Layer(20, 30, activation, rng=random.Random(3))
    bound = init_bound(activation, 20, 30)
    weights = [w.data for n in layer.neurons for w in n.w]
    assert all(-bound <= w <= bound for w in weights)
    assert max(abs(w) for w in weights) > 0.8 * bound  # the whole range is used


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(x=inputs, seed=st.integers(0, 2**32))
def test_neuron_computes_its_definition(activation: str, x: list[float], seed: int) -> None:
    neuron = Neuron(3, activation, rng=random.Random(seed))
    neuron.b.data = 0.25
    s = 0.25 + sum(w.data * xi for w, xi in zip(neuron.w, x, strict=True))
    assert neuron(x).data == pytest.approx(PHI[activation](s), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_neuron_costs_one_node_per_input_plus_its_activation(activation: str) -> None:
    nin = 50
    out = Neuron(nin, activation)([0.5] * nin)
    ops = [node.op for node in topological_order(out) if node.op]
    assert ops.count("fma") == nin
    assert len(ops) == nin + (activation != "linear")


@given(x=st.lists(st.floats(-2, 2), min_size=2, max_size=2), seed=st.integers(0, 1000))
def test_mlp_gradients_match_central_differences(x: list[float], seed: int) -> None:
    model = MLP(2, [3, 2, 1], activation="tanh", output_activation="sigmoid", seed=seed)
    params = model.parameters()
    analytic = [g.data for g in gradients(model(x), params)]
    h = 1e-6
    for p, g in zip(params, analytic, strict=True):
        p.data += h
        up = model(x).data
        p.data -= 2 * h
        down = model(x).data
        p.data += h
        assert g == pytest.approx((up - down) / (2 * h), abs=1e-7)


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [4, 1], activation="tanh")
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_inputs_may_be_values_ints_and_a_lone_number_when_nin_is_one() -> None:
    model = MLP(2, [3, 1], seed=2)
    assert model([Value(1.0), 2]).data == model([1.0, 2.0]).data
    assert MLP(1, [2, 1])(0.5).data == MLP(1, [2, 1])([0.5]).data


def test_bad_inputs_raise_builtin_errors_that_name_the_problem() -> None:
    model = MLP(2, [3, 1])
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="str"):
        model(["a", "b"])
    with pytest.raises(TypeError, match="NoneType"):
        model(None)
    with pytest.raises(ValueError, match="nin must be at least 1"):
        Neuron(0)
    with pytest.raises(TypeError, match="nin must be an int, got float"):
        Layer(2.0, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(2, [3], activation="softmax")
    with pytest.raises(TypeError, match="seed must be an int"):
        MLP(2, [3], seed="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="nouts"):
        MLP(2, [])


def test_repr_shows_the_architecture() -> None:
    assert repr(MLP(2, [16, 16, 1])) == (
        "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"
    )
    assert repr(Layer(3, 2, "tanh")) == "Layer(3, 2, activation='tanh')"
    assert repr(Neuron(4, "sigmoid")) == "Neuron(4, activation='sigmoid')"


def test_state_dict_names_and_round_trip() -> None:
    a, b = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=2)
    state = a.state_dict()
    assert list(state)[:2] == ["layers.0.neurons.0.w", "layers.0.neurons.0.b"]
    assert state["layers.1.neurons.0.w"] == [w.data for w in a.layers[1].neurons[0].w]
    params_before = b.parameters()
    b.load_state_dict(state)
    assert b.state_dict() == state
    assert all(p is q for p, q in zip(b.parameters(), params_before, strict=True))  # in place


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), "missing key 'layers.1.neurons.0.b'"),
        (lambda s: s.update(extra=1.0), "unexpected key 'extra'"),
        (lambda s: s.update({"layers.0.neurons.2.w": [1.0]}), "shape.*neurons.2.w.*got length 1"),
        (lambda s: s.update({"layers.0.neurons.1.b": "0"}), "neurons.1.b.*got str"),
        (lambda s: s.update({"layers.0.neurons.1.w": 3.0}), "neurons.1.w.*got float"),
        (lambda s: s.update({"layers.0.neurons.1.w": [1.0, True]}), "got bool"),
    ],
)
def test_load_state_dict_names_the_first_mismatch_and_changes_nothing(edit, message) -> None:  # type: ignore[no-untyped-def]
    model = MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    state = MLP(2, [3, 1], seed=2).state_dict()
    edit(state)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([1.0])  # type: ignore[arg-type]


def test_a_module_subclass_gets_everything_from_its_entries_and_children() -> None:
    class Pair(Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.body = Neuron(2, "linear")

        def _entries(self):  # type: ignore[no-untyped-def]
            return [("scale", self.scale)]

        def _children(self):  # type: ignore[no-untyped-def]
            return [("body", self.body)]

    pair = Pair()
    assert list(pair.state_dict()) == ["scale", "body.w", "body.b"]
    assert pair.parameters()[0] is pair.scale
    with pytest.raises(NotImplementedError):
        pair([1.0, 2.0])
