"""micrograd's API on this engine: ``engine.Value`` and ``nn``, imports changed only.

Code written for Karpathy's micrograd runs after replacing ``from micrograd``
with ``from autograd_tiny.micrograd``, and with the same ``random.seed`` it
computes the same numbers.  What it builds are ``autograd_tiny.Value`` nodes,
so the rest of this package works on them.  See docs/migration.md.

>>> from autograd_tiny.micrograd.engine import Value
>>> from autograd_tiny.micrograd import nn
>>> x = Value(1.0)
>>> y = (x * 2 + 1).relu()
>>> y.backward()
>>> y.data, x.grad, nn.Neuron(2)
(3.0, 2.0, ReLUNeuron(2))
"""

from . import engine, nn

__all__ = ["engine", "nn"]
