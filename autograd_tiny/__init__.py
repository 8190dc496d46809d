"""autograd_tiny: a scalar reverse-mode automatic-differentiation engine.

>>> from autograd_tiny import Value
>>> x = Value(2.0)
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0
"""

from .engine import Value, apply
from .functional import grad, gradients, hessian, value_and_grad
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad

__all__ = [
    "Value",
    "apply",
    "gradients",
    "grad",
    "value_and_grad",
    "hessian",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
]
__version__ = "0.1.0"
