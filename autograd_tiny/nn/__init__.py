"""Neural networks on ``Value``: ``Module``, ``Neuron``, ``Layer``, ``MLP``, model files, PyTorch.

>>> from autograd_tiny import nn
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> len(model.parameters())
17
"""

from .layers import ACTIVATIONS, MLP, Layer, Neuron, init_bound
from .modelfile import load, save
from .module import Module, StateDict
from .torch_bridge import from_torch, to_torch

__all__ = [
    "ACTIVATIONS",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "StateDict",
    "init_bound",
    "save",
    "load",
    "to_torch",
    "from_torch",
]
