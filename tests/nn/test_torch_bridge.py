"""``nn.to_torch`` / ``nn.from_torch``: the same function, weights and gradients as PyTorch float64.

Expected values come from PyTorch itself: the model and its torch copy are run
on the same inputs and their outputs and gradients (for the parameters and the
inputs) must agree to 1e-12.
"""

from __future__ import annotations

import doctest
import math
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import Value, nn
from autograd_tiny.nn import MLP, Layer, Neuron

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-12


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def bits(values: list[float]) -> list[bytes]:
    return [struct.pack("<d", v) if not math.isnan(v) else b"nan" for v in values]


def ours(model: nn.Module, x: list[float], coefficients: list[float]) -> tuple[list[float], ...]:
    """Outputs, parameter gradients and input gradients of ``Σ cᵢ·outᵢ``, by this engine."""
    inputs = [Value(v) for v in x]
    out = model(inputs)
    outs = out if isinstance(out, list) else [out]
    model.zero_grad()
    loss = sum((c * o for c, o in zip(coefficients, outs, strict=True)), Value(0.0))
    loss.backward()
    return [o.data for o in outs], [p.grad for p in model.parameters()], [v.grad for v in inputs]


def flat(seq: Any, grad: bool = False) -> list[float]:
    """The Linear layers' weights (or gradients) in this package's order: a row, then its bias."""
    found: list[float] = []
    for m in seq:
        if type(m).__name__ == "Linear":
            w, b = (m.weight.grad, m.bias.grad) if grad else (m.weight, m.bias)
            for row, bias in zip(w.tolist(), b.tolist(), strict=True):
                found += [*row, bias]
    return found


def theirs(torch: Any, seq: Any, x: list[float], coefficients: list[float]) -> tuple[Any, ...]:
    """The same, by PyTorch float64."""
    inputs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = seq(inputs)
    (out * torch.tensor(coefficients, dtype=torch.float64)).sum().backward()
    return out.tolist(), flat(seq, grad=True), inputs.grad.tolist()


def assert_agree(got: tuple[list[float], ...], expected: tuple[list[float], ...]) -> None:
    for what, a, b in zip(
        ("outputs", "parameter grads", "input grads"), got, expected, strict=True
    ):
        assert len(a) == len(b), what
        bad = [(i, x, y) for i, (x, y) in enumerate(zip(a, b, strict=True)) if not close(x, y)]
        assert not bad, f"{what} differ: {bad[:3]}"


activations = st.sampled_from(nn.ACTIVATIONS)
finite = st.floats(-5.0, 5.0, allow_nan=False)


@st.composite
def cases(draw: Any) -> tuple[MLP, list[float], list[float]]:
    nin = draw(st.integers(1, 4))
    nouts = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    model = MLP(nin, nouts, draw(activations), draw(activations), seed=draw(st.integers(0, 99)))
    x = draw(st.lists(finite, min_size=nin, max_size=nin))
    coefficients = draw(st.lists(finite, min_size=nouts[-1], max_size=nouts[-1]))
    return model, x, coefficients


# --- to_torch -----------------------------------------------------------------


@given(case=cases())
def test_to_torch_computes_the_same_outputs_and_gradients(case: Any) -> None:
    torch = pytest.importorskip("torch")
    model, x, coefficients = case
    seq = nn.to_torch(model)
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    assert_agree(ours(model, x, coefficients), theirs(torch, seq, x, coefficients))


def test_to_torch_lays_out_linear_layers_and_activation_modules(torch: Any) -> None:
    seq = nn.to_torch(MLP(3, [4, 2, 1], activation="tanh", output_activation="sigmoid"))
    kinds = [type(m).__name__ for m in seq]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Sigmoid"]
    assert [(m.in_features, m.out_features) for m in seq[::2]] == [(3, 4), (4, 2), (2, 1)]
    relu_linear = nn.to_torch(MLP(2, [3, 1], activation="relu"))
    assert [type(m).__name__ for m in relu_linear] == ["Linear", "ReLU", "Linear"]


def test_to_torch_copies_the_weights_bit_for_bit_and_owns_them(torch: Any) -> None:
    model = MLP(2, [3, 1], seed=4)
    specials = [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308]
    for p, v in zip(model.parameters(), specials, strict=False):
        p.data = v
    seq = nn.to_torch(model)
    assert bits(flat(seq)) == bits([p.data for p in model.parameters()])
    with torch.no_grad():
        seq[0].weight.fill_(7.0)
    assert model.parameters()[0].data != 7.0


@pytest.mark.parametrize(
    "module", [Neuron(3, "tanh", rng=None), Layer(3, 2, "sigmoid"), Layer(2, 2, "linear")]
)
def test_to_torch_takes_a_layer_or_a_neuron(torch: Any, module: nn.Module) -> None:
    x, coefficients = [0.5, -1.25, 2.0][: module.nin], [0.75, -1.5][: len(_outputs(module))]
    seq = nn.to_torch(module)
    assert_agree(ours(module, x, coefficients), theirs(torch, seq, x, coefficients))
    back = nn.from_torch(seq)
    assert bits([p.data for p in back.parameters()]) == bits([p.data for p in module.parameters()])


def _outputs(module: Any) -> list[Any]:
    out = module([0.0] * module.nin)
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("wrong", [[1.0, 2.0], "MLP", None, nn.Module()])
def test_to_torch_refuses_what_is_not_a_model(wrong: Any) -> None:
    with pytest.raises(TypeError, match=f"got {type(wrong).__name__}$"):
        nn.to_torch(wrong)


def test_to_torch_says_whose_mlp_it_received() -> None:
    from autograd_tiny.micrograd import nn as micrograd_nn

    with pytest.raises(TypeError, match=r"got autograd_tiny\.micrograd\.nn\.MLP$"):
        nn.to_torch(micrograd_nn.MLP(2, [1]))


# --- from_torch -----------------------------------------------------------------

TORCH_ACTIVATIONS = ("ReLU", "Tanh", "Sigmoid", None)


@st.composite
def sequentials(draw: Any) -> tuple[list[tuple[int, str | None]], int, str | None]:
    """A layout an MLP can express: sizes, one hidden activation, any output activation."""
    nin = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    hidden, last = (
        draw(st.sampled_from(TORCH_ACTIVATIONS)),
        draw(st.sampled_from(TORCH_ACTIVATIONS)),
    )
    acts = [hidden] * (len(sizes) - 1) + [last]
    return list(zip(sizes, acts, strict=True)), nin, draw(st.integers(0, 2**16))


def build(torch: Any, layout: list[tuple[int, str | None]], nin: int, seed: int, **kw: Any) -> Any:
    torch.manual_seed(seed)
    modules: list[Any] = []
    for size, act in layout:
        modules.append(torch.nn.Linear(nin, size, **kw))
        modules += [getattr(torch.nn, act)()] if act else []
        nin = size
    return torch.nn.Sequential(*modules)


@given(case=sequentials(), data=st.data())
def test_from_torch_computes_what_the_sequential_computes(case: Any, data: Any) -> None:
    torch = pytest.importorskip("torch")
    layout, nin, seed = case
    seq = build(torch, layout, nin, seed, dtype=torch.float64)
    model = nn.from_torch(seq)
    assert model.nouts == [size for size, _ in layout]
    x = data.draw(st.lists(finite, min_size=nin, max_size=nin))
    coefficients = data.draw(st.lists(finite, min_size=layout[-1][0], max_size=layout[-1][0]))
    assert_agree(ours(model, x, coefficients), theirs(torch, seq, x, coefficients))
    # and back again: the same layers, the same weights to the bit
    again = nn.to_torch(model)
    assert repr(again) == repr(seq)
    for a, b in zip(again.parameters(), seq.parameters(), strict=True):
        assert torch.equal(a, b)


def test_from_torch_reads_float32_weights_exactly_and_agrees_with_double(torch: Any) -> None:
    seq = build(torch, [(3, "Tanh"), (2, None)], 2, seed=1)
    assert seq[0].weight.dtype == torch.float32
    model = nn.from_torch(seq)
    assert bits([p.data for p in model.parameters()]) == bits(flat(seq))
    x, coefficients = [0.3, -0.7], [1.0, -2.0]
    assert_agree(ours(model, x, coefficients), theirs(torch, seq.double(), x, coefficients))


def test_from_torch_takes_leaky_relu_of_slope_zero_and_skips_identity(torch: Any) -> None:
    seq = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.0), torch.nn.Identity(), torch.nn.Linear(3, 1)
    )
    model = nn.from_torch(seq)
    assert (model.activation, model.output_activation, model.nouts) == ("relu", "linear", [3, 1])


def _bad(torch: Any) -> list[tuple[Any, int, str]]:
    L, nn_ = torch.nn.Linear, torch.nn
    return [
        (nn_.Sequential(L(2, 3), nn_.Dropout(0.1), L(3, 1)), 1, "cannot express"),
        (nn_.Sequential(L(2, 3), nn_.BatchNorm1d(3)), 1, "cannot express"),
        (nn_.Sequential(nn_.Conv2d(1, 1, 3)), 0, "cannot express"),
        (nn_.Sequential(L(2, 3), nn_.LeakyReLU(0.01)), 1, "cannot express"),
        (nn_.Sequential(L(2, 3), nn_.Sequential(nn_.ReLU())), 1, "cannot express"),
        (nn_.Sequential(L(2, 3, bias=False)), 0, "always have a bias"),
        (nn_.Sequential(L(2, 3), nn_.ReLU(), nn_.Tanh()), 2, "right after another activation"),
        (nn_.Sequential(nn_.ReLU(), L(2, 3)), 0, "comes first"),
        (nn_.Sequential(L(2, 3), nn_.ReLU(), L(3, 3), nn_.Tanh(), L(3, 1)), 2, "one activation"),
        (nn_.Sequential(L(2, 3), nn_.ReLU(), L(3, 3), L(3, 1)), 2, "no activation"),
        (nn_.Sequential(L(2, 3), L(4, 1)), 1, "takes 4 inputs but the layer before gives 3"),
        (nn_.Sequential(L(2, 3, dtype=torch.complex128)), 0, "real floats"),
    ]


@pytest.mark.parametrize("case", range(12))
def test_from_torch_names_the_layer_an_mlp_cannot_express(torch: Any, case: int) -> None:
    seq, index, words = _bad(torch)[case]
    with pytest.raises(ValueError) as raised:
        nn.from_torch(seq)
    message = str(raised.value)
    assert message.startswith(f"layer {index}, {seq[index]!r}: ")
    assert words in message


def test_from_torch_needs_a_linear_layer(torch: Any) -> None:
    for seq in (torch.nn.Sequential(), torch.nn.Sequential(torch.nn.Identity())):
        with pytest.raises(ValueError, match="at least one Linear layer"):
            nn.from_torch(seq)


def test_from_torch_refuses_what_is_not_a_sequential(torch: Any) -> None:
    for wrong, name in ((torch.nn.Linear(2, 1), "Linear"), ([torch.nn.Linear(2, 1)], "list")):
        with pytest.raises(TypeError, match=f"takes a torch.nn.Sequential, got {name}$"):
            nn.from_torch(wrong)


# --- torch is an extra --------------------------------------------------------------


def test_without_torch_both_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    for call in (lambda: nn.to_torch(MLP(2, [1])), lambda: nn.from_torch(object())):
        with pytest.raises(ImportError, match=r"pip install 'autograd-tiny\[torch\]'"):
            call()


def test_the_package_never_imports_torch() -> None:
    code = (
        "import sys, autograd_tiny, autograd_tiny.nn, autograd_tiny.replay, autograd_tiny.train\n"
        "autograd_tiny.nn.MLP(2, [2, 1])([1.0, 2.0]).backward()\n"
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_training_pages_pytorch_example_runs(torch: Any) -> None:
    """The example is a ``text`` block (the docs' own doctests run without torch): run it here."""
    page = (ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    start = page.index("<!-- pytorch example: run by tests/nn/test_torch_bridge.py -->")
    body = page[start:].split("```text\n", 1)[1].split("```", 1)[0]
    assert body.startswith(">>> ")
    test = doctest.DocTestParser().get_doctest(body, {}, "training.md", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.tries > 3 and runner.failures == 0, "".join(report)
