"""Leave for PyTorch and come back: ``to_torch(model)`` and ``from_torch(sequential)``.

``to_torch`` builds a float64 ``torch.nn.Sequential`` of ``Linear`` layers,
each followed by the module of its activation (``ReLU``, ``Tanh``,
``Sigmoid``; nothing for ``"linear"``), holding the same weights bit for bit.
``from_torch`` reads such a ``Sequential`` back into an ``MLP``.

torch is an optional extra (``pip install 'autograd-tiny[torch]'``): it is
imported only when one of these functions is called, never by the package.

What ``from_torch`` accepts is what an ``MLP`` can express: ``Linear`` layers
with a bias, each followed by at most one activation, the same activation
after every hidden layer and any one after the last (``LeakyReLU`` of slope 0
is ``ReLU``, ``Identity`` is skipped).  Weights of any real floating dtype
are read exactly (every float32 is a float64); the ``MLP`` computes in
float64, so it agrees with ``sequential.double()``.  Anything else raises
``ValueError`` naming the layer's index and repr.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .layers import MLP, Layer, Neuron
from .module import Module

__all__ = ["to_torch", "from_torch"]

_INSTALL = "pip install 'autograd-tiny[torch]'"
# The activations of MLP and the torch modules that compute them.
_MODULES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
_NAMES = {module: name for name, module in _MODULES.items()}


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(f"this needs PyTorch, an optional extra: {_INSTALL}") from error
    return torch


def _layers(model: Module) -> list[list[Neuron]]:
    """The neurons of each layer of an MLP, a Layer, or a Neuron (a layer of one)."""
    if type(model) is MLP:
        return [layer.neurons for layer in model.layers]
    if type(model) is Layer:
        return [model.neurons]
    if type(model) is Neuron:
        return [[model]]
    kind = type(model)
    name = kind.__qualname__
    if kind.__module__ != "builtins" and not kind.__module__.startswith(__package__ or "."):
        name = f"{kind.__module__}.{name}"  # micrograd's MLP is not this package's MLP
    raise TypeError(f"to_torch() takes an autograd_tiny.nn MLP, Layer or Neuron, got {name}")


def to_torch(model: Module) -> Any:
    """A float64 ``torch.nn.Sequential`` computing what ``model`` computes, with its weights.

    ``model`` is an ``MLP``, a ``Layer`` or a ``Neuron``; the weights are
    copied, so training one does not change the other.

    Its repr, for ``MLP(2, [3, 1], activation="tanh")``, is ``Sequential((0):
    Linear(in_features=2, out_features=3, bias=True) (1): Tanh() (2):
    Linear(in_features=3, out_features=1, bias=True))``.  The type is checked
    before torch is imported:

    >>> to_torch([0.5, 1.0])
    Traceback (most recent call last):
        ...
    TypeError: to_torch() takes an autograd_tiny.nn MLP, Layer or Neuron, got list
    """
    layers = _layers(model)  # the type is checked before torch is needed
    torch = _torch()
    modules = []
    for neurons in layers:
        linear = torch.nn.Linear(neurons[0].nin, len(neurons), dtype=torch.float64)
        with torch.no_grad():
            weights = [[w.data for w in n.w] for n in neurons]
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        if neurons[0].activation in _MODULES:
            modules.append(getattr(torch.nn, _MODULES[neurons[0].activation])())
    return torch.nn.Sequential(*modules)


def from_torch(sequential: Any) -> MLP:
    """The ``MLP`` a ``torch.nn.Sequential`` of ``Linear`` layers and activations computes.

    ``ValueError`` names the first layer an ``MLP`` cannot express; see the
    module's docstring for what it can.
    ``from_torch(to_torch(model))`` has ``model``'s architecture and weights
    (a one-layer ``MLP`` comes back with the default hidden ``activation``,
    which it does not use).
    """
    torch = _torch()
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"from_torch() takes a torch.nn.Sequential, got {type(sequential).__name__}"
        )
    linears, activations = _read(torch, list(sequential))
    for (index, layer), activation in zip(linears[:-1], activations[:-1], strict=False):
        if activation != activations[0]:
            raise ValueError(
                f"layer {index}, {layer!r}: an MLP has one activation for every hidden layer, "
                f"but this layer is followed by {_shown(activation)} and the first "
                f"by {_shown(activations[0])}"
            )
    sizes = [m.out_features for _, m in linears]
    model = MLP(
        linears[0][1].in_features,
        sizes,
        activation=activations[0] if len(sizes) > 1 else "relu",
        output_activation=activations[-1],
    )
    model.load_state_dict(_state(linears))
    return model


def _shown(activation: str) -> str:
    return "no activation" if activation == "linear" else _MODULES[activation]


def _activation(torch: Any, module: Any) -> str | None:
    """The MLP activation ``module`` computes, or ``None`` if it is not one."""
    name = type(module).__name__
    if type(module) is getattr(torch.nn, name, None) and name in _NAMES:
        return _NAMES[name]
    if type(module) is torch.nn.LeakyReLU and module.negative_slope == 0.0:
        return "relu"
    return None


def _read(torch: Any, modules: Sequence[Any]) -> tuple[list[tuple[int, Any]], list[str]]:
    """``(index, Linear)`` pairs and the activation after each, every layer checked."""
    linears: list[tuple[int, Any]] = []
    activations: list[str] = []
    previous = "nothing"
    for index, module in enumerate(modules):
        if type(module) is torch.nn.Identity:
            continue
        if type(module) is torch.nn.Linear:
            _check_linear(torch, index, module, linears)
            linears.append((index, module))
            activations.append("linear")
            previous = "Linear"
            continue
        activation = _activation(torch, module)
        if activation is None:
            raise ValueError(
                f"layer {index}, {module!r}: an MLP cannot express it (it is built of "
                "Linear layers with a bias, each followed by at most one ReLU, Tanh or Sigmoid)"
            )
        if previous != "Linear":
            where = "first" if previous == "nothing" else "right after another activation"
            raise ValueError(
                f"layer {index}, {module!r}: an activation must follow a Linear layer, "
                f"but this one comes {where}"
            )
        activations[-1], previous = activation, "activation"
    if not linears:
        raise ValueError("from_torch() needs at least one Linear layer, got none")
    return linears, activations


def _check_linear(torch: Any, index: int, module: Any, before: list[tuple[int, Any]]) -> None:
    if module.bias is None:
        raise ValueError(f"layer {index}, {module!r}: an MLP's neurons always have a bias")
    if not module.weight.dtype.is_floating_point or module.weight.dtype.is_complex:
        raise ValueError(f"layer {index}, {module!r}: weights must be real floats")
    if before and before[-1][1].out_features != module.in_features:
        raise ValueError(
            f"layer {index}, {module!r}: takes {module.in_features} inputs but the layer "
            f"before gives {before[-1][1].out_features}"
        )


def _state(linears: Sequence[tuple[int, Any]]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for i, (_, linear) in enumerate(linears):
        weights = linear.weight.detach().double().tolist()
        biases = linear.bias.detach().double().tolist()
        for j, (w, b) in enumerate(zip(weights, biases, strict=True)):
            state[f"layers.{i}.neurons.{j}.w"] = w
            state[f"layers.{i}.neurons.{j}.b"] = b
    return state
